"""Every model builds at ``base`` (the seed's scale) and maps a clip to one probability."""

import numpy as np
import pytest

import zoo


@pytest.mark.slow
@pytest.mark.parametrize("name", ["resnet_gru_fusion", "siamese_fusion", "temporal_conv_fusion"])
def test_base_preset_builds_and_predicts(name):
    model = zoo.build(name, "base")
    clip = zoo.clip_of(model)
    assert (clip.frames, clip.height, clip.width) == (30, 112, 112)
    x = {"video": np.zeros((1, *clip.video_shape), "uint8"),
         "audio": np.zeros((1, *clip.audio_shape), "float32")}
    p_real = np.asarray(model(x, training=False))
    assert p_real.shape == (1, 1) and 0.0 <= float(p_real[0, 0]) <= 1.0
