"""The 3DGAN: architectures, the GAN model, training, generation and the shipped model.

``load_generator(path=None)`` is the entry point for users; TensorFlow/Keras are imported only when needed.
"""

from __future__ import annotations

from fastsim_kernel.gan.config import GANConfig


def load_generator(path=None, **options):
    """Load a generator (None: the shipped fixed-angle model); see ``fastsim_kernel.gan.generate``.

    ``.generate(energy GeV, theta RADIANS, n, seed=0)`` returns ``Showers`` with cells in GeV.
    """
    from fastsim_kernel.gan.generate import load_generator as _load

    return _load(path, **options)


__all__ = ["GANConfig", "load_generator"]
