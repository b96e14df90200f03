"""One configuration object for the 3DGAN: architecture, preprocessing, losses and optimiser.

``GANConfig.fixed()`` and ``GANConfig.variable()`` give the reference settings (svalleco/3Dgan,
``EcalEnergyGan.py`` and ``AngleArch3dGAN.py``); every field can be overridden with ``dataclasses.replace``.
The config is stored as JSON next to every checkpoint and shipped model, so a model folder is self-describing.
"""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path
from typing import Any

from fastsim_kernel.errors import FastsimError

#: model kind -> cell grid (X, Y, Z)
GRIDS = {"fixed": (25, 25, 25), "variable": (51, 51, 25), "two_stage": (25, 25, 25)}


@dataclasses.dataclass(frozen=True)
class GANConfig:
    """Hyper-parameters of one 3DGAN.

    Attributes:
        kind: ``"fixed"`` (25x25x25, normal incidence, latent x E/100 conditioning), ``"variable"``
            (51x51x25, [E/100, theta, noise] conditioning, angle head in the discriminator) or ``"two_stage"``
            (25x25x25, energy and angle: a layer-energy model plus the fixed generator for the shapes within
            each layer, conditioned on [E/100, theta - pi/2, 3 sqrt(layer fractions), noise]; see
            ``gan/two_stage.py``).
        latent_size: generator input width (200 fixed, 256 variable).
        cell_power: training cells are ``(GeV x cell_scale) ** cell_power`` (0.85 in the reference).
        cell_scale: multiplies GeV cells before the power (50, as the public variable-angle files store them).
        energy_scale: the energy condition and the energy head use ``E / energy_scale`` (100).
        sampling_fraction: deposited / primary energy, estimated from the training data; it sets the
            sum-of-energies target of generated showers (``E x sampling_fraction``).
        loss_weights: weights of the discriminator heads: real/fake BCE, energy MAPE, sum-E MAPE, angle MAE
            (the angle weight is unused by the fixed model).
        label_flip: fraction of real/fake labels flipped when the discriminator trains (5%).
        learning_rate: RMSprop learning rate for both networks (1e-3).
        leaky_slope: LeakyReLU negative slope (0.3, the old Keras default the reference used).
        dropout: discriminator dropout rate (0.2).
        bn_epsilon: BatchNormalization epsilon (1e-3 fixed, Keras default; 1e-6 variable).
        depth_ratio: layer pitch / cell pitch (4.0 mm / 5.1 mm), so the angle head measures physical angles.
        energy_range: trained primary-energy range in GeV (min, max).
        theta_range: trained polar-angle range in radians (min, max).
    """

    kind: str = "fixed"
    latent_size: int = 200
    cell_power: float = 0.85
    cell_scale: float = 50.0
    energy_scale: float = 100.0
    sampling_fraction: float = 0.02
    loss_weights: tuple[float, float, float, float] = (2.0, 0.1, 0.1, 0.0)
    label_flip: float = 0.05
    learning_rate: float = 1e-3
    leaky_slope: float = 0.3
    dropout: float = 0.2
    bn_epsilon: float = 1e-3
    depth_ratio: float = 4.0 / 5.1
    energy_range: tuple[float, float] = (10.0, 200.0)
    theta_range: tuple[float, float] = (math.pi / 2 - 1e-3, math.pi / 2 + 1e-3)

    def __post_init__(self) -> None:
        if self.kind not in GRIDS:
            msg = f"model kind {self.kind!r} is not known; expected one of {sorted(GRIDS)}"
            raise FastsimError(msg)
        minimum = {"fixed": 1, "variable": 3, "two_stage": 2 + GRIDS["two_stage"][2] + 1}[self.kind]
        if self.latent_size < minimum:
            msg = f"latent_size must be >= {minimum} for the {self.kind} model, got {self.latent_size}"
            raise FastsimError(msg)
        for name in ("cell_power", "cell_scale", "energy_scale", "sampling_fraction", "learning_rate"):
            if not getattr(self, name) > 0:
                msg = f"{name} must be > 0, got {getattr(self, name)}"
                raise FastsimError(msg)
        if not 0 <= self.label_flip < 0.5:
            msg = f"label_flip must be in [0, 0.5), got {self.label_flip}"
            raise FastsimError(msg)
        object.__setattr__(self, "loss_weights", tuple(float(w) for w in self.loss_weights))
        object.__setattr__(self, "energy_range", tuple(float(e) for e in self.energy_range))
        object.__setattr__(self, "theta_range", tuple(float(t) for t in self.theta_range))

    @classmethod
    def fixed(cls, **overrides: Any) -> GANConfig:
        """Reference fixed-angle settings (loss weights 2 / 0.1 / 0.1, latent 200)."""
        return cls(**{"kind": "fixed", **overrides})

    @classmethod
    def variable(cls, **overrides: Any) -> GANConfig:
        """Reference variable-angle settings (loss weights 3 / 0.1 / 0.1 / 25, latent 256, BN eps 1e-6)."""
        defaults = {
            "kind": "variable",
            "latent_size": 256,
            "loss_weights": (3.0, 0.1, 0.1, 25.0),
            "bn_epsilon": 1e-6,
            "theta_range": (math.radians(60.0), math.radians(120.0)),
        }
        return cls(**{**defaults, **overrides})

    @classmethod
    def two_stage(cls, **overrides: Any) -> GANConfig:
        """The CPU recipe's model: the fixed generator (latent 200) for the shapes, 60-120 deg."""
        defaults = {"kind": "two_stage", "theta_range": (math.radians(60.0), math.radians(120.0))}
        return cls(**{**defaults, **overrides})

    @classmethod
    def for_kind(cls, kind: str, **overrides: Any) -> GANConfig:
        """``fixed()``, ``variable()`` or ``two_stage()`` by name."""
        if kind not in GRIDS:
            msg = f"model kind {kind!r} is not known; expected one of {sorted(GRIDS)}"
            raise FastsimError(msg)
        return {"fixed": cls.fixed, "variable": cls.variable, "two_stage": cls.two_stage}[kind](**overrides)

    @property
    def grid(self) -> tuple[int, int, int]:
        """The (X, Y, Z) cell grid of this model."""
        return GRIDS[self.kind]

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str, *, source: str = "config") -> GANConfig:
        try:
            values = json.loads(text)
        except json.JSONDecodeError as err:
            msg = f"{source}: not a valid GAN config JSON ({err})"
            raise FastsimError(msg) from err
        if not isinstance(values, dict):
            msg = f"{source}: a GAN config must be a JSON object, got {type(values).__name__}"
            raise FastsimError(msg)
        defaults = {f.name: f.default for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - set(defaults))
        if unknown:
            msg = f"{source}: unknown GAN config keys {unknown}; expected a subset of {sorted(defaults)}"
            raise FastsimError(msg)
        for name, value in values.items():
            _check_type(name, value, defaults[name], source=source)
        return cls(**values)

    def save(self, path: str | Path) -> None:
        Path(path).write_text(self.to_json() + "\n")

    @classmethod
    def load(cls, path: str | Path) -> GANConfig:
        path = Path(path)
        if not path.is_file():
            msg = f"{path}: no GAN config found (expected a model folder with config.json)"
            raise FastsimError(msg)
        return cls.from_json(path.read_text(), source=str(path))


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check_type(name: str, value: Any, default: Any, *, source: str) -> None:
    """A value read from JSON has the type of the field's default (an int may stand for a float)."""
    if isinstance(default, tuple):
        ok, expected = (isinstance(value, list) and len(value) == len(default) and all(map(_is_number, value)),
                        f"a list of {len(default)} numbers")  # fmt: skip
    elif isinstance(default, float):
        ok, expected = _is_number(value), "a number"
    elif isinstance(default, int):
        ok, expected = isinstance(value, int) and not isinstance(value, bool), "an integer"
    else:
        ok, expected = isinstance(value, type(default)), f"a {type(default).__name__}"
    if not ok:
        msg = f"{source}: key {name!r} must be {expected}, got {value!r}"
        raise FastsimError(msg)
