"""Training batches streamed from a shower file, in an order fixed by (seed, epoch).

Only the per-shower conditions and deposited sums are kept in memory (one float triple per shower); the cells
of each batch are read from the file when the batch is needed, so files larger than memory train fine.
"""

from __future__ import annotations

import math
import os

import keras
import numpy as np

from fastsim_kernel.data import count_showers, iter_showers, read_showers
from fastsim_kernel.errors import FastsimError
from fastsim_kernel.gan.config import GANConfig


def to_training(cells: np.ndarray, config: GANConfig) -> np.ndarray:
    """GeV cells (..., X, Y, Z) -> training cells ``(GeV x cell_scale) ** cell_power`` (float32)."""
    return np.power(np.asarray(cells, np.float32) * config.cell_scale, config.cell_power, dtype=np.float32)


def from_training(cells: np.ndarray, config: GANConfig) -> np.ndarray:
    """Inverse of ``to_training``: training cells -> GeV (float32)."""
    positive = np.maximum(np.asarray(cells, np.float32), 0.0)
    return np.power(positive, 1.0 / config.cell_power, dtype=np.float32) / np.float32(config.cell_scale)


class DataSummary:
    """One streamed pass over a file: conditions of the non-empty showers and the sampling fraction.

    Attributes:
        index: (M,) positions in the file of the showers with deposited energy (empty ones are dropped).
        energy, theta: (M,) their primary energy (GeV) and angle (rad).
        sampling_fraction: median deposited / primary energy.
    """

    def __init__(self, path: str | os.PathLike, config: GANConfig, *, chunk_size: int = 500) -> None:
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
        sums, energy, theta = [], [], []
        for chunk in iter_showers(path, chunk_size=chunk_size):
            sums.append(chunk.cells.sum(axis=(1, 2, 3), dtype=np.float64))
            energy.append(chunk.energy)
            theta.append(chunk.theta)
        sums, energy, theta = (np.concatenate(a) for a in (sums, energy, theta))
        keep = sums > 0
        if not keep.any():
            msg = f"{path}: all {n} showers are empty (no deposited energy); nothing to train on"
            raise FastsimError(msg)
        self.path = path
        self.index = np.flatnonzero(keep)
        self.energy = energy[keep]
        self.theta = theta[keep]
        self.sampling_fraction = float(np.median(sums[keep] / energy[keep]))


class ShowerBatches(keras.utils.PyDataset):
    """Batches ``((cells, E/energy_scale, theta),)`` for ``GAN.fit``; the order of epoch k is a permutation
    drawn from ``numpy.random.default_rng([seed, k])``, so a resumed run sees exactly the same batches.

    Args:
        summary: the file's ``DataSummary``.
        config: the model config (preprocessing).
        batch_size: showers per batch; the last incomplete batch of an epoch is dropped.
        seed: data-order seed.
        first_epoch: index of the first epoch ``fit`` will run (the resumed epoch).
        steps_per_epoch: optional cap on batches per epoch (None: all).
    """

    def __init__(self, summary: DataSummary, config: GANConfig, *, batch_size: int, seed: int,
                 first_epoch: int = 0, steps_per_epoch: int | None = None) -> None:
        super().__init__(workers=1, use_multiprocessing=False)
        n_batches = len(summary.index) // batch_size
        if n_batches == 0:
            msg = (
                f"{summary.path}: {len(summary.index)} non-empty showers are fewer than one batch of"
                f" {batch_size}; lower --batch-size"
            )
            raise FastsimError(msg)
        self.summary, self.config = summary, config
        self.batch_size, self.seed = batch_size, seed
        self.n_batches = n_batches if steps_per_epoch is None else max(1, min(n_batches, steps_per_epoch))
        self.epoch = first_epoch - 1
        self._order = self._permutation(first_epoch)

    def _permutation(self, epoch: int) -> np.ndarray:
        return np.random.default_rng([self.seed, epoch]).permutation(len(self.summary.index))

    def on_epoch_begin(self) -> None:
        self.epoch += 1
        self._order = self._permutation(self.epoch)

    @property
    def num_batches(self) -> int:
        return self.n_batches

    def __len__(self) -> int:
        return self.n_batches

    def __getitem__(self, i: int):
        picks = self._order[i * self.batch_size : (i + 1) * self.batch_size]
        rows = self.summary.index[picks]
        cells = np.stack([read_showers(self.summary.path, start=int(r), stop=int(r) + 1).cells[0] for r in rows])
        energy = self.summary.energy[picks] / np.float32(self.config.energy_scale)
        theta = self.summary.theta[picks]
        return ((to_training(cells, self.config), energy.astype(np.float32), theta.astype(np.float32)),)


def energy_theta_range(summary: DataSummary) -> tuple[tuple[float, float], tuple[float, float]]:
    """The (min, max) primary energy (GeV) and angle (rad) seen in training, for clamping at generation."""
    e = (float(summary.energy.min()), float(summary.energy.max()))
    t = (float(summary.theta.min()), float(summary.theta.max()))
    if math.isclose(t[0], t[1]):
        t = (t[0] - 1e-3, t[1] + 1e-3)
    return e, t
