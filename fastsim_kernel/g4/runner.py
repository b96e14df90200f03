"""Run a simulation: plan the events, farm chunks out to worker processes, collect or save them.

Reproducibility: the primaries (energy, angle) of all N events come from ``seed`` alone, and event i
re-seeds Geant4 with a state derived from ``SeedSequence(seed, spawn_key=(i,))``. Every event therefore
has its own stream, disjoint from all others, and the showers do not depend on the number of workers,
the chunk size or an interruption followed by ``resume``.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import dataclasses
import math
import multiprocessing
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from fastsim_kernel.errors import FastsimError
from fastsim_kernel.g4 import build, datasets, worker
from fastsim_kernel.g4.config import GeometryConfig, GunConfig

#: Seed words per event for Geant4's MixMax engine.
SEED_WORDS = 4


def default_workers() -> int:
    """Every core this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


@dataclasses.dataclass(frozen=True)
class Plan:
    """N events split into chunks, with everything needed to simulate any chunk reproducibly."""

    n: int
    geometry: GeometryConfig
    gun: GunConfig
    physics: str  # resolved: "standard" or "datafree"
    seed: int
    chunk_size: int

    def __post_init__(self) -> None:
        if isinstance(self.n, bool) or not isinstance(self.n, (int, np.integer)) or self.n <= 0:
            msg = f"n must be a positive number of showers, got {self.n!r}"
            raise FastsimError(msg)
        if isinstance(self.seed, bool) or not isinstance(self.seed, (int, np.integer)) or self.seed < 0:
            msg = f"seed must be a non-negative integer, got {self.seed!r}"
            raise FastsimError(msg)
        if self.chunk_size <= 0:
            msg = f"chunk_size must be a positive number of showers, got {self.chunk_size!r}"
            raise FastsimError(msg)

    @property
    def n_chunks(self) -> int:
        return math.ceil(self.n / self.chunk_size)

    def primaries(self) -> tuple[np.ndarray, np.ndarray]:
        """Energies (GeV) and angles (degrees) of all N events, shape (N,) each."""
        rng = np.random.default_rng(np.random.SeedSequence(self.seed))
        return self.gun.sample(self.n, rng)

    def event_seeds(self, start: int, stop: int) -> np.ndarray:
        """Geant4 seeds of events [start, stop): (stop - start, SEED_WORDS) non-zero uint32."""
        states = [
            np.random.SeedSequence(self.seed, spawn_key=(i,)).generate_state(SEED_WORDS) for i in range(start, stop)
        ]
        seeds = np.asarray(states, dtype=np.uint32).reshape(-1, SEED_WORDS)
        return np.where(seeds == 0, np.uint32(1), seeds)

    def tasks(self, *, skip: set[int] = frozenset(), folder: Path | None = None,
              metadata: dict[str, Any] | None = None) -> Iterator[worker.ChunkTask]:  # fmt: skip
        energy, theta = self.primaries()
        for index in range(self.n_chunks):
            if index in skip:
                continue
            start, stop = index * self.chunk_size, min(self.n, (index + 1) * self.chunk_size)
            yield worker.ChunkTask(
                index=index,
                start=start,
                energy_gev=energy[start:stop],
                theta_deg=theta[start:stop],
                seeds=self.event_seeds(start, stop),
                path=None if folder is None else str(chunk_path(folder, index)),
                metadata=metadata or {},
            )

    def metadata(self) -> dict[str, Any]:
        """Provenance stored with the showers."""
        from fastsim_kernel import __version__

        return {
            "generator": "geant4",
            "geometry": self.geometry.to_dict(),
            "physics": self.physics,
            "particle": self.gun.particle,
            "spectrum": self.gun.spectrum,
            "energy_gev": list(self.gun.energy_gev),
            "theta_deg": list(self.gun.theta_deg),
            "seed": int(self.seed),
            "versions": {"fastsim_kernel": __version__, "geant4_pybind": build.geant4_pybind_version()},
        }

    def manifest(self) -> dict[str, Any]:
        """What a resumed run must match."""
        return {"n": int(self.n), "chunk_size": int(self.chunk_size), **self.metadata()}


def chunk_path(folder: Path, index: int) -> Path:
    return folder / f"chunk-{index:06d}.h5"


def auto_chunk_size(n: int, workers: int) -> int:
    """About 8 chunks per worker (a smooth progress bar, little lost on Ctrl-C), at most 100 showers."""
    return max(1, min(100, math.ceil(n / (8 * workers))))


def make_plan(n: int, *, grid, energy, theta, particle, spectrum, physics, seed, chunk_size, workers) -> Plan:
    geometry = GeometryConfig.from_grid(grid)
    gun = GunConfig(particle=particle, energy_gev=energy, spectrum=spectrum, theta_deg=theta)
    resolved = datasets.resolve_physics(physics)
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n <= 0:
        msg = f"n must be a positive number of showers, got {n!r}"
        raise FastsimError(msg)
    size = auto_chunk_size(n, workers) if chunk_size is None else chunk_size
    return Plan(n=n, geometry=geometry, gun=gun, physics=resolved, seed=seed, chunk_size=size)


def check_workers(workers: int | None) -> int:
    if workers is None:
        return default_workers()
    if isinstance(workers, bool) or not isinstance(workers, (int, np.integer)) or workers < 1:
        msg = f"workers must be a positive number of processes, got {workers!r}"
        raise FastsimError(msg)
    return int(workers)


class WorkerPool:
    """Worker processes, each holding one Geant4 application for the whole pool's life.

    All workers start (and build Geant4) when the pool is created. Use as a context manager: on any
    exception (Ctrl-C included) the workers are killed at once; the chunks they had finished are already
    on disk when writing to a file.
    """

    def __init__(self, plan: Plan, workers: int) -> None:
        library = str(build.datafree_library()) if plan.physics == "datafree" else None
        self.log_dir = tempfile.mkdtemp(prefix="fastsim-g4-")
        theta_max = max(plan.gun.theta_deg, key=lambda t: abs(90.0 - t))
        spec = worker.WorkerSpec(
            geometry=plan.geometry,
            particle=plan.gun.particle,
            physics=plan.physics,
            theta_max_deg=theta_max,
            environment=datasets.worker_environment(plan.physics),
            library=library,
            log_dir=self.log_dir,
        )
        self.workers = workers
        self.executor = cf.ProcessPoolExecutor(
            max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
            initializer=worker.initialize, initargs=(spec,),
        )  # fmt: skip
        try:
            with _main_module_hidden():
                self.geant4_version = self._results([self.executor.submit(worker.geant4_version)
                                                     for _ in range(workers)])[0]  # fmt: skip
        except BaseException:
            self.terminate()
            shutil.rmtree(self.log_dir, ignore_errors=True)
            raise

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.executor.shutdown(wait=True)
        else:
            self.terminate()
        shutil.rmtree(self.log_dir, ignore_errors=True)

    def terminate(self) -> None:
        processes = list(getattr(self.executor, "_processes", {}).values())
        self.executor.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.kill()
        for process in processes:
            process.join(timeout=5)

    def run(self, tasks, on_done=None) -> dict[int, tuple[int, np.ndarray | None, float]]:
        """Run chunk tasks; call ``on_done(n_showers)`` as each finishes.

        Returns {chunk index: (showers, cells (n, X, Y, Z) or None when written to a file, worker CPU seconds)}.
        """
        futures = [self.executor.submit(worker.run_chunk, task) for task in tasks]
        results = {}
        try:
            for future in cf.as_completed(futures):
                index, count, cells, cpu = future.result()
                results[index] = (count, cells, cpu)
                if on_done is not None:
                    on_done(count)
        except cf.process.BrokenProcessPool:
            raise FastsimError(self._crash_message()) from None
        return results

    def _results(self, futures) -> list:
        try:
            return [future.result() for future in futures]
        except cf.process.BrokenProcessPool:
            raise FastsimError(self._crash_message()) from None

    def _crash_message(self) -> str:
        """What a dead worker logged last: its last G4Exception, else its last line."""
        detail = "no output"
        for log in sorted(Path(self.log_dir).glob("worker-*.log")):
            lines = [line.strip() for line in log.read_text(errors="replace").splitlines() if line.strip()]
            issued = [i for i, line in enumerate(lines) if "G4Exception :" in line]
            if issued:
                detail = _describe_g4exception(lines[issued[-1] :])
                break
            if lines:
                detail = lines[-1]
        return f"a Geant4 worker process died: {detail}"


def _describe_g4exception(lines: list[str]) -> str:
    """'*** G4Exception : CODE', 'issued by : WHERE', message lines, '*** Fatal ...' -> one line."""
    code = lines[0].split(":", 1)[1].strip()
    where = lines[1].split(":", 1)[1].strip() if len(lines) > 1 and "issued by" in lines[1] else "?"
    message = []
    for line in lines[2:]:
        if line.startswith(("***", "----")):
            break
        message.append(line)
    return f"G4Exception {code} in {where}: {' '.join(message)}"


@contextlib.contextmanager
def _main_module_hidden():
    """Start workers without re-running the caller's script in them.

    "spawn" children normally re-import ``__main__`` from its file, which runs an unguarded script a second
    time; the workers only need fastsim_kernel, so the main module's file and spec are hidden while they
    start (all of them start inside this block: the pool spawns one per submitted warm-up task).
    """
    main = sys.modules.get("__main__")
    if main is None:
        yield
        return
    saved = {key: main.__dict__[key] for key in ("__file__", "__spec__") if key in main.__dict__}
    main.__dict__.pop("__file__", None)
    main.__dict__["__spec__"] = None
    try:
        yield
    finally:
        main.__dict__.pop("__spec__", None)
        main.__dict__.update(saved)


def progress_bar(total: int, *, initial: int = 0, enabled: bool = True):
    from tqdm.auto import tqdm

    return tqdm(
        total=total, initial=initial, unit=" showers", disable=not enabled, dynamic_ncols=True,
        desc="geant4", smoothing=0.1,
    )  # fmt: skip
