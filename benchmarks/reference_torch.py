"""The original project's model in plain PyTorch: the reference that ``train_step.py`` divides by.

Written here from the seed project's description, in ``torch.nn`` only (no torchvision, no keras):

* video: every frame through a ResNet-18 (torchvision layout: 7x7/2 stem, 3x3/2 max-pool, four
  stages of two basic blocks, 64-128-256-512 wide, global average pool) -> 512 per frame, then a
  one-layer GRU of 512 over the frames, its last state;
* audio: the clip's waveform mixed to mono -> a 128-mel log spectrogram computed inside the step
  (``torch.stft`` with a Hann window, centred, the zoo's FFT length of 512 and its hop, so the
  spectrogram has ``8 x frames`` columns as in ``zoo.layers.preprocess.StereoLogMel``; the mel
  matrix is built once with numpy) -> a ResNet-18 with one input channel -> 512;
* head: concat 1024 -> Linear 512 -> ReLU -> Linear 1 (a logit);
* training: every weight trainable, Adam (lr 1e-3), BCE-with-logits, BatchNorm in train mode;
  ``--precision bfloat16`` (or ``float16``) runs the forward pass and loss under
  ``torch.autocast``, the usual PyTorch way to train in mixed precision.

It runs on the GPU when PyTorch sees one (``--device cpu`` or ``cuda`` to choose); there the
clock is read after ``torch.cuda.synchronize()`` and ``peak_device_mb`` is the GPU memory
PyTorch allocated at most.

Inputs are what the zoo models take: uint8 frames ``(B, T, H, W, 3)`` (converted to float and
normalised inside the step) and a float waveform ``(B, S, C)``.

    python benchmarks/reference_torch.py --preset base --batch 4 --threads 2
    python benchmarks/reference_torch.py --preset base --batch 4 --threads 0 --device cuda
    python benchmarks/reference_torch.py --params-only

Prints one JSON line: samples/s, steps timed, peak RSS, parameter count, the device.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from train_step import AUTOCAST, add_timing_flags  # noqa: E402  (no keras, no torch)
from zoo.clip import ClipSpec, clip_preset  # noqa: E402  (keras-free)

NUM_MEL_BINS = 128
FFT_LENGTH = 512
SPECTROGRAM_FRAMES_PER_VIDEO_FRAME = 8  # as the zoo's ResNet models (trunk downsampling 8)
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


class BasicBlock(nn.Module):
    """conv3x3-BN-ReLU-conv3x3-BN plus the (1x1-projected when the shape changes) input, ReLU."""

    def __init__(self, in_channels: int, channels: int, stride: int):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, channels, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = None
        if stride != 1 or in_channels != channels:
            self.downsample = nn.Sequential(
                nn.Conv2d(in_channels, channels, 1, stride, bias=False), nn.BatchNorm2d(channels)
            )

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


class ResNet18(nn.Module):
    """ResNet-18 without its classifier: ``(N, in_channels, H, W)`` -> ``(N, 512)``."""

    widths = (64, 128, 256, 512)

    def __init__(self, in_channels: int = 3):
        super().__init__()
        self.stem = nn.Sequential(
            nn.Conv2d(in_channels, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64),
            nn.ReLU(inplace=True), nn.MaxPool2d(3, 2, 1),
        )
        stages, channels = [], 64
        for i, width in enumerate(self.widths):
            stride = 1 if i == 0 else 2
            stages.append(nn.Sequential(BasicBlock(channels, width, stride),
                                        BasicBlock(width, width, 1)))
            channels = width
        self.stages = nn.Sequential(*stages)
        self.pool = nn.AdaptiveAvgPool2d(1)
        for module in self.modules():
            if isinstance(module, nn.Conv2d):
                nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")

    def forward(self, x):
        return torch.flatten(self.pool(self.stages(self.stem(x))), 1)


def mel_matrix(num_mel_bins: int, fft_length: int, sample_rate: int, low_hz: float = 40.0,
               high_hz: float | None = None) -> np.ndarray:
    """HTK-mel triangles as a ``(fft_length // 2 + 1, num_mel_bins)`` float32 matrix."""
    high_hz = sample_rate / 2.0 if high_hz is None else high_hz
    mel_low, mel_high = (2595.0 * np.log10(1.0 + f / 700.0) for f in (low_hz, high_hz))
    corners = 700.0 * (10.0 ** (np.linspace(mel_low, mel_high, num_mel_bins + 2) / 2595.0) - 1.0)
    freqs = np.arange(fft_length // 2 + 1) * (sample_rate / fft_length)
    matrix = np.zeros((len(freqs), num_mel_bins), dtype=np.float64)
    for m in range(num_mel_bins):
        left, peak, right = corners[m : m + 3]
        up = (freqs - left) / (peak - left)
        down = (right - freqs) / (right - peak)
        matrix[:, m] = np.clip(np.minimum(up, down), 0.0, None)
    return matrix.astype(np.float32)


class LogMel(nn.Module):
    """Waveform ``(B, S, C)`` -> mono -> log-mel ``(B, 1, num_mel_bins, frames)``."""

    def __init__(self, clip: ClipSpec, num_mel_bins: int = NUM_MEL_BINS):
        super().__init__()
        self.frames = clip.frames * SPECTROGRAM_FRAMES_PER_VIDEO_FRAME
        self.hop = clip.samples // self.frames
        self.register_buffer("window", torch.hann_window(FFT_LENGTH))
        self.register_buffer(
            "mel", torch.from_numpy(mel_matrix(num_mel_bins, FFT_LENGTH, clip.sample_rate))
        )

    def forward(self, waveform):
        mono = waveform.mean(dim=-1)
        spectrum = torch.stft(mono, FFT_LENGTH, self.hop, window=self.window, center=True,
                              return_complex=True)[:, :, : self.frames]
        power = spectrum.real.square() + spectrum.imag.square()  # (B, freq, frames)
        mel = torch.matmul(power.transpose(1, 2), self.mel)  # (B, frames, mels)
        return torch.log(mel + 1e-6).transpose(1, 2).unsqueeze(1)


class ReferenceModel(nn.Module):
    """Per-frame ResNet-18 + GRU, spectrogram ResNet-18, 1024 -> 512 -> 1 head (logits)."""

    def __init__(self, clip: ClipSpec):
        super().__init__()
        self.frame_net = ResNet18(3)
        self.gru = nn.GRU(512, 512, batch_first=True)
        self.log_mel = LogMel(clip)
        self.audio_net = ResNet18(1)
        self.head = nn.Sequential(nn.Linear(1024, 512), nn.ReLU(inplace=True), nn.Linear(512, 1))
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1) * 255)
        self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1) * 255)

    def forward(self, video, audio):
        batch, frames, height, width, _ = video.shape
        x = video.reshape(batch * frames, height, width, 3).permute(0, 3, 1, 2).float()
        x = (x - self.mean) / self.std
        per_frame = self.frame_net(x).reshape(batch, frames, -1)
        _, last = self.gru(per_frame)
        sound = self.audio_net(self.log_mel(audio))
        return self.head(torch.cat([last[-1], sound], dim=1))


def count_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def measure(clip: ClipSpec, batch: int, threads: int, warmup: int, min_steps: int,
            min_seconds: float, precision: str = "float32", device: str = "cpu") -> dict:
    """Train steps on one random batch on ``device``, after ``warmup`` untimed steps;
    ``precision`` other than float32: the forward pass and loss under ``torch.autocast`` at
    that dtype. ``threads`` 0 leaves PyTorch's own thread count."""
    if threads > 0:
        torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = ReferenceModel(clip).train().to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.BCEWithLogitsLoss()
    rng = np.random.default_rng(0)
    video = torch.from_numpy(rng.integers(0, 256, (batch, *clip.video_shape), dtype=np.uint8))
    audio = torch.from_numpy(rng.uniform(-1, 1, (batch, *clip.audio_shape)).astype(np.float32))
    labels = torch.from_numpy(rng.integers(0, 2, (batch, 1)).astype(np.float32))
    video, audio, labels = (t.to(device) for t in (video, audio, labels))
    on_gpu = torch.device(device).type == "cuda"
    autocast = torch.autocast(torch.device(device).type, dtype=getattr(torch, precision),
                              enabled=precision != "float32")

    def step():
        optimizer.zero_grad(set_to_none=True)
        with autocast:
            loss = loss_fn(model(video, audio), labels)
        loss.backward()
        optimizer.step()

    def synchronize():
        # CUDA runs asynchronously: the clock means something only once the queue is empty.
        if on_gpu:
            torch.cuda.synchronize()

    for _ in range(warmup):
        step()
    synchronize()
    steps, start = 0, time.perf_counter()
    while steps < min_steps or time.perf_counter() - start < min_seconds:
        step()
        steps += 1
        synchronize()
    elapsed = time.perf_counter() - start
    result = {
        "samples_per_s": steps * batch / elapsed, "steps": steps,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "params": count_params(model), "threads": torch.get_num_threads(),
        "device": torch.cuda.get_device_name(device) if on_gpu else "cpu",
    }
    if on_gpu:
        result["peak_device_mb"] = torch.cuda.max_memory_allocated(device) / 2**20
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--preset", default="base", help="clip preset (zoo.clip.CLIP_PRESETS)")
    parser.add_argument("--clip", help="a ClipSpec as JSON (overrides --preset)")
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--threads", type=int, default=2,
                        help="CPU threads (0: PyTorch's default, for a GPU machine)")
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto",
                        help="auto: the GPU when PyTorch sees one, else the CPU")
    parser.add_argument("--precision", default="float32", choices=sorted(set(AUTOCAST.values())))
    add_timing_flags(parser)
    parser.add_argument("--params-only", action="store_true",
                        help="print the parameter count and exit")
    args = parser.parse_args(argv)
    clip = ClipSpec.from_dict(json.loads(args.clip)) if args.clip else clip_preset(args.preset)
    if args.params_only:
        print(json.dumps({"params": count_params(ReferenceModel(clip))}))
        return 0
    device = args.device
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    print(json.dumps(measure(clip, args.batch, args.threads, args.warmup, args.min_steps,
                             args.min_seconds, args.precision, device)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
