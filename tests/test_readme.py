"""The README is a user's guide that cannot rot: short, and every command in it runs."""

import re
import shlex
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
TEXT = README.read_text(encoding="utf-8")


def code_blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", TEXT, re.S)


def commands() -> list[list[str]]:
    """Each command line of the README's bash blocks, split as a shell would (comments off)."""
    found = []
    for block in code_blocks("bash"):
        for line in block.splitlines():
            words = shlex.split(line, comments=True)
            if words:
                found.append(words)
    return found


def test_the_readme_is_a_short_guide():
    assert len(TEXT.splitlines()) <= 200
    # No commit hashes nor dated logs: those live in docs/findings.md and docs/benchmarks.md.
    assert not re.search(r"\b(?=[0-9a-f]*[a-f])(?=[0-9a-f]*[0-9])[0-9a-f]{7,40}\b", TEXT)
    assert not re.search(r"\b20\d\d-\d\d-\d\d\b", TEXT)
    # The first command a reader meets scores their own video.
    assert commands()[0][:2] == ["pip", "install"]
    first = next(words for words in commands() if words[:3] == ["python", "-m", "keras_vis"])
    assert first[3] == "predict"


@pytest.mark.parametrize("words", [w for w in commands() if w[:3] == ["python", "-m", "keras_vis"]],
                         ids=lambda words: " ".join(words[3:]))
def test_every_keras_vis_command_exists(words, capsys):
    from keras_vis.cli import build_parser

    with pytest.raises(SystemExit) as done:
        build_parser().parse_args([words[3], "--help"])
    assert done.value.code == 0
    assert f"keras_vis {words[3]}" in capsys.readouterr().out
    # And its flags as written parse: a renamed or dropped option fails here.
    build_parser().parse_args(words[3:])
    # Every file a command names is in the checkout.
    for word in words[4:]:
        if word.startswith(("experiments/", "docs/")) and not word.startswith("docs/results"):
            assert (ROOT / word).exists(), word


def test_the_other_commands_name_what_exists():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for words in commands():
        if words[0] == "make":
            assert re.search(rf"^{words[1]}:", makefile, re.M), words
        elif words[:2] == ["pip", "install"]:
            assert (ROOT / "pyproject.toml").is_file()
        else:
            assert words[0] == "export" or words[:3] == ["python", "-m", "keras_vis"], words
    for link in re.findall(r"\]\(([^)#]+)\)", TEXT):
        assert (ROOT / link).exists(), link


@pytest.mark.slow
def test_the_python_example_runs():
    import numpy as np

    import zoo

    [block] = code_blocks("python")
    clip = zoo.get_preset("motion_lag_fusion", "small").clip
    namespace = {"frames_uint8": np.zeros((1, *clip.video_shape), np.uint8),
                 "waveform": np.zeros((1, *clip.audio_shape), np.float32)}
    exec(block, namespace)
    assert namespace["p_real"].shape == (1, 1)
