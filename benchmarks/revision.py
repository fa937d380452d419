"""The package code of another git revision, for a benchmark's before/after in the same run.

A figure from another day is no baseline on a shared machine, so a benchmark given
``--baseline REV`` times REV's ``keras_vis`` and ``zoo`` in a subprocess next to the working
tree's, with everything else (data, Python, packages, load) the same.
"""

from __future__ import annotations

import contextlib
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@contextlib.contextmanager
def exported_code(revision: str) -> Iterator[Path]:
    """A temporary folder holding ``keras_vis`` and ``zoo`` as they are at ``revision`` (put it
    first on ``PYTHONPATH``); raises ``RuntimeError`` with git's message when ``git archive``
    fails (an unknown revision, no git)."""
    with tempfile.TemporaryDirectory(prefix="keras-vis-baseline-") as folder:
        archive = Path(folder) / "code.tar"
        with archive.open("wb") as stream:
            done = subprocess.run(["git", "-C", str(ROOT), "archive", revision, "keras_vis", "zoo"],
                                  stdout=stream, stderr=subprocess.PIPE)
        if done.returncode != 0:
            raise RuntimeError(done.stderr.decode().strip() or f"git archive {revision} failed")
        with tarfile.open(archive) as tar:
            tar.extractall(folder, filter="data")
        yield Path(folder)
