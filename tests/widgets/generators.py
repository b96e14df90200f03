"""Small real generators implementing the widgets' generator interface, for tests."""

from __future__ import annotations

import math

from fastsim_kernel.data import Showers
from tests.conftest import gaussian_showers


class AnalyticGenerator:
    """Deterministic analytic showers (``tests.conftest.gaussian_showers``) at the requested energy and angle.

    Records every call as (energy GeV, theta rad, n, seed) in ``calls``.
    """

    def __init__(self, *, grid=(25, 25, 25), energy_range=(10.0, 200.0), theta_range=(math.pi / 3, 2 * math.pi / 3)):
        self.grid = grid
        self.energy_range = energy_range
        self.theta_range = theta_range
        self.calls: list[tuple[float, float, int, int]] = []

    def generate(self, energy: float, theta: float, n: int, seed: int = 0) -> Showers:
        self.calls.append((energy, theta, n, seed))
        return gaussian_showers(n, self.grid, energy=energy, theta=theta, seed=seed)


def fixed_angle_generator() -> AnalyticGenerator:
    """Like the shipped fixed-angle 3DGAN: theta_range collapsed around 90 degrees."""
    return AnalyticGenerator(theta_range=(math.pi / 2 - 1e-3, math.pi / 2 + 1e-3))
