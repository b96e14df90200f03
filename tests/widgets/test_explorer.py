"""The explorer with analytic generators: what it draws, its controls, the Geant4 overlay, busy handling, saving."""

import math
import threading
import time

import numpy as np
import pytest

from fastsim_kernel.data import read_showers
from fastsim_kernel.errors import FastsimError
from fastsim_kernel.physics import projection
from fastsim_kernel.widgets import ExplorerConfig, ShowerExplorer, ShowerSummaries, is_fixed_angle
from tests.conftest import gaussian_showers
from tests.widgets.generators import AnalyticGenerator, fixed_angle_generator

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def plotted(explorer: ShowerExplorer, axis: str, label: str = "GAN") -> np.ndarray:
    """The values of the step histogram labelled ``label`` on the explorer's ``axis`` panel."""
    steps = [a for a in explorer.axes[axis].patches if a.get_label() == label]
    assert len(steps) == 1
    return np.asarray(steps[0].get_data().values)


def drawn_image(explorer: ShowerExplorer) -> np.ndarray:
    """The x-y image as drawn, indexed (x, y)."""
    return np.ma.getdata(explorer.axes["image"].images[0].get_array()).T


def change(explorer: ShowerExplorer, **values) -> None:
    """Set controls as a user would, then wait for the figure."""
    for name, value in values.items():
        getattr(explorer, name).value = value
    explorer.wait()


def assert_shows_generated(explorer: ShowerExplorer) -> None:
    for axis in "xyz":
        expected = projection(explorer.showers.cells, axis).mean(axis=0)
        np.testing.assert_allclose(plotted(explorer, axis), expected, rtol=1e-6)
    layer = explorer.layer.value
    np.testing.assert_allclose(drawn_image(explorer), explorer.showers.cells[..., layer].mean(axis=0), rtol=1e-5)


#: Geant4 stand-ins at known conditions: 20 showers each at (100 GeV, 90), (104 GeV, 90), (110 GeV, 90), (100, 70).
CONDITIONS = [(100.0, 90.0), (104.0, 90.0), (110.0, 90.0), (100.0, 70.0)]


@pytest.fixture(scope="module")
def reference_showers():
    return [gaussian_showers(20, energy=e, theta=math.radians(t), seed=10 + i) for i, (e, t) in enumerate(CONDITIONS)]


@pytest.fixture(scope="module")
def reference(reference_showers) -> ShowerSummaries:
    parts = [ShowerSummaries.from_showers(s) for s in reference_showers]
    return ShowerSummaries.concatenate(parts, source="analytic test showers")


def test_starts_in_the_middle_of_the_trained_ranges_and_draws():
    gen = AnalyticGenerator()
    explorer = ShowerExplorer(gen, reference=None)
    assert gen.calls == [(105.0, pytest.approx(math.radians(90.0)), 10, 0)]
    assert bytes(explorer.image.value).startswith(PNG_MAGIC)
    assert len(explorer.image.value) > 10_000
    assert_shows_generated(explorer)
    assert "generated in" in explorer.status.value
    assert "drawn in" in explorer.status.value
    assert explorer.generation_ms > 0
    assert explorer.draw_ms > 0
    assert "No Geant4 reference" in explorer.reference_note.value


def test_slider_changes_regenerate_with_energy_in_gev_and_theta_in_radians():
    gen = AnalyticGenerator()
    explorer = ShowerExplorer(gen, config=ExplorerConfig(n_showers=4), reference=None)
    first_png = bytes(explorer.image.value)
    change(explorer, energy=150.0)
    assert gen.calls[-1] == (150.0, pytest.approx(math.radians(90.0)), 4, 0)
    change(explorer, theta=70.0)
    assert gen.calls[-1] == (150.0, pytest.approx(math.radians(70.0)), 4, 0)
    change(explorer, n_showers=7)
    assert gen.calls[-1][2] == 7
    assert len(gen.calls) == 4
    assert len(explorer.showers) == 7
    assert np.allclose(explorer.showers.energy, 150.0)
    assert np.allclose(explorer.showers.theta, math.radians(70.0))
    assert bytes(explorer.image.value) != first_png
    assert_shows_generated(explorer)
    assert "70.0°" in explorer.figure.get_suptitle()


def test_geant4_overlay_is_the_mean_of_the_showers_within_5_gev_and_3_degrees(reference, reference_showers):
    explorer = ShowerExplorer(AnalyticGenerator(), config=ExplorerConfig(energy=101.0, theta_deg=90.0),
                              reference=reference)  # fmt: skip
    # 101 GeV, 90 deg: the 100 and 104 GeV samples at 90 deg are inside, 110 GeV and 70 deg are not.
    inside = np.concatenate([reference_showers[0].cells, reference_showers[1].cells])
    assert "40 Geant4 showers within ±5 GeV, ±3°" in explorer.reference_note.value
    for axis in "xyz":
        g4 = projection(inside, axis).mean(axis=0)
        np.testing.assert_allclose(plotted(explorer, axis, "Geant4"), g4, rtol=1e-5)
        (ratio, *_) = [a for a in explorer.axes[f"ratio_{axis}"].patches if a.get_fill() is False]
        gan = projection(explorer.showers.cells, axis).mean(axis=0)
        np.testing.assert_allclose(ratio.get_data().values, gan / g4, rtol=1e-4)
    change(explorer, theta=71.0)  # only the 70 deg sample is within 3 deg
    assert "20 Geant4 showers within" in explorer.reference_note.value
    change(explorer, theta=80.0)
    assert "0 Geant4 showers within" in explorer.reference_note.value
    assert np.isnan(plotted(explorer, "x", "Geant4")).all()


def test_readouts_give_sum_over_e_shower_maximum_and_angle_for_gan_and_geant4(reference):
    explorer = ShowerExplorer(AnalyticGenerator(), config=ExplorerConfig(energy=100.0, theta_deg=70.0, n_showers=40),
                              reference=reference)  # fmt: skip
    text = explorer.readouts.value
    assert "GAN (40)" in text
    assert "Geant4 (20)" in text
    rows = {row.split("</td>")[0].split("<td>")[-1]: row for row in text.split("<tr>")[2:]}
    # The analytic showers deposit 2 % of the energy, peak in layer 4 (z^3 exp(-z/1.5)) and lean at 70 deg.
    gan_sum, g4_sum = (float(cell.split(" ± ")[0]) for cell in rows["sum / E"].split("<td>")[2:])
    assert gan_sum == pytest.approx(0.02, abs=0.001)
    assert g4_sum == pytest.approx(0.02, abs=0.001)
    assert float(rows["shower-max layer"].split("<td>")[2].split(" ± ")[0]) == pytest.approx(4.0, abs=0.6)
    angle, error = (float(v) for v in rows["measured angle [deg]"].split("<td>")[2].split("</td>")[0].split(" ± "))
    assert angle == pytest.approx(70.0, abs=1.5)
    assert 0 < error < 1.0  # the error of the mean of 40 showers


class SlowGenerator(AnalyticGenerator):
    """Takes 0.3 s per batch, like a big model on a small CPU."""

    def generate(self, energy, theta, n, seed=0):
        time.sleep(0.3)
        return super().generate(energy, theta, n, seed)


def test_events_during_a_generation_collapse_to_the_latest_and_the_status_says_busy():
    gen = SlowGenerator()
    explorer = ShowerExplorer(gen, config=ExplorerConfig(n_showers=2), reference=None)
    for energy in (20.0, 30.0, 40.0, 50.0, 60.0):  # arrive while the first one is generating
        explorer.energy.value = energy
        if energy == 20.0:
            assert "generating…" in explorer.status.value
    explorer.wait()
    energies = [call[0] for call in gen.calls[1:]]
    assert energies == [20.0, 60.0]
    assert np.allclose(explorer.showers.energy, 60.0)
    assert "generating" not in explorer.status.value


def test_identical_requests_come_from_the_cache():
    gen = AnalyticGenerator()
    explorer = ShowerExplorer(gen, config=ExplorerConfig(energy=50.0, n_showers=3), reference=None)
    first = explorer.showers
    change(explorer, energy=80.0)
    change(explorer, energy=50.0)
    assert [call[0] for call in gen.calls] == [50.0, 80.0]
    assert explorer.showers is first
    assert "from the cache" in explorer.status.value
    change(explorer, layer=3, log=False)  # view changes regenerate nothing either
    assert len(gen.calls) == 2


def test_single_shower_view_and_layer_slider(reference):
    explorer = ShowerExplorer(AnalyticGenerator(), config=ExplorerConfig(n_showers=5), reference=None)
    assert explorer.shower.disabled
    change(explorer, single=True)
    assert not explorer.shower.disabled
    change(explorer, shower=3, layer=6)
    cells = explorer.showers.cells
    for axis in "xyz":
        np.testing.assert_allclose(plotted(explorer, axis), projection(cells[3:4], axis)[0], rtol=1e-6)
    np.testing.assert_allclose(drawn_image(explorer), cells[3, :, :, 6], rtol=1e-6)
    assert "layer 6, shower #3" in explorer.axes["image"].get_title()
    assert "the figure shows #3" in explorer.readouts.value


def test_inclined_shower_moves_in_y_from_layer_to_layer():
    """At 70 deg the analytic shower's axis drifts in y layer by layer: the x-y images of layers 2 and 22 show it."""
    explorer = ShowerExplorer(AnalyticGenerator(), config=ExplorerConfig(n_showers=1, theta_deg=70.0), reference=None)
    centres = []
    for layer in (2, 22):
        change(explorer, layer=layer)
        image = drawn_image(explorer)  # (x, y)
        centres.append(float((np.arange(image.shape[1]) * image.sum(axis=0)).sum() / image.sum()))
    slope = math.cos(math.radians(70)) / math.sin(math.radians(70)) * 4.0 / 5.1  # cells of y per layer
    assert centres[1] - centres[0] == pytest.approx(20 * slope, abs=0.3)


def test_log_linear_and_units_change_the_axes():
    explorer = ShowerExplorer(AnalyticGenerator(), config=ExplorerConfig(n_showers=2), reference=None)
    assert explorer.axes["x"].get_yscale() == "log"
    change(explorer, log=False)
    assert explorer.axes["x"].get_yscale() == "linear"
    change(explorer, units="mm")
    assert explorer.axes["ratio_x"].get_xlabel() == "x [mm]"
    assert explorer.axes["x"].get_xlim() == pytest.approx((-0.5 * 5.1, 24.5 * 5.1))
    assert explorer.axes["z"].get_xlim() == pytest.approx((-0.5 * 4.0, 24.5 * 4.0))
    change(explorer, units="X0")
    # 25 layers of 3.5 mm W (X0 3.504 mm) + 0.5 mm Si (X0 93.7 mm): 25.1 radiation lengths deep.
    low, high = explorer.axes["z"].get_xlim()
    assert high - low == pytest.approx(25 * (3.5 / 3.504 + 0.5 / 93.7), rel=1e-4)
    assert explorer.axes["ratio_z"].get_xlabel() == "z [$X_0$]"


def test_locked_colour_scale_survives_an_energy_change():
    explorer = ShowerExplorer(AnalyticGenerator(), config=ExplorerConfig(energy=20.0, n_showers=2), reference=None)
    low_energy_range = explorer.axes["image"].images[0].norm.vmax
    change(explorer, lock=True)
    change(explorer, energy=190.0)
    assert explorer.axes["image"].images[0].norm.vmax == low_energy_range
    change(explorer, lock=False)
    assert explorer.axes["image"].images[0].norm.vmax > low_energy_range  # ten times the energy


def test_save_buttons_write_the_figure_and_the_showers(tmp_path):
    explorer = ShowerExplorer(AnalyticGenerator(), config=ExplorerConfig(energy=42.0, n_showers=3), reference=None,
                              output_dir=tmp_path)  # fmt: skip
    explorer.save_figure.click()
    explorer.save_showers.click()
    (png,) = tmp_path.glob("*.png")
    (h5,) = tmp_path.glob("*.h5")
    assert png.read_bytes().startswith(PNG_MAGIC)
    assert "42.0GeV" in png.name
    back = read_showers(h5)
    np.testing.assert_array_equal(back.cells, explorer.showers.cells)
    assert str(h5) in explorer.status.value


def test_model_card_flags_a_placeholder_and_says_when_there_is_none():
    gen = AnalyticGenerator()
    gen.card = {"name": "test model", "status": "placeholder", "summary": "trained for a minute"}
    text = ShowerExplorer(gen, config=ExplorerConfig(n_showers=1), reference=None).model_line.value
    assert "test model" in text
    assert "PLACEHOLDER" in text
    assert "trained for a minute" in text
    gen.card = {"name": "good model", "status": "validated"}
    text = ShowerExplorer(gen, config=ExplorerConfig(n_showers=1), reference=None, note="from 02").model_line.value
    assert "PLACEHOLDER" not in text
    assert "validated" in text
    assert "from 02" in text
    text = ShowerExplorer(AnalyticGenerator(), config=ExplorerConfig(n_showers=1), reference=None).model_line.value
    assert "no model card" in text


def test_reference_on_another_grid_is_not_overlaid(reference):
    explorer = ShowerExplorer(AnalyticGenerator(grid=(51, 51, 25)), config=ExplorerConfig(n_showers=1),
                              reference=reference)  # fmt: skip
    assert explorer.reference is None
    assert "25x25x25 grid, the model on 51x51x25" in explorer.reference_note.value


def test_fixed_angle_model_disables_the_angle_slider_and_explains_why():
    gen = fixed_angle_generator()
    explorer = ShowerExplorer(gen, config=ExplorerConfig(n_showers=2), reference=None)
    assert explorer.fixed_angle
    assert explorer.theta.disabled
    assert explorer.theta.value == pytest.approx(90.0)
    assert "Fixed-angle model" in explorer.angle_note.value
    assert "90°" in explorer.angle_note.value
    change(explorer, energy=50.0)
    assert gen.calls[-1] == (50.0, math.pi / 2, 2, 0)  # exactly the trained angle


def test_variable_angle_model_keeps_the_slider_enabled_over_its_range():
    explorer = ShowerExplorer(AnalyticGenerator(), config=ExplorerConfig(n_showers=1), reference=None)
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
    explorer = ShowerExplorer(FailingGenerator(), config=ExplorerConfig(energy=50.0, n_showers=1), reference=None)
    png = bytes(explorer.image.value)
    change(explorer, energy=150.0)
    assert "generation failed" in explorer.status.value
    assert "150" in explorer.status.value
    assert bytes(explorer.image.value) == png


class BrokenGenerator(AnalyticGenerator):
    def generate(self, energy, theta, n, seed=0):
        if energy > 100:
            msg = "weights <missing>"
            raise RuntimeError(msg)
        return super().generate(energy, theta, n, seed)


def test_unexpected_error_is_shown_escaped_with_its_traceback_on_stderr(capfd):
    explorer = ShowerExplorer(BrokenGenerator(), config=ExplorerConfig(energy=50.0, n_showers=1), reference=None)
    change(explorer, energy=150.0)
    assert "RuntimeError: weights &lt;missing&gt;" in explorer.status.value
    assert "RuntimeError: weights <missing>" in capfd.readouterr().err
    change(explorer, energy=60.0)  # the worker survives a bug
    assert np.allclose(explorer.showers.energy, 60.0)
    assert threading.active_count() >= 1


def test_rejects_objects_without_the_generator_interface():
    with pytest.raises(FastsimError, match=r"lacks \['generate'"):
        ShowerExplorer(object())


def test_rejects_n_showers_outside_the_slider():
    with pytest.raises(FastsimError, match="n_showers must be in"):
        ExplorerConfig(n_showers=0)


def test_widget_tree_holds_the_controls():
    explorer = ShowerExplorer(AnalyticGenerator(), config=ExplorerConfig(n_showers=1), reference=None)
    bundle = explorer._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == explorer.widget.model_id


class EmptyGenerator(AnalyticGenerator):
    def generate(self, energy, theta, n, seed=0):
        showers = super().generate(energy, theta, n, seed)
        return type(showers)(showers.cells * 0, showers.energy, showers.theta)


def test_an_empty_shower_draws_and_reads_out_without_numbers():
    explorer = ShowerExplorer(EmptyGenerator(), config=ExplorerConfig(n_showers=1), reference=None)
    assert drawn_image(explorer).max() == 0
    assert "measured angle [deg]</td><td>–" in explorer.readouts.value


def test_reference_summaries_round_trip_through_npz(reference, tmp_path):
    back = ShowerSummaries.load(reference.save(tmp_path / "ref.npz"))
    assert len(back) == len(reference) == 80
    assert back.grid == (25, 25, 25)
    np.testing.assert_allclose(back.projections["z"], reference.projections["z"], rtol=1e-3)  # float16
    np.testing.assert_allclose(back.measured_theta, reference.measured_theta, rtol=1e-6)


def test_the_shipped_geant4_reference_is_the_default_overlay():
    explorer = ShowerExplorer(AnalyticGenerator(energy_range=(10.0, 100.0)),
                              config=ExplorerConfig(energy=50.0, theta_deg=90.0, n_showers=2))  # fmt: skip
    assert explorer.reference.grid == (25, 25, 25)
    assert len(explorer.reference) == 4000
    window = explorer.reference_in_window
    assert len(window) >= 20  # 4000 showers over 8-110 GeV and 55-125 deg: about 4000 * 10/102 * 6/70
    assert np.all(np.abs(window.energy - 50.0) <= 5.0)
    assert np.all(np.abs(np.degrees(window.theta) - 90.0) <= 3.0)
    assert f"{len(window)} Geant4 showers within ±5 GeV, ±3°" in explorer.reference_note.value
    # Geant4's silicon sampling fraction in this calorimeter is 0.020 (docs/g4.md); its angle is the beam's.
    assert np.mean(window.sum_over_e) == pytest.approx(0.020, abs=0.002)
    assert np.degrees(np.nanmean(window.measured_theta)) == pytest.approx(90.0, abs=1.5)
