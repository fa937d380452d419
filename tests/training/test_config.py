"""Experiment configs validate before any work starts, naming the file and the key."""

from pathlib import Path

import pytest

from keras_vis.training.config import ExperimentConfig
from keras_vis.errors import ConfigError

EXPERIMENTS = sorted(Path(__file__).resolve().parents[2].joinpath("experiments").glob("*.toml"))


def write(tmp_path, text, name="exp.toml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_minimal_config_gets_defaults_and_file_name(tmp_path):
    config = ExperimentConfig.from_toml(write(tmp_path, '[model]\nname = "siamese_fusion"\n'))
    assert config.name == "exp"
    assert config.model.name == "siamese_fusion"
    assert config.data.task == "mixed"  # the defaults are the shipped recipe
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
        # nan and inf are valid TOML floats but no setting.
        ("[train]\nlearning_rate = nan\n", ["train.learning_rate", "finite", "nan"]),
        ("[train]\nlearning_rate = inf\n", ["train.learning_rate", "finite", "inf"]),
        ("[train]\nlag_loss = -1\n", ["train.lag_loss", ">= 0", "-1"]),
        ('[train]\nprecision = "bfloat16"\n', ["train.precision", "mixed_bfloat16"]),
        ("[data]\nsync_offset_max_s = -inf\n", ["data.sync_offset_max_s", "finite"]),
        ("[data.dataset.synthetic]\nseconds = nan\n", ["data.dataset.synthetic.seconds", "finite"]),
        ('[model]\noverrides = {dropout = nan}\n', ["model.overrides.dropout", "finite"]),
        # Overrides may only name the builder's options.
        ('[model]\nname = "resnet_gru_fusion"\noverrides = {gru_unit = 8}\n',
         ["model.overrides.gru_unit", "unknown option", "did you mean 'gru_units'"]),
        ('[model]\nname = "siamese_fusion"\noverrides = {gru_units = 8}\n',
         ["model.overrides.gru_units", "siamese_fusion"]),
        ('[model]\noverrides = {fusion = "early"}\n', ["model.overrides.fusion", "early"]),
        ("[data]\ntrain_pairs_per_recording = 0\n",
         ["data.train_pairs_per_recording", "at least 1"]),
        ("[data]\neval_pairs_per_recording = -2\n",
         ["data.eval_pairs_per_recording", "at least 1"]),
        # The curriculum delays footage: without footage, or past the last epoch, it means nothing.
        ("[data]\nfootage_after_epochs = 2\n", ["data.footage_after_epochs", "needs data.footage"]),
        ('[data]\nfootage = ["f"]\nfootage_after_epochs = 12\n',
         ["data.footage_after_epochs", "fewer than train.epochs (12)", "got 12"]),
        ('[data]\nfootage = ["f"]\nfootage_after_epochs = -1\n',
         ["data.footage_after_epochs", "at least 0"]),
        # A string never means "unset".
        ('[data]\ntest_dataset = "none"\n', ["data.test_dataset", "table", "leave the key out"]),
        ('[data.dataset]\nsynthetic = "none"\n', ["data.dataset.synthetic", "table"]),
        ("[data.test_dataset]\nroot = 3\n", ["data.test_dataset.root", "str"]),
        ('[data.test_dataset]\nrooot = "x"\n', ["data.test_dataset.rooot", "unknown key"]),
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


def test_an_override_keeps_the_name_and_is_recorded_as_a_variant(tmp_path):
    from keras_vis.training.config import config_overrides

    path = write(tmp_path, "[train]\nepochs = 5\n")
    name = path.stem
    # A seed, the loader's threads or the scoring clips leave the experiment as it is.
    same = ["train.seed=3", "train.workers=2", 'eval.clips=["clips"]']
    assert config_overrides(ExperimentConfig.from_toml(path, same)) == ""
    variant = ExperimentConfig.from_toml(
        path, ["train.seed=1", "model.overrides.fusion=late", "data.dataset.root=data/v2-320"])
    # plot NAME and compare --filter NAME find it; the results row's overrides column says how
    # it differs, so a table never averages it with the experiment.
    assert variant.name == name
    assert config_overrides(variant) == "model.overrides.fusion=late data.dataset.root=data/v2-320"
    assert ExperimentConfig.from_toml(path, ["train.epochs=2", "name=short"]).name == "short"
    assert ExperimentConfig.from_toml(path, ['name="quoted"']).name == "quoted"


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


SWEEP_LINES = [
    (path.name, line)
    for path in sorted(EXPERIMENTS[0].parent.joinpath("sweeps").glob("*.txt"))
    for line in path.read_text().splitlines() if line.strip() and not line.startswith("#")
]


@pytest.mark.parametrize("sweep,line", SWEEP_LINES,
                         ids=[f"{sweep}-{i}" for i, (sweep, _) in enumerate(SWEEP_LINES)])
def test_every_line_of_a_sweep_is_a_run_that_validates(sweep, line):
    from keras_vis.invocation import BACKENDS

    # gpu_runs.sh splits a line as the shell splits an unquoted $line: on spaces, quotes kept.
    args = line.split()
    root = EXPERIMENTS[0].parents[1]
    overrides = [value for flag, value in zip(args[1::2], args[2::2]) if flag == "--set"]
    assert {flag for flag in args[1::2]} <= {"--set", "--backend"}, line
    assert all(value in BACKENDS for flag, value in zip(args[1::2], args[2::2])
               if flag == "--backend")
    ExperimentConfig.from_toml(root / args[0], overrides)


def test_set_none_on_an_optional_table_is_an_error_not_unset(tmp_path):
    path = write(tmp_path, '[data.test_dataset]\nroot = "/data/outdoor"\n')
    assert ExperimentConfig.from_toml(path).data.test_dataset.root == "/data/outdoor"
    with pytest.raises(ConfigError, match="data.test_dataset must be a table, got str 'none'"):
        ExperimentConfig.from_toml(path, ["data.test_dataset=none"])


def test_python_none_unsets_an_optional_table():
    raw = {"data": {"dataset": {"root": "/data/gh", "synthetic": None}, "test_dataset": None}}
    config = ExperimentConfig.from_dict(raw, source="inline")
    assert config.data.dataset.synthetic is None and config.data.test_dataset is None
    with pytest.raises(ConfigError, match="inline: train.epochs must be int, got NoneType"):
        ExperimentConfig.from_dict({"train": {"epochs": None}}, source="inline")


def test_union_tries_every_type_and_keeps_the_string_none():
    from keras_vis.training.config import _coerce

    assert _coerce(str | None, "none", "f.toml", "k") == "none"
    assert _coerce(str | None, None, "f.toml", "k") is None
    assert _coerce(int | str, "3 s", "f.toml", "k") == "3 s"  # the second type
    assert _coerce(int | str, 3, "f.toml", "k") == 3
    assert _coerce(float | None, 2, "f.toml", "k") == 2.0
    with pytest.raises(ConfigError, match="f.toml: k must be int or str, got float 1.5"):
        _coerce(int | str, 1.5, "f.toml", "k")
    with pytest.raises(ConfigError, match="f.toml: k must be int, got str 'none'"):
        _coerce(int | None, "none", "f.toml", "k")
    with pytest.raises(ConfigError, match="f.toml: k must be a finite number"):
        _coerce(float | None, float("nan"), "f.toml", "k")


def test_every_builder_option_is_accepted_as_an_override():
    """No false alarm: every option a preset sets, and every builder parameter (also those no
    preset sets, such as a default-only option), is a valid override key."""
    import zoo
    from zoo import registry

    for name in zoo.list_models():
        preset = next(iter(zoo.presets(name)))
        keys = {k for p in zoo.presets(name).values() for k in p.options}
        assert keys <= set(registry.parameters(name)), name
        keys |= set(registry.parameters(name)) - {"clip", "fusion"}
        assert keys, name
        for key in sorted(keys):
            value = 0.5 if key == "dropout" else 1  # dropout lies in [0, 1)
            raw = {"model": {"name": name, "preset": preset, "overrides": {key: value}}}
            ExperimentConfig.from_dict(raw, source="inline")
        raw = {"model": {"name": name, "preset": preset, "overrides": {"fusion": "late"}}}
        ExperimentConfig.from_dict(raw, source="inline")


def test_augmentation_names_are_defined_once():
    from keras_vis.data import augment
    from keras_vis.training import config

    assert config.AUGMENTATIONS is augment.SWITCHES
    assert set(ExperimentConfig().train.augment) == set(augment.SWITCHES)


def test_tasks_and_pair_defaults_are_defined_once():
    from keras_vis.data.pairs import OFFSET_RANGE_S, TASKS, TOLERANCE_S
    from keras_vis.training import config

    assert config.TASKS is TASKS
    data = ExperimentConfig().data
    assert (data.sync_offset_min_s, data.sync_offset_max_s) == OFFSET_RANGE_S
    assert data.sync_tolerance_s == TOLERANCE_S
