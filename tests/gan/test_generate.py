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


def test_training_units_are_the_references_and_generation_undoes_them(g4_fixed):
    from fastsim_kernel.gan import GANConfig
    from fastsim_kernel.gan.preprocessing import from_training, to_training

    config = GANConfig.fixed()
    # the reference trains on (GeV x 50) ** 0.85: a 1 GeV cell is 27.805, a 1 MeV cell 0.07837
    np.testing.assert_allclose(to_training(np.array([1.0, 1e-3]), config), [27.805, 0.07837], rtol=1e-4)
    cells = read_showers(g4_fixed, stop=5).cells
    np.testing.assert_allclose(from_training(to_training(cells, config), config), cells, rtol=1e-5, atol=1e-12)


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


def test_load_generator_defaults_to_the_shipped_energy_and_angle_model():
    generator = load_generator()
    assert generator.grid == (25, 25, 25)
    assert generator.config.kind == "two_stage"
    low, high = generator.energy_range
    assert low <= 10
    assert high >= 100
    t_low, t_high = np.degrees(generator.theta_range)
    assert t_low <= 60
    assert t_high >= 120
    for bad in (0, -3):
        with pytest.raises(FastsimError, match=f"n must be >= 1, got {bad}"):
            generator.generate(50.0, math.pi / 2, bad)


def test_shipped_model_follows_geant4_in_energy_and_angle():
    from fastsim_kernel.physics import measured_theta

    generator = load_generator()
    by_angle = {t: generator.generate(50.0, math.radians(t), 300, seed=0) for t in (60.0, 90.0, 120.0)}
    for showers in by_angle.values():
        # Geant4 on the training sample: sum/E 0.0202 at every energy and angle (datafree physics, docs/gan.md)
        assert showers.cells.sum(axis=(1, 2, 3)).mean() / 50.0 == pytest.approx(0.0202, rel=0.02)
    # Geant4's measured angle at 50 GeV on the held-out reference: 63.1, 89.9 and 116.9 deg for guns at 60, 90
    # and 120 deg (pulled towards 90; docs/gan.md); the target is 2 deg, the test allows sampling noise on top
    measured = {t: np.degrees(np.nanmean(measured_theta(s.cells))) for t, s in by_angle.items()}
    assert measured == pytest.approx({60.0: 63.1, 90.0: 89.9, 120.0: 116.9}, abs=2.5)


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


@pytest.fixture
def untrained_folder(tmp_path):
    """A model folder with the builder's initial weights (no card.json)."""
    import keras

    from fastsim_kernel.gan import GANConfig
    from fastsim_kernel.gan.architectures import build_generator

    keras.utils.set_random_seed(0)
    folder = tmp_path / "model"
    folder.mkdir()
    GANConfig.fixed(energy_range=(10.0, 100.0)).save(folder / "config.json")
    build_generator(GANConfig.fixed()).save_weights(folder / "generator.weights.h5")
    return folder


PLACEHOLDER_CARD = {"name": "test model", "status": "placeholder", "summary": "random weights, do not use",
                    "targets_passed": None, "targets_total": None, "grid": [25, 25, 25],
                    "energy_gev": [10, 100], "theta_deg": [90, 90], "metrics": {}}


def test_model_card_is_read_and_a_placeholder_warns(untrained_folder):
    import json
    import warnings

    from fastsim_kernel.gan.generate import PlaceholderModelWarning

    def load_and_warnings(folder):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            generator = load_generator(folder)
        return generator, [str(w.message) for w in caught if w.category is PlaceholderModelWarning]

    generator, warned = load_and_warnings(untrained_folder)
    assert generator.card == {}
    assert warned == []  # no card: no warning
    (untrained_folder / "card.json").write_text(json.dumps(PLACEHOLDER_CARD))
    generator, warned = load_and_warnings(untrained_folder)
    assert generator.card == PLACEHOLDER_CARD
    assert warned == [f"{untrained_folder} is a placeholder model: random weights, do not use"]
    (untrained_folder / "card.json").write_text(json.dumps({**PLACEHOLDER_CARD, "status": "great"}))
    with pytest.raises(FastsimError, match=r"card\.json: a model card needs a 'status'"):
        load_generator(untrained_folder)
    (untrained_folder / "card.json").write_text("{not json")
    with pytest.raises(FastsimError, match="not a readable model card"):
        load_generator(untrained_folder)


def test_generate_cli_prints_the_placeholder_warning_on_stderr(untrained_folder, tmp_path):
    import json

    (untrained_folder / "card.json").write_text(json.dumps(PLACEHOLDER_CARD))
    proc = fastsim("generate", "--model", str(untrained_folder), "--energy", "30", "--n", "2",
                   "--out", str(tmp_path / "g.h5"))
    assert "fastsim: warning:" in proc.stderr
    assert "placeholder model: random weights, do not use" in proc.stderr
    assert proc.stdout.strip() == f"wrote 2 showers (25x25x25) to {tmp_path / 'g.h5'}"


@pytest.mark.filterwarnings("ignore::fastsim_kernel.gan.generate.PlaceholderModelWarning")
def test_shipped_card_describes_the_shipped_model():
    generator = load_generator()
    card = generator.card
    assert card["status"] in ("placeholder", "partial", "validated")
    assert card["summary"]
    assert tuple(card["grid"]) == generator.grid
    assert card["energy_gev"] == pytest.approx(generator.energy_range, abs=0.5)
    assert card["theta_deg"] == pytest.approx(np.degrees(generator.theta_range), abs=0.5)
    if card["targets_total"] is not None:
        assert 0 <= card["targets_passed"] <= card["targets_total"]


def test_config_that_does_not_match_the_weights_is_one_short_line(tmp_path):
    import json
    import shutil

    from fastsim_kernel.gan.generate import shipped_model_path

    folder = shutil.copytree(shipped_model_path(), tmp_path / "edited")
    config = json.loads((folder / "config.json").read_text())
    config["latent_size"] = 100  # the weights were trained with 200
    (folder / "config.json").write_text(json.dumps(config))
    proc = fastsim("generate", "--model", str(folder), "--energy", "30", "--n", "2",
                   "--out", str(tmp_path / "x.h5"), check=False)  # fmt: skip
    assert proc.returncode == 2
    line = proc.stderr.strip().splitlines()[-1]
    assert line.startswith(f"fastsim: error: {folder}: generator weights do not fit the two_stage model")
    assert "(100, 3136)" in line
    assert len(line) < 400  # the layer and the shapes, not Keras's dump of the variable's values
    assert not (tmp_path / "x.h5").exists()
