"""Experiment configs validate before any work starts, naming the file and the key."""

from pathlib import Path

import pytest

from keras_vis.config import ExperimentConfig
from keras_vis.errors import ConfigError

EXPERIMENTS = sorted(Path(__file__).resolve().parents[1].joinpath("experiments").glob("*.toml"))


def write(tmp_path, text, name="exp.toml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_minimal_config_gets_defaults_and_file_name(tmp_path):
    config = ExperimentConfig.from_toml(write(tmp_path, '[model]\nname = "siamese_fusion"\n'))
    assert config.name == "exp"
    assert config.model.name == "siamese_fusion"
    assert config.data.task == "sync"
    assert config.data.dataset.synthetic is not None


@pytest.mark.parametrize(
    "text, names",
    [
        ("[train]\nepochz = 3\n", ["train.epochz", "exp.toml"]),
        ('[train]\nepochs = "three"\n', ["train.epochs", "int"]),
        ('[model]\nname = "no_such_model"\n', ["model.name", "no_such_model"]),
        ('[model]\nname = "resnet_gru_fusion"\npreset = "huge"\n', ["model.preset", "huge"]),
        ('[data]\ntask = "karaoke"\n', ["data.task", "karaoke"]),
        ('[data]\nwindows = "middle"\n', ["data.windows", "middle"]),
        ("[train.augment]\nwobble = true\n", ["train.augment", "wobble"]),
        ("[train]\nbatch_size = 0\n", ["train.batch_size"]),
        ("this is not toml", ["not valid TOML"]),
    ],
)
def test_bad_config_names_file_and_key(tmp_path, text, names):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as error:
        ExperimentConfig.from_toml(path)
    for name in names:
        assert name in str(error.value)
    assert str(path) in str(error.value)


def test_set_overrides_reach_the_same_fields(tmp_path):
    path = write(tmp_path, "[train]\nepochs = 5\n")
    config = ExperimentConfig.from_toml(
        path, ["train.epochs=2", "model.overrides.fusion=late", "data.task=mixed"]
    )
    assert config.train.epochs == 2
    assert config.model.overrides == {"fusion": "late"}
    assert config.data.task == "mixed"
    with pytest.raises(ConfigError, match="key=value"):
        ExperimentConfig.from_toml(path, ["train.epochs"])
    with pytest.raises(ConfigError, match="train.epochs"):
        ExperimentConfig.from_toml(path, ["train.epochs=lots"])


def test_real_dataset_table_needs_no_generator(tmp_path):
    config = ExperimentConfig.from_toml(
        write(tmp_path, '[data.dataset]\nroot = "/data/greatest-hits"\n')
    )
    assert config.data.dataset.synthetic is None


def test_config_round_trips_through_dict(tmp_path):
    config = ExperimentConfig.from_toml(write(tmp_path, "[train]\nlearning_rate = 3e-4\n"))
    assert ExperimentConfig.from_dict(config.to_dict(), source="again") == config


@pytest.mark.parametrize("path", EXPERIMENTS, ids=[p.stem for p in EXPERIMENTS])
def test_every_shipped_experiment_validates(path):
    ExperimentConfig.from_toml(path)
