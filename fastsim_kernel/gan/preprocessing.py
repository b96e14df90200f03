"""Preprocessing (GeV <-> training cells) and the one streamed pass over a training file.

No TensorFlow here: bad input is found before the heavy imports.
"""

from __future__ import annotations

import math
import os

import numpy as np

from fastsim_kernel.data import count_showers, iter_showers
from fastsim_kernel.errors import FastsimError
from fastsim_kernel.gan.config import GANConfig
from fastsim_kernel.physics import layer_energy, measured_theta


def to_training(cells: np.ndarray, config: GANConfig) -> np.ndarray:
    """GeV cells (..., X, Y, Z) -> training cells ``(GeV x cell_scale) ** cell_power`` (float32)."""
    return np.power(np.asarray(cells, np.float32) * config.cell_scale, config.cell_power, dtype=np.float32)


def from_training(cells: np.ndarray, config: GANConfig) -> np.ndarray:
    """Inverse of ``to_training``: training cells -> GeV (float32)."""
    positive = np.maximum(np.asarray(cells, np.float32), 0.0)
    return np.power(positive, 1.0 / config.cell_power, dtype=np.float32) / np.float32(config.cell_scale)


class DataSummary:
    """One streamed pass over a file: conditions and per-shower summaries of the non-empty showers.

    Attributes:
        index: (M,) positions in the file of the showers with deposited energy (empty ones are dropped).
        energy, theta: (M,) their primary energy (GeV) and gun angle (rad).
        measured_theta: (M,) the angle measured from each shower (rad, ``physics.measured_theta``; the gun
            angle where it cannot be measured). Geant4's is pulled towards 90 deg (about 63 deg for a 60 deg
            gun), so the angle head learns this one, not the gun's.
        layer_energy: (M, Z) energy per layer (GeV), what the two-stage model's layer model is fitted to.
        sampling_fraction: median deposited / primary energy.
    """

    def __init__(self, path: str | os.PathLike, config: GANConfig, *, chunk_size: int = 500,
                 units: str | None = None) -> None:
        n, grid = count_showers(path)
        if tuple(grid) != config.grid:
            msg = (
                f"{path}: showers on a {'x'.join(map(str, grid))} grid cannot train the {config.kind} model,"
                f" which needs {'x'.join(map(str, config.grid))}"
            )
            raise FastsimError(msg)
        if n == 0:
            msg = f"{path}: the file holds no showers; expected at least one batch"
            raise FastsimError(msg)
        layers, energy, theta, measured = [], [], [], []
        for chunk in iter_showers(path, chunk_size=chunk_size, units=units):
            layers.append(layer_energy(chunk.cells))
            energy.append(chunk.energy)
            theta.append(chunk.theta)
            with np.errstate(invalid="ignore", divide="ignore"):
                measured.append(measured_theta(chunk.cells))
        layers, energy, theta, measured = (np.concatenate(a) for a in (layers, energy, theta, measured))
        sums = layers.sum(axis=1)
        keep = sums > 0
        if not keep.any():
            msg = f"{path}: all {n} showers are empty (no deposited energy); nothing to train on"
            raise FastsimError(msg)
        self.path = path
        self.units = units  # for files that do not state their cell units (data.CELL_UNITS)
        self.index = np.flatnonzero(keep)
        self.energy = energy[keep]
        self.theta = theta[keep]
        self.measured_theta = np.where(np.isfinite(measured[keep]), measured[keep], self.theta)
        self.layer_energy = layers[keep]
        self.sampling_fraction = float(np.median(sums[keep] / energy[keep]))


def energy_theta_range(summary: DataSummary) -> tuple[tuple[float, float], tuple[float, float]]:
    """The (min, max) primary energy (GeV) and angle (rad) seen in training, for clamping at generation."""
    e = (float(summary.energy.min()), float(summary.energy.max()))
    t = (float(summary.theta.min()), float(summary.theta.max()))
    if math.isclose(t[0], t[1]):
        t = (t[0] - 1e-3, t[1] + 1e-3)
    return e, t
