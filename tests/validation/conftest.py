"""Fixtures of the validation suite: two independent Geant4 samples at the same two validation points."""

from __future__ import annotations

import pytest

#: (energy GeV, angle degrees) of the Geant4 fixture, and showers per point and sample
G4_POINTS = ((10.0, 90.0), (10.0, 60.0))
G4_PER_POINT = 150


@pytest.fixture(scope="session")
def g4_pair():
    """Two Geant4 samples (seeds 21 and 22, 31 and 32), 150 electrons at each point, 25x25x25 (about 30 s)."""
    from fastsim_kernel.data import Showers
    from fastsim_kernel.g4 import simulate

    return tuple(
        Showers.concatenate([simulate(G4_PER_POINT, grid="25x25x25", energy=e, theta=t, seed=seed + i, workers=2,
                                      progress=False) for i, (e, t) in enumerate(G4_POINTS)])
        for seed in (21, 31)
    )
