"""``python -m keras_vis <command>``: one sub-command per module in ``keras_vis.commands``.

The backend is fixed when keras is first imported, so ``--backend`` is applied here, before
any command module imports keras (command modules import heavy libraries inside ``main``).
"""

from __future__ import annotations

import argparse
import importlib
import sys

from keras_vis.errors import KerasVisError
from keras_vis.invocation import (BACKENDS, DEFAULT_BACKEND, calm_progress_in_logs,
                                  select_backend)

# Each name is a module keras_vis.commands.<name> with `register(subparsers, parents)`.
COMMANDS = (
    "demo",
    "generate",
    "scan",
    "check_sync",
    "prepare",
    "models",
    "run",
    "ensemble",
    "compare",
    "plot",
    "predict",
    "evaluate",
)


def build_parser() -> argparse.ArgumentParser:
    backend = argparse.ArgumentParser(add_help=False)
    backend.add_argument(
        "--backend",
        choices=BACKENDS,
        default=argparse.SUPPRESS,
        help="Keras backend (default: $KERAS_BACKEND, else tensorflow; predict: else jax)",
    )
    parser = argparse.ArgumentParser(
        prog="python -m keras_vis",
        description="keras-vis: is this audio the real, in-sync sound of this video?",
        parents=[backend],
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        module = importlib.import_module(f"keras_vis.commands.{name}")
        module.register(subparsers, [backend])
    return parser


def main(argv: list[str] | None = None) -> int:
    calm_progress_in_logs()  # before the command modules import tqdm, which reads it then
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        select_backend(getattr(args, "backend", None),
                       default=getattr(args, "default_backend", DEFAULT_BACKEND))
        return int(args.func(args) or 0)
    except KerasVisError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
