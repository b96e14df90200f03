"""What the widgets need from a shower generator, and how its trained ranges become slider ranges."""

from __future__ import annotations

import math
from typing import Protocol, runtime_checkable

from fastsim_kernel.data import Showers
from fastsim_kernel.errors import FastsimError


@runtime_checkable
class ShowerGenerator(Protocol):
    """Any object that makes showers on demand: the shipped 3DGAN, a freshly trained one, or a test double.

    Attributes:
        grid: the (X, Y, Z) cell grid of the showers it makes.
        energy_range: trained primary-energy range in GeV, (min, max).
        theta_range: trained polar-angle range in radians, (min, max); a fixed-angle model collapses it
            around pi/2.
    """

    grid: tuple[int, int, int]
    energy_range: tuple[float, float]
    theta_range: tuple[float, float]

    def generate(self, energy: float, theta: float, n: int, seed: int = 0) -> Showers:
        """``n`` showers at ``energy`` GeV and ``theta`` radians; the same seed gives the same showers."""
        ...


def check_generator(generator: object) -> ShowerGenerator:
    """Return ``generator`` if it has the generator interface, else raise a ``FastsimError`` naming what lacks."""
    missing = [name for name in ("generate", "grid", "energy_range", "theta_range") if not hasattr(generator, name)]
    if missing:
        msg = (
            f"{type(generator).__name__} is not a shower generator: it lacks {missing}; expected .generate(energy,"
            " theta, n, seed=0) -> Showers, .grid, .energy_range (GeV) and .theta_range (radians)"
        )
        raise FastsimError(msg)
    for name in ("energy_range", "theta_range"):
        lo, hi = (float(v) for v in getattr(generator, name))
        if not lo <= hi:
            msg = f"{type(generator).__name__}.{name} must be (min, max) with min <= max, got ({lo}, {hi})"
            raise FastsimError(msg)
    return generator  # type: ignore[return-value]


def is_fixed_angle(theta_range: tuple[float, float], *, tolerance_deg: float = 0.5) -> bool:
    """True when the trained angle range (radians) is narrower than ``tolerance_deg`` (a fixed-angle model)."""
    lo, hi = theta_range
    return math.degrees(hi - lo) < tolerance_deg


def load_default_generator() -> ShowerGenerator:
    """The shipped 3DGAN, through ``fastsim_kernel.gan.load_generator()``."""
    try:
        from fastsim_kernel.gan import load_generator
    except ImportError as err:
        msg = f"no shipped generator is available ({err}); pass a generator, e.g. load_generator('runs/NAME')"
        raise FastsimError(msg) from err
    return load_generator()
