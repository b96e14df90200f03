"""The explorer's figure: x, y, z projections of the GAN over the Geant4 reference with ratio panels, and the
x-y image of one layer.

The figure is laid out once and then updated in place. Axis limits and colour ranges snap to round values
(decades on log axes), so most slider moves change only the curves, the image and the titles: those are
"animated" artists drawn over a saved background of the axes (blitting). Drawing the tick labels again is what
costs most, more than the whole 200 ms budget of a slider move on a small CPU.
"""

from __future__ import annotations

import dataclasses
import io
import math

import numpy as np
from matplotlib import colormaps
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import LogNorm, Normalize
from matplotlib.figure import Figure
from matplotlib.ticker import LogLocator, MaxNLocator, NullLocator
from PIL import Image

from fastsim_kernel.g4.config import GeometryConfig
from fastsim_kernel.physics.observables import CELL_PITCH_MM, HIT_THRESHOLD_GEV, LAYER_PITCH_MM

PROJECTION_AXES = ("x", "y", "z")
#: Radiation lengths (PDG, "Atomic and nuclear properties of materials"): tungsten 0.3504 cm, silicon 9.370 cm.
TUNGSTEN_X0_MM = 3.504
SILICON_X0_MM = 93.70
_GEOMETRY = GeometryConfig()
#: One layer (3.5 mm W + 0.5 mm Si) is 1.004 X0; transversally the stack's mean X0 (3.98 mm) is used.
X0_PER_LAYER = _GEOMETRY.absorber_mm / TUNGSTEN_X0_MM + _GEOMETRY.sensor_mm / SILICON_X0_MM
MM_PER_X0 = LAYER_PITCH_MM / X0_PER_LAYER
#: Cells below the colour range (and empty ones on log axes) are white, opaque: the blitted image covers the
#: one in the saved background completely.
IMAGE_COLOURS = colormaps["viridis"].with_extremes(under="white", bad="white")
#: Axis units -> (length of one cell along x/y, length of one layer along z, label suffix).
UNITS = {
    "cells": (1.0, 1.0, None),
    "mm": (CELL_PITCH_MM, LAYER_PITCH_MM, "mm"),
    "X0": (CELL_PITCH_MM / MM_PER_X0, X0_PER_LAYER, "$X_0$"),
}


@dataclasses.dataclass(frozen=True)
class Curve:
    """One projection to draw: values per cell/layer and, for a reference, their errors (or None)."""

    values: np.ndarray
    errors: np.ndarray | None = None


@dataclasses.dataclass(frozen=True)
class View:
    """How to draw: ``units`` (a key of UNITS), ``log`` axes, the ``layer`` of the x-y image, and the colour
    range ``locked`` to (vmin, vmax), or None to follow the data."""

    units: str = "cells"
    log: bool = True
    layer: int = 12
    locked: tuple[float, float] | None = None


class ExplorerFigure:
    """The figure and its artists. ``update(...)`` draws new data; ``png()`` renders it."""

    def __init__(self, grid: tuple[int, int, int], *, width: float = 14.0, height: float = 5.0, dpi: int = 72):
        self.grid = grid
        self.figure = Figure(figsize=(width, height), dpi=dpi)
        self.canvas = FigureCanvasAgg(self.figure)
        self.figure.subplots_adjust(left=0.05, right=0.95, bottom=0.12, top=0.88, wspace=0.35, hspace=0.08)
        layout = self.figure.add_gridspec(2, 4, height_ratios=[3, 1], width_ratios=[1, 1, 1, 1.15])
        self.axes = {}
        self._gan, self._g4_band, self._g4_line, self._ratio, self._ratio_band = {}, {}, {}, {}, {}
        for col, axis in enumerate(PROJECTION_AXES):
            size = grid[col]
            ax = self.figure.add_subplot(layout[0, col])
            ratio = self.figure.add_subplot(layout[1, col], sharex=ax)
            ax.tick_params(labelbottom=False)
            edges = np.arange(size + 1, dtype=float) - 0.5
            ones = np.ones(size)  # positive placeholders until the first update (log axes need them)
            self._g4_band[axis] = ax.stairs(ones, edges, baseline=ones, fill=True, color="0.75", linewidth=0,
                                            label="Geant4 ± error")  # fmt: skip
            self._g4_line[axis] = ax.stairs(ones, edges, color="0.25", linewidth=1.2, label="Geant4")
            self._gan[axis] = ax.stairs(ones, edges, color="tab:orange", linewidth=1.8, label="GAN")
            self._ratio_band[axis] = ratio.stairs(ones, edges, baseline=ones, fill=True, color="0.8", linewidth=0)
            self._ratio[axis] = ratio.stairs(ones, edges, color="tab:orange", linewidth=1.5)
            ratio.axhline(1.0, color="0.4", linewidth=0.8, linestyle="--")
            ratio.set_ylim(0.5, 1.5)
            ratio.set_ylabel("GAN / G4", fontsize="small")
            ratio.yaxis.set_major_locator(MaxNLocator(3))
            ax.set_ylabel("energy / shower [GeV]" if col == 0 else None)
            self.axes[axis], self.axes[f"ratio_{axis}"] = ax, ratio
        self.axes["x"].legend(fontsize="small", loc="upper left", frameon=False)
        image_ax = self.figure.add_subplot(layout[:, 3])
        self._image = image_ax.imshow(np.ones(grid[:2]).T, origin="lower", aspect="equal", cmap=IMAGE_COLOURS,
                                      interpolation="nearest", norm=LogNorm(HIT_THRESHOLD_GEV, 1.0))  # fmt: skip
        self._colorbar = self.figure.colorbar(self._image, ax=image_ax, label="energy [GeV]", fraction=0.05)
        self.axes["image"] = image_ax
        self._title = self.figure.suptitle("")
        self._image_title = image_ax.set_title("", fontsize="medium")
        self._animated = [*self._gan.values(), *self._g4_band.values(), *self._g4_line.values(),
                          *self._ratio.values(), *self._ratio_band.values(), self._image, self._title,
                          self._image_title]  # fmt: skip
        for artist in self._animated:
            artist.set_animated(True)
        self._units = None
        self._log = None
        self._layout = None  # what the saved background was drawn with
        self._background = None

    def update(self, gan: dict[str, Curve], g4: dict[str, Curve] | None, layer_image: np.ndarray, *,
               view: View, title: str, image_title: str) -> None:
        """Draw the GAN projections (and Geant4's, or none), the ratios, and ``layer_image`` (X, Y) in GeV."""
        self._set_units(view.units)
        self._set_scale(view.log)
        for axis in PROJECTION_AXES:
            values = gan[axis].values
            self._gan[axis].set_data(values)
            shown = [values]
            reference = g4[axis] if g4 else None
            if reference is None:
                empty = np.full_like(values, np.nan)
                self._g4_line[axis].set_data(empty)
                self._g4_band[axis].set_data(empty, baseline=empty)
                self._ratio[axis].set_data(empty)
                self._ratio_band[axis].set_data(empty, baseline=empty)
            else:
                ref, err = reference.values, reference.errors
                self._g4_line[axis].set_data(ref)
                self._g4_band[axis].set_data(ref + err, baseline=np.maximum(ref - err, 0))
                with np.errstate(divide="ignore", invalid="ignore"):
                    ratio = np.where(ref > 0, values / ref, np.nan)
                    relative = np.where(ref > 0, err / ref, np.nan)
                self._ratio[axis].set_data(ratio)
                self._ratio_band[axis].set_data(1 + relative, baseline=1 - relative)
                shown.append(ref + err)
            self.axes[axis].set_ylim(*_round_limits(np.concatenate(shown), log=view.log))
        self._draw_image(layer_image, view)
        self._image_title.set_text(image_title)
        self._title.set_text(title)

    def _set_units(self, units: str) -> None:
        if units == self._units:
            return
        transverse, depth, suffix = UNITS[units]
        for col, axis in enumerate(PROJECTION_AXES):
            step = depth if axis == "z" else transverse
            edges = (np.arange(self.grid[col] + 1, dtype=float) - 0.5) * step
            for artist in (self._gan[axis], self._g4_line[axis], self._g4_band[axis], self._ratio[axis],
                           self._ratio_band[axis]):  # fmt: skip
                artist.set_data(edges=edges)
            self.axes[axis].set_xlim(edges[0], edges[-1])
            name = "z [layer]" if axis == "z" else f"{axis} [cell]"
            self.axes[f"ratio_{axis}"].set_xlabel(name if suffix is None else f"{axis} [{suffix}]")
        nx, ny = self.grid[:2]
        self._image.set_extent((-0.5 * transverse, (nx - 0.5) * transverse, -0.5 * transverse, (ny - 0.5) * transverse))
        label = "cell" if suffix is None else suffix
        self.axes["image"].set_xlabel(f"x [{label}]")
        self.axes["image"].set_ylabel(f"y [{label}]")
        self._units = units

    def _set_scale(self, log: bool) -> None:
        if log == self._log:
            return
        for axis in PROJECTION_AXES:
            ax = self.axes[axis]
            ax.set_yscale("log" if log else "linear")
            ax.yaxis.set_major_locator(LogLocator(numticks=4) if log else MaxNLocator(4))
            ax.yaxis.set_minor_locator(NullLocator())  # minor ticks cost more to draw than everything else
        self._log = log

    def _draw_image(self, image: np.ndarray, view: View) -> None:
        data = np.asarray(image, np.float64).T  # imshow rows are y
        if view.locked is not None:
            low, high = view.locked
        else:
            low, high = _round_limits(data.ravel(), log=view.log, floor=HIT_THRESHOLD_GEV)
        norm_type = LogNorm if view.log else Normalize
        if not isinstance(self._image.norm, norm_type) or (self._image.norm.vmin, self._image.norm.vmax) != (low, high):
            self._image.set_norm(norm_type(low, high))
        self._image.set_data(data)

    @property
    def colour_range(self) -> tuple[float, float]:
        """The colour range (vmin, vmax) of the x-y image as drawn now, in GeV."""
        return float(self._image.norm.vmin), float(self._image.norm.vmax)

    def render(self) -> None:
        """Draw the figure: everything when the axes changed, else the animated artists over the background."""
        layout = (self._units, self._log, self.colour_range, type(self._image.norm).__name__,
                  *(self.axes[axis].get_ylim() for axis in PROJECTION_AXES))  # fmt: skip
        if layout != self._layout:
            self.canvas.draw()  # everything but the animated artists
            self._background = self.canvas.copy_from_bbox(self.figure.bbox)
            self._layout = layout
        else:
            self.canvas.restore_region(self._background)
        for artist in self._animated:
            self.figure.draw_artist(artist)

    def save(self, path, *, dpi: int = 110) -> None:
        """Write the figure, animated artists included, to ``path`` as PNG."""
        for artist in self._animated:
            artist.set_animated(False)
        try:
            self.figure.savefig(path, dpi=dpi, format="png")
        finally:
            for artist in self._animated:
                artist.set_animated(True)
            self._layout = None  # savefig drew at another resolution: the next update draws everything

    def png(self) -> bytes:
        """The figure as PNG bytes (fast zlib level: the image is re-sent on every slider move)."""
        self.render()
        buffer = io.BytesIO()
        Image.fromarray(np.asarray(self.canvas.buffer_rgba())).save(buffer, format="png", compress_level=1)
        return buffer.getvalue()


def _round_limits(values: np.ndarray, *, log: bool, floor: float | None = None) -> tuple[float, float]:
    """Axis limits that cover ``values`` and snap to round numbers: a decade on log axes (4 decades shown, or
    down to ``floor``), 1-2-5 steps on linear ones (from 0). Snapping keeps the axes unchanged between close
    slider values, so only the curves are redrawn."""
    finite = values[np.isfinite(values)]
    top = float(finite.max()) if finite.size else 1.0
    if log:
        high = 10.0 ** math.ceil(math.log10(max(top, 1e-12) * 1.05))
        return (floor if floor is not None else high * 1e-4), max(high, 10 * (floor or 0.0))
    magnitude = 10.0 ** math.floor(math.log10(max(top, 1e-12)))
    high = next(step * magnitude for step in (1.0, 2.0, 5.0, 10.0) if step * magnitude >= top * 1.02)
    return 0.0, high
