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


def test_histogram_range_comes_from_percentiles_not_from_an_outlier():
    sample = np.random.default_rng(3).normal(size=1000)
    edges = physics.common_bins(np.append(sample, 1e6), sample, bins=10)
    assert edges[-1] < 5  # min-max would put the last edge at 1e6 and every normal entry in one bin
    assert edges[0] == pytest.approx(np.percentile(np.concatenate([sample, sample, [1e6]]), 0.5))


def test_bootstrap_interval_of_a_mean_matches_the_standard_error():
    sample = np.random.default_rng(4).normal(10.0, 2.0, size=400)
    estimate, low, high = physics.bootstrap_interval(np.mean, [sample], resamples=2000, level=0.95, seed=1)
    assert estimate == pytest.approx(sample.mean())
    # a 95% interval of a mean spans about 2 x 1.96 standard errors, 2 / sqrt(400) = 0.1 each
    assert high - low == pytest.approx(2 * 1.96 * 0.1, rel=0.15)
    assert low < estimate < high


def test_bootstrap_interval_resamples_each_sample_independently():
    rng = np.random.default_rng(5)
    a, b = rng.normal(0.0, 1.0, size=900), rng.normal(0.0, 3.0, size=900)
    _, low, high = physics.bootstrap_interval(lambda x, y: y.mean() - x.mean(), [a, b], resamples=2000)
    assert high - low == pytest.approx(2 * 1.96 * np.sqrt(1 / 900 + 9 / 900), rel=0.15)


def test_gaussian_frechet_distance_closed_forms():
    # one dimension: (mu1 - mu2)^2 + (s1 - s2)^2
    assert physics.gaussian_frechet_distance(np.array([1.0]), np.array([[4.0]]), np.array([3.0]),
                                             np.array([[9.0]])) == pytest.approx(4.0 + 1.0)
    # two dimensions, covariances that do not commute: for 2x2 M with real non-negative eigenvalues,
    # Tr sqrt(M) = sqrt(Tr M + 2 sqrt(det M)); M = C1 C2 has Tr 10 and det 12
    c1, c2 = np.diag([1.0, 4.0]), np.array([[2.0, 1.0], [1.0, 2.0]])
    expected = 1.0**2 + 2.0**2 + (5 + 4) - 2 * np.sqrt(10 + 2 * np.sqrt(12))
    assert physics.gaussian_frechet_distance(np.zeros(2), c1, np.array([1.0, 2.0]), c2) == pytest.approx(expected)


def test_frechet_distance_of_small_samples_by_hand():
    # x: mean 1, variance (1 + 1) / 1 = 2; y: mean 2, variance (1 + 0 + 1) / 2 = 1
    x, y = np.array([[0.0], [2.0]]), np.array([[1.0], [2.0], [3.0]])
    assert physics.frechet_distance(x, y) == pytest.approx(1.0 + (np.sqrt(2) - 1) ** 2)


def test_fpd_removes_the_finite_sample_bias():
    rng = np.random.default_rng(6)
    cov = np.array([[1.0, 0.5, 0.0], [0.5, 2.0, 0.3], [0.0, 0.3, 1.5]])
    a, b = (rng.multivariate_normal(np.zeros(3), cov, size=8000) for _ in range(2))
    shifted = rng.multivariate_normal([0.3, 0.0, -0.4], cov, size=8000)
    biased = np.mean([physics.frechet_distance(a[i : i + 200], b[i : i + 200]) for i in range(0, 4000, 200)])
    fpd, _ = physics.frechet_physics_distance(a, b, normalise=False, seed=1)
    assert biased > 0.05  # same distribution, yet 200 showers give a clearly positive distance (about 0.09)
    assert abs(fpd) < 0.01  # what is left: the distance between the two finite samples
    shift_fpd, _ = physics.frechet_physics_distance(a, shifted, normalise=False, seed=1)
    # the sample means of 8000 showers fluctuate: |delta mu|^2 has a standard deviation of about 0.02
    assert shift_fpd == pytest.approx(0.3**2 + 0.4**2, abs=0.06)


def test_polynomial_mmd_by_hand():
    # k(a, b) = (ab + 1)^3 in one dimension; x = (0, 1), y = (1, 2)
    # within x: k(0, 1) = 1; within y: k(1, 2) = 27; across: (1 + 1 + 8 + 27) / 4 = 9.25
    x, y = np.array([[0.0], [1.0]]), np.array([[1.0], [2.0]])
    assert physics.polynomial_mmd(x, y) == pytest.approx(1 + 27 - 2 * 9.25)


def test_polynomial_mmd_is_unbiased_and_measures_a_mean_shift():
    rng = np.random.default_rng(7)
    same = [physics.polynomial_mmd(rng.normal(size=(30, 2)), rng.normal(size=(30, 2))) for _ in range(400)]
    assert abs(np.mean(same)) < 3 * np.std(same) / np.sqrt(len(same))  # unbiased: mean 0 within its error
    # degree 1: k = a.b / d + 1, so MMD^2 = |mu_x - mu_y|^2 / d exactly in expectation
    x, y = rng.normal(size=(2000, 2)), rng.normal([1.0, -1.0], 1.0, size=(2000, 2))
    assert physics.polynomial_mmd(x, y, degree=1) == pytest.approx(2.0 / 2, rel=0.1)


def test_kpd_separates_a_shift_from_noise():
    rng = np.random.default_rng(8)
    a, b, c = rng.normal(size=(400, 4)), rng.normal(size=(400, 4)), rng.normal(0.5, 1.0, size=(400, 4))
    same, same_error = physics.kernel_physics_distance(a, b, seed=1)
    shift, _ = physics.kernel_physics_distance(a, c, seed=1)
    assert abs(same) < 3 * same_error + 1e-3
    assert shift > 10 * max(same_error, abs(same))


def test_physics_distances_refuse_nan_and_mismatched_features():
    with pytest.raises(ValueError, match="finite"):
        physics.kernel_physics_distance(np.full((5, 2), np.nan), np.ones((5, 2)))
    with pytest.raises(ValueError, match="shapes"):
        physics.frechet_physics_distance(np.ones((5, 2)), np.ones((5, 3)))
