"""The held-out Geant4 reference: a few hundred showers at each fixed validation point, never used in training.

``make_reference`` runs one resumable ``simulate_to_file`` per (energy, angle) point into ``OUT.points/``
(with a ``manifest.json`` of the settings), then joins the point files into OUT atomically and removes the
folder. Point i uses the Geant4 seed ``seed + i``; keep these clear of the seeds of any training sample.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

from fastsim_kernel._atomic import atomic_path, check_output_path
from fastsim_kernel.data import Showers, count_showers, read_showers, write_showers
from fastsim_kernel.errors import FastsimError

#: The validation points of the targets: energies (GeV) x angles (degrees, 90 = normal incidence).
REFERENCE_ENERGIES_GEV = (10.0, 20.0, 50.0, 100.0)
REFERENCE_THETAS_DEG = (60.0, 90.0, 120.0)
#: Showers per point and the first Geant4 seed (the training sample of the shipped model used seed 2026).
DEFAULT_PER_POINT = 200
DEFAULT_SEED = 1000
_MANIFEST = "manifest.json"


def reference_points(energies: Sequence[float] = REFERENCE_ENERGIES_GEV,
                     thetas: Sequence[float] = REFERENCE_THETAS_DEG) -> list[tuple[float, float]]:
    """Every (energy GeV, angle degrees) pair, energies outermost: -> [(E, theta_deg), ...]."""
    return [(float(e), float(t)) for e in energies for t in thetas]


def make_reference(
    out: str | os.PathLike,
    *,
    per_point: int = DEFAULT_PER_POINT,
    points: Sequence[tuple[float, float]] | None = None,
    grid: str = "25x25x25",
    physics: str = "auto",
    seed: int = DEFAULT_SEED,
    workers: int | None = None,
    progress: bool = True,
    resume: bool = False,
    overwrite: bool = False,
) -> Path:
    """Simulate ``per_point`` Geant4 electrons at each validation point and write them into ``out`` (HDF5).

    Args:
        out: the reference file (.h5 / .hdf5).
        per_point: showers per point (default 200).
        points: (energy GeV, angle degrees) pairs (default: 10, 20, 50, 100 GeV x 60, 90, 120 degrees).
        grid, physics, workers, progress: as for ``fastsim_kernel.g4.simulate_to_file``.
        seed: point i is simulated with seed ``seed + i`` (default 1000: points use 1000-1011).
        resume: complete an interrupted run of the same settings (finished points and chunks are kept).
        overwrite: replace an existing reference and discard an unfinished run.

    Returns:
        The path of the finished file; its metadata lists every point with its seed under ``"reference"``.
    """
    from fastsim_kernel.g4 import simulate_to_file

    out = Path(out)
    if out.suffix.lower() not in (".h5", ".hdf5"):
        msg = f"reference output {str(out)!r} must end in .h5 or .hdf5"
        raise FastsimError(msg)
    if resume and overwrite:
        msg = "choose one of resume and overwrite"
        raise FastsimError(msg)
    if isinstance(per_point, bool) or not isinstance(per_point, int) or per_point < 2:
        msg = f"per_point must be an integer >= 2 showers, got {per_point!r}"
        raise FastsimError(msg)
    points = reference_points() if points is None else [(float(e), float(t)) for e, t in points]
    folder = out.with_name(out.name + ".points")
    settings = {"per_point": per_point, "points": points, "grid": grid, "physics": physics, "seed": seed}
    check_output_path(out, overwrite=overwrite or resume)
    if resume and out.exists() and not folder.exists():
        return _already_complete(out, per_point * len(points))
    _prepare_folder(folder, settings, resume=resume, overwrite=overwrite)
    files = []
    for index, (energy, theta) in enumerate(points):
        path = folder / f"E{energy:g}GeV_theta{theta:g}deg.h5"
        if progress:
            print(f"reference point {index + 1}/{len(points)}: {energy:g} GeV, {theta:g} deg, seed {seed + index}",
                  file=sys.stderr)
        simulate_to_file(path, per_point, grid=grid, energy=energy, theta=theta, physics=physics,
                         seed=seed + index, workers=workers, progress=progress, resume=True)
        files.append(path)
    showers = Showers.concatenate([read_showers(f) for f in files])
    write_showers(_with_reference_metadata(showers, settings), out)
    shutil.rmtree(folder, ignore_errors=True)
    return out


def _already_complete(out: Path, expected: int) -> Path:
    found, _ = count_showers(out)
    if found != expected:
        msg = f"cannot resume {str(out)!r}: it is complete with {found} showers, not {expected}; use --overwrite"
        raise FastsimError(msg)
    return out


def _prepare_folder(folder: Path, settings: dict, *, resume: bool, overwrite: bool) -> None:
    """Create ``folder`` with the settings, or check (on resume) that the unfinished run had the same ones."""
    manifest = folder / _MANIFEST
    if folder.exists() and not resume and not overwrite:
        msg = f"an unfinished reference run is in {str(folder)!r}: pass --resume to complete it or --overwrite"
        raise FastsimError(msg)
    if resume and manifest.exists():
        saved = json.loads(manifest.read_text())
        saved["points"] = [tuple(p) for p in saved["points"]]
        differ = [k for k in settings if saved.get(k) != settings[k]]
        if differ:
            detail = ", ".join(f"{k}: was {saved.get(k)!r}, now {settings[k]!r}" for k in differ)
            msg = f"cannot resume {str(folder)!r} with different settings ({detail})"
            raise FastsimError(msg)
        return
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir()
    with atomic_path(manifest) as tmp:
        tmp.write_text(json.dumps(settings, indent=1))


def _with_reference_metadata(showers: Showers, settings: dict) -> Showers:
    metadata = dict(showers.metadata)
    energies = [e for e, _ in settings["points"]]
    thetas = [t for _, t in settings["points"]]
    metadata.update(
        energy_gev=[min(energies), max(energies)],
        theta_deg=[min(thetas), max(thetas)],
        seed=settings["seed"],
        reference={
            "per_point": settings["per_point"],
            "points": [{"energy_gev": e, "theta_deg": t, "seed": settings["seed"] + i}
                       for i, (e, t) in enumerate(settings["points"])],
        },
    )
    return Showers(showers.cells, showers.energy, showers.theta, metadata)
