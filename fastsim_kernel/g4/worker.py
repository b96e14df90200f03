"""Worker-process side of the simulation: set the environment, build Geant4 once, run chunks of events.

Every worker is a fresh ("spawn") process: the caller never holds Geant4 state. The worker ignores
SIGINT (the parent decides what to keep on Ctrl-C), dies with its parent (Linux PR_SET_PDEATHSIG), and
sends Geant4's own output to a log file whose tail the parent shows if the worker dies.
"""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import gc
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from fastsim_kernel.g4.config import GeometryConfig

_PR_SET_PDEATHSIG = 1


@dataclasses.dataclass(frozen=True)
class WorkerSpec:
    """What a worker needs to build its Geant4 application (picklable)."""

    geometry: GeometryConfig
    particle: str
    physics: str  # resolved: "standard" or "datafree"
    theta_max_deg: float  # the most slanted angle the worker will see (sizes the planes)
    environment: dict[str, str]
    library: str | None  # compiled datafree physics library
    log_dir: str


@dataclasses.dataclass(frozen=True)
class ChunkTask:
    """Events [start, stop) of a run, with their primaries and per-event seeds (n, 4) uint32."""

    index: int
    start: int
    energy_gev: np.ndarray
    theta_deg: np.ndarray
    seeds: np.ndarray
    path: str | None = None  # write the chunk here (atomically) instead of returning the cells
    metadata: dict[str, Any] = dataclasses.field(default_factory=dict)


class _State:
    """The one Geant4 application of this worker process (a run manager can exist once per process)."""

    simulator = None


def _die_with_parent() -> None:
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() == 1:  # the parent is already gone
        os._exit(1)


def _redirect_output(log_dir: str) -> None:
    """Send this process's stdout and stderr (Geant4's G4cout/G4cerr) to a per-worker log file."""
    log = os.open(os.path.join(log_dir, f"worker-{os.getpid()}.log"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    sys.stdout.flush()
    sys.stderr.flush()
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(log)


def initialize(spec: WorkerSpec) -> None:
    """Process-pool initializer: environment first, then import Geant4 and build the application."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent()
    os.environ.update(spec.environment)
    _redirect_output(spec.log_dir)
    from fastsim_kernel.g4.app import Simulator  # imports geant4_pybind: only after the environment is set

    _State.simulator = Simulator(
        spec.geometry,
        particle=spec.particle,
        physics=spec.physics,
        theta_max_deg=spec.theta_max_deg,
        library=Path(spec.library) if spec.library else None,
    )
    gc.collect()
    gc.freeze()  # the long-lived Geant4/numpy objects: keep the garbage collector off them during runs


def geant4_version() -> str:
    """The Geant4 version of this worker (also warms it up: the pool starts all workers on first use)."""
    return _State.simulator.geant4_version()


def run_chunk(task: ChunkTask) -> tuple[int, int, np.ndarray | None, float]:
    """Simulate a chunk; return (index, showers, cells or None if written to task.path, CPU seconds)."""
    simulator = _State.simulator
    cpu = time.process_time()
    cells = simulator.run(task.energy_gev, task.theta_deg, task.seeds)
    cpu = time.process_time() - cpu
    if task.path is None:
        return task.index, len(cells), cells, cpu
    version = simulator.geant4_version()
    from fastsim_kernel.data import Showers, write_showers

    metadata = dict(task.metadata)
    metadata["versions"] = {**metadata.get("versions", {}), "geant4": version}
    theta = np.radians(task.theta_deg).astype(np.float32)
    write_showers(Showers(cells, task.energy_gev, theta, metadata), task.path)
    return task.index, len(cells), None, cpu
