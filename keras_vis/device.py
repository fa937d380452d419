"""The device the Keras backend computes on: what a results row and a benchmark cell name."""

from __future__ import annotations


def device_in_use() -> tuple[str, float | None]:
    """``("cpu", None)``, or on a GPU its name (``"2 x NVIDIA H100"`` for several) and the most
    memory the backend has held on the first one, in MB, from the backend's own counter."""
    import keras

    backend = keras.backend.backend()
    if backend == "torch":
        import torch

        if torch.cuda.is_available():
            return (_named(torch.cuda.get_device_name(0), torch.cuda.device_count()),
                    torch.cuda.max_memory_allocated(0) / 2**20)
    elif backend == "jax":
        import jax

        devices = jax.devices()
        if devices[0].platform == "gpu":
            stats = devices[0].memory_stats() or {}
            return (_named(devices[0].device_kind, len(devices)),
                    stats.get("peak_bytes_in_use", 0) / 2**20)
    elif backend == "tensorflow":
        import tensorflow as tf

        gpus = tf.config.list_physical_devices("GPU")
        if gpus:
            name = tf.config.experimental.get_device_details(gpus[0]).get("device_name", "GPU")
            return (_named(name, len(gpus)),
                    tf.config.experimental.get_memory_info("GPU:0")["peak"] / 2**20)
    return "cpu", None


def _named(name: str, count: int) -> str:
    return name if count == 1 else f"{count} x {name}"
