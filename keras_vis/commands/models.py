"""``python -m keras_vis models``: every zoo model x preset with its fusion, size and clip spec;
with ``--options``, every option a preset sets (what ``model.overrides`` can change)."""

from __future__ import annotations

import argparse
import fnmatch
import inspect
import json
import sys


def register(subparsers, parents) -> None:
    p = subparsers.add_parser(
        "models", parents=parents, help="list the zoo's models and presets",
        description="List every zoo model at every preset: fusion, parameter count, clip spec "
                    "(parameters are counted by building each model on the chosen backend); then "
                    "the trained checkpoints shipped in the package, with their figures.",
    )
    p.add_argument("--json", action="store_true", help="print a JSON list instead of a table")
    p.add_argument("--pattern", default="*",
                   help="only models whose name holds this text, or matches it as a glob "
                   "(* ? []): motion_lag and motion_* both find motion_lag_fusion")
    p.add_argument("--options", action="store_true",
                   help="also each model's options at every preset (an experiment changes them "
                        "with --set model.overrides.NAME=VALUE)")
    p.set_defaults(func=main)


def matching_models(pattern: str = "*") -> list[str]:
    """The zoo's models whose name matches ``pattern``: a glob when it holds ``*``, ``?`` or
    ``[``, else a substring. Raises ``KerasVisError`` naming the models when none matches."""
    import zoo
    from keras_vis.errors import KerasVisError

    known = zoo.list_models()
    glob = pattern if any(char in pattern for char in "*?[") else f"*{pattern}*"
    names = [name for name in known if fnmatch.fnmatchcase(name, glob)]
    if not names:
        raise KerasVisError(f"--pattern {pattern!r}: no model matches (a substring of a name, "
                            f"or a glob with * ? []); models: {', '.join(known)}")
    return names


def describe(name: str) -> str:
    """One line on model ``name``: its builder's docstring, else its module's, first sentence,
    without the model's own name in front."""
    from zoo import registry

    builder = registry.builder_of(name)
    text = inspect.getdoc(builder) or inspect.getdoc(sys.modules[builder.__module__]) or ""
    first = " ".join(text.split("\n\n")[0].split()).replace("``", "")
    if first.startswith(name):
        first = first[len(name):].lstrip(" :")
    # "(seed Model 1): what it is" reads better as "what it is (seed Model 1)".
    if first.startswith("(") and "): " in first:
        lineage, _, first = first[1:].partition("): ")
        first = f"{first.rstrip('.')} ({lineage})"
    return first


def model_rows(pattern: str = "*") -> list[dict]:
    """One dict per model x preset: model, preset, fusion, params, clip (dict), clip_key,
    options (``zoo.options``)."""
    import zoo

    rows = []
    for name in matching_models(pattern):
        for preset_name, preset in zoo.presets(name).items():
            model = zoo.build(name, preset_name)
            rows.append({
                "model": name, "preset": preset_name, "fusion": preset.fusion,
                "params": int(model.count_params()),
                "clip": preset.clip.to_dict(), "clip_key": preset.clip.key(),
                "options": zoo.options(name, preset_name),
            })
            del model
    return rows


def shipped_rows() -> list[dict]:
    """One dict per shipped checkpoint: its metadata.json (provenance and figures)."""
    from keras_vis import checkpoints

    return [checkpoints.metadata(name) for name in checkpoints.list_shipped()]


def main(args: argparse.Namespace) -> int:
    import keras

    rows = model_rows(args.pattern)
    shipped = shipped_rows()
    names = list(dict.fromkeys(r["model"] for r in rows))
    descriptions = {name: describe(name) for name in names}
    if args.json:
        print(json.dumps({"backend": keras.backend.backend(), "models": rows,
                          "descriptions": descriptions, "checkpoints": shipped}, indent=2))
        return 0
    _print_table(("model", "what it is"), [(name, descriptions[name]) for name in names])
    # Which row a shipped checkpoint was trained as: the model a user gets from predict.
    trained_as = {(m["model"], m["preset"]): m["name"] for m in shipped}
    print()
    _print_table(("model", "preset", "fusion", "params", "clip", "shipped"), [
        (r["model"], r["preset"], r["fusion"], f"{r['params']:,}", r["clip_key"],
         f"<- {trained_as[(r['model'], r['preset'])]}"
         if (r["model"], r["preset"]) in trained_as else "") for r in rows
    ])
    if args.options:
        _print_options(rows)
    if shipped:
        print("\nshipped checkpoints (predict --model NAME; provenance in metadata.json):")
        _print_table(("name", "model", "preset", "task", "synthetic test acc", "real bal. acc",
                      "real AUC"), [
            (m["name"], m["model"], m["preset"], m["task"],
             f"{m['synthetic_test']['accuracy']:.3f}", *_real(m)) for m in shipped
        ])
    return 0


def _print_options(rows: list[dict]) -> None:
    """Per model, one line per option, one column per preset."""
    for name in dict.fromkeys(r["model"] for r in rows):
        own = [r for r in rows if r["model"] == name]
        print(f"\n{name} options (--set model.overrides.NAME=VALUE):")
        _print_table(("option", *(r["preset"] for r in own)), [
            (option, *(_value(r["options"][option]) for r in own)) for option in own[0]["options"]
        ])


def _value(value, inside: bool = False) -> str:
    """As ``--set`` takes it: a TOML value, where a bare word alone is read as a string."""
    if isinstance(value, (tuple, list)):
        return "[" + ",".join(_value(v, inside=True) for v in value) + "]"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str) and inside:
        return f'"{value}"'
    return str(value)


def _real(meta: dict) -> tuple[str, str]:
    real = meta.get("real_clips")
    if not real:
        return "-", "-"
    return f"{real['balanced_accuracy']:.3f}", f"{real['auc']:.3f}"


def _print_table(header: tuple[str, ...], body: list[tuple[str, ...]]) -> None:
    table = [header, *body]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for row in table:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
