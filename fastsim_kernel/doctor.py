"""``fastsim doctor``: what this environment can do, what it cannot, and what to install.

The findings come from the same functions the work itself uses: the Geant4 physics from
``g4.datasets.physics_status`` (what ``simulate`` picks), the GPUs from TensorFlow (``system.visible_gpus``),
the cores from the cgroup limit (``system.usable_cpus``). ``check(names)`` says which requested capabilities
are missing, for ``fastsim doctor --need``.
"""

from __future__ import annotations

import dataclasses
import importlib.metadata
import importlib.util
import shutil

from fastsim_kernel.errors import FastsimError

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
_TOOLS = ("g++", "node", "chromium", "helm", "kubectl")


@dataclasses.dataclass(frozen=True)
class Capability:
    """One thing a user may want to do here, whether it works, and what it takes when it does not."""

    name: str
    works: bool
    detail: str  # what works, or what is missing and how to install it


def report() -> list[tuple[str, str]]:
    """(item, finding) rows: installed packages, Geant4 physics, devices, tools; never raises."""
    from fastsim_kernel.g4.datasets import physics_status
    from fastsim_kernel.system import usable_cpus

    rows = [(name, _version(dists) or f"not installed (extra '{extra}')") for name, (dists, extra) in _PACKAGES.items()]
    physics, reason = physics_status()
    rows.append(("Geant4 physics", f"{physics}: {reason}"))
    rows.append(("GPUs", ", ".join(_gpus()) or "none visible to TensorFlow"))
    rows.append(("CPU cores", f"{usable_cpus()} usable (affinity and cgroup limit)"))
    rows += [(tool, shutil.which(tool) or "not found") for tool in _TOOLS]
    return rows


def capabilities() -> list[Capability]:
    """What works here and what does not, each with what to install."""
    from fastsim_kernel.g4.datasets import physics_status

    physics, reason = physics_status()
    train = all(_version(_PACKAGES[name][0]) for name in ("tensorflow", "keras"))
    hub = all(_version(_PACKAGES[name][0]) for name in ("jupyterhub", "kubespawner", "jupyterlab"))
    root = _version(("root",)) is not None
    gpus = _gpus()
    return [
        _simulate(physics),
        Capability("standard-physics", physics == "standard", reason if physics == "standard" else
                   "install the Geant4 datasets (the fastsim images have them) and set GEANT4_DATA_DIR to their "
                   f"folder; now {reason}"),
        Capability("train", train, "TensorFlow and Keras" if train else "pip install 'fastsim-kernel[train]'"),
        Capability("gpu", bool(gpus), ", ".join(gpus) if gpus else _no_gpu(train)),
        Capability("root", root, "PyROOT reads the .root files" if root else "pip install 'fastsim-kernel[root]'"),
        Capability("hub", hub, "JupyterHub, KubeSpawner, JupyterLab" if hub else "pip install 'fastsim-kernel[hub]'"),
    ]  # fmt: skip


def _simulate(physics: str) -> Capability:
    if _version(("geant4-pybind",)) is None:
        return Capability("simulate", False, "pip install 'fastsim-kernel[g4]'")
    if physics == "datafree" and shutil.which("g++") is None:
        return Capability("simulate", False, "datafree physics is compiled on first use: apt-get install g++")
    return Capability("simulate", True, f"Geant4 with {physics} physics")


CAPABILITY_NAMES = ("simulate", "standard-physics", "train", "gpu", "root", "hub")


def check(needs: list[str], found: list[Capability]) -> list[Capability]:
    """The needed capabilities that are missing; an unknown name is a user error."""
    unknown = sorted(set(needs) - set(CAPABILITY_NAMES))
    if unknown:
        msg = f"--need {','.join(unknown)}: unknown capability; expected some of {','.join(CAPABILITY_NAMES)}"
        raise FastsimError(msg)
    return [c for c in found if c.name in needs and not c.works]


def format_report(rows: list[tuple[str, str]], found: list[Capability]) -> str:
    """The findings, then the verdict: what works and what does not (with what to install)."""
    width = max(len(item) for item, _ in rows)
    lines = [f"{item:<{width}}  {finding}" for item, finding in rows]
    lines += ["", "verdict:"]
    lines += [f"  {'works' if c.works else 'MISSING':<8} {c.name:<17} {c.detail}" for c in found]
    return "\n".join(lines)


def _version(distributions: tuple[str, ...]) -> str | None:
    for name in distributions:
        try:
            return f"{importlib.metadata.version(name)} ({name})"
        except importlib.metadata.PackageNotFoundError:
            continue
    return None


def _gpus() -> list[str]:
    from fastsim_kernel.system import visible_gpus

    return visible_gpus()


def _no_gpu(train: bool) -> str:
    if not train or importlib.util.find_spec("tensorflow") is None:
        return "TensorFlow is not installed: pip install 'fastsim-kernel[train]' (tensorflow[and-cuda] on a GPU node)"
    return "TensorFlow sees no GPU: run on a GPU node with the NVIDIA driver and a CUDA build of TensorFlow"
