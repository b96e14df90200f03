import numpy as np
import pytest

from fastsim_kernel import physics


def test_identical_samples_have_zero_distance():
    sample = np.random.default_rng(1).normal(size=1000)
    assert physics.sample_separation_power(sample, sample) == 0.0
    assert physics.relative_error(sample + 5, sample + 5) == 0.0
    hist = np.array([1.0, 4.0, 2.0])
    assert physics.separation_power(hist, 3 * hist) == 0.0  # shape only


def test_disjoint_histograms_have_separation_one():
    assert physics.separation_power(np.array([1.0, 0.0]), np.array([0.0, 5.0])) == pytest.approx(1.0)


def test_known_separation_value():
    # p = (0.5, 0.5), q = (1, 0): 1/2 [0.25/1.5 + 0.25/0.5] = 1/3
    assert physics.separation_power(np.array([1.0, 1.0]), np.array([2.0, 0.0])) == pytest.approx(1 / 3)


def test_shifted_sample_separates_more_than_resampled():
    rng = np.random.default_rng(2)
    a, b, c = rng.normal(size=2000), rng.normal(size=2000), rng.normal(1.0, 1.0, size=2000)
    assert physics.sample_separation_power(a, b) < 0.03  # statistical noise: about bins / (2 N)
    assert physics.sample_separation_power(a, c) > 0.1


def test_relative_error():
    assert physics.relative_error(np.array([2.0, 2.0]), np.array([3.0, 3.0])) == pytest.approx(0.5)


def test_small_samples_warn():
    with pytest.warns(UserWarning, match="small samples"):
        physics.sample_separation_power(np.arange(10.0), np.arange(10.0))


def test_mismatched_bins_are_rejected():
    with pytest.raises(ValueError, match="same bins"):
        physics.separation_power(np.ones(3), np.ones(4))
