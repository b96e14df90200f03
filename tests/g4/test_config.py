"""Geometry and gun configuration: parsing and validation (no Geant4 needed)."""

from __future__ import annotations

import numpy as np
import pytest

from fastsim_kernel.errors import FastsimError
from fastsim_kernel.g4 import GeometryConfig, GunConfig, parse_grid
from fastsim_kernel.g4.config import parse_range
from fastsim_kernel.g4.plan import Plan


@pytest.mark.parametrize(
    ("text", "grid"), [("51x51x25", (51, 51, 25)), ("25X25x25", (25, 25, 25)), ((25, 25, 25), (25, 25, 25))]
)
def test_accepted_grids(text, grid):
    assert parse_grid(text) == grid
    assert GeometryConfig.from_grid(text).grid == grid


@pytest.mark.parametrize("bad", ["10x10x10", "51x51", "axbxc", (25, 25, 30), ""])
def test_unknown_grid_names_value_and_accepted(bad):
    with pytest.raises(FastsimError, match=r"unknown grid .*51x51x25, 25x25x25"):
        parse_grid(bad)


def test_clic_like_geometry_defaults():
    geo = GeometryConfig.from_grid("51x51x25")
    assert (geo.absorber_mm, geo.sensor_mm, geo.cell_mm, geo.production_cut_mm) == (3.5, 0.5, 5.1, 0.7)
    assert geo.depth_mm == pytest.approx(100.0)
    assert geo.to_dict()["grid"] == "51x51x25"
    with pytest.raises(FastsimError, match="absorber_mm"):
        GeometryConfig(absorber_mm=-1.0)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("10:200", (10.0, 200.0)), ("50", (50.0, 50.0)), (90, (90.0, 90.0)), ((2, 500), (2.0, 500.0))],
)
def test_ranges(value, expected):
    assert parse_range(value, name="energy", unit="GeV") == expected


@pytest.mark.parametrize("bad", ["200:10", "a:b", "1:2:3", float("nan")])
def test_bad_ranges(bad):
    with pytest.raises(FastsimError, match="energy"):
        parse_range(bad, name="energy", unit="GeV")


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"energy_gev": 0}, "energy 0 GeV is outside"),
        ({"energy_gev": (-5, 10)}, "energy -5:10 GeV"),
        ({"energy_gev": (10, 900)}, "2-500 GeV"),
        ({"theta_deg": 180}, "theta 180 degrees"),
        ({"theta_deg": (0, 90)}, "strictly between 0 and 180"),
        ({"particle": "mu+"}, "unknown particle 'mu\\+'"),
        ({"spectrum": "gauss"}, "unknown spectrum"),
    ],
)
def test_gun_rejects(kwargs, match):
    with pytest.raises(FastsimError, match=match):
        GunConfig(**kwargs)


def test_gun_spectra():
    rng = np.random.default_rng(0)
    energy, theta = GunConfig(energy_gev=(10, 100), spectrum="log").sample(20000, rng)
    assert energy.min() >= 10
    assert energy.max() <= 100
    assert np.median(energy) == pytest.approx(np.sqrt(10 * 100), rel=0.05)  # log-uniform median
    assert theta.min() >= 60
    assert theta.max() <= 120
    flat, _ = GunConfig(energy_gev=(10, 100)).sample(20000, rng)
    assert np.median(flat) == pytest.approx(55, rel=0.05)


def _plan(seed=0, n=10, chunk_size=3):
    return Plan(n=n, geometry=GeometryConfig(), gun=GunConfig(), physics="datafree", seed=seed, chunk_size=chunk_size)


def test_plan_seeds_are_per_event_and_independent_of_chunking():
    a, b = _plan(chunk_size=3), _plan(chunk_size=7)
    assert np.array_equal(a.event_seeds(0, 10), b.event_seeds(0, 10))
    assert np.array_equal(a.event_seeds(4, 6), a.event_seeds(0, 10)[4:6])
    seeds = a.event_seeds(0, 10)
    assert len({tuple(row) for row in seeds}) == 10
    assert seeds.min() > 0
    assert not np.array_equal(_plan(seed=1).event_seeds(0, 10), seeds)
    assert np.array_equal(a.primaries()[0], b.primaries()[0])
    tasks = list(a.tasks())
    assert [len(t.energy_gev) for t in tasks] == [3, 3, 3, 1]
    assert [t.index for t in a.tasks(skip={1, 2})] == [0, 3]


@pytest.mark.parametrize("n", [0, -3, 2.5, True])
def test_plan_rejects_bad_n(n):
    with pytest.raises(FastsimError, match="n must be a positive number"):
        _plan(n=n)
