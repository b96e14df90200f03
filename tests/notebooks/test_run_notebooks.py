"""Each curated notebook runs end to end with papermill on the "fastsim" kernel, with small parameters."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from fastsim_kernel.data import read_showers
from tests.notebooks.conftest import outputs_of, run_notebook, stdout_of

pytestmark = pytest.mark.notebooks

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


@pytest.fixture(scope="module")
def trained_run(fastsim_kernel, tmp_path_factory):
    """Notebook 02 run once: it simulates 32 showers, trains one epoch and generates."""
    nb, out = run_notebook(
        "02_train_3dgan.ipynb", tmp_path_factory.mktemp("nb02"), n_simulate=32, energy=[10.0, 30.0], batch_size=16
    )
    return nb, out


@pytest.fixture(scope="module")
def model_parameter(trained_run):
    """None (the notebooks' default: the shipped model) when the package ships one, else notebook 02's run."""
    import fastsim_kernel.gan  # the package alone; its generate module would import TensorFlow here

    if (Path(fastsim_kernel.gan.__file__).with_name("shipped") / "generator.weights.h5").is_file():
        return None
    return str(trained_run[1] / "run")


def test_01_simulates_plots_and_writes_showers(fastsim_kernel, tmp_path):
    nb, out = run_notebook("01_geant4_showers.ipynb", tmp_path, n=8, energy=[10.0, 30.0], workers=1)
    showers = read_showers(out / "g4.h5")
    assert len(showers) == 8
    assert showers.grid == (25, 25, 25)
    assert np.all((showers.energy >= 10.0) & (showers.energy <= 30.0))
    np.testing.assert_allclose(showers.theta, math.pi / 2, atol=1e-6)
    frac = showers.cells.sum(axis=(1, 2, 3)) / showers.energy
    assert 0.015 < frac.mean() < 0.025  # silicon sampling fraction of the CLIC-like ECAL
    assert len(outputs_of(nb, "image/png")) == 3  # one event, the mean projections, the standard panel
    assert "sampling fraction" in stdout_of(nb)


def test_02_trains_one_epoch_and_generates(trained_run):
    nb, out = trained_run
    run = out / "run"
    for name in ("checkpoint.npz", "config.json", "generator.weights.h5"):
        assert (run / name).is_file(), name
    assert len(read_showers(out / "g4.h5")) == 32
    printed = stdout_of(nb)
    assert "1 epochs in" in printed
    assert "d_loss" in printed
    assert len(outputs_of(nb, "image/png")) == 1


def test_03_compares_gan_and_g4_at_the_same_conditions(model_parameter, tmp_path):
    nb, out = run_notebook("03_compare_gan_g4.ipynb", tmp_path, model=model_parameter, n=8, energy=[10.0, 30.0])
    g4, gan = read_showers(out / "g4.h5"), read_showers(out / "gan.h5")
    assert len(g4) == len(gan) == 8
    np.testing.assert_array_equal(gan.energy, g4.energy)
    np.testing.assert_array_equal(gan.theta, g4.theta)
    metrics = json.loads((out / "report" / "metrics.json").read_text())
    assert metrics["n_reference"] == metrics["n_candidate"] == 8
    assert 0.0 <= metrics["classifier"]["auc_high_level"] <= 1.0
    assert (out / "report" / "index.html").is_file()
    printed = stdout_of(nb)
    assert "classifier AUC" in printed
    for name, power in metrics["profile_separation_power"].items():
        assert f"{name:18s} profile separation power {power:.3f}" in printed
    assert len(outputs_of(nb, "image/png")) == 2  # projections with ratios, the standard panel


def test_04_shows_the_live_widget(model_parameter, tmp_path):
    nb, out = run_notebook("04_live_widget.ipynb", tmp_path, model=model_parameter, n_showers=4)
    assert len(outputs_of(nb, WIDGET_MIME)) == 1
    assert (out / "explorer.png").read_bytes().startswith(b"\x89PNG")
    assert "4 showers at" in stdout_of(nb)


def test_05_prints_the_gpu_pod_of_the_fastsim_profile(fastsim_kernel, tmp_path):
    import yaml

    from fastsim_kernel.platform.values import find_config

    config = find_config(start=__file__)
    nb, out = run_notebook("05_kubernetes.ipynb", tmp_path, config=str(config))
    pod = yaml.safe_load((out / "pod-fastsim-ml-gpu.yaml").read_text())
    limits = pod["spec"]["containers"][0]["resources"]["limits"]
    assert limits["nvidia.com/gpu"] == "1"
    assert "fastsim-ml-gpu" in stdout_of(nb)
    simulation, runtime, training = yaml.safe_load_all((out / "jobs.yaml").read_text())
    assert (simulation["kind"], runtime["kind"], training["kind"]) == ("Job", "ClusterTrainingRuntime", "TrainJob")
    assert simulation["spec"]["completions"] == 20
    assert simulation["spec"]["completionMode"] == "Indexed"
    limits = training["spec"]["trainer"]["resourcesPerNode"]["limits"]
    assert limits["nvidia.com/gpu"] == "1"
    assert training["spec"]["trainer"]["image"] == pod["spec"]["containers"][0]["image"]


def test_06_benchmarks_print_both_tables_and_write_json(fastsim_kernel, tmp_path):
    nb, out = run_notebook(
        "06_benchmarks.ipynb", tmp_path, batch="1,8", variants="float32", seconds=0.2, energy=10.0,
        g4_energies="10", g4_n=2,
    )  # fmt: skip
    gan = json.loads((out / "bench-gan.json").read_text())
    assert [row["batch"] for row in gan["results"]] == [1, 8]
    assert all(row["ms_per_shower"] > 0 for row in gan["results"])
    assert gan["geant4_ms_per_shower"] > 0
    g4 = json.loads((out / "bench-g4.json").read_text())
    assert [row["energy_gev"] for row in g4["results"]] == [10.0]
    printed = stdout_of(nb)
    assert "| variant | batch | ms/shower |" in printed
    assert "The seed's table" in printed
