"""``siamese_fusion``: the shared zoo checks on every backend (see tests/zoo/helpers.py)."""

import pytest

from tests.zoo.helpers import BACKENDS, run_model_test


@pytest.mark.slow
@pytest.mark.parametrize("backend", BACKENDS)
def test_siamese_fusion_on_every_backend(backend):
    run_model_test("siamese_fusion", backend)
