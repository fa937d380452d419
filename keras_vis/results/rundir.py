"""One run's folder, ``runs/<experiment>/<backend>-<YYYYmmdd-HHMMSS>[-N]/``: the one place that
knows its file names and reads and writes them.

Inside: ``config.json`` (the resolved config and the backend), ``history.csv`` (one row per
finished epoch, from ``keras.callbacks.CSVLogger``), ``best.keras`` (the best checkpoint),
``backup/`` (``keras.callbacks.BackupAndRestore``'s own), ``trained.json`` (training is over: a
rerun goes straight to the test step), ``metrics.json`` (the run's results row: the run is
finished) and ``real_clips.json`` (the whole real-clip report, when ``eval.clips`` is set).
Imports no keras.

Example:
>>> run = RunDir("runs/sync_tiny/jax-20250101-120000")  # doctest: +SKIP
>>> run.history()["val_accuracy"].max()  # doctest: +SKIP
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import re
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from keras_vis import files
from keras_vis.errors import DataError

if TYPE_CHECKING:
    import pandas

# <backend>-<YYYYmmdd-HHMMSS>[-N] (N: a second run started in the same second)
FOLDER_NAME = re.compile(r"^(?P<backend>[A-Za-z0-9_]+)-(?P<stamp>\d{8}-\d{6})(?:-(?P<n>\d+))?$")
HISTORY_METRICS = ("accuracy", "loss", "val_accuracy", "val_loss")


class RunDir:
    """The files of one run folder (``path``); nothing is read until asked."""

    CONFIG = "config.json"
    HISTORY = "history.csv"
    BEST = "best.keras"
    # The best checkpoint with p_real calibrated on held-out footage (``train.calibrate``).
    CALIBRATED = "calibrated.keras"
    BACKUP = "backup"
    TRAINED = "trained.json"
    METRICS = "metrics.json"
    REAL_CLIPS = "real_clips.json"

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"RunDir({str(self.path)!r})"

    def __str__(self) -> str:
        return str(self.path)

    @property
    def history_path(self) -> Path:
        return self.path / self.HISTORY

    @property
    def best_path(self) -> Path:
        return self.path / self.BEST

    @property
    def model_path(self) -> Path:
        """What the run made: the calibrated checkpoint where there is one, else the best."""
        calibrated = self.path / self.CALIBRATED
        return calibrated if calibrated.is_file() else self.best_path

    @classmethod
    def newest_finished(cls, folder: str | os.PathLike) -> "RunDir | None":
        """The run ``folder`` names: itself when it is a run folder with a checkpoint; for an
        experiment's folder of runs (``runs/<experiment>``), its newest finished run; else None."""
        folder = Path(folder)
        if not folder.is_dir():
            return None
        if cls(folder).best_path.is_file():
            return cls(folder)
        finished = [cls(run) for run in folder.iterdir()
                    if run.is_dir() and cls(run).best_path.is_file() and cls(run).finished]
        if not finished:
            return None
        return max(finished, key=lambda run: (run.path / run.METRICS).stat().st_mtime)

    @property
    def backup_path(self) -> Path:
        return self.path / self.BACKUP

    # ---- finding and starting runs ----

    @classmethod
    def resume_or_create(cls, runs_dir: str | os.PathLike, experiment: str, backend: str,
                         resolved: dict) -> "RunDir":
        """The unfinished run of exactly ``resolved`` (the config with its backend) under
        ``runs_dir/experiment``, else a new timestamped folder holding ``config.json``."""
        if not files.is_safe_name(experiment):
            raise DataError(f"{experiment!r}: not a safe experiment name (letters, digits and "
                            f"- _ . + = only): the run folder would not lie in {runs_dir}")
        experiment_dir = files.inside(runs_dir, experiment)
        if experiment_dir.is_dir():
            for candidate in sorted(experiment_dir.glob(f"{backend}-*"), reverse=True):
                run = cls(candidate)
                saved = candidate / cls.CONFIG
                if run.finished or not saved.exists():
                    continue
                if json.loads(saved.read_text(encoding="utf-8")) == resolved:
                    return run
        stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
        path = experiment_dir / f"{backend}-{stamp}"
        suffix = 1
        while path.exists():
            suffix += 1
            path = experiment_dir / f"{backend}-{stamp}-{suffix}"
        path.mkdir(parents=True)
        run = cls(path)
        run.write_json(cls.CONFIG, resolved)
        return run

    @classmethod
    def is_run_folder(cls, path: str | os.PathLike) -> bool:
        """Whether ``path`` looks like a run folder (it holds config.json or history.csv)."""
        path = Path(path)
        return (path / cls.CONFIG).is_file() or (path / cls.HISTORY).is_file()

    @property
    def experiment(self) -> str:
        """config.json's ``name`` when it is a safe name, else the parent folder's name."""
        try:
            name = json.loads((self.path / self.CONFIG).read_text(encoding="utf-8")).get("name")
        except (OSError, ValueError, AttributeError):
            name = None
        # A name that is not one safe path component (a tampered config.json) is not used:
        # plot names its PNG after it.
        return name if files.is_safe_name(name) else self.path.resolve().parent.name

    @property
    def trained(self) -> bool:
        """Training is over (every epoch, or an early stop) and left its best checkpoint."""
        return (self.path / self.TRAINED).exists() and self.best_path.exists()

    @property
    def finished(self) -> bool:
        """The run wrote its results row: a new command starts a new folder."""
        return (self.path / self.METRICS).exists()

    # ---- history ----

    def history(self, required: bool = True) -> "pandas.DataFrame":
        """The per-epoch history (history.csv), epochs numbered from 1, numbers as numbers;
        an epoch repeated by a resumed run keeps its last record.

        Raises ``DataError`` naming the file when it is unreadable or not a history, or, with
        ``required``, when no epoch has finished yet (no file, an empty one, only a header);
        without ``required`` that is an empty table.
        """
        import pandas

        path = self.history_path
        try:
            if not path.is_file():
                raise DataError(f"{path}: no such file (is {self.path} a run folder?)")
            try:
                history = pandas.read_csv(path)
            except pandas.errors.EmptyDataError as error:
                raise DataError(f"{path}: empty (the run has not finished an epoch)") from error
            if history.empty:
                raise DataError(f"{path}: no epochs yet (the run has not finished an epoch)")
        except DataError:
            if required:
                raise
            return pandas.DataFrame()
        except (pandas.errors.ParserError, UnicodeDecodeError, OSError) as error:
            raise DataError(f"{path}: not a readable CSV history ({error})") from error
        metrics = [name for name in HISTORY_METRICS if name in history]
        if not metrics:
            raise DataError(
                f"{path}: no accuracy or loss column (has {', '.join(map(str, history.columns))})"
            )
        for column in metrics:
            numbers = pandas.to_numeric(history[column], errors="coerce")
            unreadable = numbers.isna() & history[column].notna()
            if unreadable.any():
                index = int(unreadable.to_numpy().argmax())
                raise DataError(
                    f"{path}: line {index + 2}: {column} is "
                    f"{history[column].iloc[index]!r}, not a number"
                )
            history[column] = numbers
        if "epoch" in history:
            history = history.drop_duplicates("epoch", keep="last").sort_values("epoch")
            history["epoch"] = pandas.to_numeric(history["epoch"]) + 1  # CSVLogger counts from 0
        else:
            history.insert(0, "epoch", range(1, len(history) + 1))
        return history.reset_index(drop=True)

    def best_so_far(self, monitor: str = "val_accuracy",
                    from_epoch: int = 0) -> tuple[float | None, int]:
        """The best (highest) ``monitor`` in the history from epoch ``from_epoch`` (0-based) on,
        and the epochs finished since it (``(None, 0)`` before such an epoch): what a resumed
        run must not forget."""
        history = self.history(required=False)
        if monitor not in history or not len(history):
            return None, 0
        scores = history[monitor].to_numpy()[from_epoch:]
        if not len(scores):
            return None, 0
        return float(scores.max()), int(len(scores) - 1 - scores.argmax())

    def resume_epoch(self) -> int:
        """The epoch training resumes at, with history.csv trimmed to the epochs before it.

        That epoch is the one the backup (``Backup``) restores, after it has checked its
        weights file: a torn or missing one falls back to the previous epoch's, or to a fresh
        start, with a warning. A kill between the history row and the backup of an epoch leaves
        the history one epoch ahead: that row goes, as the epoch is trained again.
        """
        import pandas

        epoch = Backup(self.backup_path).restorable()
        path = self.history_path
        if path.exists() and path.stat().st_size:
            history = pandas.read_csv(path)
            if len(history) != epoch:
                kept = history[history["epoch"] < epoch]
                files.write_text(path, kept.to_csv(index=False) if len(kept) else "")
        return epoch

    # ---- records ----

    def mark_trained(self, epochs: int) -> None:
        """Record that training is over after ``epochs`` epochs."""
        self.write_json(self.TRAINED, {"epochs": epochs})

    def write_metrics(self, record: dict) -> None:
        """Write the run's record (its results row, and what the row leaves out): the run is
        finished."""
        self.write_json(self.METRICS, record)

    def commit_result(self, results_path: str | os.PathLike, row: dict, **extra) -> None:
        """Add the run's ``row`` to the results table and write its record (the row and
        ``extra``) as one step: the record is written under the table's lock, right after the
        row, and a rerun after a kill between the two replaces the row rather than adding a
        second one (``append_result``)."""
        from keras_vis.results.table import append_result

        append_result(results_path, row, replace_run=True,
                      then=lambda: self.write_metrics({**row, **extra}))

    def metrics(self) -> dict:
        """The record of a finished run; ``DataError`` when it has none."""
        return self._read_json(self.METRICS)

    def write_real_clips(self, report: dict) -> None:
        self.write_json(self.REAL_CLIPS, report)

    def real_clips(self) -> dict | None:
        """The real-clip report, or None when the run scored no real clips."""
        return self._read_json(self.REAL_CLIPS) if (self.path / self.REAL_CLIPS).is_file() else None

    def write_json(self, name: str, data: dict) -> None:
        files.write_text(self.path / name,
                         json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")

    def _read_json(self, name: str) -> dict:
        path = self.path / name
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise DataError(f"{path}: no such file (the run has not finished)") from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise DataError(f"{path}: not readable JSON ({error})") from None


class Backup:
    """A run's ``backup/`` folder: the weights and optimizer state of the last finished epochs,
    so a killed run resumes where it stopped.

    Each epoch's weights go to a file of their own (``epoch-NNNNN.weights.h5``, written through
    ``files.atomic_path``); ``training_metadata.json`` is the commit: written atomically after
    the weights, it names the current file with its SHA-256 and the previous epoch's, so a kill
    at any instant leaves a record whose files are whole. Keras's own callback overwrites one
    file in place, and a kill mid-write left a run that could never resume.
    """

    RECORD = "training_metadata.json"
    # Keras's name for its one file: a backup written before this class reads through it.
    LEGACY_WEIGHTS = "latest.weights.h5"

    def __init__(self, folder: str | os.PathLike):
        self.folder = Path(folder)

    def save(self, epoch: int, write_weights: Callable[[Path], None]) -> None:
        """Back up the state after ``epoch`` finished epochs: ``write_weights(path)`` writes
        the weights file; the record then points at it, keeping the last one as the fallback."""
        self.folder.mkdir(parents=True, exist_ok=True)
        files.remove_temporaries(self.folder)  # a killed save's; the run lock keeps others out
        name = f"epoch-{epoch:05d}.weights.h5"
        with files.atomic_path(self.folder / name, suffix=".weights.h5") as partial:
            write_weights(partial)
        current = {"epoch": epoch, "batch": 0, "weights": name,
                   "sha256": _sha256(self.folder / name)}
        previous = self._record()
        previous.pop("previous", None)
        if previous.get("weights") not in (None, name):
            current["previous"] = previous
        files.write_text(self.folder / self.RECORD, json.dumps(current, indent=1) + "\n")
        kept = {name, previous.get("weights")}
        for stale in self.folder.glob("epoch-*.weights.h5"):
            if stale.name not in kept:
                stale.unlink(missing_ok=True)

    def weights(self) -> tuple[int, Path | None]:
        """The epoch the record names and its weights file (``(0, None)``: nothing to
        restore). Call ``restorable`` first: it makes the record name a file that is whole."""
        record = self._record()
        if not record:
            return 0, None
        return int(record["epoch"]), self.folder / record.get("weights", self.LEGACY_WEIGHTS)

    def restorable(self) -> int:
        """The epoch the backup can restore, after checking its files. A torn or missing
        weights file falls back to the previous epoch's (the record is rewritten to name it)
        or, when none is whole, the backup is removed and training starts afresh; either way
        with a warning on stderr."""
        record = self._record()
        if not record:
            return 0
        for candidate in (record, record.get("previous")):
            if candidate and self._whole(candidate):
                if candidate is not record:
                    print(f"warning: {self.folder}: the backup of epoch {record['epoch']} is "
                          f"torn or missing; resuming from epoch {candidate['epoch']} instead",
                          file=sys.stderr)
                    files.write_text(self.folder / self.RECORD,
                                     json.dumps(candidate, indent=1) + "\n")
                return int(candidate["epoch"])
        print(f"warning: {self.folder}: no readable backup (its record says epoch "
              f"{record.get('epoch')}, but the weights file is torn or missing); training "
              f"starts again from epoch 0", file=sys.stderr)
        shutil.rmtree(self.folder, ignore_errors=True)
        return 0

    def _record(self) -> dict:
        path = self.folder / self.RECORD
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, UnicodeDecodeError, ValueError):
            return {"epoch": "?", "weights": None}  # unreadable: nothing in it is whole
        if not isinstance(record, dict) or not isinstance(record.get("epoch"), int):
            return {"epoch": "?", "weights": None}
        return record

    def _whole(self, record: dict) -> bool:
        """Whether the weights file ``record`` names is the one written for it."""
        name = record.get("weights", self.LEGACY_WEIGHTS)
        if not isinstance(name, str) or Path(name).name != name:
            return False
        path = self.folder / name
        if not path.is_file():
            return False
        if "sha256" in record:
            return _sha256(path) == record["sha256"]
        return _readable_h5(path)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _readable_h5(path: Path) -> bool:
    """A backup written without a checksum (by Keras's own callback): whole when h5py can read
    every array in it."""
    import h5py

    try:
        with h5py.File(path, "r") as handle:
            handle.visititems(
                lambda _, item: item[()] if isinstance(item, h5py.Dataset) else None
            )
    except Exception:  # h5py raises OSError, KeyError, RuntimeError... for a torn file
        return False
    return True
