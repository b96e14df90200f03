"""``train``: fit a 3DGAN on a shower file, with per-epoch checkpoints and exact resume.

Two recipes: ``reference`` (the 3DGAN training of svalleco/3Dgan, for GPUs; ``gan/model.py``) and ``cpu``
(the two-stage model that makes the shipped model on a 2-core CPU in about an hour; ``gan/two_stage.py``).

Determinism: ``keras.utils.set_random_seed(seed)`` before the networks are built, a data order drawn from
``(seed, epoch)``, and every RNG state saved in the checkpoint; a resumed run therefore continues with the
same batches, noise and label flips as an uninterrupted one. Every setting that changes the result is stored
in the checkpoint (``RESULT_SETTINGS``) and a resume with another value is refused.
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

#: training recipes: the reference GAN (GPU runs) and the two-stage CPU recipe (the shipped model)
RECIPES = ("reference", "cpu")
#: what the CPU recipe changes by default (batch, steps per epoch, bfloat16); every one can be overridden
CPU_RECIPE = {"epochs": 12, "batch_size": 32, "steps_per_epoch": 100, "mixed_precision": True}
#: the run settings that change the trained weights: a resume must repeat them
RESULT_SETTINGS = ("recipe", "kind", "seed", "batch_size", "steps_per_epoch", "mixed_precision", "xla", "data",
                   "units", "config_overrides")


@dataclasses.dataclass(frozen=True)
class TrainOptions:
    """How to train.

    Attributes:
        recipe: ``"reference"`` (the reference GAN) or ``"cpu"`` (the two-stage model, kind ``two_stage``).
        kind: ``"fixed"`` or ``"variable"`` for the reference recipe (the cpu recipe sets ``"two_stage"``).
        epochs: total number of epochs of the run (a resumed run stops at the same total).
        batch_size: showers per step (reference: 128 fixed, 64 variable; cpu: 32).
        seed: seeds the weights, the noise, the label flips and the data order.
        resume: continue from ``out/checkpoint.npz``.
        mixed_precision: bfloat16 compute with float32 weights (``mixed_bfloat16``); heads and losses float32.
        xla: compile the train step with XLA.
        steps_per_epoch: cap on batches per epoch (None: the whole file).
        verbose: Keras progress output (1: progress bar with the losses, 2: one line per epoch, 0: none).
        config_overrides: fields of ``GANConfig`` to change (e.g. ``learning_rate``).
        units: cell units of a data file that does not state them ("GeV", "MeV", "x50"); None: inferred.
    """

    recipe: str = "reference"
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
    units: str | None = None

    def __post_init__(self) -> None:
        if self.recipe not in RECIPES:
            msg = f"recipe {self.recipe!r} does not exist; expected one of {', '.join(RECIPES)}"
            raise FastsimError(msg)
        if self.recipe == "cpu":
            object.__setattr__(self, "kind", "two_stage")
        elif self.kind not in ("fixed", "variable"):
            msg = f"the reference recipe trains the fixed or variable model, not {self.kind!r}"
            raise FastsimError(msg)
        for name in ("epochs", "batch_size"):
            if getattr(self, name) < 1:
                msg = f"{name} must be >= 1, got {getattr(self, name)}"
                raise FastsimError(msg)
        if self.steps_per_epoch is not None and self.steps_per_epoch < 1:
            msg = f"steps_per_epoch must be >= 1, got {self.steps_per_epoch}"
            raise FastsimError(msg)


def train(data: str | os.PathLike, out: str | os.PathLike, options: TrainOptions | None = None) -> dict:
    """Train on the showers in ``data`` (HDF5 or ROOT) into the run folder ``out``; return the final state.

    Raises FastsimError for: a data file on the wrong grid or without showers, an ``out`` that is a file or
    already holds a checkpoint (without ``resume``), ``resume`` without a checkpoint or with different
    result settings (``RESULT_SETTINGS``). A resume first re-exports the model folder from the checkpoint, so
    an export interrupted after the last checkpoint is repaired.
    """
    options = options or TrainOptions()
    out = Path(out)
    _check_out(out, resume=options.resume)
    settings = _settings(data, options)
    previous = read_checkpoint_state(out) if options.resume else None
    if previous is not None:
        _check_resumable(previous, settings, out)
    base = GANConfig.for_kind(options.kind, **options.config_overrides)
    summary = _summary(data, base, options.units)
    keras = require("keras")
    from fastsim_kernel.gan.checkpoint import save_model_folder
    from fastsim_kernel.gan.dataset import ShowerBatches
    from fastsim_kernel.gan.preprocessing import energy_theta_range

    energy_range, theta_range = energy_theta_range(summary)
    config = dataclasses.replace(
        base, sampling_fraction=summary.sampling_fraction, energy_range=energy_range, theta_range=theta_range
    )
    if previous is not None:
        config = GANConfig.from_json(json.dumps(previous["config"]), source=str(out / CHECKPOINT))
    batches = ShowerBatches(summary, config, batch_size=options.batch_size, seed=options.seed,
                            steps_per_epoch=options.steps_per_epoch)
    extra_state = {}
    if options.recipe == "cpu":
        gan, extra_state = _build_two_stage(config, options, summary, batches, previous, keras)
    else:
        gan = _build(config, options, keras)
    first_epoch = 0
    if previous is not None:
        first_epoch = int(restore_checkpoint(gan, out)["epoch"])
        save_model_folder(gan, out)  # repairs an export that a kill after the checkpoint left stale or missing
    if first_epoch >= options.epochs:
        return previous
    batches.start_at(first_epoch)
    out.mkdir(parents=True, exist_ok=True)
    print(f"training data: {len(summary.index)} showers, {'in memory' if batches.preloaded else 'read in blocks'}",
          flush=True)
    callbacks = _callbacks(out, {**settings, **extra_state}, options, previous, keras)
    gan.fit(batches, epochs=options.epochs, initial_epoch=first_epoch, shuffle=False,
            callbacks=callbacks, verbose=options.verbose)
    return read_checkpoint_state(out)


def _summary(data, config: GANConfig, units: str | None):
    """Scan the data file (grid, emptiness, units) before TensorFlow is imported, so bad input fails fast."""
    from fastsim_kernel.gan.preprocessing import DataSummary

    return DataSummary(data, config, units=units)


def _check_out(out: Path, *, resume: bool) -> None:
    if out.exists() and not out.is_dir():
        msg = f"--out {str(out)!r} is a file; expected a run folder (new, or holding a run to --resume)"
        raise FastsimError(msg)
    if resume:
        return
    if (out / CHECKPOINT).exists():
        msg = f"{out}: already holds a training run; pass --resume to continue it or choose another --out"
        raise FastsimError(msg)


def _settings(data, options: TrainOptions) -> dict[str, Any]:
    """The result settings of this run (``RESULT_SETTINGS``), JSON-able; the data as path, size and mtime."""
    path = Path(data)
    try:
        stat = path.stat()
    except OSError as err:
        msg = f"--data {str(path)!r}: cannot read it ({err.strerror})"
        raise FastsimError(msg) from err
    values = {name: getattr(options, name) for name in RESULT_SETTINGS if name != "data"}
    values["data"] = f"{path.resolve()} ({stat.st_size} bytes)"
    return json.loads(json.dumps(values))


def _check_resumable(previous: dict, settings: dict, out: Path) -> None:
    for name in RESULT_SETTINGS:
        if name in previous and previous[name] != settings[name]:
            msg = (
                f"{out}: the run was started with {name}={previous[name]!r}, resume asked for"
                f" {settings[name]!r}; resume with the same value"
            )
            raise FastsimError(msg)


def _build(config: GANConfig, options: TrainOptions, keras):
    from fastsim_kernel.gan.model import GAN

    keras.utils.set_random_seed(options.seed)
    keras.mixed_precision.set_global_policy("mixed_bfloat16" if options.mixed_precision else "float32")
    gan = GAN(config, seed=options.seed)
    gan.compile(jit_compile=bool(options.xla))
    return gan


def _build_two_stage(config: GANConfig, options: TrainOptions, summary, batches, previous, keras):
    """The CPU recipe: fit the layer model (closed form), then build stage two's trainer."""
    import numpy as np

    from fastsim_kernel.gan.layer_model import fit_layer_model
    from fastsim_kernel.gan.preprocessing import from_training
    from fastsim_kernel.gan.two_stage import ShapeTrainer, feature_scale

    layer_model = fit_layer_model(summary.layer_energy, summary.energy, summary.theta)
    if previous is not None:
        scale = np.asarray(previous["feature_scale"], np.float32)
    else:
        picks = np.random.default_rng([options.seed, 10**6]).permutation(len(summary.index))[:1024]
        picks = np.sort(picks)
        scale = feature_scale(from_training(batches.cells(picks), config),
                              summary.energy[picks] / config.energy_scale, summary.theta[picks])
    keras.utils.set_random_seed(options.seed)
    keras.mixed_precision.set_global_policy("mixed_bfloat16" if options.mixed_precision else "float32")
    trainer = ShapeTrainer(config, scale, seed=options.seed)
    trainer.layer_model = layer_model
    trainer.compile(jit_compile=bool(options.xla))
    return trainer, {"feature_scale": [float(v) for v in scale]}


def _callbacks(out: Path, settings: dict, options: TrainOptions, previous: dict | None, keras) -> list:
    from fastsim_kernel.gan.callbacks import EpochCheckpoint

    state = {
        **settings,
        "epochs": options.epochs,
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
