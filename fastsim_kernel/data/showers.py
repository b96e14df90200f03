"""``Showers``: a batch of calorimeter showers with their conditions and provenance."""

from __future__ import annotations

import dataclasses
import json
import math
import os
from pathlib import Path
from typing import Any

import numpy as np

from fastsim_kernel.errors import FastsimError


@dataclasses.dataclass(frozen=True)
class Showers:
    """A batch of N showers on an (X, Y, Z) cell grid, Z being the layer (depth) axis.

    Attributes:
        cells: energy deposited per cell in GeV, float32, shape (N, X, Y, Z).
        energy: primary particle energy in GeV, float32, shape (N,).
        theta: polar angle of incidence in radians, float32, shape (N,); pi/2 is normal incidence.
        metadata: provenance: geometry, physics, particle, seed, software versions (JSON-serialisable).
    """

    cells: np.ndarray
    energy: np.ndarray
    theta: np.ndarray
    metadata: dict[str, Any] = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "cells", np.asarray(self.cells, dtype=np.float32))
        object.__setattr__(self, "energy", np.asarray(self.energy, dtype=np.float32).reshape(-1))
        object.__setattr__(self, "theta", np.asarray(self.theta, dtype=np.float32).reshape(-1))
        check_arrays(self.cells, self.energy, self.theta, source="Showers")

    def __len__(self) -> int:
        return self.cells.shape[0]

    @property
    def grid(self) -> tuple[int, int, int]:
        """The (X, Y, Z) cell grid."""
        return tuple(self.cells.shape[1:])  # type: ignore[return-value]

    def __getitem__(self, index: Any) -> Showers:
        """Select showers by index, slice or mask; the metadata is shared."""
        if isinstance(index, (int, np.integer)):
            index = slice(int(index), int(index) + 1 if index != -1 else None)
        return Showers(self.cells[index], self.energy[index], self.theta[index], self.metadata)

    @staticmethod
    def concatenate(batches: list[Showers]) -> Showers:
        """Join batches on the same grid; the metadata of the first batch is kept."""
        if not batches:
            msg = "cannot concatenate an empty list of shower batches"
            raise FastsimError(msg)
        return Showers(
            np.concatenate([b.cells for b in batches]),
            np.concatenate([b.energy for b in batches]),
            np.concatenate([b.theta for b in batches]),
            dict(batches[0].metadata),
        )


def require_file(path: os.PathLike) -> None:
    """FastsimError unless ``path`` is a file to read: missing, or a folder, is said in one line."""
    path = Path(path)
    if not path.is_file():
        msg = f"{path}: a folder, expected a shower file" if path.is_dir() else f"{path}: no such file"
        raise FastsimError(msg)


def parse_metadata(text: str, *, source: str) -> dict[str, Any]:
    """The JSON provenance stored in a file, or one clear error."""
    try:
        metadata = json.loads(text)
    except json.JSONDecodeError as err:
        msg = f"{source}: key 'metadata' is not valid JSON ({err})"
        raise FastsimError(msg) from err
    if not isinstance(metadata, dict):
        msg = f"{source}: key 'metadata' must hold a JSON object, got {type(metadata).__name__}"
        raise FastsimError(msg)
    return metadata


#: Cell units a user can state (``--units``) -> the factor that turns a stored value into GeV.
CELL_UNITS = {"GeV": 1.0, "MeV": 1e-3, "x50": 1 / 50}

#: Median sum of cells / primary energy that is plausible for showers in a sampling calorimeter, cells in GeV.
#: Our silicon-tungsten ECAL gives 0.020 (docs/g4.md); 0.002 is ten times less (a file in GeV read as x50
#: gives 0.0004), and 0.5 is above the sampling fraction of any sampling calorimeter (x50 gives 1.0, MeV 20).
PLAUSIBLE_SUM_OVER_E = (0.002, 0.5)


def unit_factor(units: str) -> float:
    """The factor from stored cells to GeV for a unit name the user gave (``--units``)."""
    if units not in CELL_UNITS:
        msg = f"--units {units!r} is not known; expected one of {', '.join(CELL_UNITS)}"
        raise FastsimError(msg)
    return CELL_UNITS[units]


def median_sum_over_e(cells: np.ndarray, energy: np.ndarray) -> float:
    """Median over showers of (sum of cells) / primary energy; 0 for no showers."""
    if not len(cells):
        return 0.0
    return float(np.median(cells.sum(axis=(1, 2, 3), dtype=np.float64) / np.ravel(energy)))


def plausible(sum_over_e: float) -> bool:
    low, high = PLAUSIBLE_SUM_OVER_E
    return low <= sum_over_e <= high


def check_units(showers: Showers, *, source: str) -> None:
    """Deposited energy cannot exceed the primary energy: catches cells that are not in GeV (MeV, x50)."""
    ratio = median_sum_over_e(showers.cells, showers.energy)
    if ratio > 1.0:
        msg = (
            f"{source}: key 'ECAL' sums to {ratio:.3g} x the primary energy (median); expected cells in GeV"
            " with sum/E < 1 (pass --units MeV or x50 if the file stores other units)"
        )
        raise FastsimError(msg)


def check_arrays(cells: np.ndarray, energy: np.ndarray, theta: np.ndarray, *, source: str) -> None:
    """Check the data contract (shapes, finite, non-negative, units); the error names ``source`` and the field."""
    energy, theta = np.ravel(energy), np.ravel(theta)
    if cells.ndim != 4:
        msg = f"{source}: key 'ECAL' (cells) must have shape (N, X, Y, Z), got shape {cells.shape}"
        raise FastsimError(msg)
    n = cells.shape[0]
    for name, arr in (("energy", energy), ("theta", theta)):
        if arr.shape != (n,):
            msg = f"{source}: key '{name}' must have shape ({n},) to match the cells, got {arr.shape}"
            raise FastsimError(msg)
        if not np.all(np.isfinite(arr)):
            msg = f"{source}: key '{name}' contains NaN or infinite values"
            raise FastsimError(msg)
    if not np.all(np.isfinite(cells)):
        bad = int(np.count_nonzero(~np.isfinite(cells)))
        msg = f"{source}: key 'ECAL' contains {bad} NaN or infinite values; expected finite energies in GeV"
        raise FastsimError(msg)
    if n and cells.min() < 0:
        msg = f"{source}: key 'ECAL' contains negative energies (min {cells.min():.3g} GeV); expected >= 0"
        raise FastsimError(msg)
    if n and energy.min() <= 0:
        msg = f"{source}: key 'energy' must be > 0 GeV, got min {energy.min():.3g}"
        raise FastsimError(msg)
    if n and (theta.min() <= 0 or theta.max() >= math.pi):
        msg = (
            f"{source}: key 'theta' must be in (0, pi) radians, got range [{theta.min():.3g}, {theta.max():.3g}]"
            " (degrees given where radians were expected?)"
        )
        raise FastsimError(msg)
