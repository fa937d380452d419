"""Fixtures shared by the whole suite."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def synthetic_root(tmp_path_factory):
    """A small synthetic dataset in the Greatest Hits layout, made once per test session:
    6 studio recordings of 8 s at 128x228 (seed 0). Returns the folder (a pathlib.Path)."""
    from keras_vis.data.synthetic import generate

    root = tmp_path_factory.mktemp("synthetic")
    generate(root, recordings=6, seconds=8.0, seed=0, size=(128, 228), workers=2, quiet=True)
    return root


@pytest.fixture(scope="session")
def model_path(tmp_path_factory):
    """An untrained tiny resnet_gru_fusion saved as a .keras file (a path to score with)."""
    import zoo

    path = tmp_path_factory.mktemp("model") / "tiny.keras"
    zoo.build("resnet_gru_fusion", "tiny").save(path)
    return path


# The two files whose tests take longest (the backend matrix's three subprocesses, and whole
# runs through the command line). Collected first, so that ``make test``'s two workers
# (pytest-xdist, a file per worker at a time) start on them rather than end on them.
LONGEST_FIRST = ("tests/zoo/test_every_model.py", "tests/training/test_experiment.py")


def pytest_collection_modifyitems(config, items):
    def rank(item) -> int:
        path = item.nodeid.split("::", 1)[0]
        return LONGEST_FIRST.index(path) if path in LONGEST_FIRST else len(LONGEST_FIRST)

    items.sort(key=rank)  # stable: the order inside each file and among the rest is kept
