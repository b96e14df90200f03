"""fastsim_kernel: Geant4 showers, the 3DGAN that replaces them, and the validation between the two.

The public API is imported lazily, so ``import fastsim_kernel`` needs neither TensorFlow nor Geant4.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_API = {
    "Showers": "fastsim_kernel.data",
    "read_showers": "fastsim_kernel.data",
    "write_showers": "fastsim_kernel.data",
    "iter_showers": "fastsim_kernel.data",
    "FastsimError": "fastsim_kernel.errors",
    "simulate": "fastsim_kernel.g4",
    "load_generator": "fastsim_kernel.gan",
    "validate": "fastsim_kernel.validation",
}

__all__ = [*_API, "__version__"]


def __getattr__(name: str):
    if name in _API:
        return getattr(importlib.import_module(_API[name]), name)
    msg = f"module 'fastsim_kernel' has no attribute {name!r}"
    raise AttributeError(msg)
