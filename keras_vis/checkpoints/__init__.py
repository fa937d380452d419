"""Trained checkpoints shipped in the package, each a folder with its provenance.

``keras_vis/checkpoints/<name>/`` holds ``model.keras`` and ``metadata.json``: the experiment
and the exact command that trained it, the commit, the data, and its figures (the synthetic test
pairs and the real clips of ``keras_vis.inference.evaluate``), as keras-hub ships a preset with
its metadata. ``predict --model NAME`` and ``evaluate NAME`` take a shipped name; ``models`` lists
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
    """Copy a finished run's model (its calibrated checkpoint where it has one, else its best)
    into the package as ``name``, with metadata made from the run's own record: its results row,
    real-clip report, the data it trained on (with a digest of each footage folder's
    manifests), its calibration and its held-out footage figures."""
    from keras_vis import files
    from keras_vis.results.rundir import RunDir

    run = RunDir(run_dir)
    if not run.best_path.is_file() or not run.finished:
        raise KerasVisError(f"{run_dir}: not a finished run (needs {run.BEST} and {run.METRICS})")
    record = run.metrics()
    # Run folders written before the record was the row itself nest the row.
    row = record.get("results_row", record)
    real = run.real_clips()
    folder = root() / name
    folder.mkdir(parents=True, exist_ok=True)
    with files.atomic_path(folder / MODEL_FILE) as partial:
        shutil.copyfile(run.model_path, partial)
    record = {
        "name": name,
        "description": description,
        "model": row["model"], "preset": row["preset"], "task": row["task"],
        "backend": row["backend"],
        "experiment": row["experiment"], "command": row["command"], "commit": row["git_commit"],
        "dataset": row["dataset"], "dataset_fingerprint": row["dataset_fingerprint"],
        "params": row["params"], "epochs": row["epochs"],
        "synthetic_test": {"accuracy": row["test_accuracy"], "auc": row["test_auc"]},
        "real_clips": real["metrics"] if real else None,
        "training_data": _training_data(run),
        "calibration": _read_json(run.path / "calibration.json"),
        "footage_heldout": (_read_json(run.path / "footage_heldout.json") or {}).get("metrics"),
    }
    files.write_text(folder / METADATA_FILE, json.dumps(record, indent=2, default=str) + "\n")
    return folder


def _read_json(path: Path) -> dict | None:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def _training_data(run) -> dict:
    """What the run trained on, from its own config: the dataset (generated or not) and each
    footage folder with the digest of its manifests (``keras_vis.data.footage``)."""
    from keras_vis.data.footage import manifest_digest

    config = _read_json(run.path / run.CONFIG) or {}
    data = config.get("data", {})
    footage = []
    for folder in data.get("footage", []):
        entry = {"folder": folder}
        if Path(folder).is_dir():
            entry["manifest_sha256_16"] = manifest_digest(folder)
        footage.append(entry)
    return {"dataset": data.get("dataset"), "footage": footage,
            "footage_weight": data.get("footage_weight") if footage else None,
            "footage_after_epochs": data.get("footage_after_epochs", 0) if footage else None,
            "task": data.get("task"), "init": config.get("model", {}).get("init") or None}
