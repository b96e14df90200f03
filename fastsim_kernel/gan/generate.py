"""``load_generator``: a trained generator that returns ``Showers`` in GeV.

Units: ``energy`` in GeV, ``theta`` in RADIANS (as ``Showers``; the CLI takes degrees). Conditions outside the
trained range warn and are clamped, or raise with ``strict=True``.
"""

from __future__ import annotations

import os
import warnings
from importlib import resources
from pathlib import Path

import numpy as np

from fastsim_kernel._extras import require
from fastsim_kernel.data import Showers
from fastsim_kernel.errors import FastsimError
from fastsim_kernel.gan.checkpoint import GENERATOR_WEIGHTS, load_model_card, load_model_config
from fastsim_kernel.gan.config import GANConfig
from fastsim_kernel.gan.layer_model import LAYER_MODEL, LayerEnergyModel
from fastsim_kernel.gan.preprocessing import from_training


def shipped_model_path() -> Path:
    """The model folder that ships with the package (fixed angle, 25x25x25)."""
    return Path(str(resources.files("fastsim_kernel.gan") / "shipped"))


#: precision name -> Keras dtype policy (weights stay float32; bfloat16 is native on AVX512_BF16 CPUs)
PRECISIONS = {"float32": "float32", "bfloat16": "mixed_bfloat16"}


def _build_network(config: GANConfig, policy: str, keras, *, folder: Path, fast: bool):
    """The generator under the dtype ``policy`` with the weights of ``folder`` (polyphase form if ``fast``)."""
    from fastsim_kernel.gan.architectures import build_generator
    from fastsim_kernel.gan.fast import fast_generator

    previous = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy(policy)
    try:
        network = build_generator(config)
        try:
            network.load_weights(folder / GENERATOR_WEIGHTS)
        except (ValueError, OSError) as err:
            # Keras names the first layer that does not fit, then dumps its values: keep the name and shapes
            detail = str(err).split(" Target variable:")[0].split(". Example error message for object ")[-1]
            msg = f"{folder}: generator weights do not fit the {config.kind} model in config.json ({detail})"
            raise FastsimError(msg) from err
        return fast_generator(network) if fast else network
    finally:
        keras.mixed_precision.set_global_policy(previous)


class OutOfRangeWarning(UserWarning):
    """A requested energy or angle lies outside the range the model was trained on."""


class PlaceholderModelWarning(UserWarning):
    """The loaded model's card says it is a placeholder: its showers are not fit for physics."""


class Generator:
    """A loaded 3DGAN generator.

    Attributes:
        config: its ``GANConfig``; ``grid`` (X, Y, Z); ``energy_range`` (GeV) and ``theta_range`` (rad): the
            trained ranges.
        path: the model folder it came from.
        card: its ``card.json`` (name, status, summary, metrics; see ``load_model_card``), {} if it has none.
    """

    def __init__(self, folder: str | os.PathLike, *, batch_size: int = 128, precision: str = "float32",
                 xla: bool = False, fast: bool = True) -> None:
        if precision not in PRECISIONS:
            msg = f"precision {precision!r} is not supported; expected one of {sorted(PRECISIONS)}"
            raise FastsimError(msg)
        if batch_size < 1:
            msg = f"batch_size must be >= 1, got {batch_size}"
            raise FastsimError(msg)
        self.path = Path(folder)
        self.config: GANConfig = load_model_config(folder)  # before Keras: a bad folder fails fast
        self.card: dict = load_model_card(folder)
        if self.config.kind == "two_stage":
            self.layer_model = LayerEnergyModel.load(self.path / LAYER_MODEL)
        keras = require("keras")
        self.batch_size = batch_size
        self.precision = precision
        self.network = _build_network(self.config, PRECISIONS[precision], keras, folder=self.path, fast=fast)
        self.network.compile(jit_compile=bool(xla))

    def run(self, latent: np.ndarray) -> np.ndarray:
        """The network on a (B, latent_size) float32 batch -> (B, X, Y, Z) training cells (float32)."""
        return np.asarray(self.network.predict_on_batch(latent), dtype=np.float32)[..., 0]

    @property
    def grid(self) -> tuple[int, int, int]:
        return self.config.grid

    @property
    def energy_range(self) -> tuple[float, float]:
        return self.config.energy_range

    @property
    def theta_range(self) -> tuple[float, float]:
        return self.config.theta_range

    def generate(self, energy, theta=np.pi / 2, n: int | None = None, *, seed: int = 0,
                 strict: bool = False) -> Showers:
        """Generate showers.

        Args:
            energy: primary energy in GeV, a scalar (with ``n``) or an (N,) array.
            theta: polar angle in radians, a scalar or an (N,) array (pi/2: normal incidence).
            n: number of showers when ``energy`` and ``theta`` are scalars (default 1).
            seed: seeds the latent noise; the same seed gives the same showers.
            strict: raise instead of warning and clamping when a condition is out of the trained range.

        Returns:
            ``Showers`` with cells (N, X, Y, Z) in GeV.
        """
        energy, theta = self._conditions(energy, theta, n, strict=strict)
        rng = np.random.default_rng(seed)
        cfg = self.config
        cells = []
        for start in range(0, len(energy), self.batch_size):
            e = energy[start : start + self.batch_size] / np.float32(cfg.energy_scale)
            t = theta[start : start + self.batch_size]
            noise = rng.standard_normal((len(e), cfg.latent_size), dtype=np.float32)
            if cfg.kind == "two_stage":
                cells.append(self._two_stage(e, t, noise, rng))
                continue
            latent = noise * e[:, None] if cfg.kind == "fixed" else np.concatenate(
                [e[:, None], t[:, None], noise[:, 2:]], axis=1
            )
            cells.append(from_training(self.run(latent), cfg))
        metadata = {"generator": f"3DGAN {cfg.kind}", "model": str(self.path), "seed": seed}
        return Showers(np.concatenate(cells), energy, theta, metadata)

    def _two_stage(self, e_scaled, theta, noise, rng) -> np.ndarray:
        """Layer energies from the layer model, shapes from the network: (B, X, Y, Z) GeV cells."""
        from keras import ops

        from fastsim_kernel.gan.two_stage import assemble, latent

        layer_energy = self.layer_model.sample(e_scaled * self.config.energy_scale, theta, rng)
        fractions = layer_energy / layer_energy.sum(axis=1, keepdims=True)
        network = self.run(ops.convert_to_numpy(latent(e_scaled, theta, fractions, noise)))
        return ops.convert_to_numpy(assemble(network, layer_energy, self.config.cell_power)).astype(np.float32)

    def _conditions(self, energy, theta, n, *, strict):
        if n is not None and n < 1:
            msg = f"n must be >= 1, got {n}"
            raise FastsimError(msg)
        energy = np.atleast_1d(np.asarray(energy, dtype=np.float32))
        theta = np.atleast_1d(np.asarray(theta, dtype=np.float32))
        size = max(len(energy), len(theta), n or 1)
        if n is not None and max(len(energy), len(theta)) > 1 and n != max(len(energy), len(theta)):
            msg = f"n={n} does not match the {max(len(energy), len(theta))} conditions given"
            raise FastsimError(msg)
        try:
            energy, theta = (np.broadcast_to(a, (size,)).copy() for a in (energy, theta))
        except ValueError as err:
            msg = f"energy ({energy.shape}) and theta ({theta.shape}) must be scalars or arrays of one length"
            raise FastsimError(msg) from err
        energy = self._clamp("energy", energy, self.energy_range, "GeV", strict=strict)
        theta = self._clamp("theta", theta, self.theta_range, "rad", strict=strict)
        return energy, theta

    def _clamp(self, name, values, bounds, unit, *, strict):
        low, high = bounds
        outside = (values < low) | (values > high)
        if outside.any():
            msg = (
                f"{name} {values[outside][:3].tolist()} {unit} outside the trained range"
                f" [{low:.4g}, {high:.4g}] {unit} of {self.path}"
            )
            if name == "theta" and values.max() > 4:
                msg += " (degrees given where radians were expected?)"
            if strict:
                raise FastsimError(msg)
            warnings.warn(msg + "; clamped", OutOfRangeWarning, stacklevel=4)
        return np.clip(values, low, high).astype(np.float32)


def load_generator(path: str | os.PathLike | None = None, *, batch_size: int = 128, precision: str = "float32",
                   xla: bool = False, fast: bool = True) -> Generator:
    """Load a model folder: a training run folder, or None / ``"shipped"`` for the shipped model.

    ``precision`` "float32" (default) or "bfloat16" (faster on CPUs with AVX512_BF16); ``xla`` compiles the
    generator with XLA; ``fast`` (default) runs the exact polyphase form (``fastsim_kernel.gan.fast``).
    """
    if path is None or str(path) == "shipped":
        path = shipped_model_path()
    generator = Generator(path, batch_size=batch_size, precision=precision, xla=xla, fast=fast)
    if generator.card.get("status") == "placeholder":
        summary = generator.card.get("summary", "its showers are not fit for physics")
        warnings.warn(f"{path} is a placeholder model: {summary}", PlaceholderModelWarning, stacklevel=3)
    return generator
