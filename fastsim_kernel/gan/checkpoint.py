"""Checkpoints and model folders.

A run folder (``--out runs/NAME``) holds:

* ``checkpoint.npz``: every variable of the GAN (both networks, BatchNorm statistics, RNG seed states) and of
  both optimisers, plus a JSON ``state`` (next epoch, seed, batch size, config); written atomically each epoch;
* ``config.json`` + ``generator.weights.h5``: the model folder that ``load_generator`` reads (also the layout of
  the shipped model, which adds ``card.json``: its name, status and validated metrics, see ``load_model_card``);
* ``snapshots/epoch-NNNN.weights.h5``: the generator after each epoch (``history`` holds each epoch's
  training seconds), from which ``gan/curve.py`` draws metrics against training time;
* ``logs/``: TensorBoard event files.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from fastsim_kernel._atomic import atomic_path
from fastsim_kernel.errors import FastsimError
from fastsim_kernel.gan.config import GANConfig

CHECKPOINT = "checkpoint.npz"
CONFIG = "config.json"
GENERATOR_WEIGHTS = "generator.weights.h5"
CARD = "card.json"
#: folder of a run holding a copy of the generator weights after every epoch
SNAPSHOTS = "snapshots"
#: the values of a card's ``status``: how far a model has been validated
CARD_STATUSES = ("placeholder", "partial", "validated")


def _state_variables(gan) -> list:
    """All variables that determine the continuation of training, in a fixed order."""
    return [*gan.variables, *(v for optimizer in gan.training_optimizers for v in optimizer.variables)]


def save_checkpoint(gan, folder: str | os.PathLike, state: dict[str, Any]) -> Path:
    """Write ``folder/checkpoint.npz`` atomically with all training variables and ``state`` (JSON-able)."""
    from keras import ops

    path = Path(folder) / CHECKPOINT
    variables = _state_variables(gan)
    arrays = {f"v{i:04d}": ops.convert_to_numpy(v.value) for i, v in enumerate(variables)}
    state = {**state, "config": json.loads(gan.config.to_json()), "paths": [v.path for v in variables]}
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        np.savez(f, state=np.array(json.dumps(state)), **arrays)
    return path


def read_checkpoint_state(folder: str | os.PathLike) -> dict[str, Any]:
    """The JSON state of ``folder/checkpoint.npz`` (FastsimError if there is none or it is unreadable)."""
    path = Path(folder) / CHECKPOINT
    if not path.is_file():
        msg = f"{folder}: no checkpoint to resume from (expected {path})"
        raise FastsimError(msg)
    try:
        with np.load(path) as data:
            return json.loads(str(data["state"]))
    except (OSError, ValueError, KeyError) as err:
        msg = f"{path}: not a readable fastsim checkpoint ({err})"
        raise FastsimError(msg) from err


def restore_checkpoint(gan, folder: str | os.PathLike) -> dict[str, Any]:
    """Load ``folder/checkpoint.npz`` into ``gan`` (compiled, optimisers built); return its state."""
    path = Path(folder) / CHECKPOINT
    state = read_checkpoint_state(folder)
    saved = GANConfig.from_json(json.dumps(state["config"]), source=str(path))
    if saved.kind != gan.config.kind:
        msg = f"{path}: checkpoint of the {saved.kind} model cannot resume the {gan.config.kind} model"
        raise FastsimError(msg)
    gan.build_optimizers()
    variables = _state_variables(gan)
    with np.load(path) as data:
        if len(variables) != len(data.files) - 1:
            msg = f"{path}: checkpoint holds {len(data.files) - 1} variables, this model has {len(variables)}"
            raise FastsimError(msg)
        for i, v in enumerate(variables):
            value = data[f"v{i:04d}"]
            if tuple(value.shape) != tuple(v.shape):
                msg = (
                    f"{path}: variable {state['paths'][i]!r} has shape {value.shape}, the model expects"
                    f" {tuple(v.shape)} (a checkpoint of another architecture?)"
                )
                raise FastsimError(msg)
            v.assign(value)
    return state


def save_model_folder(gan, folder: str | os.PathLike) -> Path:
    """Write ``config.json``, ``generator.weights.h5`` and, for the two-stage model, its layer model
    (``layers.npz``), each atomically, into ``folder``."""
    from fastsim_kernel.gan.layer_model import LAYER_MODEL

    folder = Path(folder)
    if gan.config.kind == "two_stage":
        gan.layer_model.save(folder / LAYER_MODEL)
    with atomic_path(folder / CONFIG) as tmp:
        gan.config.save(tmp)
    with atomic_path(folder / GENERATOR_WEIGHTS) as tmp:
        weights = tmp.with_name(tmp.name + ".weights.h5")  # Keras insists on the suffix
        gan.generator.save_weights(weights)
        os.replace(weights, tmp)
    return folder


def load_model_config(folder: str | os.PathLike) -> GANConfig:
    """The config of a model folder, with a clear error when the folder is missing or not a model."""
    folder = Path(folder)
    if not folder.is_dir():
        msg = f"model folder {str(folder)!r} does not exist; expected a training run folder or 'shipped'"
        raise FastsimError(msg)
    if not (folder / GENERATOR_WEIGHTS).is_file():
        msg = f"{folder}: no {GENERATOR_WEIGHTS} (not a model folder, or training has not finished an epoch)"
        raise FastsimError(msg)
    return GANConfig.load(folder / CONFIG)


def load_model_card(folder: str | os.PathLike) -> dict[str, Any]:
    """The ``card.json`` of a model folder as a dict ({} when the folder has none).

    Keys: ``name``, ``status`` (one of ``CARD_STATUSES``), ``summary`` (one line for users),
    ``targets_passed``/``targets_total`` (int or None), ``grid``, ``energy_gev``, ``theta_deg``, ``metrics``.
    """
    path = Path(folder) / CARD
    if not path.is_file():
        return {}
    try:
        card = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        msg = f"{path}: not a readable model card ({err})"
        raise FastsimError(msg) from err
    if not isinstance(card, dict) or card.get("status") not in CARD_STATUSES:
        msg = f"{path}: a model card needs a 'status' in {list(CARD_STATUSES)}"
        raise FastsimError(msg)
    return card
