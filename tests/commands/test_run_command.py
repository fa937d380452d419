"""``run``: a config file or ``--model NAME`` on the shipped recipe; the results table from
``--results``, else ``$KERAS_VIS_RESULTS``, else the published one."""

import argparse

import pytest

from keras_vis.commands import run as run_command
from keras_vis.errors import ConfigError
from keras_vis.training.config import ExperimentConfig, config_overrides


def parse(*argv):
    parser = argparse.ArgumentParser()
    subparsers = parser.add_subparsers(dest="command", required=True)
    run_command.register(subparsers, [])
    return parser.parse_args(["run", *argv])


def test_model_trains_on_the_shipped_recipe_without_a_toml():
    path, overrides = run_command.experiment_of(
        parse("--model", "siamese_fusion", "--preset", "tiny", "--set", "train.epochs=1"))
    config = ExperimentConfig.from_toml(path, overrides)
    recipe = ExperimentConfig.from_toml(path)
    assert config.name == "siamese_fusion_tiny"
    assert (config.model.name, config.model.preset) == ("siamese_fusion", "tiny")
    assert config.train.epochs == 1
    assert (config.data, config.train.augment) == (recipe.data, recipe.train.augment)
    # Its row says what it changed from the recipe.
    assert config_overrides(config) == (
        "model.name=siamese_fusion model.preset=tiny train.epochs=1")
    assert run_command.experiment_of(parse("--model", "siamese_fusion"))[1][0] == (
        "name=siamese_fusion_small")


@pytest.mark.parametrize("argv, message", [
    (["x.toml", "--model", "siamese_fusion"], "not both"),
    ([], "give an experiment file"),
    (["x.toml", "--preset", "tiny"], "--preset goes with --model"),
])
def test_unclear_requests_are_refused(argv, message):
    with pytest.raises(ConfigError, match=message):
        run_command.experiment_of(parse(*argv))


def test_results_go_to_the_users_own_table(monkeypatch, tmp_path):
    calls = []
    monkeypatch.setattr("keras_vis.training.experiment.run",
                        lambda config, **kwargs: calls.append(kwargs["results_path"]))
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    monkeypatch.setenv("KERAS_VIS_RESULTS", str(tmp_path / "mine.csv"))
    assert run_command.main(parse("experiments/motion_lag_fusion_mixed_tiny.toml")) == 0
    assert run_command.main(parse("experiments/motion_lag_fusion_mixed_tiny.toml",
                                  "--results", "other.csv")) == 0
    monkeypatch.delenv("KERAS_VIS_RESULTS")
    assert run_command.main(parse("experiments/motion_lag_fusion_mixed_tiny.toml")) == 0
    assert calls == [str(tmp_path / "mine.csv"), "other.csv", "experiments/results.csv"]
