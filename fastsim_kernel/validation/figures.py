"""The report's figures, drawn with ``fastsim_kernel.plots``; one extra panel kind lives here:
profiles with a ratio panel for any per-shower profile (used for the transverse profile)."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes

from fastsim_kernel.data import Showers
from fastsim_kernel.physics import transverse_profile
from fastsim_kernel.plots import (
    plot_cell_spectrum,
    plot_distribution,
    plot_hit_multiplicity,
    plot_measured_theta,
    plot_sampling_fraction,
    projection_figure,
    save_figure,
)
from fastsim_kernel.validation.metrics import scalar_observables
from fastsim_kernel.validation.selection import in_window


def plot_profile_with_ratio(ax: Axes, ratio_ax: Axes, sources: Mapping[str, Showers],
                            profile: Callable[[np.ndarray], np.ndarray], *, xlabel: str) -> list:
    """Mean ``profile(cells)`` (N, B) per source, and each source's ratio to the first one."""
    artists, reference = [], None
    for label, showers in sources.items():
        mean = profile(showers.cells).mean(axis=0)
        edges = np.arange(mean.size + 1)
        artists.append(ax.stairs(mean, edges, label=label, linewidth=1.5))
        if reference is None:
            reference = mean
            continue
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(reference > 0, mean / reference, np.nan)
        artists.append(ratio_ax.stairs(ratio, edges, color=artists[-1].get_edgecolor(), linewidth=1.2))
    ax.set_yscale("log")
    ax.set_ylabel("energy / shower [GeV]")
    ax.tick_params(labelbottom=False)
    artists.append(ratio_ax.axhline(1.0, color="0.4", linewidth=0.8, linestyle="--"))
    ratio_ax.set_ylim(0.5, 1.5)
    ratio_ax.set_ylabel("ratio")
    ratio_ax.set_xlabel(xlabel)
    return artists


def _single(draw, path: Path, *, size=(5.5, 4.2)) -> Path:
    fig, ax = plt.subplots(figsize=size, layout="constrained")
    draw(ax)
    ax.legend(fontsize="small")
    return save_figure(fig, path)


def write_figures(sources: Mapping[str, Showers], points: list[tuple[float, float]], folder: Path) -> list[dict]:
    """Draw every figure of the report into ``folder``; return [{file, caption}] in display order."""
    folder.mkdir(parents=True, exist_ok=True)
    figures = []

    def add(name: str, caption: str, path: Path) -> None:
        figures.append({"file": f"{folder.name}/{path.name}", "caption": caption, "name": name})

    add("projections", "x, y, z weighted projections (all showers), ratio to the reference",
        save_figure(projection_figure(sources, title="all showers"), folder / "projections_all.png"))
    for energy, theta in points:
        selected = {k: s[in_window(s, energy, theta)] for k, s in sources.items()}
        title = f"E = {energy:.1f} ± 5 GeV, θ = {math.degrees(theta):.1f}° ± {math.degrees(0.1):.1f}°"
        path = folder / f"projections_{energy:.0f}GeV_{math.degrees(theta):.0f}deg.png"
        add("projections", f"weighted projections at {title}", save_figure(projection_figure(sources=selected,
                                                                                             title=title), path))
    fig = plt.figure(figsize=(5.5, 5), layout="constrained")
    grid = fig.add_gridspec(2, 1, height_ratios=[3, 1])
    ax, rax = fig.add_subplot(grid[0]), fig.add_subplot(grid[1])
    plot_profile_with_ratio(ax, rax, sources, transverse_profile, xlabel="radius [cell]")
    ax.legend(fontsize="small")
    add("transverse", "transverse profile around the layer barycentres, ratio to the reference",
        save_figure(fig, folder / "transverse_profile.png"))
    add("longitudinal", "longitudinal profile (z projection) with ratio",
        save_figure(projection_figure(sources, axes=("z",), title="longitudinal profile"),
                    folder / "longitudinal_profile.png"))
    add("sampling_fraction", "sampling fraction vs primary energy (mean and spread)",
        _single(lambda ax: plot_sampling_fraction(ax, sources), folder / "sampling_fraction.png"))
    add("hits", "hit multiplicity above 0.3 MeV",
        _single(lambda ax: plot_hit_multiplicity(ax, sources), folder / "hit_multiplicity.png"))
    add("cells", "cell-energy spectrum", _single(lambda ax: plot_cell_spectrum(ax, sources),
                                                 folder / "cell_spectrum.png"))
    add("angle", "measured angle", _single(lambda ax: plot_measured_theta(ax, sources),
                                           folder / "measured_angle.png"))
    observables = {k: scalar_observables(s) for k, s in sources.items()}
    fig, axes = plt.subplots(2, 3, figsize=(15, 8), layout="constrained")
    for col, axis in enumerate(("x", "y", "z")):
        for row, kind in enumerate(("mean", "width")):
            plot_distribution(axes[row, col], {k: o[f"{axis}_{kind}"] for k, o in observables.items()},
                              xlabel=f"{axis} {'first moment' if kind == 'mean' else 'second moment (width)'} [cell]")
    axes[0, 0].legend(fontsize="small")
    add("moments", "first and second moments along x, y, z", save_figure(fig, folder / "moments.png"))
    return figures
