"""The CPU recipe's two-stage model: the layer-energy model, the shapes network, the assembled showers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from fastsim_kernel.data import Showers, write_showers
from fastsim_kernel.errors import FastsimError
from fastsim_kernel.gan.layer_model import LayerEnergyModel, fit_layer_model
from tests.conftest import gaussian_showers


def _toy_layers(n: int, seed: int):
    """Layer energies with a known law: sum/E ~ N(0.02, (0.1 / sqrt(E))^2 * 0.02^2), a depth that grows with
    log E and an angle-dependent start; E flat in 10-100 GeV, theta flat in 60-120 deg."""
    rng = np.random.default_rng(seed)
    energy = rng.uniform(10, 100, n)
    theta = np.radians(rng.uniform(60, 120, n))
    total = energy * 0.02 * (1 + rng.normal(0, 0.1 / np.sqrt(energy)))
    z = np.arange(25) + 0.5
    peak = 4 + np.log(energy) + 2 * np.cos(theta) + rng.normal(0, 0.5, n)
    profile = z[None] ** 2 * np.exp(-2 * z[None] / peak[:, None])
    return total[:, None] * profile / profile.sum(axis=1, keepdims=True), energy, theta


@pytest.mark.parametrize(("energy", "degrees"), [(12.0, 65.0), (50.0, 90.0), (95.0, 115.0)])
def test_layer_model_reproduces_response_resolution_and_profile(energy, degrees):
    layers, e, t = _toy_layers(6000, seed=1)
    model = fit_layer_model(layers, e, t)
    sampled = model.sample(np.full(4000, energy), np.full(4000, math.radians(degrees)), np.random.default_rng(2))
    sum_over_e = sampled.sum(axis=1) / energy
    assert sum_over_e.mean() == pytest.approx(0.02, rel=0.005)
    assert sum_over_e.std() / sum_over_e.mean() == pytest.approx(0.1 / math.sqrt(energy), rel=0.1)
    # the expected profile at this point, from the toy law itself
    truth, _, _ = _toy_layers(200000, seed=3)
    _, e_all, t_all = _toy_layers(200000, seed=3)
    near = (np.abs(e_all - energy) < 3) & (np.abs(np.degrees(t_all) - degrees) < 3)
    expected = (truth[near] / e_all[near, None]).mean(axis=0) * energy
    big = expected >= 0.01 * expected.sum()
    np.testing.assert_allclose(sampled.mean(axis=0)[big], expected[big], rtol=0.05)


def test_layer_model_round_trips_through_its_file(tmp_path):
    layers, e, t = _toy_layers(500, seed=4)
    model = fit_layer_model(layers, e, t)
    again = LayerEnergyModel.load(model.save(tmp_path / "layers.npz"))
    np.testing.assert_array_equal(again.sample([30.0], [1.2], np.random.default_rng(0)),
                                  model.sample([30.0], [1.2], np.random.default_rng(0)))
    (tmp_path / "bad.npz").write_bytes(b"not numpy")
    with pytest.raises(FastsimError, match="not a readable layer-energy model"):
        LayerEnergyModel.load(tmp_path / "bad.npz")
    with pytest.raises(FastsimError, match="at least 40 showers"):
        fit_layer_model(layers[:10], e[:10], t[:10])


keras = pytest.importorskip("keras")


def test_assembled_showers_carry_the_layer_energies_they_were_given():
    from fastsim_kernel.gan.two_stage import assemble

    rng = np.random.default_rng(0)
    network = rng.random((3, 25, 25, 25)).astype(np.float32) * (rng.random((3, 25, 25, 25)) > 0.5)
    layers = rng.uniform(0.0, 2.0, (3, 25)).astype(np.float32)
    cells = keras.ops.convert_to_numpy(assemble(network, layers, 0.85))
    np.testing.assert_allclose(cells.sum(axis=(1, 2)), layers, rtol=1e-5)
    assert cells[network == 0].max() < 1e-5 * layers.max()  # the network decides where the energy goes
    empty = keras.ops.convert_to_numpy(assemble(np.zeros((1, 25, 25, 25), np.float32), layers[:1], 0.85))
    np.testing.assert_allclose(empty.sum(axis=(1, 2)), layers[:1], rtol=1e-5)  # an empty layer keeps its energy


def test_shape_features_measure_centres_and_widths():
    from fastsim_kernel.gan.two_stage import shape_features
    from fastsim_kernel.physics import layer_barycentres, layer_widths, measured_theta

    showers = gaussian_showers(4, theta=math.radians(70.0), seed=2)
    layers = showers.cells.sum(axis=(1, 2))
    features = keras.ops.convert_to_numpy(shape_features(showers.cells, layers)[0])
    cx, cy = layer_barycentres(showers.cells)
    wx, wy = layer_widths(showers.cells)
    used = layers / layers.sum(axis=1, keepdims=True) >= 3e-3
    for block, expected in enumerate((cx, cy, wx, wy)):
        got = features[:, block * 25 : (block + 1) * 25]
        np.testing.assert_allclose(got[used], expected[used], rtol=1e-3, atol=1e-3)
    np.testing.assert_allclose(features[:, -1], np.degrees(measured_theta(showers.cells)), atol=1e-3)
    assert features[:, -1] == pytest.approx(70.0, abs=1.0)  # the analytic showers' axis


@pytest.fixture(scope="module")
def cpu_run(tmp_path_factory):
    """The CPU recipe for 2 epochs of 2 steps on analytic showers at 60-120 degrees."""
    from tests.gan.conftest import fastsim

    batches = [gaussian_showers(24, energy=e, theta=math.radians(t), seed=i)
               for i, (e, t) in enumerate(((20.0, 60.0), (50.0, 90.0), (80.0, 120.0)))]
    folder = tmp_path_factory.mktemp("cpu")
    data = write_showers(Showers.concatenate(batches), folder / "toy.h5")
    out = folder / "run"
    proc = fastsim("train", "--recipe", "cpu", "--data", str(data), "--out", str(out), "--epochs", "2",
                   "--steps-per-epoch", "2", "--batch-size", "8", "--quiet")
    return out, proc


def test_cpu_recipe_makes_a_two_stage_model_folder(cpu_run):
    import json

    out, proc = cpu_run
    assert "steps/s" in proc.stdout
    assert "training data: 72 showers, in memory" in proc.stdout
    config = json.loads((out / "config.json").read_text())
    assert config["kind"] == "two_stage"
    assert config["theta_range"] == pytest.approx([math.radians(60.0), math.radians(120.0)], abs=1e-5)
    assert (out / "layers.npz").is_file()
    assert sorted(p.name for p in (out / "snapshots").iterdir()) == ["epoch-0001.weights.h5",
                                                                    "epoch-0002.weights.h5"]


def test_two_stage_energy_response_holds_after_two_steps(cpu_run):
    from fastsim_kernel.gan import load_generator

    generator = load_generator(cpu_run[0])
    showers = generator.generate(50.0, math.pi / 2, 200, seed=0)
    assert showers.cells.shape == (200, 25, 25, 25)
    # the analytic showers deposit 0.02 x E (gamma fluctuations of each cell average out): stage one fits it
    assert showers.cells.sum(axis=(1, 2, 3)).mean() / 50.0 == pytest.approx(0.02, rel=0.02)
    tilted = generator.generate(50.0, math.radians(60.0), 4, seed=0)
    assert not np.allclose(tilted.cells, showers.cells[:4])  # the angle reaches the shower


def test_unknown_recipe_is_one_clear_line(tmp_path):
    from tests.gan.conftest import fastsim

    proc = fastsim("train", "--recipe", "gpu-fast", "--data", str(tmp_path / "x.h5"), "--out",
                   str(tmp_path / "run"), check=False)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[-1] == (
        "fastsim: error: recipe 'gpu-fast' does not exist; expected one of reference, cpu"
    )


def test_learning_curve_has_a_row_per_epoch_and_point(cpu_run, tmp_path):
    from fastsim_kernel.gan.curve import COLUMNS, learning_curve, plot_learning_curve, read_curve

    points = [(20.0, 60.0), (80.0, 120.0)]
    reference = Showers.concatenate([gaussian_showers(30, energy=e, theta=math.radians(t), seed=9)
                                     for e, t in points])
    reference.metadata["reference"] = {"points": [{"energy_gev": e, "theta_deg": t} for e, t in points]}
    path = write_showers(reference, tmp_path / "reference.h5")
    rows = learning_curve(cpu_run[0], path, tmp_path / "curve.csv", epochs=[2])
    assert [(r["epoch"], r["energy_gev"], r["theta_deg"]) for r in rows] == [(2, 20.0, 60.0), (2, 80.0, 120.0)]
    rows = learning_curve(cpu_run[0], path, tmp_path / "curve.csv", epochs=[1])  # merged with epoch 2
    assert [r["epoch"] for r in read_curve(tmp_path / "curve.csv")] == [1, 1, 2, 2]
    for row in rows:
        assert row["minutes"] > 0
        # stage one fixes the energy response: within a few percent after 2 steps on 30 showers per point
        assert row["sum_over_e_mean"] < 0.05
        assert all(np.isfinite(row[c]) for c in COLUMNS)
    assert plot_learning_curve(rows, tmp_path / "curve.png").stat().st_size > 10_000


def test_card_counts_targets_and_tables_every_point(tmp_path):
    import json

    from fastsim_kernel.gan import GANConfig
    from fastsim_kernel.gan.card import markdown_table, write_card

    def point(energy, sf_pass, auc):
        targets = {name: {"value": 0.01, "low": 0.0, "high": 0.02, "floor": 0.005, "pass": True}
                   for name in ("sum_over_e_mean", "sum_over_e_resolution", "layer_energy", "layer_width",
                                "measured_angle")}
        targets["sum_over_e_mean"] = {"value": 0.01 if sf_pass else 0.031, "low": 0.0, "high": 0.04,
                                      "floor": 0.004, "pass": sf_pass}
        targets["auc_high_level"] = {"value": auc, "floor": 0.51, "pass": auc <= 0.85}
        return {"energy_gev": energy, "theta_deg": 90.0, "targets": targets}

    metrics = {"points": [point(10.0, True, 0.6), point(100.0, False, 0.9)]}
    (tmp_path / "metrics.json").write_text(json.dumps(metrics))
    GANConfig.two_stage(energy_range=(8.2, 109.9)).save(tmp_path / "config.json")
    card = write_card(tmp_path / "metrics.json", tmp_path, name="test", summary="two of twelve fail")
    assert (card["status"], card["targets_passed"], card["targets_total"]) == ("partial", 10, 12)
    assert card["theta_deg"] == [60.0, 120.0]
    assert json.loads((tmp_path / "card.json").read_text()) == card
    table = markdown_table(metrics).splitlines()
    assert len(table) == 4
    assert "| 100 GeV, 90 deg | **+3.1 [+0.0, +4.0] (G4 0.4)** FAIL |" in table[3]
    assert "0.90 (G4 0.51)** FAIL" in table[3]
