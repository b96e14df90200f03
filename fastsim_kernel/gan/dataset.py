"""Training batches streamed from a shower file, in an order fixed by (seed, epoch).

Only the per-shower conditions are kept in memory (``DataSummary``); the cells of each batch are read from
the file when the batch is needed, so files larger than memory train fine.
"""

from __future__ import annotations

import keras
import numpy as np

from fastsim_kernel.data import read_showers
from fastsim_kernel.errors import FastsimError
from fastsim_kernel.gan.config import GANConfig
from fastsim_kernel.gan.preprocessing import DataSummary, to_training


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
