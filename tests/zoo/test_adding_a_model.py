"""docs/adding-a-model.md: its template, copied as it stands, registers, builds and trains."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "adding-a-model.md"


def template() -> str:
    return re.search(r"```python\n(.*?)```", GUIDE.read_text(encoding="utf-8"), re.S).group(1)


@pytest.mark.slow
def test_the_template_builds_and_trains_one_step(tmp_path):
    # In its own folder and process: the shared registry of this test process stays as it was.
    (tmp_path / "my_fusion.py").write_text(template())
    check = (
        "import numpy as np, keras, zoo, my_fusion\n"
        "assert 'my_fusion' in zoo.list_models()\n"
        "assert list(zoo.presets('my_fusion')) == ['tiny', 'small', 'base'], zoo.presets('my_fusion')\n"
        "model = zoo.build('my_fusion', 'tiny')\n"
        "clip = zoo.clip_of(model)\n"
        "rng = np.random.default_rng(0)\n"
        "video = rng.integers(0, 255, (4, *clip.video_shape), dtype=np.uint8)\n"
        "audio = rng.standard_normal((4, *clip.audio_shape)).astype('float32')\n"
        "model.compile(optimizer='adam', loss='binary_crossentropy')\n"
        "history = model.fit({'video': video, 'audio': audio}, np.array([[1], [0], [1], [0]]),\n"
        "                    batch_size=4, epochs=1, verbose=0)\n"
        "assert np.isfinite(history.history['loss'][0])\n"
        "names = [layer.name for layer in model.layers]\n"
        "assert {'video_encoder', 'audio_encoder', 'fusion_head'} <= set(names), names\n"
        "print('trained')\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)]),
           "KERAS_BACKEND": "jax"}
    done = subprocess.run([sys.executable, "-c", check], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0 and "trained" in done.stdout, done.stderr[-3000:]


def test_the_template_describes_itself():
    text = template()
    assert re.search(r'^def my_fusion\(clip: ClipSpec, fusion: str', text, re.M)
    assert '"""Per-frame and spectrogram ResNets' in text  # what `models` prints beside it
