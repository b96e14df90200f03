"""The standard panel of a shower file: the x, y, z projections (the CERN openlab talk's figure) and observables."""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from fastsim_kernel.data import Showers
from fastsim_kernel.plots.physics import (
    plot_cell_spectrum,
    plot_hit_multiplicity,
    plot_measured_theta,
    plot_sampling_fraction,
    plot_transverse_profile,
)
from fastsim_kernel.plots.projections import plot_projection


def standard_panel(sources: Mapping[str, Showers], *, title: str | None = None) -> Figure:
    """Two rows: x, y, z weighted projections (ratio-free), then sampling fraction, hits, cell spectrum,
    transverse profile and measured angle. The first source is the reference."""
    fig, axes = plt.subplots(2, 4, figsize=(17, 7.5), layout="constrained")
    for ax, axis in zip(axes[0, :3], ("x", "y", "z"), strict=True):
        plot_projection(ax, sources, axis)
    plot_transverse_profile(axes[0, 3], sources)
    plot_sampling_fraction(axes[1, 0], sources)
    plot_hit_multiplicity(axes[1, 1], sources)
    plot_cell_spectrum(axes[1, 2], sources)
    plot_measured_theta(axes[1, 3], sources)
    axes[0, 0].legend(fontsize="small")
    if title:
        fig.suptitle(title)
    return fig
