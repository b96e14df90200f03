"""The public entry points: ``simulate`` (showers in memory) and ``simulate_to_file`` (resumable, on disk).

``simulate_to_file`` writes every finished chunk atomically into a sibling folder ``OUT.parts/`` (with a
``manifest.json`` of the run's settings). Ctrl-C, a crash or a kill keeps those chunks; the same call with
``resume=True`` simulates only the missing ones, then writes OUT atomically and removes the folder.
"""

from __future__ import annotations

import inspect
import json
import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from fastsim_kernel._atomic import atomic_path, check_output_path
from fastsim_kernel.data import Showers, count_showers, read_showers, write_showers
from fastsim_kernel.errors import FastsimError
from fastsim_kernel.g4.plan import Plan, check_workers, chunk_path, make_plan
from fastsim_kernel.g4.pool import WorkerPool, progress_bar

_SUFFIXES = (".h5", ".hdf5", ".root")
_MANIFEST = "manifest.json"


def simulate(
    n: int,
    *,
    grid: str | Sequence[int] = "25x25x25",
    energy: float | str | Sequence[float] = (10.0, 100.0),
    theta: float | str | Sequence[float] = (60.0, 120.0),
    particle: str = "e-",
    spectrum: str = "flat",
    physics: str = "auto",
    seed: int = 0,
    workers: int | None = None,
    progress: bool = True,
) -> Showers:
    """Simulate ``n`` showers with Geant4 in worker processes and return them in memory.

    The defaults (25x25x25, 10-100 GeV, 60-120 deg) are the conditions the shipped model covers.

    Args:
        n: number of showers.
        grid: cell grid "25x25x25" (fixed angle) or "51x51x25" (variable angle), or an (X, Y, Z) tuple.
        energy: primary energy in GeV: a value or a (low, high) range within 2-500 ("10:100" works too).
        theta: polar angle in degrees: a value or a (low, high) range inside (0, 180); 90 = normal incidence.
        particle: "e-", "gamma" or "pi-".
        spectrum: "flat" (uniform energy) or "log" (uniform log energy).
        physics: "auto" (standard when the Geant4 datasets are installed, else datafree), "standard", "datafree".
        seed: the same seed gives the same showers, whatever the number of workers.
        workers: worker processes (default: the CPU cores this process may use, cgroup limit included).
            Geant4 always runs in workers, never here.
        progress: show a progress bar.

    Returns:
        ``Showers`` with cells (n, X, Y, Z) in GeV, energy in GeV, theta in radians, and provenance metadata.
    """
    count = check_workers(workers)
    plan = make_plan(n, grid=grid, energy=energy, theta=theta, particle=particle, spectrum=spectrum,
                     physics=physics, seed=seed, chunk_size=None, workers=count)  # fmt: skip
    cells = np.zeros((plan.n, *plan.geometry.grid), dtype=np.float32)
    with WorkerPool(plan, min(count, plan.n_chunks)) as pool, progress_bar(plan.n, enabled=progress) as bar:
        results = pool.run(plan.tasks(), on_done=bar.update)
        version = pool.geant4_version
    for index, (_, chunk, _) in results.items():
        start = index * plan.chunk_size
        cells[start : start + len(chunk)] = chunk
    metadata = plan.metadata()
    metadata["versions"]["geant4"] = version
    energy_gev, theta_deg = plan.primaries()
    return Showers(cells, energy_gev, np.radians(theta_deg), metadata)


def simulate_to_file(out: str | os.PathLike, n: int, *, chunk_size: int | None = None, resume: bool = False,
                     overwrite: bool = False, **options: Any) -> Path:  # fmt: skip
    """Simulate ``n`` showers into ``out`` (HDF5, or ROOT when it ends in .root), resumably.

    Args:
        out: the output file (.h5, .hdf5 or .root).
        n: number of showers.
        chunk_size: showers per chunk file (default: about 8 chunks per worker, at most 100).
        resume: complete an interrupted run of the same settings (reusing its finished chunks).
        overwrite: replace an existing output and discard an unfinished run.
        options: those of ``simulate`` (grid, energy, theta, particle, spectrum, physics, seed, workers,
            progress), with the same defaults.

    Returns:
        The path of the finished file.
    """
    out = Path(out)
    if out.suffix.lower() not in _SUFFIXES:
        msg = f"output {str(out)!r} must end in one of {', '.join(_SUFFIXES)}"
        raise FastsimError(msg)
    if resume and overwrite:
        msg = "choose one of resume and overwrite"
        raise FastsimError(msg)
    check_output_path(out, overwrite=True)  # the folder must exist
    settings = _options(options)
    count, progress = check_workers(settings.pop("workers")), settings.pop("progress")
    plan = make_plan(n, chunk_size=chunk_size, workers=count, **settings)
    parts = out.with_name(out.name + ".parts")
    if resume and out.exists() and not parts.exists():
        return _already_complete(out, plan)
    if not resume and not overwrite:
        check_output_path(out)
        if parts.exists():
            msg = f"an unfinished run is in {str(parts)!r}: pass --resume to complete it or --overwrite to start over"
            raise FastsimError(msg)
    plan = _prepare_parts(parts, plan, resume=resume)
    done = {i for i in range(plan.n_chunks) if chunk_path(parts, i).exists()}
    finished = sum(min(plan.chunk_size, plan.n - i * plan.chunk_size) for i in done)
    missing = plan.n_chunks - len(done)
    if missing:
        try:
            _run_chunks(plan, parts, skip=done, initial=finished, workers=min(count, missing), progress=progress)
        except BaseException:
            if not any(parts.glob("chunk-*.h5")):  # nothing worth resuming
                shutil.rmtree(parts, ignore_errors=True)
            raise
    _assemble(parts, plan, out)
    return out


def _options(given: dict[str, Any]) -> dict[str, Any]:
    """The options of ``simulate`` (its one signature, with its defaults), taken from ``given``."""
    parameters = inspect.signature(simulate).parameters
    defaults = {name: p.default for name, p in parameters.items() if p.kind is inspect.Parameter.KEYWORD_ONLY}
    unknown = sorted(set(given) - set(defaults))
    if unknown:
        msg = f"unknown simulation options {unknown}; expected some of {sorted(defaults)}"
        raise TypeError(msg)
    return {**defaults, **given}


def _run_chunks(plan: Plan, parts: Path, *, skip: set[int], initial: int, workers: int, progress: bool) -> None:
    """Simulate the chunks not in ``skip``; each worker writes its finished chunks into ``parts``."""
    tasks = plan.tasks(skip=skip, folder=parts, metadata=plan.metadata())
    with WorkerPool(plan, workers) as pool, progress_bar(plan.n, initial=initial, enabled=progress) as bar:
        pool.run(tasks, on_done=bar.update)


def _already_complete(out: Path, plan: Plan) -> Path:
    found, _ = count_showers(out)
    if found != plan.n:
        msg = f"cannot resume {str(out)!r}: it is complete with {found} showers, not {plan.n}; use --overwrite"
        raise FastsimError(msg)
    return out


def _prepare_parts(parts: Path, plan: Plan, *, resume: bool) -> Plan:
    """Create the chunk folder with its manifest, or check (on resume) that it matches this run."""
    manifest = parts / _MANIFEST
    if resume and manifest.exists():
        saved = _read_manifest(manifest)
        wanted = plan.manifest()
        keys = ("n", "geometry", "physics", "particle", "spectrum", "energy_gev", "theta_deg", "seed")
        differ = [k for k in keys if saved.get(k) != wanted.get(k)]
        if differ:
            detail = ", ".join(f"{k}: was {saved.get(k)!r}, now {wanted.get(k)!r}" for k in differ)
            msg = f"cannot resume {str(parts)!r} with different settings ({detail})"
            raise FastsimError(msg)
        return Plan(n=plan.n, geometry=plan.geometry, gun=plan.gun, physics=plan.physics, seed=plan.seed,
                    chunk_size=int(saved["chunk_size"]))  # fmt: skip
    if parts.exists():
        shutil.rmtree(parts)
    parts.mkdir()
    with atomic_path(manifest) as tmp:
        tmp.write_text(json.dumps(plan.manifest(), indent=1, sort_keys=True))
    return plan


def _read_manifest(manifest: Path) -> dict[str, Any]:
    """The settings of an interrupted run, or one line saying that they cannot be read."""
    try:
        saved = json.loads(manifest.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        saved = err
    if not isinstance(saved, dict) or not isinstance(saved.get("chunk_size"), int) or saved["chunk_size"] < 1:
        msg = (
            f"cannot resume: {manifest} is corrupt (expected the JSON settings of the run with a positive"
            " chunk_size); rerun with --overwrite to start over"
        )
        raise FastsimError(msg)
    return saved


def _assemble(parts: Path, plan: Plan, out: Path) -> None:
    """Join the chunk files in order into OUT (atomically, one chunk in memory at a time: outputs larger than
    memory), then remove the chunk folder."""
    paths = [chunk_path(parts, i) for i in range(plan.n_chunks)]
    found = sum(count_showers(path)[0] for path in paths)
    if found != plan.n:
        msg = f"chunks in {str(parts)!r} hold {found} showers, expected {plan.n}; rerun with --overwrite"
        raise FastsimError(msg)
    write_showers((read_showers(path) for path in paths), out)
    shutil.rmtree(parts, ignore_errors=True)
