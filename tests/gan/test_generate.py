"""Generation: ``load_generator`` returns Showers in GeV; ``fastsim generate`` writes files the data CLI reads."""

from __future__ import annotations

import math

import numpy as np
import pytest

from fastsim_kernel.data import read_showers
from fastsim_kernel.errors import FastsimError
from tests.gan.conftest import fastsim

pytest.importorskip("keras")

from fastsim_kernel.gan import load_generator
from fastsim_kernel.gan.generate import OutOfRangeWarning


@pytest.fixture(scope="module")
def generator(trained_run):
    return load_generator(trained_run)


def test_generate_returns_showers_in_gev(generator):
    showers = generator.generate(30.0, math.pi / 2, 16, seed=5)
    assert showers.cells.shape == (16, 25, 25, 25)
    assert showers.grid == generator.grid == (25, 25, 25)
    np.testing.assert_array_equal(showers.energy, 30.0)
    np.testing.assert_allclose(showers.theta, math.pi / 2)
    assert np.all(showers.cells >= 0)
    # GeV: the network's training cells (GeV x 50) ** 0.85 are transformed back
    noise = np.random.default_rng(5).standard_normal((16, 200), dtype=np.float32)
    raw = generator.run(noise * np.float32(0.3))
    np.testing.assert_allclose(showers.cells, raw ** (1 / 0.85) / 50, rtol=1e-4, atol=1e-9)


def test_same_seed_same_showers_and_arrays_of_conditions(generator):
    a = generator.generate(np.array([20.0, 40.0]), math.pi / 2, seed=1)
    b = generator.generate([20.0, 40.0], math.pi / 2, seed=1)
    c = generator.generate([20.0, 40.0], math.pi / 2, seed=2)
    np.testing.assert_array_equal(a.cells, b.cells)
    assert not np.array_equal(a.cells, c.cells)
    np.testing.assert_array_equal(a.energy, [20.0, 40.0])


def test_out_of_range_conditions_warn_and_clamp_or_refuse(generator):
    high = generator.energy_range[1]
    with pytest.warns(OutOfRangeWarning, match="outside the trained range"):
        showers = generator.generate(10 * high, math.pi / 2, 2)
    np.testing.assert_allclose(showers.energy, high)
    with pytest.raises(FastsimError, match="outside the trained range"):
        generator.generate(10 * high, math.pi / 2, 2, strict=True)
    with pytest.raises(FastsimError, match="degrees given where radians"):
        generator.generate(30.0, 90.0, 1, strict=True)


def test_generate_cli_writes_our_file_layout(trained_run, tmp_path):
    import h5py

    out = tmp_path / "gan.h5"
    proc = fastsim("generate", "--model", str(trained_run), "--energy", "30", "--theta", "90", "--n", "12",
                   "--out", str(out))
    assert "wrote 12 showers" in proc.stdout
    with h5py.File(out) as f:
        assert f["ECAL"].shape == (12, 25, 25, 25)
        np.testing.assert_allclose(f["theta"][:], math.pi / 2, rtol=1e-6)
        np.testing.assert_array_equal(f["energy"][:], 30.0)


def test_shipped_model_generates_files_inspect_and_plot_accept(tmp_path):
    # a 4-step test model deposits more than the primary energy, which the data layer rightly refuses;
    # the shipped model has learnt the sampling fraction
    out = tmp_path / "shipped.h5"
    proc = fastsim("generate", "--model", "shipped", "--energy", "50", "--theta", "90", "--n", "12",
                   "--out", str(out))
    assert "wrote 12 showers" in proc.stdout
    showers = read_showers(out)
    assert showers.cells.shape == (12, 25, 25, 25)
    assert 0.005 < np.median(showers.cells.sum(axis=(1, 2, 3)) / showers.energy) < 0.05  # G4: about 0.02
    assert "showers   12" in fastsim("inspect", str(out)).stdout
    fastsim("plot", str(out), "--out", str(tmp_path / "gan.png"))
    assert (tmp_path / "gan.png").stat().st_size > 10_000


def test_load_generator_defaults_to_the_shipped_fixed_angle_model():
    generator = load_generator()
    assert generator.grid == (25, 25, 25)
    assert generator.config.kind == "fixed"
    low, high = generator.energy_range
    assert low < 20
    assert high > 90
    assert generator.theta_range[0] < math.pi / 2 < generator.theta_range[1]
    for bad in (0, -3):
        with pytest.raises(FastsimError, match=f"n must be >= 1, got {bad}"):
            generator.generate(50.0, math.pi / 2, bad)


def test_missing_model_folder_is_one_clear_line(tmp_path):
    proc = fastsim("generate", "--model", str(tmp_path / "nope"), "--energy", "30", "--n", "2",
                   "--out", str(tmp_path / "x.h5"), check=False)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[-1] == (
        f"fastsim: error: model folder '{tmp_path / 'nope'}' does not exist;"
        " expected a training run folder or 'shipped'"
    )


def test_generate_like_a_reference_file_copies_its_conditions(trained_run, g4_fixed, tmp_path):
    out = tmp_path / "like.h5"
    fastsim("generate", "--model", str(trained_run), "--like", str(g4_fixed), "--n", "10", "--out", str(out))
    generated, reference = read_showers(out), read_showers(g4_fixed, stop=10)
    np.testing.assert_array_equal(generated.energy, reference.energy)
    np.testing.assert_array_equal(generated.theta, reference.theta)


def test_fast_form_generates_the_same_showers(trained_run):
    fast = load_generator(trained_run).generate([20.0, 45.0], math.pi / 2, seed=3)
    plain = load_generator(trained_run, fast=False).generate([20.0, 45.0], math.pi / 2, seed=3)
    np.testing.assert_allclose(fast.cells, plain.cells, rtol=1e-4, atol=1e-7)
