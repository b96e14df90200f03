"""Condition matching: the energy/angle window both samples cover, and the seed's comparison points.

Bins follow the reference analysis: +-5 GeV in energy and +-0.1 rad in angle around each point.
"""

from __future__ import annotations

import math

import numpy as np

from fastsim_kernel.data import Showers

ENERGY_HALF_WIDTH = 5.0  # GeV
THETA_HALF_WIDTH = 0.1  # rad
#: the seed figure's (energy GeV, theta deg) points
SEED_POINTS = ((112.75, 60.80), (111.07, 115.54), (147.49, 87.83), (188.95, 62.96))
#: at least this many showers per sample make a bin worth comparing
MIN_PER_BIN = 5


def in_window(showers: Showers, energy: float, theta: float) -> np.ndarray:
    """Mask (N,) of showers within +-5 GeV of ``energy`` and +-0.1 rad of ``theta`` (radians)."""
    return (np.abs(showers.energy - energy) <= ENERGY_HALF_WIDTH) & (
        np.abs(showers.theta - theta) <= THETA_HALF_WIDTH
    )


def common_support(reference: Showers, candidate: Showers) -> tuple[Showers, Showers]:
    """Restrict both samples to the conditions the other covers (ranges widened by the bin half-widths)."""

    def keep(a: Showers, b: Showers) -> np.ndarray:
        e_lo, e_hi = b.energy.min() - ENERGY_HALF_WIDTH, b.energy.max() + ENERGY_HALF_WIDTH
        t_lo, t_hi = b.theta.min() - THETA_HALF_WIDTH, b.theta.max() + THETA_HALF_WIDTH
        return (a.energy >= e_lo) & (a.energy <= e_hi) & (a.theta >= t_lo) & (a.theta <= t_hi)

    return reference[keep(reference, candidate)], candidate[keep(candidate, reference)]


def comparison_points(reference: Showers, candidate: Showers, *, n_quantiles: int = 3) -> list[tuple[float, float]]:
    """(energy GeV, theta rad) points with at least MIN_PER_BIN showers of both samples in their bin.

    The seed figure's points come first where the data covers them; energy quantiles of the reference at
    its median angle fill in (the fixed-angle data has no 60 deg showers, for example).
    """
    points = [(e, math.radians(t)) for e, t in SEED_POINTS]
    quantiles = np.linspace(0, 1, n_quantiles + 2)[1:-1]
    theta0 = float(np.median(reference.theta))
    points += [(float(np.quantile(reference.energy, q)), theta0) for q in quantiles]
    chosen = []
    for energy, theta in points:
        enough = all(np.count_nonzero(in_window(s, energy, theta)) >= MIN_PER_BIN for s in (reference, candidate))
        clash = any(abs(energy - e) < 2 * ENERGY_HALF_WIDTH and abs(theta - t) < THETA_HALF_WIDTH for e, t in chosen)
        if enough and not clash:
            chosen.append((round(energy, 2), round(theta, 4)))
    return chosen
