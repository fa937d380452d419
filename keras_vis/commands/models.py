"""``python -m keras_vis models``: every zoo model x preset with its fusion, size and clip spec;
with ``--options``, every option a preset sets (what ``model.overrides`` can change)."""

from __future__ import annotations

import argparse
import json


def register(subparsers, parents) -> None:
    p = subparsers.add_parser(
        "models", parents=parents, help="list the zoo's models and presets",
        description="List every zoo model at every preset: fusion, parameter count, clip spec "
                    "(parameters are counted by building each model on the chosen backend); then "
                    "the trained checkpoints shipped in the package, with their figures.",
    )
    p.add_argument("--json", action="store_true", help="print a JSON list instead of a table")
    p.add_argument("--pattern", default="*", help="only models matching this shell pattern")
    p.add_argument("--options", action="store_true",
                   help="also each model's options at every preset (an experiment changes them "
                        "with --set model.overrides.NAME=VALUE)")
    p.set_defaults(func=main)


def model_rows(pattern: str = "*") -> list[dict]:
    """One dict per model x preset: model, preset, fusion, params, clip (dict), clip_key,
    options (``zoo.options``)."""
    import zoo

    rows = []
    for name in zoo.list_models(pattern):
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
    if args.json:
        print(json.dumps({"backend": keras.backend.backend(), "models": rows,
                          "checkpoints": shipped}, indent=2))
        return 0
    _print_table(("model", "preset", "fusion", "params", "clip"), [
        (r["model"], r["preset"], r["fusion"], f"{r['params']:,}", r["clip_key"]) for r in rows
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
