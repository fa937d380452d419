"""Average finished runs of one recipe (its seeds) into one model, scored as a run of its own.

Seeds of one configuration span 0.16 of balanced accuracy on real clips, so one seed's model is
a draw, and picking the best seed needs figures that must not be chosen on. The mean logit of
every seed (``zoo.ensemble``) needs no choice. This makes it a run: a folder under
``runs/<experiment>+ensemble`` whose ``best.keras`` is the ensemble, scored by the same steps as
a trained run (val and test pairs, real clips, held-out footage), with one results row, so
``compare`` and ``checkpoints.ship`` take it like any run.

>>> ensemble_runs(["runs/x/jax-1", "runs/x/jax-2"])   # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import math
import sys
from pathlib import Path

from keras_vis.errors import ConfigError
from keras_vis.files import atomic_path, check_writable
from keras_vis.results.table import check_appendable
from keras_vis.training.config import ExperimentConfig
from keras_vis.training.rundir import RunDir

# The suffix of an ensemble's experiment name: its rows and run folders stay apart from its
# members' (``compare`` averages rows of one experiment as seeds of one recipe).
SUFFIX = "+ensemble"
# What may differ between members: everything else is the recipe, and must match.
_FREE = {("name",), ("description",), ("backend",), ("train", "seed")}


def ensemble_runs(members: list[str | Path], *, runs_dir: str | Path = "runs",
                  results_path: str | Path = "experiments/results.csv",
                  command: str | None = None, verbose: int | str = "auto"):
    """Average the finished runs ``members`` (run folders, or experiment folders standing for
    their newest finished run) and score the ensemble as a run; returns its ``RunResult``.

    The members must be one recipe with different seeds (``ConfigError`` names what differs).
    Running the same command again after a kill finishes the same run folder.
    """
    import keras

    import zoo
    from keras_vis.inference.models import load_model
    from keras_vis.training import experiment as steps

    runs = [_finished(member) for member in members]
    configs = [json.loads((run.path / RunDir.CONFIG).read_text(encoding="utf-8"))
               for run in runs]
    seeds = _check_one_recipe(runs, configs)
    base = {key: value for key, value in configs[0].items() if key != "backend"}
    config = ExperimentConfig.from_dict(base, source=str(runs[0].path / RunDir.CONFIG))
    config = dataclasses.replace(config, name=config.name + SUFFIX)
    backend = keras.backend.backend()
    with contextlib.ExitStack() as held:
        steps._before_any_work(config, backend, runs_dir, results_path, False, held)
        commit = steps._git_commit()
        clip = zoo.get_preset(config.model.name, config.model.preset).clip
        data = steps._prepare_data(config.data, clip)
        loaders = steps._loaders(config, data)
        model = zoo.ensemble([load_model(str(run.path))[0] for run in runs],
                             name=config.model.name)
        resolved = {**steps._resolved(config, backend),
                    "members": [str(run.path.resolve()) for run in runs]}
        run = RunDir.resume_or_create(runs_dir, config.name, backend, resolved)
        check_writable(run.path, "run folder")
        print(f"ensemble of {len(runs)} runs (seeds {', '.join(map(str, seeds))}): {run.path}",
              file=sys.stderr)
        with atomic_path(run.best_path, suffix=".keras") as partial:
            model.save(partial)
        model.compile(**steps._scoring())
        metrics = _scores(config, model, loaders, runs, verbose)
        metrics.update(steps.evaluate_real_clips(model, config.eval.clips, run.path))
        metrics.update(steps.evaluate_footage(
            model, steps.heldout_footage(config, data.footage), run.path))
        row = steps._results_row(config, backend, metrics, model, data, run.path, command,
                                 commit)
        row["seed"] = ""  # several: the overrides column names them
        overrides = _member_overrides(runs[0])
        row["overrides"] = " ".join(filter(None, [
            f"ensemble of seeds {','.join(map(str, seeds))}", overrides]))
        run.commit_result(results_path, row, members=resolved["members"], seeds=seeds)
    print(f"{config.name} [{backend}] test accuracy {metrics['test_accuracy']:.3f} "
          f"AUC {metrics['test_auc']:.3f} -> {results_path}", file=sys.stderr)
    return steps.RunResult(run_dir=run.path, metrics=metrics, row=row)


def _finished(member: str | Path) -> RunDir:
    run = RunDir.newest_finished(member)
    if run is None or not run.finished:
        raise ConfigError(f"{member}: not a finished run folder (it needs best.keras and "
                          f"metrics.json), nor an experiment folder holding one")
    return run


def _check_one_recipe(runs: list[RunDir], configs: list[dict]) -> list[int]:
    """The members' seeds; ``ConfigError`` unless they are two or more different seeds of one
    recipe."""
    if len(runs) < 2:
        raise ConfigError(f"an ensemble needs at least two finished runs, got {len(runs)}")
    recipe = _flatten(configs[0])
    for run, config in zip(runs[1:], configs[1:]):
        other = _flatten(config)
        differ = sorted(".".join(key) for key in set(recipe) | set(other)
                        if recipe.get(key) != other.get(key))
        if differ:
            raise ConfigError(f"{run.path} is not the recipe of {runs[0].path}: "
                              f"{', '.join(differ)} differ (only train.seed may)")
    seeds = [int(config["train"]["seed"]) for config in configs]
    if len(set(seeds)) != len(seeds):
        raise ConfigError(f"the runs repeat a seed ({seeds}): each seed trains the same model")
    return seeds


def _flatten(config: dict, prefix: tuple = ()) -> dict:
    flat = {}
    for key, value in config.items():
        path = (*prefix, key)
        if path in _FREE:
            continue
        if isinstance(value, dict):
            flat.update(_flatten(value, path))
        else:
            flat[path] = json.dumps(value, sort_keys=True)
    return flat


def _scores(config, model, loaders, runs: list[RunDir], verbose) -> dict:
    """The row's training and pair figures: the ensemble's own val and test scores, and the
    members' training, summed (there is no best epoch, nor a training accuracy of its own)."""
    from keras_vis.training.experiment import _verbosity

    print(f"scoring the {len(loaders.val)} val and {len(loaders.test)} test batches",
          file=sys.stderr)
    val = model.evaluate(loaders.val, return_dict=True, verbose=_verbosity(verbose))
    test = model.evaluate(loaders.test, return_dict=True, verbose=_verbosity(verbose))
    records = [run.metrics() for run in runs]
    train_time = sum(float(record.get("train_time_s") or 0) for record in records)
    samples = sum(float(record.get("samples_per_s") or 0) * float(record.get("train_time_s") or 0)
                  for record in records)
    return {
        "epochs": max(int(record.get("epochs") or 0) for record in records),
        "best_epoch": "",
        "train_accuracy": math.nan,
        "val_accuracy": float(val["accuracy"]),
        "test_accuracy": float(test["accuracy"]),
        "test_auc": float(test["auc"]),
        "test_loss": float(test["loss"]),
        "train_time_s": round(train_time, 1),
        "samples_per_s": round(samples / max(train_time, 1e-9), 1),
    }


def _member_overrides(run: RunDir) -> str:
    """The first member's ``--set`` flags without its seed."""
    text = str(run.metrics().get("overrides") or "")
    return " ".join(part for part in text.split() if not part.startswith("train.seed="))
