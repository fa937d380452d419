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


def test_models_table_filters_by_pattern(capsys):
    assert models.main(_parse(["--pattern", "siamese*"])) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["model", "preset", "fusion", "params", "clip"]
    assert {line.split()[0] for line in lines[1:]} == {"siamese_fusion"}
