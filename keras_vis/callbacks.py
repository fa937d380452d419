"""Training callbacks that survive a kill: the run folder's history.csv is their memory.

Imports keras at module level: import this only after the backend is chosen.
"""

from __future__ import annotations

import math
import os
import time
from pathlib import Path

import keras
import pandas as pd

from keras_vis.errors import DataError, KerasVisError


def read_history(history_path: Path) -> pd.DataFrame:
    """history.csv as written by CSVLogger; empty when the run has not finished an epoch."""
    if not history_path.exists() or history_path.stat().st_size == 0:
        return pd.DataFrame()
    return pd.read_csv(history_path)


class EpochTimer(keras.callbacks.Callback):
    """Adds ``epoch_time_s`` to the epoch logs, so CSVLogger (placed after it) records it and a
    resumed run can still report its whole training time."""

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.monotonic()

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["epoch_time_s"] = time.monotonic() - self._start


class BestCheckpoint(keras.callbacks.Callback):
    """Saves the whole model (``.keras``) when ``monitor`` improves.

    Unlike keras.callbacks.ModelCheckpoint: the best score so far is read back from history.csv
    on resume (a resumed run never overwrites a better checkpoint), the file is replaced
    atomically (a kill never leaves half a checkpoint), and a full disk is a clear error that
    leaves the previous checkpoint intact.
    """

    def __init__(self, path: Path, history_path: Path, monitor: str = "val_accuracy"):
        super().__init__()
        self.path = Path(path)
        self.monitor = monitor
        history = read_history(history_path)
        self.best = float(history[monitor].max()) if monitor in history else None

    def on_epoch_end(self, epoch, logs=None):
        score = (logs or {}).get(self.monitor)
        if score is None or (self.best is not None and score <= self.best):
            return
        partial = self.path.with_name(".partial-" + self.path.name)
        try:
            self.model.save(partial)
            os.replace(partial, self.path)
        except OSError as error:
            partial.unlink(missing_ok=True)
            raise DataError(
                f"{self.path}: could not write the checkpoint ({error.strerror or error}); "
                "the run folder keeps its history and backup: free space and run the same "
                "command again to resume"
            ) from None
        self.best = score


class ResumableEarlyStopping(keras.callbacks.EarlyStopping):
    """EarlyStopping on val accuracy whose patience counter survives a resume."""

    def __init__(self, history_path: Path, patience: int):
        super().__init__(monitor="val_accuracy", mode="max", patience=patience)
        self.history_path = Path(history_path)

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        history = read_history(self.history_path)
        if "val_accuracy" in history and len(history):
            scores = history["val_accuracy"].to_numpy()
            self.best = float(scores.max())
            self.wait = int(len(scores) - 1 - scores.argmax())


class TrainingDiverged(KerasVisError):
    """The loss became nan or infinite: the run stopped and wrote no results row."""


class StopOnNaN(keras.callbacks.Callback):
    """Stops training with ``TrainingDiverged`` when an epoch's loss is nan or infinite.

    ``keras.callbacks.TerminateOnNaN`` only sets ``stop_training``: the epoch still ends, so the
    backup and the best checkpoint may save the broken weights, and the run goes on to test and
    append a results row. This raises instead, from ``on_epoch_end``; placed first among the
    callbacks, it runs before any other sees the epoch, so history.csv, the checkpoint and the
    backup keep the last good epoch. It checks at epoch end (the mean loss is nan when any batch
    was): a per-batch hook would turn off Keras' asynchronous batch dispatch and slow every run.
    """

    def __init__(self, where: str, hint: str = ""):
        super().__init__()
        self.where = where
        self.hint = hint

    def on_epoch_end(self, epoch, logs=None):
        for key in ("loss", "val_loss"):
            value = (logs or {}).get(key)
            if value is None:
                continue
            value = float(keras.ops.convert_to_numpy(value))
            if not math.isfinite(value):
                raise TrainingDiverged(
                    f"{self.where}: the {'validation ' if key == 'val_loss' else ''}loss became "
                    f"{value} in epoch {epoch + 1}; training stopped and no results row was "
                    f"written (the run folder keeps the last finished epoch). {self.hint}".rstrip()
                )
