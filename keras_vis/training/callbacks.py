"""Training callbacks that survive a kill; what they must remember across a resume is read from
the run folder (``keras_vis.results.rundir``) by the caller and handed to them.

Imports keras at module level: import this only after the backend is chosen.
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path

import keras

from keras_vis import files
from keras_vis.errors import DataError, KerasVisError
# Here for callers of its old address; it lives with the other checks of a loaded model.
from keras_vis.inference.models import non_finite_weight
from keras_vis.results.rundir import Backup


class EpochTimer(keras.callbacks.Callback):
    """Adds ``epoch_time_s`` to the epoch logs, so CSVLogger (placed after it) records it and a
    resumed run can still report its whole training time."""

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.monotonic()

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["epoch_time_s"] = time.monotonic() - self._start


class AtomicModelCheckpoint(keras.callbacks.ModelCheckpoint):
    """``keras.callbacks.ModelCheckpoint`` whose file is replaced atomically.

    ModelCheckpoint decides when to save (``save_best_only``; ``initial_value_threshold`` is the
    best score before a resume, so a resumed run never overwrites a better checkpoint), but it
    writes its file in place: a kill mid-save leaves half a checkpoint, and a full disk destroys
    the previous one. This subclass only adds what it lacks: it lets Keras write to a temporary
    file and renames that over the checkpoint (``files.atomic_path``), and a failed write is a
    clear error that leaves the previous checkpoint intact. ``saved_model``: the model to
    save when fit trains a wrapper sharing its weights (``training.lag_loss``), not the wrapper.
    ``from_epoch``: epochs (0-based) before it are never saved nor count as the best (a
    footage curriculum's epochs without the footage).
    """

    def __init__(self, filepath: str | Path, saved_model: keras.Model | None = None,
                 from_epoch: int = 0, **kwargs):
        self.target = Path(filepath)
        self.saved_model = saved_model
        self.from_epoch = from_epoch
        super().__init__(str(self.target), **kwargs)

    @property
    def model(self):
        # The parent's property first: on JAX it syncs the trained state into the shared
        # variables, which the saved model then holds.
        trained = super().model
        return trained if self.saved_model is None else self.saved_model

    def on_epoch_end(self, epoch, logs=None):
        if epoch < self.from_epoch:
            return
        try:
            with files.atomic_path(self.target, suffix=self.target.suffix) as partial:
                self.filepath = str(partial)
                super().on_epoch_end(epoch, logs)
        except OSError as error:
            raise DataError(
                f"{self.target}: could not write the checkpoint ({error.strerror or error}); "
                "the run folder keeps its history and backup: free space and run the same "
                "command again to resume"
            ) from None
        finally:
            self.filepath = str(self.target)


class AtomicBackupAndRestore(keras.callbacks.BackupAndRestore):
    """``keras.callbacks.BackupAndRestore`` through ``rundir.Backup``: each epoch's weights in a
    file of their own, written atomically, committed by a record that names them with their
    checksum, and the previous epoch kept as the fallback.

    Keras's callback rewrites ``latest.weights.h5`` in place: a kill mid-write left a torn file
    and a record naming its epoch, and every rerun died reading it. Call
    ``RunDir.resume_epoch`` before ``fit``: it checks the files and repairs the record, so this
    callback only restores what is whole.
    """

    def __init__(self, backup_dir: str | Path):
        super().__init__(str(backup_dir))
        self.backup = Backup(backup_dir)

    def on_train_begin(self, logs=None):
        epoch, path = self.backup.weights()
        if path is None:
            return
        model = self.model
        if model.optimizer is not None and not model.optimizer.built:
            model.optimizer.build(model.trainable_variables)  # its state is in the file too
        try:
            model.load_weights(str(path))
        except Exception as error:  # h5py and Keras raise many kinds for a file that does not fit
            raise DataError(
                f"{path}: the backup of epoch {epoch} does not load into this model ({error}); "
                f"delete {self.backup.folder} to train this run again from epoch 0"
            ) from None
        model._initial_epoch = epoch

    def _save_model(self):
        self.backup.save(self._current_epoch,
                         lambda path: self.model.save_weights(str(path), overwrite=True))


class ResumableEarlyStopping(keras.callbacks.EarlyStopping):
    """EarlyStopping on val accuracy whose patience counter survives a resume: ``best`` and
    ``wait`` are the best score so far and the epochs finished since it (``RunDir.best_so_far``);
    epochs before ``from_epoch`` are not watched (``start_from_epoch``)."""

    def __init__(self, patience: int, best: float | None = None, wait: int = 0,
                 from_epoch: int = 0):
        super().__init__(monitor="val_accuracy", mode="max", patience=patience,
                         start_from_epoch=from_epoch)
        self._resumed = (best, wait)

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        best, wait = self._resumed
        if best is not None:
            self.best, self.wait = best, wait


class TrainingDiverged(KerasVisError):
    """The loss became nan or infinite: the run stopped and wrote no results row."""


class StopOnNaN(keras.callbacks.Callback):
    """Stops training with ``TrainingDiverged`` when an epoch's loss is nan or infinite, or
    when any weight is (a NaN input can poison the weights while the loss reads a calm 0.6931,
    ln 2, when the model's output is clipped or masked: the weights are checked as well).

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
        broken = non_finite_weight(self.model)
        if broken:
            raise TrainingDiverged(
                f"{self.where}: the weight {broken} became NaN or infinite in epoch {epoch + 1} "
                f"(the loss read {(logs or {}).get('loss')}); training stopped and no results "
                f"row was written (the run folder keeps the last finished epoch). Check the "
                f"data for NaN samples (scan reports them). {self.hint}".rstrip()
            )


class WarnAtChance(keras.callbacks.Callback):
    """Warns once on stderr when the training loss has sat at ln 2 (the binary cross-entropy of
    a model that gives every pair the same p_real) for ``patience`` epochs in a row.

    Such a run may still leave chance (one footage seed did after three epochs), so it warns and
    does not stop: a user can kill it and rerun with a warm-up before twelve epochs are spent at
    chance (another footage seed never left it). ``warmup_epochs`` is the run's own warm-up, so
    the advice names a longer one rather than the one the run already has."""

    def __init__(self, where: str, warmup_epochs: float = 0.0, patience: int = 3,
                 tolerance: float = 0.005):
        super().__init__()
        self.where, self.patience, self.tolerance = where, patience, tolerance
        self.warmup_epochs = warmup_epochs
        self.flat, self.warned = 0, False

    def on_epoch_end(self, epoch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is None or self.warned:
            return
        loss = float(keras.ops.convert_to_numpy(loss))
        self.flat = self.flat + 1 if abs(loss - math.log(2)) < self.tolerance else 0
        if self.flat >= self.patience:
            self.warned = True
            warmup = (f"train.warmup_epochs = {self.warmup_epochs + 1:g} (this run warms up for "
                      f"{self.warmup_epochs:g})" if self.warmup_epochs
                      else "train.warmup_epochs = 1")
            print(f"warning: {self.where}: the training loss has stayed at ln 2 = 0.693 for "
                  f"{self.flat} epochs (epoch {epoch + 1}: {loss:.4f}): the model gives every "
                  f"pair the same p_real and has not started to learn. It may still start; if "
                  f"it does not, rerun with {warmup} or a lower train.learning_rate.",
                  file=sys.stderr)
