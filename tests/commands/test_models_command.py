"""``python -m keras_vis models``: every model x preset, as a table and as JSON."""

import argparse
import json

import pytest

from keras_vis.commands import models


def _parse(argv):
    parser = argparse.ArgumentParser()
    backend = argparse.ArgumentParser(add_help=False)
    models.register(parser.add_subparsers(dest="command"), [backend])
    return parser.parse_args(["models", *argv])


@pytest.mark.slow
def test_models_json_lists_every_model_and_preset(capsys):
    assert models.main(_parse(["--json"])) == 0
    listing = json.loads(capsys.readouterr().out)
    rows = {(r["model"], r["preset"]): r for r in listing["models"]}
    for name in ("resnet_gru_fusion", "siamese_fusion", "temporal_conv_fusion"):
        assert {(name, "tiny"), (name, "base")} <= set(rows)
        assert rows[name, "tiny"]["fusion"] == "temporal"
        assert rows[name, "tiny"]["clip"]["fps"] == 10
        assert rows[name, "tiny"]["params"] < rows[name, "base"]["params"]


@pytest.mark.parametrize("pattern", ["siamese*", "siamese", "amese_fu"])
def test_models_table_filters_by_substring_or_glob(capsys, pattern):
    assert models.main(_parse(["--pattern", pattern])) == 0
    described, zoo_table = capsys.readouterr().out.split("\n\n")[:2]
    # One line per model first: what it is, from its builder's (or module's) docstring.
    assert described.splitlines()[1].split(None, 1) == [
        "siamese_fusion", "one ResNet trunk serves frames and spectrograms (seed Model 2)"]
    zoo_table = zoo_table.splitlines()
    assert zoo_table[0].split() == ["model", "preset", "fusion", "params", "clip", "shipped"]
    assert {line.split()[0] for line in zoo_table[1:]} == {"siamese_fusion"}


def test_a_pattern_that_matches_nothing_says_so():
    from keras_vis.errors import KerasVisError

    with pytest.raises(KerasVisError, match="'zzz': no model matches.*motion_lag_fusion"):
        models.main(_parse(["--pattern", "zzz"]))


def test_the_shipped_checkpoint_is_marked_on_its_row(capsys):
    from keras_vis import checkpoints

    shipped = checkpoints.metadata("default")
    assert models.main(_parse(["--pattern", shipped["model"]])) == 0
    rows = capsys.readouterr().out.split("\n\n")[1].splitlines()[1:]
    marked = [line.split()[:2] for line in rows if line.endswith("<- default")]
    assert marked == [[shipped["model"], shipped["preset"]]]


def test_shipped_checkpoints_are_listed_with_their_figures(capsys, tmp_path, monkeypatch):
    from keras_vis import checkpoints

    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / checkpoints.MODEL_FILE).write_bytes(b"")
    (folder / checkpoints.METADATA_FILE).write_text(json.dumps({
        "name": "mine", "model": "lag_sync_fusion", "preset": "tiny", "task": "mixed",
        "synthetic_test": {"accuracy": 0.91, "auc": 0.97},
        "real_clips": {"balanced_accuracy": 0.62, "auc": 0.7},
    }))
    monkeypatch.setattr(checkpoints, "root", lambda: tmp_path)
    assert models.main(_parse(["--pattern", "onset*"])) == 0
    out = capsys.readouterr().out
    assert "shipped checkpoints" in out
    assert "mine  lag_sync_fusion  tiny    mixed  0.910" in out and "0.620" in out


def test_models_options_lists_every_option_at_every_preset(capsys):
    import zoo
    import zoo.registry

    assert models.main(_parse(["--pattern", "motion_lag*", "--options"])) == 0
    out = capsys.readouterr().out
    block = out.split("motion_lag_fusion options (--set model.overrides.NAME=VALUE):\n")[1]
    lines = block.split("\n\n")[0].splitlines()
    assert lines[0].split() == ["option", *zoo.presets("motion_lag_fusion")]
    table = {line.split()[0]: line.split()[1:] for line in lines[1:]}
    # Every builder option but clip and fusion, as --set takes it.
    assert set(table) == set(zoo.registry.parameters("motion_lag_fusion")) - {"clip", "fusion"}
    assert table["video_widths"][0] == "[16,32]" and table["grid"][2] == "16"
    assert table["motion_input"] == ["energy"] * len(zoo.presets("motion_lag_fusion"))


def test_options_fill_what_a_preset_leaves_to_the_builder():
    import zoo

    small = zoo.options("motion_lag_fusion", "small")
    assert small["grid"] == 16  # the preset's
    assert small["motion_input"] == "energy"  # the builder's default
    assert "clip" not in small and "fusion" not in small
    with pytest.raises(ValueError, match="unknown preset"):
        zoo.options("motion_lag_fusion", "huge")
