"""Real Geant4 showers with datafree physics (no datasets, CI=true): physics sanity, seeds, angles, grids.

Small samples at low energies keep this suite to tens of seconds; every call starts fresh worker processes.
"""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from fastsim_kernel.g4 import simulate
from fastsim_kernel.physics.observables import layer_barycentres, measured_theta


@pytest.fixture(scope="module")
def showers_50gev():
    return simulate(4, energy=50, theta=90, grid="25x25x25", physics="datafree", seed=3, workers=2, progress=False)


def test_datafree_showers_are_physical(showers_50gev):
    s = showers_50gev
    assert s.cells.shape == (4, 25, 25, 25)
    assert s.cells.dtype == np.float32
    np.testing.assert_allclose(s.energy, 50.0)
    np.testing.assert_allclose(s.theta, np.pi / 2, rtol=1e-6)
    sampling = s.cells.sum(axis=(1, 2, 3)) / s.energy
    assert np.all((sampling > 0.017) & (sampling < 0.023)), sampling  # silicon only: about 0.020
    longitudinal = s.cells.sum(axis=(1, 2))
    assert 4 <= longitudinal.mean(axis=0).argmax() <= 10  # shower maximum of the mean profile, about 7 at 50 GeV
    assert np.all((longitudinal.argmax(axis=1) >= 2) & (longitudinal.argmax(axis=1) <= 15))  # single showers
    assert np.all(longitudinal[:, -1] < 0.05 * longitudinal.max(axis=1))  # 25 X0: little left at the back
    centre = s.cells.sum(axis=3)[:, 11:14, 11:14].sum(axis=(1, 2)) / s.cells.sum(axis=(1, 2, 3))
    assert np.all(centre > 0.6)  # normal incidence on the window centre: the core is in the central cells
    assert s.metadata["physics"] == "datafree"
    assert s.metadata["geometry"]["grid"] == "25x25x25"
    assert s.metadata["versions"]["geant4"] == "11.4.1"
    assert (s.metadata["particle"], s.metadata["seed"], s.metadata["spectrum"]) == ("e-", 3, "flat")


def test_caller_never_imports_geant4(showers_50gev):
    assert "geant4_pybind" not in sys.modules


def test_same_seed_same_showers_whatever_the_workers():
    kwargs = {"energy": (5, 15), "theta": (70, 110), "physics": "datafree", "progress": False}
    one = simulate(3, seed=11, workers=1, **kwargs)
    two = simulate(3, seed=11, workers=2, **kwargs)
    other = simulate(3, seed=12, workers=2, **kwargs)
    np.testing.assert_array_equal(one.cells, two.cells)
    np.testing.assert_array_equal(one.energy, two.energy)
    assert not np.array_equal(one.cells, other.cells)
    assert len({round(float(c.sum()), 7) for c in one.cells}) == 3  # events are not copies of each other


def test_energy_scan_is_linear():
    s = simulate(8, energy=(5, 60), theta=90, physics="datafree", seed=5, progress=False)
    visible = s.cells.sum(axis=(1, 2, 3))
    slope, intercept = np.polyfit(s.energy, visible, 1)
    assert 0.018 < slope < 0.022
    assert abs(intercept) < 0.05
    assert np.corrcoef(s.energy, visible)[0, 1] > 0.99


@pytest.mark.parametrize("theta", [60.0, 120.0])
def test_angle_tilts_the_shower_in_opposite_directions(theta):
    s = simulate(2, energy=20, theta=theta, grid="51x51x25", physics="datafree", seed=7, progress=False)
    assert s.cells.shape == (2, 51, 51, 25)
    _, by = layer_barycentres(s.cells)
    slope = np.polyfit(np.arange(2, 15), by[:, 2:15].T, 1)[0]  # y cells per layer, over the shower core
    expected = np.cos(np.radians(theta)) / np.sin(np.radians(theta)) * 4.0 / 5.1  # cot(theta) * pitch ratio
    np.testing.assert_allclose(slope, expected, atol=0.15)
    np.testing.assert_allclose(np.degrees(measured_theta(s.cells)), theta, atol=8)
    # aimed at the window centre in the middle layer; the shower barycentre stays within a few cells of it
    weights = s.cells.sum(axis=(1, 3))
    y_bary = (weights * np.arange(51)).sum(axis=1) / weights.sum(axis=1)
    assert np.all(np.abs(y_bary - 25) < 8)


def test_photons_shower_and_datafree_pions_only_ionise():
    gamma = simulate(2, energy=20, theta=90, particle="gamma", physics="datafree", workers=1, progress=False)
    sampling = gamma.cells.sum(axis=(1, 2, 3)) / gamma.energy
    assert np.all((sampling > 0.017) & (sampling < 0.024))
    assert gamma.metadata["particle"] == "gamma"
    pion = simulate(2, energy=20, theta=90, particle="pi-", physics="datafree", workers=1, progress=False)
    deposited = pion.cells.sum(axis=(1, 2, 3))
    # no hadronic physics without datasets: a minimum-ionising track, ~0.16 MeV per 0.5 mm of silicon
    assert np.all((deposited > 0.002) & (deposited < 0.02))


def test_a_plain_script_without_main_guard_can_simulate(tmp_path):
    script = tmp_path / "plain.py"
    script.write_text(
        "from fastsim_kernel.g4 import simulate\n"
        "s = simulate(2, energy=5, theta=90, physics='datafree', workers=2, progress=False)\n"
        "print('showers', len(s))\n"
    )
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300,
                            env={**os.environ, "CI": "true"})  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["showers 2"]  # the workers did not run the script again
