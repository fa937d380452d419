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
import json
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

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
    def backup_path(self) -> Path:
        return self.path / self.BACKUP

    # ---- finding and starting runs ----

    @classmethod
    def resume_or_create(cls, runs_dir: str | os.PathLike, experiment: str, backend: str,
                         resolved: dict) -> "RunDir":
        """The unfinished run of exactly ``resolved`` (the config with its backend) under
        ``runs_dir/experiment``, else a new timestamped folder holding ``config.json``."""
        experiment_dir = Path(runs_dir) / experiment
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
        """config.json's ``name`` when it has one, else the parent folder's name."""
        try:
            name = json.loads((self.path / self.CONFIG).read_text(encoding="utf-8")).get("name")
        except (OSError, ValueError, AttributeError):
            name = None
        return name if isinstance(name, str) and name else self.path.resolve().parent.name

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

    def best_so_far(self, monitor: str = "val_accuracy") -> tuple[float | None, int]:
        """The best (highest) ``monitor`` in the history and the epochs finished since it
        (``(None, 0)`` before the first epoch): what a resumed run must not forget."""
        history = self.history(required=False)
        if monitor not in history or not len(history):
            return None, 0
        scores = history[monitor].to_numpy()
        return float(scores.max()), int(len(scores) - 1 - scores.argmax())

    def resume_epoch(self) -> int:
        """The epoch training resumes at, with history.csv trimmed to the epochs before it.

        That epoch is the one BackupAndRestore will restore (it keeps it in its
        ``training_metadata.json``; Keras offers no call for it before ``fit``). A kill between
        the history row and the backup of an epoch leaves the history one epoch ahead: that row
        goes, as the epoch is trained again.
        """
        import pandas

        meta = self.backup_path / "training_metadata.json"
        epoch = json.loads(meta.read_text())["epoch"] if meta.exists() else 0
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
