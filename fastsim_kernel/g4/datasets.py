"""Geant4 datasets: find installed ones, pick the physics mode, and prepare the environment of a worker.

geant4-pybind checks for its datasets when it is imported: without ``GEANT4_DATA_DIR`` it asks on the
terminal whether to download them, and with ``CI=true`` it downloads them on its own. We therefore always
set ``GEANT4_DATA_DIR`` (and the per-dataset variables) in the worker process *before* importing it: to the
installed datasets for "standard" physics, or to a tiny stub folder for "datafree" physics, where only two
checks need to pass (an empty ENSDFSTATE.dat, an empty PhotonEvaporation folder).

Nothing here imports geant4_pybind, and the caller's own environment is never modified.
"""

from __future__ import annotations

import os
from pathlib import Path

from fastsim_kernel.errors import FastsimError

PHYSICS_MODES = ("auto", "standard", "datafree")

#: Dataset folder prefix -> the variable Geant4 reads it from (the datasets geant4-pybind 0.1.3 knows).
DATASET_VARIABLES = {
    "G4NDL": "G4NEUTRONHPDATA",
    "G4EMLOW": "G4LEDATA",
    "PhotonEvaporation": "G4LEVELGAMMADATA",
    "RadioactiveDecay": "G4RADIOACTIVEDATA",
    "G4PARTICLEXS": "G4PARTICLEXSDATA",
    "G4PII": "G4PIIDATA",
    "RealSurface": "G4REALSURFACEDATA",
    "G4SAIDDATA": "G4SAIDXSDATA",
    "G4ABLA": "G4ABLADATA",
    "G4INCL": "G4INCLDATA",
    "G4ENSDFSTATE": "G4ENSDFSTATEDATA",
    "G4CHANNELING": "G4CHANNELINGDATA",
}

#: Folder names of the two stub datasets (those the geant4-pybind 0.1.3 / Geant4 11.4.1 build expects).
_STUB_ENSDF = "G4ENSDFSTATE3.0"
_STUB_LEVELGAMMA = "PhotonEvaporation6.1.2"


def cache_dir() -> Path:
    """Per-user cache folder: ``${XDG_CACHE_HOME:-~/.cache}/fastsim-kernel``."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "fastsim-kernel"


def _has_emlow(folder: str | os.PathLike | None) -> bool:
    if not folder or not os.path.isdir(folder):
        return False
    return any(name.startswith("G4EMLOW") for name in os.listdir(folder))


def find_datasets(environ: dict[str, str] | None = None) -> str | None:
    """The folder holding the installed Geant4 datasets, or None when there are none.

    Looks at ``G4LEDATA`` (its parent folder), ``GEANT4_DATA_DIR``, then geant4-pybind's own download
    folder ``~/.geant4_pybind``. Only the presence of the EM low-energy data (G4EMLOW) is checked: it is
    the dataset every standard EM physics list reads.
    """
    env = os.environ if environ is None else environ
    ledata = env.get("G4LEDATA")
    if ledata and os.path.isdir(ledata):
        return env.get("GEANT4_DATA_DIR") or str(Path(ledata).parent)
    if _has_emlow(env.get("GEANT4_DATA_DIR")):
        return env["GEANT4_DATA_DIR"]
    home = Path(os.path.expanduser("~")) / ".geant4_pybind"
    if _has_emlow(home):
        return str(home)
    return None


def physics_status(environ: dict[str, str] | None = None) -> tuple[str, str]:
    """The physics list "auto" picks here ("standard" or "datafree") and why, in words.

    The one decision about standard physics: ``simulate`` (through ``resolve_physics``), ``fastsim doctor``
    and the notebooks' device cell all ask this function.
    """
    found = find_datasets(environ)
    if found:
        return "standard", f"FTFP_BERT with the Geant4 datasets in {found}"
    return "datafree", f"{_no_datasets(environ)}: the EM models that need no data files, no hadronic physics"


def _no_datasets(environ: dict[str, str] | None) -> str:
    data_dir = (os.environ if environ is None else environ).get("GEANT4_DATA_DIR")
    where = f"GEANT4_DATA_DIR={data_dir} holds no G4EMLOW dataset" if data_dir else "GEANT4_DATA_DIR is unset"
    return f"no Geant4 datasets ({where})"


def resolve_physics(physics: str, environ: dict[str, str] | None = None) -> str:
    """Map "auto" to "standard" when datasets are installed and "datafree" otherwise; check the others."""
    if physics not in PHYSICS_MODES:
        msg = f"unknown physics {physics!r}: expected one of {', '.join(PHYSICS_MODES)}"
        raise FastsimError(msg)
    available, _ = physics_status(environ)
    if physics == "auto":
        return available
    if physics == "standard" and available != "standard":
        msg = (
            f"physics 'standard' needs the Geant4 datasets: {_no_datasets(environ)}; set GEANT4_DATA_DIR to the "
            "folder holding them (G4EMLOW, PhotonEvaporation, ...) or use --physics datafree"
        )
        raise FastsimError(msg)
    return physics


def writable_cache(folder: Path) -> Path:
    """Create ``folder`` (inside the cache) or say clearly why it cannot be."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        msg = f"cannot create the cache folder {str(folder)!r} ({err.strerror}): point XDG_CACHE_HOME elsewhere"
        raise FastsimError(msg) from None
    return folder


def stub_data_dir() -> Path:
    """Create (once) and return the stub dataset folder used by datafree physics."""
    root = cache_dir() / "geant4-stub-data"
    writable_cache(root / _STUB_LEVELGAMMA)
    writable_cache(root / _STUB_ENSDF)
    (root / _STUB_ENSDF / "ENSDFSTATE.dat").touch()
    return root


def worker_environment(physics: str, environ: dict[str, str] | None = None) -> dict[str, str]:
    """The variables to set in a worker before importing geant4_pybind, for a resolved physics mode."""
    env = os.environ if environ is None else environ
    if physics == "standard":
        found = find_datasets(environ)
        if found is None:  # resolve_physics has checked this already; keep the message consistent
            resolve_physics("standard", environ)
        variables = {"GEANT4_DATA_DIR": str(found)}
        for name in sorted(os.listdir(found)):
            for prefix, variable in DATASET_VARIABLES.items():
                if name.startswith(prefix) and variable not in env and os.path.isdir(os.path.join(found, name)):
                    variables[variable] = os.path.join(found, name)
        return variables
    stub = stub_data_dir()
    return {
        "GEANT4_DATA_DIR": str(stub),
        "G4ENSDFSTATEDATA": str(stub / _STUB_ENSDF),
        "G4LEVELGAMMADATA": str(stub / _STUB_LEVELGAMMA),
    }
