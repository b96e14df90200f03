import math

import matplotlib
import numpy as np
import pytest

from fastsim_kernel.errors import FastsimError
from fastsim_kernel.physics import projection
from fastsim_kernel.widgets import ExplorerConfig, ShowerExplorer, is_fixed_angle
from tests.widgets.generators import AnalyticGenerator, fixed_angle_generator

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def plotted_projection(explorer: ShowerExplorer, axis: str) -> np.ndarray:
    """The values of the step histogram drawn on the explorer's ``axis`` panel."""
    steps = [a for a in explorer.axes[axis].patches if isinstance(a, matplotlib.patches.StepPatch)]
    assert len(steps) == 1
    return np.asarray(steps[0].get_data().values)


def assert_shows_generated(explorer: ShowerExplorer) -> None:
    for axis in "xyz":
        expected = projection(explorer.showers.cells, axis).mean(axis=0)
        np.testing.assert_allclose(plotted_projection(explorer, axis), expected, rtol=1e-6)
    image = np.ma.getdata(explorer.axes["image"].images[0].get_array())
    np.testing.assert_allclose(image, explorer.showers.cells[0].sum(axis=0), rtol=1e-5)


def test_starts_in_the_middle_of_the_trained_ranges_and_draws():
    gen = AnalyticGenerator()
    explorer = ShowerExplorer(gen)
    assert gen.calls == [(105.0, pytest.approx(math.radians(90.0)), 10, 0)]
    assert bytes(explorer.image.value).startswith(PNG_MAGIC)
    assert len(explorer.image.value) > 10_000
    assert_shows_generated(explorer)
    assert "ms" in explorer.status.value
    assert explorer.generation_ms > 0


def test_slider_changes_regenerate_with_energy_in_gev_and_theta_in_radians():
    gen = AnalyticGenerator()
    explorer = ShowerExplorer(gen, config=ExplorerConfig(n_showers=4))
    first_png = bytes(explorer.image.value)
    explorer.energy.value = 150.0
    assert gen.calls[-1] == (150.0, pytest.approx(math.radians(90.0)), 4, 0)
    explorer.theta.value = 70.0
    assert gen.calls[-1] == (150.0, pytest.approx(math.radians(70.0)), 4, 0)
    explorer.n_showers.value = 7
    assert gen.calls[-1][2] == 7
    assert len(gen.calls) == 4
    assert len(explorer.showers) == 7
    assert np.allclose(explorer.showers.energy, 150.0)
    assert np.allclose(explorer.showers.theta, math.radians(70.0))
    assert bytes(explorer.image.value) != first_png
    assert_shows_generated(explorer)
    assert "70.0°" in explorer.figure.get_suptitle()


def test_inclined_shower_tilt_shows_in_the_y_z_image():
    """At 70 deg the analytic shower's axis drifts in y layer by layer; the drawn image shows that slope."""
    explorer = ShowerExplorer(AnalyticGenerator(), config=ExplorerConfig(n_showers=1))
    explorer.theta.value = 70.0
    image = np.ma.getdata(explorer.axes["image"].images[0].get_array())  # (y, z)
    rows = np.arange(image.shape[0])
    first, last = (float((rows * image[:, k]).sum() / image[:, k].sum()) for k in (2, 22))
    slope = math.cos(math.radians(70)) / math.sin(math.radians(70)) * 4.0 / 5.1  # cells of y per layer
    assert last - first == pytest.approx(20 * slope, abs=0.3)
    assert explorer.axes["image"].get_xlabel() == "z [layer]"


def test_resample_button_advances_the_seed_and_changes_the_showers():
    gen = AnalyticGenerator()
    explorer = ShowerExplorer(gen, config=ExplorerConfig(n_showers=2))
    before = explorer.showers.cells.copy()
    explorer.resample.click()
    assert explorer.seed.value == 1
    assert gen.calls[-1][3] == 1
    assert not np.array_equal(before, explorer.showers.cells)
    explorer.seed.value = 0
    np.testing.assert_array_equal(before, explorer.showers.cells)


def test_fixed_angle_model_disables_the_angle_slider_and_explains_why():
    gen = fixed_angle_generator()
    explorer = ShowerExplorer(gen, config=ExplorerConfig(n_showers=2))
    assert explorer.fixed_angle
    assert explorer.theta.disabled
    assert explorer.theta.value == pytest.approx(90.0)
    assert "Fixed-angle model" in explorer.angle_note.value
    assert "90°" in explorer.angle_note.value
    explorer.energy.value = 50.0
    assert gen.calls[-1] == (50.0, math.pi / 2, 2, 0)  # exactly the trained angle


def test_variable_angle_model_keeps_the_slider_enabled_over_its_range():
    explorer = ShowerExplorer(AnalyticGenerator(), config=ExplorerConfig(n_showers=1))
    assert not explorer.theta.disabled
    assert (explorer.theta.min, explorer.theta.max) == pytest.approx((60.0, 120.0))
    assert (explorer.energy.min, explorer.energy.max) == (10.0, 200.0)
    assert explorer.angle_note.value == ""
    assert explorer.energy.continuous_update is False
    assert explorer.theta.continuous_update is False


def test_is_fixed_angle_threshold():
    assert is_fixed_angle((math.pi / 2 - 1e-3, math.pi / 2 + 1e-3))
    assert not is_fixed_angle((math.radians(60), math.radians(120)))


class FailingGenerator(AnalyticGenerator):
    def generate(self, energy, theta, n, seed=0):
        if energy > 100:
            msg = f"energy {energy} GeV is outside the trained range"
            raise FastsimError(msg)
        return super().generate(energy, theta, n, seed)


def test_generator_error_shows_in_the_status_line_and_keeps_the_last_figure():
    explorer = ShowerExplorer(FailingGenerator(), config=ExplorerConfig(energy=50.0, n_showers=1))
    png = bytes(explorer.image.value)
    explorer.energy.value = 150.0
    assert "generation failed" in explorer.status.value
    assert "150" in explorer.status.value
    assert bytes(explorer.image.value) == png


def test_rejects_objects_without_the_generator_interface():
    with pytest.raises(FastsimError, match=r"lacks \['generate'"):
        ShowerExplorer(object())


def test_rejects_n_showers_outside_the_slider():
    with pytest.raises(FastsimError, match="n_showers must be in"):
        ExplorerConfig(n_showers=0)


def test_widget_tree_holds_the_controls():
    explorer = ShowerExplorer(AnalyticGenerator(), config=ExplorerConfig(n_showers=1))
    bundle = explorer._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == explorer.widget.model_id


class BrokenGenerator(AnalyticGenerator):
    def generate(self, energy, theta, n, seed=0):
        if energy > 100:
            msg = "weights <missing>"
            raise RuntimeError(msg)
        return super().generate(energy, theta, n, seed)


def test_unexpected_error_in_a_slider_callback_is_shown_escaped_and_raised():
    explorer = ShowerExplorer(BrokenGenerator(), config=ExplorerConfig(energy=50.0, n_showers=1))
    with pytest.raises(RuntimeError, match="weights"):
        explorer.energy.value = 150.0
    assert "RuntimeError: weights &lt;missing&gt;" in explorer.status.value


class EmptyGenerator(AnalyticGenerator):
    def generate(self, energy, theta, n, seed=0):
        showers = super().generate(energy, theta, n, seed)
        return type(showers)(showers.cells * 0, showers.energy, showers.theta)


def test_an_empty_shower_says_so_instead_of_a_blank_image():
    explorer = ShowerExplorer(EmptyGenerator(), config=ExplorerConfig(n_showers=1))
    assert explorer.axes["image"].get_title() == "first shower: nothing above 0.3 MeV"
    assert np.ma.getdata(explorer.axes["image"].images[0].get_array()).max() == 0
