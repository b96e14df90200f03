"""The 3DGAN: architectures, the GAN model, training, generation and the shipped model.

``load_generator(path=None)`` is the entry point for users; TensorFlow/Keras are imported only when needed.
"""

from __future__ import annotations

from fastsim_kernel.gan.config import GANConfig


def load_generator(path=None, *, batch_size: int = 128):
    """Load a generator (None: the shipped fixed-angle model); see ``fastsim_kernel.gan.generate``."""
    from fastsim_kernel.gan.generate import load_generator as _load

    return _load(path, batch_size=batch_size)


__all__ = ["GANConfig", "load_generator"]
