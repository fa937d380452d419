"""Trained checkpoints shipped in the package, each a folder with its provenance.

``keras_vis/checkpoints/<name>/`` holds ``model.keras`` and ``metadata.json``: the experiment
and the exact command that trained it, the commit, the data, and its figures (the synthetic test
pairs and the real clips of ``keras_vis.evaluate``), as keras-hub ships a preset with its
metadata. ``predict --model NAME`` and ``evaluate NAME`` take a shipped name; ``models`` lists
them. Nothing is downloaded: a name that is not shipped is a clear error.
"""

from __future__ import annotations

import json
import shutil
from importlib import resources
from pathlib import Path

from keras_vis.errors import KerasVisError

MODEL_FILE = "model.keras"
METADATA_FILE = "metadata.json"


def root() -> Path:
    """The folder that holds one sub-folder per shipped checkpoint."""
    return Path(str(resources.files("keras_vis") / "checkpoints"))


def list_shipped() -> list[str]:
    """Names of the shipped checkpoints (folders holding a model file), sorted."""
    return sorted(p.name for p in root().iterdir() if (p / MODEL_FILE).is_file())


def model_path(name: str) -> Path:
    """The ``.keras`` file of shipped checkpoint ``name`` (it may be missing: check it)."""
    return root() / name / MODEL_FILE


def metadata(name: str) -> dict:
    """The provenance and figures of shipped checkpoint ``name``."""
    path = root() / name / METADATA_FILE
    if not path.is_file():
        raise KerasVisError(f"shipped checkpoint {name!r} has no {METADATA_FILE} ({path})")
    return json.loads(path.read_text(encoding="utf-8"))


def ship(run_dir: str | Path, name: str, description: str) -> Path:
    """Copy a finished run's best checkpoint into the package as ``name``, with metadata made
    from the run's own record (``metrics.json`` and ``real_clips.json``)."""
    from keras_vis.results import write_text_atomic

    run_dir = Path(run_dir)
    metrics_path = run_dir / "metrics.json"
    if not (run_dir / "best.keras").is_file() or not metrics_path.is_file():
        raise KerasVisError(f"{run_dir}: not a finished run (needs best.keras and metrics.json)")
    metrics = json.loads(metrics_path.read_text())
    row = metrics["results_row"]
    real_path = run_dir / "real_clips.json"
    real = json.loads(real_path.read_text())["metrics"] if real_path.is_file() else None
    folder = root() / name
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(run_dir / "best.keras", folder / MODEL_FILE)
    record = {
        "name": name,
        "description": description,
        "model": row["model"], "preset": row["preset"], "task": row["task"],
        "backend": row["backend"],
        "experiment": row["experiment"], "command": row["command"], "commit": row["git_commit"],
        "dataset": row["dataset"], "dataset_fingerprint": row["dataset_fingerprint"],
        "params": row["params"], "epochs": row["epochs"],
        "synthetic_test": {"accuracy": row["test_accuracy"], "auc": row["test_auc"]},
        "real_clips": real,
    }
    write_text_atomic(folder / METADATA_FILE, json.dumps(record, indent=2, default=str) + "\n")
    return folder
