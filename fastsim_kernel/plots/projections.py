"""The CERN openlab talk's figure: weighted histograms of the energy deposited along x, y and z, with ratio panels.

Functions take the axes to draw on and return the artists they made; they never touch global rcParams.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from fastsim_kernel.data import Showers
from fastsim_kernel.physics import projection

AXIS_LABELS = {"x": "x [cell]", "y": "y [cell]", "z": "z [layer]"}


def plot_projection(
    ax: Axes,
    sources: Mapping[str, Showers],
    axis: str,
    *,
    ratio_ax: Axes | None = None,
    log: bool = True,
) -> list:
    """Mean energy per plane along ``axis`` for each source, overlaid; the first source is the reference.

    With ``ratio_ax``, each other source's ratio to the reference is drawn there.
    """
    artists = []
    reference = None
    for label, showers in sources.items():
        mean = projection(showers.cells, axis).mean(axis=0)
        edges = np.arange(mean.size + 1) - 0.5
        artists.append(ax.stairs(mean, edges, label=f"{label} ({len(showers)})", linewidth=1.5))
        if reference is None:
            reference = mean
        elif ratio_ax is not None:
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = np.where(reference > 0, mean / reference, np.nan)
            artists.append(ratio_ax.stairs(ratio, edges, color=artists[-1].get_edgecolor(), linewidth=1.2))
    if log:
        ax.set_yscale("log")
    ax.set_ylabel("energy / shower [GeV]")
    if ratio_ax is not None:
        artists.append(ratio_ax.axhline(1.0, color="0.4", linewidth=0.8, linestyle="--"))
        ratio_ax.set_ylim(0.5, 1.5)
        ratio_ax.set_ylabel("ratio")
        ratio_ax.set_xlabel(AXIS_LABELS[axis])
    else:
        ax.set_xlabel(AXIS_LABELS[axis])
    return artists


def projection_figure(
    sources: Mapping[str, Showers], *, title: str | None = None, axes: Sequence[str] = ("x", "y", "z")
) -> Figure:
    """A figure with one column per axis; with more than one source, ratio panels below."""
    with_ratio = len(sources) > 1
    fig = plt.figure(figsize=(4.2 * len(axes), 4.2 if with_ratio else 3.4), layout="constrained")
    grid = fig.add_gridspec(2 if with_ratio else 1, len(axes), height_ratios=[3, 1] if with_ratio else [1])
    for col, axis in enumerate(axes):
        ax = fig.add_subplot(grid[0, col])
        ratio_ax = fig.add_subplot(grid[1, col], sharex=ax) if with_ratio else None
        if ratio_ax is not None:
            ax.tick_params(labelbottom=False)
        plot_projection(ax, sources, axis, ratio_ax=ratio_ax)
    fig.axes[0].legend(fontsize="small")
    if title:
        fig.suptitle(title)
    return fig
