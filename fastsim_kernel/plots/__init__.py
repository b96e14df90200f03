"""Figures: functions take an ``ax`` and return artists; ``*_figure``/``standard_panel`` build whole figures."""

from fastsim_kernel.plots.image import plot_energy_image
from fastsim_kernel.plots.io import check_figure_path, save_figure
from fastsim_kernel.plots.panel import standard_panel
from fastsim_kernel.plots.physics import (
    plot_cell_spectrum,
    plot_distribution,
    plot_hit_multiplicity,
    plot_measured_theta,
    plot_sampling_fraction,
    plot_transverse_profile,
)
from fastsim_kernel.plots.projections import plot_projection, projection_figure

__all__ = [
    "check_figure_path",
    "plot_cell_spectrum",
    "plot_distribution",
    "plot_energy_image",
    "plot_hit_multiplicity",
    "plot_measured_theta",
    "plot_projection",
    "plot_sampling_fraction",
    "plot_transverse_profile",
    "projection_figure",
    "save_figure",
    "standard_panel",
]
