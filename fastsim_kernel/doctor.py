"""``fastsim doctor``: what this environment can do (extras installed, Geant4 data, devices, tools)."""

from __future__ import annotations

import importlib.metadata
import os
import shutil
from pathlib import Path

#: label -> (distributions that provide it, the extra that installs it)
_PACKAGES = {
    "numpy": (("numpy",), "core"),
    "h5py": (("h5py",), "core"),
    "uproot": (("uproot",), "core"),
    "geant4-pybind": (("geant4-pybind",), "g4"),
    "tensorflow": (("tensorflow", "tensorflow-cpu"), "train"),
    "keras": (("keras",), "train"),
    "ROOT": (("root",), "root"),
    "jupyterhub": (("jupyterhub",), "hub"),
    "kubespawner": (("jupyterhub-kubespawner",), "hub"),
    "jupyterlab": (("jupyterlab",), "hub"),
    "ipywidgets": (("ipywidgets",), "hub"),
}


def report() -> list[tuple[str, str]]:
    """(item, finding) rows describing the environment; never raises."""
    rows = []
    for label, (distributions, extra) in _PACKAGES.items():
        rows.append((label, _version(distributions) or f"not installed (extra '{extra}')"))
    data_dir = os.environ.get("GEANT4_DATA_DIR")
    if data_dir and Path(data_dir).is_dir():
        rows.append(("Geant4 datasets", f"{data_dir}: standard physics available"))
    else:
        rows.append(("Geant4 datasets", "none (GEANT4_DATA_DIR unset): the datafree physics list is used"))
    rows.append(("GPU", _gpus()))
    rows.append(("cores", str(os.cpu_count())))
    for tool in ("g++", "node", "chromium", "helm", "kubectl"):
        rows.append((tool, shutil.which(tool) or "not found"))
    return rows


def _version(distributions: tuple[str, ...]) -> str | None:
    for name in distributions:
        try:
            return f"{importlib.metadata.version(name)} ({name})"
        except importlib.metadata.PackageNotFoundError:
            continue
    return None


def _gpus() -> str:
    if shutil.which("nvidia-smi") is None:
        return "none visible (no nvidia-smi)"
    return "nvidia-smi present (run `nvidia-smi -L` for the list)"


def format_report(rows: list[tuple[str, str]]) -> str:
    width = max(len(item) for item, _ in rows)
    return "\n".join(f"{item:<{width}}  {finding}" for item, finding in rows)
