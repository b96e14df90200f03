"""``train``: fit a 3DGAN on a shower file, with per-epoch checkpoints and exact resume.

Determinism: ``keras.utils.set_random_seed(seed)`` before the networks are built, a data order drawn from
``(seed, epoch)``, and every RNG state saved in the checkpoint; a resumed run therefore continues with the
same batches, noise and label flips as an uninterrupted one (equal up to float round-off).
"""

from __future__ import annotations

import dataclasses
import json
import os
import platform
from pathlib import Path
from typing import Any

from fastsim_kernel._extras import require
from fastsim_kernel.errors import FastsimError
from fastsim_kernel.gan.checkpoint import CHECKPOINT, read_checkpoint_state, restore_checkpoint
from fastsim_kernel.gan.config import GANConfig


@dataclasses.dataclass(frozen=True)
class TrainOptions:
    """How to train.

    Attributes:
        kind: ``"fixed"`` or ``"variable"``.
        epochs: total number of epochs of the run (a resumed run stops at the same total).
        batch_size: showers per step (reference: 128 fixed, 64 variable).
        seed: seeds the weights, the noise, the label flips and the data order.
        resume: continue from ``out/checkpoint.npz``.
        mixed_precision: bfloat16 compute with float32 weights (``mixed_bfloat16``).
        xla: compile the train step with XLA.
        steps_per_epoch: cap on batches per epoch (None: the whole file).
        verbose: Keras progress output (1: progress bar with the losses, 2: one line per epoch, 0: none).
        config_overrides: fields of ``GANConfig`` to change (e.g. ``learning_rate``).
    """

    kind: str = "fixed"
    epochs: int = 60
    batch_size: int = 128
    seed: int = 0
    resume: bool = False
    mixed_precision: bool = False
    xla: bool = False
    steps_per_epoch: int | None = None
    verbose: int = 1
    config_overrides: dict[str, Any] = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("epochs", "batch_size"):
            if getattr(self, name) < 1:
                msg = f"{name} must be >= 1, got {getattr(self, name)}"
                raise FastsimError(msg)
        if self.steps_per_epoch is not None and self.steps_per_epoch < 1:
            msg = f"steps_per_epoch must be >= 1, got {self.steps_per_epoch}"
            raise FastsimError(msg)


def train(data: str | os.PathLike, out: str | os.PathLike, options: TrainOptions | None = None) -> dict:
    """Train on the showers in ``data`` (HDF5 or ROOT) into the run folder ``out``; return the final state.

    Raises FastsimError for: a data file on the wrong grid or without showers, an ``out`` that already holds
    a checkpoint (without ``resume``), ``resume`` without a checkpoint or with one of another model.
    """
    options = options or TrainOptions()
    out = Path(out)
    _check_out(out, resume=options.resume)
    previous = read_checkpoint_state(out) if options.resume else None
    if previous is not None:
        _check_resumable(previous, options, out)
    base = GANConfig.for_kind(options.kind, **options.config_overrides)
    summary = _summary(data, base)
    keras = require("keras")
    from fastsim_kernel.gan.dataset import ShowerBatches
    from fastsim_kernel.gan.preprocessing import energy_theta_range

    energy_range, theta_range = energy_theta_range(summary)
    config = dataclasses.replace(
        base, sampling_fraction=summary.sampling_fraction, energy_range=energy_range, theta_range=theta_range
    )
    if previous is not None:
        config = GANConfig.from_json(json.dumps(previous["config"]), source=str(out / CHECKPOINT))
    gan = _build(config, options, keras)
    first_epoch = 0
    if previous is not None:
        first_epoch = int(restore_checkpoint(gan, out)["epoch"])
    if first_epoch >= options.epochs:
        return previous
    batches = ShowerBatches(summary, config, batch_size=options.batch_size, seed=options.seed,
                            first_epoch=first_epoch, steps_per_epoch=options.steps_per_epoch)
    out.mkdir(parents=True, exist_ok=True)
    callbacks = _callbacks(out, options, data, previous, keras)
    gan.fit(batches, epochs=options.epochs, initial_epoch=first_epoch, shuffle=False,
            callbacks=callbacks, verbose=options.verbose)
    return read_checkpoint_state(out)


def _summary(data, config: GANConfig):
    """Scan the data file (grid, emptiness) before TensorFlow is imported, so bad input fails fast."""
    from fastsim_kernel.gan.preprocessing import DataSummary

    return DataSummary(data, config)


def _check_out(out: Path, *, resume: bool) -> None:
    if resume:
        return
    if (out / CHECKPOINT).exists():
        msg = f"{out}: already holds a training run; pass --resume to continue it or choose another --out"
        raise FastsimError(msg)


def _check_resumable(previous: dict, options: TrainOptions, out: Path) -> None:
    kind = previous["config"]["kind"]
    if kind != options.kind:
        msg = f"{out}: checkpoint of the {kind} model cannot resume as --model {options.kind}"
        raise FastsimError(msg)
    for name in ("seed", "batch_size"):
        if previous.get(name) != getattr(options, name):
            msg = (
                f"{out}: the run was started with {name}={previous.get(name)}, resume asked for"
                f" {getattr(options, name)}; resume with the same value"
            )
            raise FastsimError(msg)


def _build(config: GANConfig, options: TrainOptions, keras):
    from fastsim_kernel.gan.model import GAN

    keras.utils.set_random_seed(options.seed)
    keras.mixed_precision.set_global_policy("mixed_bfloat16" if options.mixed_precision else "float32")
    gan = GAN(config, seed=options.seed)
    gan.compile(jit_compile=bool(options.xla))
    return gan


def _callbacks(out: Path, options: TrainOptions, data, previous: dict | None, keras) -> list:
    from fastsim_kernel.gan.callbacks import EpochCheckpoint

    state = {
        "seed": options.seed,
        "batch_size": options.batch_size,
        "epochs": options.epochs,
        "mixed_precision": options.mixed_precision,
        "xla": options.xla,
        "data": str(data),
        "hardware": " ".join(filter(None, (platform.machine(), platform.processor(), f"{os.cpu_count()} cores"))),
        "keras": keras.__version__,
        "backend": keras.backend.backend(),
    }
    history = previous.get("history", []) if previous else []
    seconds = previous.get("train_seconds", 0.0) if previous else 0.0
    callbacks = [EpochCheckpoint(out, state, history=history, train_seconds=seconds)]
    if keras.backend.backend() == "tensorflow":
        callbacks.append(keras.callbacks.TensorBoard(log_dir=str(out / "logs"), update_freq="epoch"))
    return callbacks
