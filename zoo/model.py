"""``ZooModel``: a functional keras.Model that remembers which zoo entry built it.

Its config is the registry name plus the builder's options (the clip spec among them), so a
``.keras`` file reloads by rebuilding through the registry (as keras-hub's backbones do) and
``zoo.clip_of`` can answer for a loaded model as well as for a freshly built one.
"""

from __future__ import annotations

from typing import Any

import keras

from zoo.clip import ClipSpec


@keras.saving.register_keras_serializable(package="zoo")
class ZooModel(keras.Model):
    """A zoo architecture: inputs ``video`` and ``audio``, output ``p_real``."""

    def __init__(self, inputs, outputs, model_name: str, options: dict[str, Any], **kwargs):
        super().__init__(inputs=inputs, outputs=outputs, **kwargs)
        self.model_name = model_name
        self.options = options

    @property
    def clip(self) -> ClipSpec:
        return ClipSpec.from_dict(self.options["clip"])

    @property
    def fusion(self) -> str:
        return self.options["fusion"]

    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "model_name": self.model_name,
            "options": self.options,
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from zoo import registry

        return registry.build_from_options(
            config["model_name"], config["options"], name=config.get("name"),
            trainable=config.get("trainable", True),
        )
