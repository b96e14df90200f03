"""Lazy imports of the heavy optional dependencies, each with an error saying which extra installs it."""

from __future__ import annotations

import importlib
from types import ModuleType

from fastsim_kernel.errors import MissingExtraError

_EXTRA_OF = {
    "geant4_pybind": "g4",
    "keras": "train",
    "tensorflow": "train",
    "sklearn": "train",
    "ROOT": "root",
    "jupyterhub": "hub",
    "kubespawner": "hub",
    "ipywidgets": "hub",
}


def require(module: str) -> ModuleType:
    """Import ``module`` or raise a one-line error naming the extra that provides it."""
    try:
        return importlib.import_module(module)
    except ImportError as err:
        extra = _EXTRA_OF.get(module.split(".")[0], "dev")
        msg = f"{module} is not installed: pip install 'fastsim-kernel[{extra}]' ({err})"
        raise MissingExtraError(msg) from err
