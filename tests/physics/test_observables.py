import math

import numpy as np
import pytest

from fastsim_kernel import physics
from tests.conftest import gaussian_showers


def point_deposit(grid=(5, 6, 7), at=(1, 2, 3), energy=2.0):
    cells = np.zeros((1, *grid), np.float32)
    cells[(0, *at)] = energy
    return cells


def test_point_deposit_projections_and_moments():
    cells = point_deposit()
    assert physics.total_energy(cells)[0] == pytest.approx(2.0)
    for axis, size, index in (("x", 5, 1), ("y", 6, 2), ("z", 7, 3)):
        proj = physics.projection(cells, axis)
        assert proj.shape == (1, size)
        assert proj[0, index] == pytest.approx(2.0)
        assert proj.sum() == pytest.approx(2.0)
        mean, width = physics.moments(cells, axis)
        assert mean[0] == pytest.approx(index)
        assert width[0] == pytest.approx(0.0)
    np.testing.assert_array_equal(physics.max_position(cells), [[1, 2, 3]])
    assert physics.hit_multiplicity(cells)[0] == 1
    np.testing.assert_allclose(physics.cell_spectrum(cells), [2.0])
    np.testing.assert_allclose(physics.transverse_profile(cells)[0, 0], 2.0)


def test_two_point_second_moment():
    cells = np.zeros((1, 1, 1, 10), np.float32)
    cells[0, 0, 0, [2, 6]] = 1.0
    mean, width = physics.moments(cells, "z")
    assert mean[0] == pytest.approx(4.0)
    assert width[0] == pytest.approx(2.0)


def test_threshold_counts_only_cells_above():
    cells = np.zeros((2, 3, 3, 3), np.float32)
    cells[0, 0, 0, 0] = 2e-4
    cells[0, 1, 1, 1] = 5e-4
    cells[1] = 1.0
    np.testing.assert_array_equal(physics.hit_multiplicity(cells), [1, 27])


def test_sampling_fraction():
    cells = np.full((2, 2, 2, 2), 0.125, np.float32)
    np.testing.assert_allclose(physics.sampling_fraction(cells, np.array([50.0, 100.0])), [0.02, 0.01])


@pytest.mark.parametrize("theta_deg", [60.0, 75.0, 90.0, 105.0, 120.0])
def test_measured_angle_of_a_straight_line(theta_deg):
    theta = math.radians(theta_deg)
    nz, ny = 25, 51
    cells = np.zeros((1, 5, ny, nz), np.float32)
    for layer in range(nz):
        y_mm = (layer - 12) * 4.0 / math.tan(theta)  # dy/dz = cot(theta)
        y = 25 + y_mm / 5.1
        lo = int(np.floor(y))
        frac = y - lo  # linear sharing between two cells keeps the barycentre exact
        cells[0, 2, lo, layer] = 1 - frac
        cells[0, 2, lo + 1, layer] += frac
    assert physics.measured_theta(cells)[0] == pytest.approx(theta, abs=1e-6)


def test_measured_angle_of_gaussian_showers_follows_the_tilt():
    steep = physics.measured_theta(gaussian_showers(5, (51, 51, 25), theta=math.radians(65)).cells)
    normal = physics.measured_theta(gaussian_showers(5, (51, 51, 25)).cells)
    assert np.degrees(np.median(steep)) == pytest.approx(65, abs=3)
    assert np.degrees(np.median(normal)) == pytest.approx(90, abs=2)


def test_single_layer_shower_has_no_measured_angle():
    assert np.isnan(physics.measured_theta(point_deposit())[0])


def test_unknown_axis_is_named():
    with pytest.raises(ValueError, match="axis must be one of 'x', 'y', 'z', got 'w'"):
        physics.projection(point_deposit(), "w")


def test_transverse_profile_conserves_energy():
    cells = gaussian_showers(4).cells
    np.testing.assert_allclose(physics.transverse_profile(cells).sum(axis=1), physics.total_energy(cells), rtol=1e-5)


def test_layer_widths_by_hand():
    cells = np.zeros((1, 7, 7, 3), np.float32)
    cells[0, 2, 5, 0] = cells[0, 4, 5, 0] = 1.0  # layer 0: x at 2 and 4 (width 1), y all at 5 (width 0)
    cells[0, 1, 1, 1], cells[0, 1, 4, 1] = 3.0, 1.0  # layer 1: y barycentre 1.75, RMS sqrt(3 * 0.75^2 + 2.25^2) / 2
    width_x, width_y = physics.layer_widths(cells)
    np.testing.assert_allclose(width_x[0, :2], [1.0, 0.0])
    np.testing.assert_allclose(width_y[0, :2], [0.0, np.sqrt((3 * 0.75**2 + 2.25**2) / 4)])
    assert np.isnan(width_x[0, 2])
    assert np.isnan(width_y[0, 2])
