"""The plan of a run: N events, their primaries, per-event seeds, and their split into chunks.

Reproducibility: the primaries (energy, angle) of all N events come from ``seed`` alone, and event i
re-seeds Geant4 with a state derived from ``SeedSequence(seed, spawn_key=(i,))``. Every event therefore
has its own stream, disjoint from all others, and the showers do not depend on the number of workers,
the chunk size or an interruption followed by ``resume``.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from fastsim_kernel.errors import FastsimError
from fastsim_kernel.g4 import build, datasets, worker
from fastsim_kernel.g4.config import GeometryConfig, GunConfig
from fastsim_kernel.system import usable_cpus

#: Seed words per event for Geant4's MixMax engine.
SEED_WORDS = 4


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
            **({"datafree_source_sha256": build.source_digest()} if self.physics == "datafree" else {}),
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
    """The worker count: the given one, checked, or the CPU cores this process may use (cgroup limit included)."""
    if workers is None:
        return usable_cpus()
    if isinstance(workers, bool) or not isinstance(workers, (int, np.integer)) or workers < 1:
        msg = f"workers must be a positive number of processes, got {workers!r}"
        raise FastsimError(msg)
    return int(workers)
