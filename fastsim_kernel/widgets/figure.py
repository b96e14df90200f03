"""The explorer's figure: the x, y, z weighted projections and the y-z image, drawn with the plots module."""

from __future__ import annotations

import io

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from fastsim_kernel.data import Showers
from fastsim_kernel.physics import HIT_THRESHOLD_GEV
from fastsim_kernel.plots import plot_projection
from fastsim_kernel.plots.image import plot_energy_image

PROJECTION_AXES = ("x", "y", "z")


def new_figure(*, width: float = 14.0, height: float = 3.9) -> Figure:
    """A figure outside pyplot (no global state, nothing left open), in inches.

    Fixed margins instead of a layout engine: constrained layout doubles the cost of every redraw.
    """
    fig = Figure(figsize=(width, height))
    fig.subplots_adjust(left=0.06, right=0.98, bottom=0.16, top=0.88, wspace=0.45)
    return fig


def draw_showers(fig: Figure, showers: Showers, *, label: str, title: str) -> dict[str, Axes]:
    """Clear ``fig`` and draw the mean projections of ``showers`` along x, y, z plus the y-z image of the
    first shower. Returns the axes by name: ``"x"``, ``"y"``, ``"z"`` and ``"image"``."""
    fig.clear()
    row = fig.subplots(1, len(PROJECTION_AXES) + 1)
    axes = dict(zip((*PROJECTION_AXES, "image"), row, strict=True))
    log = bool((showers.cells > 0).any())  # a log axis of all-zero showers has nothing to scale
    for axis in PROJECTION_AXES:
        plot_projection(axes[axis], {label: showers}, axis, log=log)
    axes["x"].legend(fontsize="small")
    first = showers.cells[0]
    plot_energy_image(axes["image"], first, plane="yz")
    visible = bool((first.sum(axis=0) >= HIT_THRESHOLD_GEV).any())
    label = "first shower, summed over x" if visible else "first shower: nothing above 0.3 MeV"
    axes["image"].set_title(label, fontsize="medium")
    fig.suptitle(title)
    return axes


def figure_png(fig: Figure, *, dpi: int = 80) -> bytes:
    """The figure rendered as PNG bytes."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()
