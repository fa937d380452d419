"""One version-2 recording on disk: its plan, then its wav, mp4 and ``_times.txt``."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import soundfile

from keras_vis.data.synthetic.materials import MATERIALS, SAMPLE_RATE
from keras_vis.data.synthetic.v2.plan import make_plan
from keras_vis.data.synthetic.v2.settings import AUDIO_RATE
from keras_vis.data.synthetic.v2.sound import render_audio
from keras_vis.data.synthetic.v2.video import render_video


def write_recording(task: dict) -> str:
    """Write one version-2 recording described by ``task`` (``writer.recording_tasks``): its
    ``_mic.wav``, ``_mic.mp4`` and ``_times.txt``. Returns its id."""
    # One recording per process: OpenCV's own thread pool would only oversubscribe the cores.
    cv2.setNumThreads(1)
    out, rec_id = Path(task["out"]), task["id"]
    plan = make_plan(task)
    samples = int(round(plan.seconds * AUDIO_RATE))
    audio = render_audio(np.random.default_rng([*task["seed"], 2]), plan, samples)
    soundfile.write(str(out / f"{rec_id}_mic.wav"), audio, SAMPLE_RATE, subtype="PCM_16")
    render_video(out / f"{rec_id}_mic.mp4", np.random.default_rng([*task["seed"], 3]), plan)
    lines = []
    for e in plan.events:
        if e.miss:
            continue
        if e.labelled:
            name = plan.regions[e.target].look
            action = "scratch" if e.scratch else "hit"
            lines.append(f"{e.t:.6f} {name} {action} {MATERIALS[name].reaction}")
        else:
            lines.append(f"{e.t:.6f} None None None")
    (out / f"{rec_id}_times.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return rec_id
