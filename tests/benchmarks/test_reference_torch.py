"""The benchmark's plain-PyTorch reference model, and the train-step table built around it."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import reference_torch  # noqa: E402
import train_step  # noqa: E402

from zoo.clip import ClipSpec, clip_preset  # noqa: E402


def test_the_reference_is_the_described_model():
    model = reference_torch.ReferenceModel(clip_preset("base"))
    count = reference_torch.count_params
    # torchvision's ResNet-18 without its 1000-way classifier: 11,689,512 - 513,000.
    assert count(model.frame_net) == 11_176_512
    assert count(model.audio_net) == 11_176_512 - 64 * 2 * 7 * 7  # one input channel, not 3
    assert count(model.gru) == 3 * (2 * 512 * 512 + 2 * 512)
    assert count(model.head) == 1024 * 512 + 512 + 512 + 1
    assert count(model) == 24_448_001


def test_a_train_step_reaches_every_weight():
    clip = ClipSpec(seconds=0.4, fps=5, height=32, width=32)  # 2 frames: a quick step
    model = reference_torch.ReferenceModel(clip).train()
    rng = np.random.default_rng(0)
    video = torch.from_numpy(rng.integers(0, 256, (2, *clip.video_shape), dtype=np.uint8))
    audio = torch.from_numpy(rng.uniform(-1, 1, (2, *clip.audio_shape)).astype(np.float32))
    logits = model(video, audio)
    assert logits.shape == (2, 1)
    torch.nn.functional.binary_cross_entropy_with_logits(logits, torch.ones(2, 1)).backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in model.parameters())


def test_the_spectrogram_follows_the_zoo():
    from zoo.layers.preprocess import mel_filterbank

    clip = clip_preset("base")
    ours = reference_torch.mel_matrix(128, 512, clip.sample_rate)
    assert np.allclose(ours, mel_filterbank(128, 512, clip.sample_rate, 40.0, 8000.0), atol=1e-6)
    log_mel = reference_torch.LogMel(clip)
    assert (log_mel.frames, log_mel.hop) == (240, 133)  # as the zoo's base StereoLogMel
    assert log_mel(torch.zeros(3, clip.samples, 2)).shape == (3, 1, 128, 240)


def test_the_table_divides_each_cell_by_the_reference_of_its_shape(capsys):
    rows = [("resnet_gru_fusion", "tiny", "torch", 16, "float32",
             {"samples_per_s": 16.0, "params": 91_673, "peak_rss_mb": 1287}),
            ("siamese_fusion", "tiny", "jax", 16, "float32", {"error": "boom"}),
            ("resnet_gru_fusion", "base", "jax", 4, "float32",
             {"samples_per_s": 0.6, "params": 28_686_409, "peak_rss_mb": 4723}),
            ("resnet_gru_fusion", "base", "jax", 4, "mixed_bfloat16",
             {"samples_per_s": 0.9, "params": 28_686_409, "peak_rss_mb": 4000})]
    references = {
        ("tiny", 16, "float32"): {"samples_per_s": 2.0, "params": 24_448_001, "peak_rss_mb": 1691},
        ("base", 4, "float32"): {"samples_per_s": 0.4, "params": 24_448_001, "peak_rss_mb": 1689},
        ("base", 4, "bfloat16"): {"samples_per_s": 0.6, "params": 24_448_001, "peak_rss_mb": 1500},
    }
    train_step.print_table(rows, references, threads=2)
    lines = capsys.readouterr().out.splitlines()
    assert "| vs reference | vs reference at its precision |" in lines[0]
    assert "| 16.00 | 8.00x |  |" in lines[2] and "error: boom" in lines[3]
    assert lines[4].startswith("| reference: original model") and "| 1.00x |" in lines[4]
    assert "| float32 | 4 |" in lines[5] and "| 0.60 | 1.50x |  |" in lines[5]
    # A mixed cell: against the float32 reference, and against the reference at bfloat16.
    assert "| mixed_bfloat16 |" in lines[6] and "| 0.90 | 2.25x | 1.50x |" in lines[6]
    assert lines[7].startswith("| reference") and "| float32 |" in lines[7]
    assert "| autocast bfloat16 |" in lines[8] and "| 0.60 | 1.50x | 1.00x |" in lines[8]


def test_the_reference_trains_under_autocast():
    result = reference_torch.measure(clip_preset("tiny"), batch=2, threads=1, warmup=0,
                                     min_steps=1, min_seconds=0.0, precision="bfloat16")
    assert result["steps"] == 1 and result["samples_per_s"] > 0


def test_the_table_names_each_cells_device_and_its_gpu_memory(capsys):
    gpu = {"samples_per_s": 40.0, "params": 28_686_409, "peak_rss_mb": 3000,
           "device": "NVIDIA H200", "peak_device_mb": 12345.6}
    cpu = {"samples_per_s": 0.5, "params": 28_686_409, "peak_rss_mb": 4000}  # an older cell
    train_step.print_table([("resnet_gru_fusion", "base", "torch", 4, "float32", gpu),
                            ("resnet_gru_fusion", "base", "jax", 4, "float32", cpu)], {},
                           threads=0)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].endswith("| peak RSS MB | device |")
    assert lines[2].endswith("| 3000 | NVIDIA H200, peak 12,346 MB |")
    assert lines[3].endswith("| 4000 | cpu |")
    assert "Each library's own CPU thread count per process" in lines[-1]


def test_threads_zero_leaves_every_library_its_own_thread_count(monkeypatch):
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    assert "OMP_NUM_THREADS" not in train_step.cell_env("jax", 0)
    assert train_step.cell_env("jax", 2)["OMP_NUM_THREADS"] == "2"


def test_the_reference_names_its_device():
    result = reference_torch.measure(clip_preset("tiny"), batch=2, threads=0, warmup=0,
                                     min_steps=1, min_seconds=0.0, device="cpu")
    assert result["device"] == "cpu" and "peak_device_mb" not in result


def test_base_runs_on_every_backend_asked_and_json_keeps_every_cell(monkeypatch, tmp_path, capsys):
    calls = []

    def cell(model_name, preset, backend, batch, threads, args, precision="float32"):
        calls.append((preset, backend, precision))
        return {"samples_per_s": 10.0 if backend == "jax" else 2.0, "params": 1,
                "peak_rss_mb": 1, "clip": {"fps": 15}, "device": "NVIDIA H200",
                "peak_device_mb": 1000.0}

    def reference(preset, batch, threads, args, clip=None, precision="float32"):
        calls.append((preset, "reference", precision))
        assert clip == {"fps": 15}  # the zoo cells' clip spec
        return {"samples_per_s": 5.0, "params": 2, "peak_rss_mb": 1, "device": "NVIDIA H200"}

    monkeypatch.setattr(train_step, "run_cell", cell)
    monkeypatch.setattr(train_step, "run_reference", reference)
    out = tmp_path / "cells.json"
    train_step.main(["--models", "resnet_gru_fusion", "--backends", "torch", "jax", "--no-tiny",
                     "--base-backend", "torch", "jax", "--threads", "0",
                     "--precision", "mixed_bfloat16", "--json", str(out)])
    assert calls == [("base", "torch", "mixed_bfloat16"), ("base", "jax", "mixed_bfloat16"),
                     ("base", "reference", "float32"), ("base", "reference", "bfloat16")]
    saved = __import__("json").loads(out.read_text())
    assert saved["threads"] == 0
    assert [(c["backend"], c["samples_per_s"]) for c in saved["cells"]] == [("torch", 2.0),
                                                                           ("jax", 10.0)]
    assert [r["precision"] for r in saved["references"]] == ["float32", "bfloat16"]
    assert "| 10.00 | 2.00x | 2.00x |" in capsys.readouterr().out
