"""Training batches from a shower file, in an order fixed by (seed, epoch), read in blocks or from memory.

The file is cut into blocks of ``block_size`` consecutive showers. Each epoch visits the blocks in a random
order and the showers of each block in a random order, so a batch needs at most two blocks and the file is
opened once per block, not once per shower. When the training cells fit in ``preload_bytes`` they are all read
once into memory (one pass over the file) and the blocks are slices of that array.
"""

from __future__ import annotations

import keras
import numpy as np

from fastsim_kernel.data import read_showers
from fastsim_kernel.errors import FastsimError
from fastsim_kernel.gan.config import GANConfig
from fastsim_kernel.gan.preprocessing import DataSummary, to_training

#: default memory budget for preloading the training cells (float32 training cells)
PRELOAD_BYTES = 4 * 2**30


class ShowerBatches(keras.utils.PyDataset):
    """Batches ``((cells, E/energy_scale, theta, measured theta),)`` for ``fit``.

    The order of epoch k is drawn from ``numpy.random.default_rng([seed, k])`` (blocks, then showers within
    each block), so a resumed run sees exactly the same batches.

    Args:
        summary: the file's ``DataSummary`` (non-empty showers, conditions, measured angles).
        config: the model config (preprocessing).
        batch_size: showers per batch; the last incomplete batch of an epoch is dropped.
        seed: data-order seed.
        steps_per_epoch: optional cap on batches per epoch (None: all).
        block_size: showers per block read from the file.
        preload_bytes: read everything into memory when the training cells take at most this many bytes.
    """

    def __init__(self, summary: DataSummary, config: GANConfig, *, batch_size: int, seed: int,
                 steps_per_epoch: int | None = None, block_size: int = 1024,
                 preload_bytes: int = PRELOAD_BYTES) -> None:
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
        self.block_size = block_size
        self.start_at(0)
        self._block: tuple[int, np.ndarray] | None = None
        cell_bytes = 4 * int(np.prod(config.grid)) * len(summary.index)
        self.preloaded = cell_bytes <= preload_bytes
        self._memory = self._read(0, len(summary.index)) if self.preloaded else None

    def _read(self, start: int, stop: int) -> np.ndarray:
        """Training cells of the non-empty showers start..stop-1 (positions in ``summary.index``)."""
        rows = self.summary.index[start:stop]
        first, last = int(rows[0]), int(rows[-1]) + 1
        cells = read_showers(self.summary.path, start=first, stop=last, units=self.summary.units).cells[rows - first]
        return to_training(cells, self.config)

    def start_at(self, epoch: int) -> None:
        """Make ``epoch`` the next epoch ``fit`` runs (the resumed epoch of a run)."""
        self.epoch = epoch - 1
        self._order = self._permutation(epoch)

    def _permutation(self, epoch: int) -> np.ndarray:
        rng = np.random.default_rng([self.seed, epoch])
        n = len(self.summary.index)
        blocks = [np.arange(s, min(s + self.block_size, n)) for s in range(0, n, self.block_size)]
        return np.concatenate([rng.permutation(blocks[b]) for b in rng.permutation(len(blocks))])

    def cells(self, picks: np.ndarray) -> np.ndarray:
        """Training cells (B, X, Y, Z) of the non-empty showers at positions ``picks``."""
        if self._memory is not None:
            return self._memory[picks]
        out = np.empty((len(picks), *self.config.grid), np.float32)
        for block in dict.fromkeys((picks // self.block_size).tolist()):  # in visiting order: the cache carries on
            if self._block is None or self._block[0] != block:
                start = block * self.block_size
                self._block = (block, self._read(start, start + self.block_size))
            mine = picks // self.block_size == block
            out[mine] = self._block[1][picks[mine] - block * self.block_size]
        return out

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
        energy = self.summary.energy[picks] / np.float32(self.config.energy_scale)
        return ((self.cells(picks), energy.astype(np.float32), self.summary.theta[picks].astype(np.float32),
                 self.summary.measured_theta[picks].astype(np.float32)),)
