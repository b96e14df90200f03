import math

import matplotlib
import numpy as np
import pytest

from fastsim_kernel import plots
from fastsim_kernel.cli import main
from fastsim_kernel.data import write_showers
from tests.conftest import gaussian_showers

matplotlib.use("Agg")


def test_projection_draws_one_step_per_source_and_ratio():
    import matplotlib.pyplot as plt

    a, b = gaussian_showers(5, seed=1), gaussian_showers(5, seed=2)
    fig, (ax, rax) = plt.subplots(2)
    artists = plots.plot_projection(ax, {"G4": a, "GAN": b}, "z", ratio_ax=rax)
    steps = [art for art in artists if isinstance(art, matplotlib.patches.StepPatch)]
    assert len(steps) == 3  # two sources + one ratio
    np.testing.assert_allclose(steps[0].get_data().values, a.cells.sum(axis=(1, 2)).mean(axis=0), rtol=1e-5)
    plt.close(fig)


def test_sampling_fraction_points_near_truth():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    (container,) = plots.plot_sampling_fraction(ax, {"G4": gaussian_showers(10)}, bins=1)
    y = container.lines[0].get_ydata()
    assert y[0] == pytest.approx(0.02, rel=0.05)
    plt.close(fig)


def test_standard_panel_and_projection_figure_render(tmp_path):
    sources = {"a": gaussian_showers(6, theta=math.radians(70)), "b": gaussian_showers(6, seed=3)}
    path = plots.save_figure(plots.projection_figure(sources, title="t"), tmp_path / "p.png")
    assert path.stat().st_size > 10_000
    path = plots.save_figure(plots.standard_panel(sources), tmp_path / "panel.png")
    assert path.stat().st_size > 10_000


def test_cli_plot_and_inspect(tmp_path, capsys):
    showers = gaussian_showers(8)
    data = write_showers(showers, tmp_path / "g4.h5")
    assert main(["plot", str(data), "--out", str(tmp_path / "fig.png")]) == 0
    assert (tmp_path / "fig.png").stat().st_size > 10_000
    assert main(["inspect", str(data)]) == 0
    out = capsys.readouterr().out
    assert "showers   8" in out
    assert "grid      25x25x25" in out
    assert "sum/E     mean 0.0" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["inspect", "missing.h5"], "missing.h5: no such file"),
        (["plot", "missing.h5", "--out", "nodir/fig.png"], "output folder 'nodir' does not exist"),
        (["plot", "missing.h5", "--out", "fig.txt"], "unknown format '.txt'"),
    ],
)
def test_cli_bad_input_is_one_line(tmp_path, monkeypatch, capsys, argv, message):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert message in err
    assert len(err.splitlines()) == 1



def test_cli_plot_projections_panel_of_one_shower(tmp_path):
    data = write_showers(gaussian_showers(1, theta=math.radians(61)), tmp_path / "one.h5")
    out = tmp_path / "seed.png"
    assert main(["plot", str(data), "--panel", "projections", "--out", str(out)]) == 0
    assert out.stat().st_size > 10_000
    assert main(["plot", str(data), "--panel", "projections", "--out", str(out)]) == 2  # exists, no --overwrite

