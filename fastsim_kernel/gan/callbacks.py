"""Training side effects as Keras callbacks: per-epoch checkpoints and the exported model folder."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import keras

from fastsim_kernel.gan.checkpoint import save_checkpoint, save_model_folder


class EpochCheckpoint(keras.callbacks.Callback):
    """After each epoch: write the resumable checkpoint, then the model folder, both atomically.

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

    def on_epoch_end(self, epoch, logs=None):
        self.train_seconds += time.monotonic() - self._epoch_start
        self.history.append({"epoch": epoch + 1, **{k: float(v) for k, v in (logs or {}).items()}})
        state = {**self.state, "epoch": epoch + 1, "history": self.history,
                 "train_seconds": round(self.train_seconds, 1)}
        save_checkpoint(self.model, self.folder, state)
        save_model_folder(self.model, self.folder)
