"""Training side effects as Keras callbacks: per-epoch checkpoints and the exported model folder."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from typing import Any

import keras

from fastsim_kernel.gan.checkpoint import GENERATOR_WEIGHTS, SNAPSHOTS, save_checkpoint, save_model_folder


class EpochCheckpoint(keras.callbacks.Callback):
    """After each epoch: print steps/s, write the resumable checkpoint, then the model folder, both atomically,
    and keep a copy of the generator weights in ``snapshots/`` (for the learning curve, ``gan/curve.py``).

    Args:
        folder: the run folder.
        state: JSON-able run settings stored with each checkpoint (seed, batch size, data path, ...);
            ``epoch`` (the next epoch to run), ``history`` and ``train_seconds`` are added.
        history: epoch logs of the earlier part of a resumed run.
        train_seconds: training time already spent before this process started.
    """

    def __init__(self, folder: str | os.PathLike, state: dict[str, Any], *,
                 history: list[dict[str, float]] | None = None, train_seconds: float = 0.0) -> None:
        super().__init__()
        self.folder = Path(folder)
        self.state = dict(state)
        self.history = list(history or [])
        self.train_seconds = train_seconds
        self._epoch_start = time.monotonic()

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_start = time.monotonic()
        self._steps = 0

    def on_train_batch_end(self, batch, logs=None):
        self._steps = batch + 1

    def on_epoch_end(self, epoch, logs=None):
        seconds = time.monotonic() - self._epoch_start
        self.train_seconds += seconds
        steps_per_s = self._steps / seconds
        print(f"epoch {epoch + 1}: {steps_per_s:.3f} steps/s, {self.train_seconds / 60:.1f} min of training",
              flush=True)
        self.history.append({"epoch": epoch + 1, **{k: float(v) for k, v in (logs or {}).items()},
                             "steps_per_s": round(steps_per_s, 4), "train_seconds": round(self.train_seconds, 1)})
        state = {**self.state, "epoch": epoch + 1, "history": self.history,
                 "train_seconds": round(self.train_seconds, 1)}
        save_checkpoint(self.model, self.folder, state)
        save_model_folder(self.model, self.folder)
        snapshot = self.folder / SNAPSHOTS / f"epoch-{epoch + 1:04d}.weights.h5"
        snapshot.parent.mkdir(exist_ok=True)
        shutil.copyfile(self.folder / GENERATOR_WEIGHTS, snapshot)
