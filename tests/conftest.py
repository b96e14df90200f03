"""Fixtures shared by all suites: small analytic shower batches."""

from __future__ import annotations

import math

import numpy as np
import pytest

from fastsim_kernel.data import Showers


def gaussian_showers(
    n: int = 20, grid=(25, 25, 25), *, energy: float = 50.0, theta: float = math.pi / 2, seed: int = 0
) -> Showers:
    """Showers shaped like EM showers: a gamma longitudinal profile, a Gaussian core around a straight axis
    of angle ``theta`` in the y-z plane, Poisson-like fluctuations; sum/E about 0.02."""
    rng = np.random.default_rng(seed)
    nx, ny, nz = grid
    z = np.arange(nz) + 0.5
    longitudinal = z**3 * np.exp(-z / 1.5)
    longitudinal /= longitudinal.sum()
    slope = math.cos(theta) / math.sin(theta) * 4.0 / 5.1  # cells of y per layer
    x = np.arange(nx)[:, None, None]
    y = np.arange(ny)[None, :, None]
    y_axis = (ny - 1) / 2 + slope * (np.arange(nz) - nz / 2)
    core = np.exp(-((x - (nx - 1) / 2) ** 2 + (y - y_axis[None, None, :]) ** 2) / 2.0)
    core /= core.sum(axis=(0, 1), keepdims=True)
    mean_cells = 0.02 * energy * core * longitudinal[None, None, :]
    noise = rng.gamma(20.0, 1 / 20.0, size=(n, nx, ny, nz))
    cells = (mean_cells[None] * noise).astype(np.float32)
    return Showers(
        cells,
        np.full(n, energy, np.float32),
        np.full(n, theta, np.float32),
        {"source": "analytic test showers", "seed": seed},
    )


@pytest.fixture
def showers() -> Showers:
    return gaussian_showers()
