"""``python -m keras_vis models``: every zoo model x preset with its fusion, size and clip spec."""

from __future__ import annotations

import argparse
import json


def register(subparsers, parents) -> None:
    p = subparsers.add_parser(
        "models", parents=parents, help="list the zoo's models and presets",
        description="List every zoo model at every preset: fusion, parameter count, clip spec. "
                    "Parameters are counted by building each model on the chosen backend.",
    )
    p.add_argument("--json", action="store_true", help="print a JSON list instead of a table")
    p.add_argument("--pattern", default="*", help="only models matching this shell pattern")
    p.set_defaults(func=main)


def model_rows(pattern: str = "*") -> list[dict]:
    """One dict per model x preset: model, preset, fusion, params, clip (dict), clip_key."""
    import zoo

    rows = []
    for name in zoo.list_models(pattern):
        for preset_name, preset in zoo.presets(name).items():
            model = zoo.build(name, preset_name)
            rows.append({
                "model": name, "preset": preset_name, "fusion": preset.fusion,
                "params": int(model.count_params()),
                "clip": preset.clip.to_dict(), "clip_key": preset.clip.key(),
            })
            del model
    return rows


def main(args: argparse.Namespace) -> int:
    import keras

    rows = model_rows(args.pattern)
    if args.json:
        print(json.dumps({"backend": keras.backend.backend(), "models": rows}, indent=2))
        return 0
    header = ("model", "preset", "fusion", "params", "clip")
    table = [header] + [
        (r["model"], r["preset"], r["fusion"], f"{r['params']:,}", r["clip_key"]) for r in rows
    ]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for row in table:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
    return 0
