"""``extends``: a variant is its few changed lines over a base file; the defaults are the
shipped recipe; a run with ``--set`` keeps its experiment's name and records its overrides."""

from pathlib import Path

import pytest

from keras_vis.errors import ConfigError
from keras_vis.training.config import (ExperimentConfig, config_overrides, overridden_name,
                                       variant_overrides)

EXPERIMENTS = Path(__file__).resolve().parents[2] / "experiments"
SHIPPED = EXPERIMENTS / "motion_lag_fusion_mixed_small.toml"


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_a_variant_deep_merges_over_its_base(tmp_path):
    write(tmp_path, "base.toml", 'description = "base"\n[model]\nname = "siamese_fusion"\n'
          'preset = "tiny"\n[train]\nepochs = 5\nbatch_size = 4\n'
          '[train.augment]\ncrop = false\ncolor = false\n[eval]\nclips = ["a", "b"]\n')
    variant = write(tmp_path, "sub/variant.toml", 'extends = "../base.toml"\n'
                    '[train]\nepochs = 2\n[train.augment]\ncolor = true\n[eval]\nclips = ["c"]\n')
    config = ExperimentConfig.from_toml(variant)
    assert config.name == "variant"  # never the base's name
    assert config.description == "base"
    assert (config.model.name, config.model.preset) == ("siamese_fusion", "tiny")
    assert (config.train.epochs, config.train.batch_size) == (2, 4)
    assert config.train.augment["crop"] is False and config.train.augment["color"] is True
    assert config.eval.clips == ["c"]  # a list replaces the base's, it is not appended to


def test_extends_chains_and_refuses_cycles_and_missing_bases(tmp_path):
    write(tmp_path, "a.toml", "[train]\nepochs = 3\n")
    write(tmp_path, "b.toml", 'extends = "a.toml"\n[train]\nbatch_size = 2\n')
    c = write(tmp_path, "c.toml", 'extends = "b.toml"\n')
    assert (ExperimentConfig.from_toml(c).train.epochs,
            ExperimentConfig.from_toml(c).train.batch_size) == (3, 2)

    write(tmp_path, "x.toml", 'extends = "y.toml"\n')
    y = write(tmp_path, "y.toml", 'extends = "x.toml"\n')
    with pytest.raises(ConfigError, match="cycle"):
        ExperimentConfig.from_toml(y)
    lost = write(tmp_path, "lost.toml", 'extends = "nowhere.toml"\n')
    with pytest.raises(ConfigError, match="nowhere.toml: no such config file"):
        ExperimentConfig.from_toml(lost)
    wrong = write(tmp_path, "wrong.toml", "extends = 3\n")
    with pytest.raises(ConfigError, match="extends must be a file name"):
        ExperimentConfig.from_toml(wrong)


def test_the_defaults_are_the_shipped_recipe():
    """A config that says nothing trains what the shipped default was trained with (its
    real-clip folder aside: measuring is not part of a recipe)."""
    shipped = ExperimentConfig.from_toml(SHIPPED).to_dict()
    default = ExperimentConfig().to_dict()
    for key in ("name", "description", "eval"):
        shipped.pop(key), default.pop(key)
    # A switch a file leaves out is off (keras_vis.data.augment); the defaults name them all.
    turned_on = {name for name, on in default["train"].pop("augment").items() if on}
    assert turned_on == {name for name, on in shipped["train"].pop("augment").items() if on}
    assert default == shipped


@pytest.mark.parametrize("path", sorted(EXPERIMENTS.glob("*.toml")), ids=lambda p: p.stem)
def test_every_experiment_file_loads_under_its_own_name(path):
    config = ExperimentConfig.from_toml(path)
    assert config.name == path.stem


def test_set_keeps_the_experiment_name_and_records_the_variant(tmp_path):
    path = write(tmp_path, "exp.toml", "[train]\nepochs = 5\n")
    config = ExperimentConfig.from_toml(
        path, ["train.seed=3", "train.epochs=2", "model.overrides.fusion=late"])
    assert config.name == "exp"
    assert config.train.epochs == 2
    assert config_overrides(config) == "train.epochs=2 model.overrides.fusion=late"
    assert config_overrides(ExperimentConfig.from_toml(path, ["train.seed=3"])) == ""
    # The variant is not part of the resolved config: a run folder resumes on the config alone.
    assert "_variant" not in config.to_dict()
    assert overridden_name("exp", ["train.epochs=2"]) == "exp"
    assert ExperimentConfig.from_toml(path, ["name=mine"]).name == "mine"
    assert variant_overrides(['description=two words', "name=x"]) == "'description=two words'"
