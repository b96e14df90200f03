"""Condition matching: the showers of a sample at one validation point, or in a window around it.

A held-out reference is simulated exactly at its points (``fastsim reference``), so a shower belongs to a
point within a small tolerance. The report's figures also use the reference analysis's wider windows:
+-5 GeV in energy and +-0.1 rad in angle.
"""

from __future__ import annotations

import numpy as np

from fastsim_kernel.data import Showers

ENERGY_HALF_WIDTH = 5.0  # GeV
THETA_HALF_WIDTH = 0.1  # rad
#: A shower is at a point when its energy is within 0.5 % and its angle within 0.5 degrees of it.
POINT_ENERGY_TOLERANCE = 0.005
POINT_THETA_TOLERANCE_DEG = 0.5


def in_window(showers: Showers, energy: float, theta: float) -> np.ndarray:
    """Mask (N,) of showers within +-5 GeV of ``energy`` and +-0.1 rad of ``theta`` (radians)."""
    return (np.abs(showers.energy - energy) <= ENERGY_HALF_WIDTH) & (
        np.abs(showers.theta - theta) <= THETA_HALF_WIDTH
    )


def at_point(showers: Showers, energy_gev: float, theta_deg: float) -> np.ndarray:
    """Mask (N,) of showers at the point (energy GeV, angle degrees), within the point tolerances."""
    return (np.abs(showers.energy - energy_gev) <= POINT_ENERGY_TOLERANCE * energy_gev) & (
        np.abs(np.degrees(showers.theta) - theta_deg) <= POINT_THETA_TOLERANCE_DEG
    )


def recorded_points(showers: Showers) -> list[tuple[float, float]] | None:
    """The (energy GeV, angle degrees) points a ``fastsim reference`` file records, or None for other files."""
    points = showers.metadata.get("reference", {}).get("points")
    if not points:
        return None
    return [(float(p["energy_gev"]), float(p["theta_deg"])) for p in points]


def describe_conditions(showers: Showers) -> str:
    """'E 10-100 GeV, theta 60-120 deg': what a sample holds, for error messages."""
    theta = np.degrees(showers.theta)
    return (f"E {showers.energy.min():.4g}-{showers.energy.max():.4g} GeV, "
            f"theta {theta.min():.4g}-{theta.max():.4g} deg")


def point_label(energy_gev: float, theta_deg: float) -> str:
    return f"{energy_gev:g} GeV, {theta_deg:g} deg"

