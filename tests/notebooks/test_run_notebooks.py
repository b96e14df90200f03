"""The curated notebooks run in order in one workspace, as a user runs them, with their test parameters:
01 writes the Geant4 sample, 02 trains on it, 03 and 04 use the model 02 made. No cell writes to stderr."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from fastsim_kernel.data import read_showers
from fastsim_kernel.workspace import Workspace
from tests.notebooks.conftest import outputs_of, parameters_of, run_notebook, stream_of

pytestmark = pytest.mark.notebooks

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
GRID = (25, 25, 25)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Workspace:
    return Workspace(tmp_path_factory.mktemp("workspace"))


#: What each notebook needs to have run before it in the same workspace.
NEEDS = {"02_train_3dgan.ipynb": "01_geant4_showers.ipynb", "03_compare_gan_g4.ipynb": "02_train_3dgan.ipynb",
         "04_live_widget.ipynb": "02_train_3dgan.ipynb"}  # fmt: skip


@pytest.fixture(scope="module")
def run(fastsim_kernel, workspace, tmp_path_factory):
    """Run a notebook (after the ones it needs) once per module; returns the executed notebook."""
    done = {}

    def execute(name):
        if name in NEEDS:
            execute(NEEDS[name])
        if name not in done:
            done[name] = run_notebook(name, workspace.root, tmp_path_factory.mktemp(name[:2]))
        return done[name]

    return execute


def assert_no_stderr(nb) -> None:
    assert stream_of(nb, "stderr") == ""
    assert not [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]


def test_01_simulates_and_writes_the_workspace_sample(run, workspace):
    nb = run("01_geant4_showers.ipynb")
    params = parameters_of("01_geant4_showers.ipynb")
    showers = read_showers(workspace.find_g4_sample(GRID))
    assert len(showers) == params["n"]
    assert showers.grid == GRID
    assert np.all((showers.energy >= 10.0) & (showers.energy <= 30.0))
    np.testing.assert_allclose(showers.theta, math.pi / 2, atol=1e-6)
    frac = showers.cells.sum(axis=(1, 2, 3)) / showers.energy
    assert 0.015 < frac.mean() < 0.025  # silicon sampling fraction of the CLIC-like ECAL
    assert len(outputs_of(nb, "image/png")) == 3  # one event, the mean projections, the standard panel
    printed = stream_of(nb)
    assert "CPU cores:" in printed
    assert "physics:" in printed
    assert_no_stderr(nb)


def test_02_trains_on_that_sample_and_shows_the_epochs(run, workspace):
    nb = run("02_train_3dgan.ipynb")
    folder = workspace.run("fixed")
    for name in ("checkpoint.npz", "config.json", "generator.weights.h5"):
        assert (folder / name).is_file(), name
    printed = stream_of(nb)
    assert "1 epochs" in printed
    assert str(workspace.find_g4_sample(GRID)) in printed  # trained on notebook 01's sample
    assert len(outputs_of(nb, "image/png")) == 1  # one live figure, updated in place
    assert list((folder / "logs").rglob("events.out.tfevents.*")), "no TensorBoard logs"
    assert_no_stderr(nb)


def test_03_compares_the_trained_model_at_its_own_conditions(run, workspace):
    nb = run("03_compare_gan_g4.ipynb")
    out = workspace.root / "out" / "03-compare"
    printed = stream_of(nb)
    assert f"using the model notebook 02 trained: {workspace.run('fixed')}" in printed
    # 01's sample (10-30 GeV) trained the model, so the only validation point inside its range is 20 GeV, 90 deg.
    n = parameters_of("03_compare_gan_g4.ipynb")["n"]
    assert f"simulated {n} Geant4 showers at 1 validation points: 20 GeV 90 deg" in printed
    g4 = read_showers(out / "g4_reference.h5")
    np.testing.assert_allclose(g4.energy, 20.0, rtol=0.005)
    np.testing.assert_allclose(np.degrees(g4.theta), 90.0, atol=0.5)
    metrics = json.loads((out / "report" / "metrics.json").read_text())
    (point,) = metrics["points"]
    assert (point["n_reference"], point["n_candidate"]) == (n, n)
    # A generator trained for two steps is nothing like Geant4: the classifier must say so, and the verdict too.
    auc = point["classifier"]["auc_high_level"]["value"]
    assert auc > 0.9
    assert f"{auc:+.3f}  tolerance 0.85: FAIL" in printed
    assert len(outputs_of(nb, "image/png")) == 2  # projections with ratios, the standard panel
    assert_no_stderr(nb)


def test_04_explores_the_trained_model_over_the_workspace_sample(run, workspace):
    nb = run("04_live_widget.ipynb")
    assert len(outputs_of(nb, WIDGET_MIME)) == 1
    (saved,) = (workspace.root / "out" / "04-explorer").glob("*.png")
    assert saved.read_bytes().startswith(b"\x89PNG")
    printed = stream_of(nb)
    assert f"{parameters_of('04_live_widget.ipynb')['n_showers']} showers at" in printed
    assert len(outputs_of(nb, "image/png")) == 1  # the static copy of the figure
    assert_no_stderr(nb)


def test_05_benchmarks_print_both_tables_and_write_json(run, workspace):
    nb = run("05_benchmarks.ipynb")
    out = workspace.root / "out" / "05-benchmarks"
    gan = json.loads((out / "bench-gan.json").read_text())
    assert [row["batch"] for row in gan["results"]] == [1, 8]
    assert all(row["ms_per_shower"] > 0 for row in gan["results"])
    g4 = json.loads((out / "bench-g4.json").read_text())
    assert [row["energy_gev"] for row in g4["results"]] == [10.0]
    assert "| variant | batch | ms/shower |" in stream_of(nb)
