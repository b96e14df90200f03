"""Fixtures of the validation suite: two independent Geant4 samples of the same conditions."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def g4_pair():
    """Two Geant4 samples (seeds 21 and 22), 120 electrons each, 10-30 GeV, normal incidence, 25x25x25."""
    from fastsim_kernel.g4 import simulate

    return tuple(
        simulate(120, grid="25x25x25", energy=(10, 30), theta=90, seed=seed, workers=2, progress=False)
        for seed in (21, 22)
    )
