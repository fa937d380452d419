"""Run one experiment: config -> data -> fit (history, best checkpoint, resume) -> test -> results row.

Example (trains a tiny model on the built-in synthetic recordings):
>>> import keras_vis
>>> result = keras_vis.run("experiments/resnet_gru_fusion_sync_tiny.toml")  # doctest: +SKIP
>>> result.metrics["test_accuracy"]  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import hashlib
import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

from keras_vis.errors import ConfigError, DataError, KerasVisError
from keras_vis.files import check_writable
from keras_vis.results.table import FOOTAGE_COLUMNS, REAL_COLUMNS, check_appendable
from keras_vis.training.config import ExperimentConfig, config_overrides
from keras_vis.training.rundir import RunDir


@dataclasses.dataclass
class RunResult:
    """What a finished run left: its folder, its test metrics and the results row it appended."""

    run_dir: Path
    metrics: dict
    row: dict


def run(
    config: ExperimentConfig | str | Path,
    *,
    overrides: list[str] = (),
    distribute: bool = False,
    runs_dir: str | Path = "runs",
    results_path: str | Path = "experiments/results.csv",
    command: str | None = None,
    verbose: int | str = "auto",
) -> RunResult:
    """Train and evaluate one experiment, append its row to ``results_path``.

    ``config`` is a config object or a TOML path; ``overrides`` are ``key=value`` strings
    (the same as ``--set`` on the command line). Running the same command again after a
    kill resumes the unfinished run from its last completed epoch (or, when training had
    finished, goes straight to the test step). While it runs, the same config on the same
    backend cannot be started a second time: that run refuses at once (``run_lock``).
    """
    with contextlib.ExitStack() as held:
        return _run(config, overrides=overrides, distribute=distribute, runs_dir=runs_dir,
                    results_path=results_path, command=command, verbose=verbose, held=held)


def _run(config, *, overrides, distribute, runs_dir, results_path, command, verbose,
         held: contextlib.ExitStack) -> RunResult:
    """``run``'s body, a recipe of named steps; what it enters into ``held`` (the run lock)
    is released when it ends."""
    config, command = _load_config(config, overrides, command)
    import keras

    import zoo

    backend = keras.backend.backend()
    _before_any_work(config, backend, runs_dir, results_path, distribute, held)
    # The code that trains is the code at start: later edits to the checkout must not be
    # credited with this run's numbers.
    commit = _git_commit()
    if distribute:
        _set_data_parallel(config, backend)
    keras.utils.set_random_seed(config.train.seed)

    clip = zoo.get_preset(config.model.name, config.model.preset).clip
    data = _prepare_data(config.data, clip)
    loaders = _loaders(config, data)
    # The model before the run folder: a model that cannot be built (a bad option, a
    # pre-trained run that does not fit) leaves no empty folder behind.
    model, trainer = _build_model(config, clip)
    run = RunDir.resume_or_create(runs_dir, config.name, backend, _resolved(config, backend))
    check_writable(run.path, "run folder")
    print(f"run folder: {run.path}", file=sys.stderr)
    _fit(run, config, model, trainer, loaders, verbose)
    history = run.history()
    final = _final_model(run, config, data.footage, recompile=trainer is not model)
    metrics = _score(run, config, final, loaders, data.footage, history, verbose)
    row = _results_row(config, backend, metrics, model, data, run.path, command, commit)
    # The run folder keeps its row (checkpoints.ship reads it), with the one figure the row
    # leaves out; the metrics are not written a second time beside it.
    run.commit_result(results_path, row, best_epoch=metrics["best_epoch"])
    print(
        f"{config.name} [{backend}] test accuracy {metrics['test_accuracy']:.3f} "
        f"AUC {metrics['test_auc']:.3f} -> {results_path}",
        file=sys.stderr,
    )
    return RunResult(run_dir=run.path, metrics=metrics, row=row)


def _load_config(config, overrides, command) -> tuple[ExperimentConfig, str | None]:
    """The validated config, and the command that a results row names (an API call too)."""
    if not isinstance(config, ExperimentConfig):
        path = str(config)
        config = ExperimentConfig.from_toml(config, overrides)
        command = command or f"keras_vis.run({path!r}, overrides={list(overrides)!r})"
    elif overrides:
        raise ConfigError("overrides apply to a config file; change the config object instead")
    return config, command


def _before_any_work(config, backend: str, runs_dir, results_path, distribute: bool,
                     held: contextlib.ExitStack) -> None:
    """The run must be able to add its row to the results table and write its folder, and no
    identical run may be in progress (the two would share one run folder and interleave its
    history): checked, and the run lock taken, before any data work."""
    check_appendable(results_path)
    check_writable(runs_dir, "runs folder")
    held.enter_context(_hold_run_lock(Path(runs_dir), config, backend, distribute))


@dataclasses.dataclass
class RunData:
    """What a run trains and is tested on: the dataset's cache and split, the test dataset
    (the same one unless ``data.test_dataset``), and each footage folder, prepared."""

    root: Path
    cache: object
    split: object
    test_root: Path
    test_cache: object
    test_recordings: list
    footage: list


def _prepare_data(data, clip) -> RunData:
    """Generate (when asked and missing), scan, split and cache every dataset of the run."""
    from keras_vis.data import prepare
    from keras_vis.data.footage import prepare_footage

    root = ensure_dataset(data.dataset, "data.dataset")
    # One scan per dataset: its recordings feed both the split and the cache.
    recordings = _usable_recordings(root)
    train_split = _split(recordings, root, data)
    cache = prepare(root, clip, cache_dir=data.cache_dir or None, recordings=recordings)
    if data.test_dataset is not None:
        test_root = ensure_dataset(data.test_dataset, "data.test_dataset")
        test_usable = _usable_recordings(test_root)
        test_cache = prepare(test_root, clip, cache_dir=data.cache_dir or None,
                             recordings=test_usable)
        test_recordings = _split(test_usable, test_root, data).test
    else:
        test_root, test_cache, test_recordings = root, cache, train_split.test
    footage = [prepare_footage(folder, clip, cache_dir=data.cache_dir or None,
                               val_fraction=data.val_fraction, test_fraction=data.test_fraction,
                               seed=data.split_seed) for folder in data.footage]
    return RunData(root, cache, train_split, test_root, test_cache, test_recordings, footage)


@dataclasses.dataclass
class Loaders:
    train: object
    val: object
    test: object


def _loaders(config, data: RunData) -> Loaders:
    """The train, val and test batches (``AVPairs``; mixed with footage when there is some)."""
    from keras_vis.data import AVPairs

    settings = config.data
    loader = dict(
        task=settings.task, batch_size=config.train.batch_size,
        offset_range=(settings.sync_offset_min_s, settings.sync_offset_max_s),
        tolerance_s=settings.sync_tolerance_s, windows=settings.windows,
    )
    # The lag loss trains on each pair's offset, so the pairs fit on carry it (not the test's).
    lag_loss = config.train.lag_loss > 0
    train = AVPairs(
        data.cache, data.split.train, split_name="train", augment=config.train.augment,
        seed=config.train.seed, per_recording=settings.train_pairs_per_recording,
        workers=config.train.workers, offsets=lag_loss, **loader,
    )
    # Val and test pairs are seeded by the data, not the run: every run on this dataset, task
    # and clip is measured on the same stored pairs.
    evaluation = dict(seed=settings.split_seed, per_recording=settings.eval_pairs_per_recording,
                      **loader)
    val = AVPairs(data.cache, data.split.val, split_name="val", offsets=lag_loss, **evaluation)
    test = AVPairs(data.test_cache, data.test_recordings, split_name="test", **evaluation)
    if data.footage:
        train, val = _with_footage(train, val, data.footage, config, loader, evaluation,
                                   lag_loss)
    return Loaders(train, val, test)


def _scoring() -> dict:
    import keras

    return dict(loss="binary_crossentropy", metrics=["accuracy", keras.metrics.AUC(name="auc")])


def _build_model(config, clip):
    """``(model, trainer)``: the zoo model (started from a pre-trained run's parts, some frozen,
    when asked) and what ``fit`` trains: the model itself, or with the lag loss a wrapper
    sharing every weight of it (the model stays what the checkpoint saves)."""
    import zoo
    from keras_vis.training.pretrained import freeze, load_parts

    model = zoo.build(config.model.name, config.model.preset, dtype=config.train.precision,
                      **config.model.overrides)
    if config.model.init:
        # On a resumed run the backup's weights replace these at the first epoch.
        load_parts(model, config.model.init, config.model.init_parts)
    freeze(model, config.train.freeze)
    trainer = model
    if config.train.lag_loss > 0:
        from keras_vis.training.lag_loss import lag_trainer

        try:
            trainer = lag_trainer(model, clip, config.train.lag_loss)
        except ValueError as error:
            raise ConfigError(f"train.lag_loss: {error}") from None
    return model, trainer


def _fit(run: RunDir, config, model, trainer, loaders: Loaders, verbose) -> None:
    """Train (or resume training) with history, best-checkpoint and backup callbacks; nothing
    when the run had finished training. Marks the run trained."""
    import keras

    from keras_vis.training.callbacks import (
        AtomicBackupAndRestore, AtomicModelCheckpoint, EpochTimer, ResumableEarlyStopping,
        StopOnNaN, WarnAtChance,
    )

    trainer.compile(optimizer=_optimizer(config, steps_per_epoch=len(loaders.train)),
                    **_scoring())
    trained = run.trained
    if trained:
        print(f"{run.path}: training had finished; going straight to the test step",
              file=sys.stderr)
    else:
        start_epoch = run.resume_epoch()
        first = selectable_from(config)
        best_score, since_best = run.best_so_far("val_accuracy", from_epoch=first)
        callbacks = [
            EpochTimer(),
            keras.callbacks.CSVLogger(str(run.history_path), append=True),
            AtomicModelCheckpoint(run.best_path, monitor="val_accuracy", mode="max",
                                  save_best_only=True, initial_value_threshold=best_score,
                                  saved_model=model, from_epoch=first),
            WarnAtChance(str(run.path), config.train.warmup_epochs),
            # Last, so a kill between callbacks leaves history ahead of the backup (trimmed on
            # resume).
            AtomicBackupAndRestore(run.backup_path),
        ]
        if config.train.early_stopping_patience:
            callbacks.insert(0, ResumableEarlyStopping(config.train.early_stopping_patience,
                                                       best=best_score, wait=since_best,
                                                       from_epoch=first))
        # First: a nan loss stops the run before any other callback records the broken epoch.
        callbacks.insert(0, StopOnNaN(
            str(run.path),
            f"Try a lower train.learning_rate (now {config.train.learning_rate:g})."
        ))
        if start_epoch:
            print(f"resuming {run.path} after epoch {start_epoch}", file=sys.stderr)
            loaders.train.set_epoch(start_epoch)
        trainer.fit(loaders.train, validation_data=loaders.val, epochs=config.train.epochs,
                    callbacks=callbacks, verbose=_verbosity(verbose))
    if not run.best_path.exists():
        raise KerasVisError(f"{run.path}: training ended without a checkpoint (no epoch finished)")
    if not trained:
        run.mark_trained(len(run.history()))


def _final_model(run: RunDir, config, footage: list, recompile: bool):
    """The best checkpoint, calibrated on the footage's val part when asked, compiled to score."""
    import keras

    model = keras.saving.load_model(run.best_path)
    if config.train.calibrate:
        model = _calibrate(model, footage, run.path)
    if recompile or config.train.calibrate:
        # Saved uncompiled (the optimizer trained the lag wrapper, or calibration rebuilt the
        # head); the test step only scores.
        model.compile(**_scoring())
    return model


def _score(run: RunDir, config, model, loaders: Loaders, footage: list, history,
           verbose) -> dict:
    """Every figure of the results row: the fixed test pairs, the real clips (``eval.clips``)
    and the held-out footage, beside what training recorded."""
    print(f"scoring the {len(loaders.test)} test batches", file=sys.stderr)
    test = model.evaluate(loaders.test, return_dict=True, verbose=_verbosity(verbose))
    metrics = _metrics(history, test, len(loaders.train) * config.train.batch_size,
                       from_epoch=selectable_from(config))
    metrics.update(evaluate_real_clips(model, config.eval.clips, run.path))
    metrics.update(evaluate_footage(model, heldout_footage(config, footage), run.path))
    return metrics


def heldout_footage(config, footage: list) -> list[Path]:
    """The held-out (test) part of every footage folder the run trained on (``data.footage``)
    and of every folder it only measures on (``eval.footage``, split the same way): a run
    without footage is scored on the very clips its paired run with footage held out."""
    import zoo
    from keras_vis.data.footage import footage_part

    # Clips shorter than one model window are skipped when a run scans footage to train on.
    seconds = zoo.get_preset(config.model.name, config.model.preset).clip.seconds
    clips = [path for f in footage for path in f.files("test")]
    trained = {Path(f.root).resolve() for f in footage}
    measured = []
    for folder in config.eval.footage:
        if not Path(folder).is_dir():
            print(f"warning: eval.footage folder {folder} not found; left out of the "
                  f"footage columns", file=sys.stderr)
        elif Path(folder).resolve() not in trained:
            measured.append(folder)
    data = config.data
    clips += footage_part(measured, "test", val_fraction=data.val_fraction,
                          test_fraction=data.test_fraction, seed=data.split_seed,
                          min_seconds=seconds)
    return clips


def evaluate_real_clips(model, folders, run_dir: Path) -> dict:
    """The real-clip cells of the results row (empty when no folder is configured or found);
    the whole report goes to ``run_dir/real_clips.json``."""
    from keras_vis.inference.evaluate import evaluate, interval_text

    empty = dict.fromkeys(REAL_COLUMNS, "")
    present = [folder for folder in folders if Path(folder).is_dir()]
    for folder in sorted(set(folders) - set(present)):
        print(f"warning: eval.clips folder {folder} not found; real-clip columns left empty",
              file=sys.stderr)
    if not present or len(present) != len(folders):
        return empty
    print(f"scoring the real clips in {', '.join(present)}", file=sys.stderr)
    report = evaluate(model, present, progress=True)
    RunDir(run_dir).write_real_clips(report.to_dict())
    m = report.metrics
    print(f"real clips: balanced accuracy {m['balanced_accuracy']:.3f}"
          f"{interval_text(m, 'balanced_accuracy')} AUC {m['auc']:.3f}{interval_text(m, 'auc')} "
          f"({m['clips']} clips, {m['pairs']} pairs; 95 % intervals over resampled clips)",
          file=sys.stderr)
    return report.results_columns()


def _with_footage(train_ds, val_ds, footage, config, loader, evaluation, lag_loss):
    """The train and val sets with real footage beside the dataset's: train batches mixed by
    ``data.footage_weight`` (split evenly between folders), val the union of every val set."""
    from keras_vis.data import AVPairs
    from keras_vis.data.mix import MixedPairs

    data, train = config.data, config.train
    footage_train = [
        AVPairs(f.cache, f.split.train, split_name="train", augment=train.augment,
                seed=train.seed, per_recording=data.train_pairs_per_recording,
                offsets=lag_loss, **loader)
        for f in footage
    ]
    footage_val = [AVPairs(f.cache, f.split.val, split_name="val", offsets=lag_loss, **evaluation)
                   for f in footage]
    share = data.footage_weight / len(footage)
    mixed = MixedPairs([train_ds, *footage_train], [1 - data.footage_weight] + [share] * len(footage),
                       seed=train.seed, workers=train.workers,
                       solo_epochs=data.footage_after_epochs)
    after = (f" after {data.footage_after_epochs} epoch(s) of the dataset alone (the best "
             f"checkpoint is chosen from epoch {data.footage_after_epochs + 1} on)"
             if data.footage_after_epochs else "")
    print(f"train: {len(mixed)} batches an epoch, {len(mixed) - len(train_ds)} of them real "
          f"footage ({data.footage_weight:.0%}){after}; val: {len(val_ds)} + "
          f"{sum(len(v) for v in footage_val)} footage batches", file=sys.stderr)
    return mixed, MixedPairs([val_ds, *footage_val])


def _calibrate(model, footage, run_dir: Path):
    """``model`` with p_real calibrated on every footage folder's val part, saved beside the
    best checkpoint as ``calibrated.keras`` (what ``predict`` and ``ship`` take from a run)."""
    from keras_vis import files
    from keras_vis.training.calibrate import calibrate_on_footage

    clip_files = [path for f in footage for path in f.files("val")]
    calibrated, summary = calibrate_on_footage(model, clip_files)
    target = Path(run_dir) / RunDir.CALIBRATED
    if calibrated is model:  # skipped: the run's model is its best checkpoint as it is
        target.unlink(missing_ok=True)
    else:
        with files.atomic_path(target, suffix=".keras") as partial:
            calibrated.save(partial)
    files.write_text(Path(run_dir) / "calibration.json", json.dumps(summary, indent=1) + "\n")
    return calibrated


def evaluate_footage(model, clip_files: list, run_dir: Path) -> dict:
    """The held-out footage cells of the results row: ``clip_files`` (``heldout_footage``)
    scored with the real-clip protocol; the report goes to ``run_dir/footage_heldout.json``.
    Empty without footage."""
    from keras_vis import files
    from keras_vis.inference.evaluate import evaluate, interval_text

    empty = dict.fromkeys(FOOTAGE_COLUMNS, "")
    clip_files = [str(path) for path in clip_files]
    if not clip_files:
        return empty
    print(f"scoring {len(clip_files)} held-out footage clips", file=sys.stderr)
    report = evaluate(model, clip_files, progress=True)
    files.write_text(Path(run_dir) / "footage_heldout.json",
                     json.dumps(report.to_dict(), indent=1, default=float) + "\n")
    m = report.metrics
    print(f"held-out footage: balanced accuracy {m['balanced_accuracy']:.3f}"
          f"{interval_text(m, 'balanced_accuracy')} AUC {m['auc']:.3f} "
          f"({m['clips']} clips, {m['pairs']} pairs)", file=sys.stderr)
    real = report.results_columns()
    return {column: real[column.replace("footage_", "real_")] for column in FOOTAGE_COLUMNS}


def ensure_dataset(dataset, key: str) -> Path:
    """The dataset folder; a synthetic one is generated (atomically) when missing. Runs started
    side by side on a fresh machine generate it once: the first holds ``<root>.lock`` while it
    writes, the others wait for it and then find the folder."""
    import filelock

    root = Path(dataset.root)
    if _has_files(root):
        _check_manifest(root, dataset.synthetic, key)
        return root
    if dataset.synthetic is None:
        raise DataError(f"{root}: dataset folder is missing or empty ({key}.root)")
    root.parent.mkdir(parents=True, exist_ok=True)
    with filelock.FileLock(str(root.with_name(root.name + ".lock"))):
        if _has_files(root):  # another run generated it while this one waited
            _check_manifest(root, dataset.synthetic, key)
            return root
        _generate(root, dataset.synthetic)
    return root


def _has_files(folder: Path) -> bool:
    return folder.is_dir() and any(folder.iterdir())


def _generate(root: Path, synthetic) -> None:
    """Write the recordings into ``<root>.partial``, then rename it to ``root``: a killed
    generation never leaves a folder that looks complete."""
    from keras_vis.data import generate

    staging = root.with_name(root.name + ".partial")
    if staging.exists():
        import shutil

        shutil.rmtree(staging)  # a killed generation's: under the lock, no one else's
    print(
        f"generating {synthetic.recordings} synthetic recordings ({synthetic.style}) in {root}",
        file=sys.stderr,
    )
    generate(
        staging, recordings=synthetic.recordings, seconds=synthetic.seconds,
        seed=synthetic.seed, style=synthetic.style,
    )
    if root.exists():
        root.rmdir()
    os.replace(staging, root)


def run_lock(runs_dir: str | Path, config: ExperimentConfig, backend: str):
    """The lock a run of exactly this config on ``backend`` holds while it runs (a
    ``filelock.FileLock`` on ``runs_dir/<name>/.<backend>-<hash of the config>.lock``)."""
    import filelock

    resolved = json.dumps(_resolved(config, backend), sort_keys=True, default=str)
    digest = hashlib.sha256(resolved.encode("utf-8")).hexdigest()[:16]
    return filelock.FileLock(str(Path(runs_dir) / config.name / f".{backend}-{digest}.lock"))


def _resolved(config: ExperimentConfig, backend: str) -> dict:
    """What makes two runs the same run: the whole config and the backend."""
    return {**config.to_dict(), "backend": backend}


@contextlib.contextmanager
def _hold_run_lock(runs_dir: Path, config: ExperimentConfig, backend: str, distribute: bool):
    import filelock

    if distribute and _process_count() > 1:
        # Several processes run one multi-host job together, each with the same config.
        yield
        return
    lock = run_lock(runs_dir, config, backend)
    Path(lock.lock_file).parent.mkdir(parents=True, exist_ok=True)
    try:
        lock.acquire(timeout=0)
    except filelock.Timeout:
        raise KerasVisError(
            f"{runs_dir / config.name}: an identical run (experiment {config.name!r}, same "
            f"config, {backend}) is already in progress (it holds {lock.lock_file}); not "
            "starting a second one that would share its run folder. Wait for it to finish, or "
            "stop it and run the command again to resume it"
        ) from None
    try:
        yield
    finally:
        lock.release()


def _process_count() -> int:
    try:
        import jax

        return jax.process_count()
    except Exception:
        return 1


def _check_manifest(root: Path, synthetic, key: str) -> None:
    """A generated folder must be what the config asks for: same generator, seed, style, count
    and length (its ``manifest.json``); otherwise a clear error, never a silent reuse."""
    if synthetic is None:
        return
    from keras_vis.data.synthetic import generator_version, read_manifest

    manifest = read_manifest(root)
    if manifest is None:
        print(f"warning: {root} has no manifest.json: used as it is, not checked against "
              f"{key}.synthetic", file=sys.stderr)
        return
    wanted = {"version": generator_version(synthetic.style), "seed": synthetic.seed,
              "style": synthetic.style, "recordings": synthetic.recordings,
              "seconds": synthetic.seconds}
    differ = [f"{name} {manifest.get(name)!r} (config: {value!r})"
              for name, value in wanted.items() if manifest.get(name) != value]
    if differ:
        raise DataError(
            f"{root} was generated with other settings than {key}.synthetic asks for: "
            f"{'; '.join(differ)}. Delete the folder to regenerate it, or point "
            f"{key}.root elsewhere"
        )


def _usable_recordings(root: Path) -> list:
    """The usable recordings of ``root`` (one scan); the skipped ones are listed on stderr."""
    from keras_vis.data import scan

    report = scan(root)
    if report.skipped:
        print(f"{root}: skipped {len(report.skipped)} unusable recording(s):", file=sys.stderr)
        for item in report.skipped:
            print(f"  {item['id']}: {item['reason']}", file=sys.stderr)
    if not report.recordings:
        raise DataError(f"{root}: no usable recordings")
    return report.recordings


def _split(recordings: list, root: Path, data):
    from keras_vis.data import split

    return split(
        recordings, root=root, val_fraction=data.val_fraction,
        test_fraction=data.test_fraction, seed=data.split_seed,
    )


def learning_rate(config: ExperimentConfig, steps_per_epoch: int):
    """``train.learning_rate`` under ``train.schedule`` and ``train.warmup_epochs``: a float
    for a constant rate, else a Keras schedule of the optimizer's step."""
    import keras

    train = config.train
    warmup = int(round(train.warmup_epochs * steps_per_epoch))
    total = max(1, train.epochs * steps_per_epoch)
    if train.schedule == "constant" and not warmup:
        return train.learning_rate
    # A constant schedule after a warm-up is a cosine that decays to alpha = 1.
    alpha = 0.05 if train.schedule == "cosine" else 1.0
    return keras.optimizers.schedules.CosineDecay(
        train.learning_rate / 100 if warmup else train.learning_rate,
        decay_steps=max(1, total - warmup), alpha=alpha,
        warmup_target=train.learning_rate if warmup else None, warmup_steps=warmup)


def _optimizer(config: ExperimentConfig, steps_per_epoch: int):
    import keras

    train = config.train
    rate = learning_rate(config, steps_per_epoch)
    if train.optimizer == "adamw":
        optimizer = keras.optimizers.AdamW(rate, weight_decay=train.weight_decay or 1e-4)
    elif train.optimizer == "sgd":
        optimizer = keras.optimizers.SGD(rate, momentum=0.9, nesterov=True)
    else:
        optimizer = keras.optimizers.Adam(rate)
    if train.precision == "mixed_float16":
        # float16 gradients underflow without loss scaling. compile adds it only for a model
        # built under that policy, which the lag loss's wrapper is not.
        optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
    return optimizer


def _set_data_parallel(config: ExperimentConfig, backend: str) -> None:
    import keras

    if backend != "jax":
        raise ConfigError(f"--distribute needs the jax backend (got {backend})")
    devices = keras.distribution.list_devices()
    if config.train.batch_size % len(devices):
        raise ConfigError(
            f"train.batch_size {config.train.batch_size} must be a multiple of the "
            f"{len(devices)} devices for data-parallel training"
        )
    keras.distribution.set_distribution(keras.distribution.DataParallel(devices=devices))
    print(f"data-parallel over {len(devices)} devices: {devices}", file=sys.stderr)


def selectable_from(config) -> int:
    """The first epoch (0-based) the best checkpoint may come from: with a footage curriculum
    (``data.footage_after_epochs``), the first that trained on the footage, so a run asked to
    learn from a folder never ships a checkpoint that has not seen it."""
    return config.data.footage_after_epochs


def _metrics(history, test: dict, samples_per_epoch: int, from_epoch: int = 0) -> dict:
    train_time = float(history["epoch_time_s"].sum())
    eligible = history.iloc[from_epoch:]  # one row per epoch, in order
    best_row = eligible.loc[eligible["val_accuracy"].idxmax()]
    epochs = len(history)
    return {
        "epochs": epochs,
        "best_epoch": int(best_row["epoch"]),
        "train_accuracy": float(best_row["accuracy"]),
        "val_accuracy": float(best_row["val_accuracy"]),
        "test_accuracy": float(test["accuracy"]),
        "test_auc": float(test["auc"]),
        "test_loss": float(test["loss"]),
        "train_time_s": round(train_time, 1),
        "samples_per_s": round(epochs * samples_per_epoch / max(train_time, 1e-9), 1),
    }


def _results_row(config, backend, metrics, model, data: RunData, run_dir, command,
                 commit) -> dict:
    import keras

    from keras_vis.device import device_in_use

    overrides = config.model.overrides
    fusion = overrides.get("fusion") or getattr(
        __import__("zoo").get_preset(config.model.name, config.model.preset), "fusion", ""
    )
    root, test_root = data.root, data.test_root
    dataset = str(root) if test_root == root else f"{root} -> test {test_root}"
    if config.data.footage:
        dataset += " + footage " + ",".join(config.data.footage)
    fingerprint = data.cache.fingerprint if test_root == root else (
        f"{data.cache.fingerprint}->{data.test_cache.fingerprint}"
    )
    if data.footage:
        fingerprint += "+" + "+".join(f.cache.fingerprint for f in data.footage)
    return {
        "experiment": config.name,
        "overrides": config_overrides(config),
        "model": config.model.name,
        "preset": config.model.preset,
        "fusion": fusion,
        "task": config.data.task,
        "backend": backend,
        "device": device_in_use()[0],
        "keras_version": keras.__version__,
        "dataset": dataset,
        "dataset_fingerprint": fingerprint,
        "seed": config.train.seed,
        "epochs": metrics["epochs"],
        "params": model.count_params(),
        "train_accuracy": round(metrics["train_accuracy"], 4),
        "val_accuracy": round(metrics["val_accuracy"], 4),
        "test_accuracy": round(metrics["test_accuracy"], 4),
        "test_auc": round(metrics["test_auc"], 4),
        "test_loss": round(metrics["test_loss"], 4),
        **{column: metrics.get(column, "") for column in REAL_COLUMNS + FOOTAGE_COLUMNS},
        "train_time_s": metrics["train_time_s"],
        "samples_per_s": metrics["samples_per_s"],
        "git_commit": commit,
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "command": command or " ".join(shlex.quote(a) for a in sys.argv),
        "run_dir": str(run_dir),
    }


def _git_commit() -> str:
    """HEAD's short hash, with ``-dirty`` when tracked files differ from it. The results tables
    themselves are left out: each finished run appends to them, and that must not mark the next
    run's code as uncommitted."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=10
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "--", ".",
             ":(exclude,glob)**/results.csv", ":(exclude,glob)**/RESULTS.md"],
            capture_output=True, text=True, timeout=10,
        )
    except (OSError, subprocess.TimeoutExpired):
        return ""
    if head.returncode:
        return ""
    return head.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")


def _verbosity(verbose):
    if verbose != "auto":
        return verbose
    return 1 if sys.stderr.isatty() else 2

