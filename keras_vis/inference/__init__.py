"""Inference with a trained model: score one video (``predict``) and the real-footage protocol
(``evaluate``). Submodules load on use; ``keras_vis.predict`` and ``keras_vis.evaluate`` are the
functions."""
