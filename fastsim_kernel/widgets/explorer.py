"""``ShowerExplorer``: energy and angle sliders wired to a generator, drawn over the Geant4 reference.

Each change asks for a new figure. The work runs in one background thread so that the kernel keeps
receiving slider events meanwhile: events that arrive while a figure is being made collapse to the latest
values, identical requests are served from a cache, and the status line says "generating..." while busy.
"""

from __future__ import annotations

import collections
import dataclasses
import html
import math
import os
import threading
import time
import traceback
from pathlib import Path

import numpy as np

from fastsim_kernel._atomic import atomic_path
from fastsim_kernel._extras import require
from fastsim_kernel.data import Showers, write_showers
from fastsim_kernel.errors import FastsimError
from fastsim_kernel.widgets.figure import PROJECTION_AXES, UNITS, Curve, ExplorerFigure, View
from fastsim_kernel.widgets.generator import (
    ShowerGenerator,
    check_generator,
    is_fixed_angle,
    load_default_generator,
)
from fastsim_kernel.widgets.reference import (
    ENERGY_WINDOW_GEV,
    THETA_WINDOW_DEG,
    ShowerSummaries,
    load_reference,
    mean_and_error,
)

#: ``reference=SHIPPED`` (the default): the Geant4 reference shipped with the package.
SHIPPED = "shipped"


@dataclasses.dataclass(frozen=True)
class ExplorerConfig:
    """Start values and limits of the explorer's controls.

    Attributes:
        energy: start energy in GeV; None = the middle of the generator's energy range.
        theta_deg: start angle in degrees; None = the middle of the generator's angle range.
        n_showers: showers generated per update (10).
        max_showers: upper end of the n-showers slider (256).
        seed: start seed (0); "resample" adds one.
        fixed_angle_tolerance_deg: a theta_range narrower than this (0.5 deg) means a fixed-angle model.
        dpi: resolution of the rendered figure (72).
        cache_size: generated batches kept for identical requests (32).
    """

    energy: float | None = None
    theta_deg: float | None = None
    n_showers: int = 10
    max_showers: int = 256
    seed: int = 0
    fixed_angle_tolerance_deg: float = 0.5
    dpi: int = 72
    cache_size: int = 32

    def __post_init__(self) -> None:
        if not 1 <= self.n_showers <= self.max_showers:
            msg = f"n_showers must be in [1, max_showers={self.max_showers}], got {self.n_showers}"
            raise FastsimError(msg)


@dataclasses.dataclass(frozen=True)
class Request:
    """What one figure shows: the generation (energy GeV, theta rad, n, seed) and the view."""

    energy: float
    theta: float
    n: int
    seed: int
    single: int | None  # None: the mean of the n showers; k: shower #k alone
    view: View

    @property
    def generation(self) -> tuple[float, float, int, int]:
        return (self.energy, self.theta, self.n, self.seed)


class ShowerExplorer:
    """Sliders for energy, angle, number of showers and seed; view controls; save buttons; readouts.

    Args:
        generator: any object with the generator interface (see ``ShowerGenerator``); None: the shipped model.
        config: start values (``ExplorerConfig``).
        reference: the Geant4 showers drawn beside the GAN: ``SHIPPED`` (the small reference in the package),
            a shower file, a ``ShowerSummaries``, or None for none.
        output_dir: where the save buttons write (None: the workspace's ``out/04-explorer``).
        note: a line shown above the controls, e.g. which model the notebook picked and why.

    Attributes for programmatic use: the controls (``energy``, ``theta``, ``n_showers``, ``seed``, ``single``,
    ``shower``, ``layer``, ``log``, ``lock``, ``units``), ``model_line`` (the model card), ``showers`` (the last
    batch), ``reference_in_window``, ``calls`` (the (energy GeV, theta rad, n, seed) of each generation: cache
    hits add none), ``generation_ms``, ``draw_ms``, ``figure`` and ``axes``. After changing controls from code,
    ``wait()`` until the figure is drawn. Display the object (or ``.widget``) in a notebook.
    """

    def __init__(self, generator: ShowerGenerator | None = None, *, config: ExplorerConfig | None = None,
                 reference: ShowerSummaries | str | os.PathLike | None = SHIPPED,
                 output_dir: str | os.PathLike | None = None, note: str = ""):
        widgets = require("ipywidgets")
        self.generator = check_generator(generator if generator is not None else load_default_generator())
        self.config = config or ExplorerConfig()
        self.fixed_angle = is_fixed_angle(
            self.generator.theta_range, tolerance_deg=self.config.fixed_angle_tolerance_deg
        )
        self.reference, reference_note = self._load_reference(reference)
        self.output_dir = Path(output_dir) if output_dir is not None else None
        self.showers: Showers | None = None
        self.reference_in_window: ShowerSummaries | None = None
        self.calls: list[tuple[float, float, int, int]] = []
        self.generation_ms = math.nan
        self.draw_ms = math.nan
        self._cache: collections.OrderedDict = collections.OrderedDict()
        self._plot = ExplorerFigure(tuple(self.generator.grid), dpi=self.config.dpi)
        self.figure, self.axes = self._plot.figure, self._plot.axes
        self._lock = threading.Lock()
        self._pending: Request | None = None
        self._idle = threading.Event()
        self._idle.set()
        self._drawn: Request | None = None
        self._build_controls(widgets)
        self.reference_note.value = reference_note
        self.model_line = widgets.HTML(model_card_html(self.generator, note))
        self.widget = widgets.VBox(
            [
                self.model_line,
                widgets.HBox([self.energy, self.theta, self.n_showers]),
                widgets.HBox([self.seed, self.resample, self.single, self.shower, self.layer]),
                widgets.HBox([self.log, self.lock, self.units, self.save_figure, self.save_showers]),
                self.angle_note,
                self.status,
                self.image,
                self.readouts,
                self.reference_note,
            ]
        )
        for control in (self.energy, self.theta, self.n_showers, self.seed, self.single, self.shower, self.layer,
                        self.log, self.units):  # fmt: skip
            control.observe(self._on_change, names="value")
        self.lock.observe(self._on_lock, names="value")
        self.resample.on_click(self._on_resample)
        self.save_figure.on_click(lambda _: self.save("figure"))
        self.save_showers.on_click(lambda _: self.save("showers"))
        self._draw(self._request())  # the first figure before the widget is shown

    # ---- controls -------------------------------------------------------------------------------------------
    def _build_controls(self, widgets) -> None:
        e_lo, e_hi = (float(v) for v in self.generator.energy_range)
        t_lo, t_hi = (math.degrees(float(v)) for v in self.generator.theta_range)
        cfg = self.config
        energy = cfg.energy if cfg.energy is not None else 0.5 * (e_lo + e_hi)
        theta = cfg.theta_deg if cfg.theta_deg is not None else 0.5 * (t_lo + t_hi)
        common = {"continuous_update": False, "style": {"description_width": "initial"}}
        self.energy = widgets.FloatSlider(value=energy, min=e_lo, max=e_hi, step=_step(e_lo, e_hi),
                                          description="energy [GeV]", layout=widgets.Layout(width="34%"),
                                          readout_format=".1f", **common)  # fmt: skip
        if self.fixed_angle:  # a one-value slider, shown but disabled
            t_lo, t_hi, theta = math.floor(t_lo) - 1.0, math.ceil(t_hi) + 1.0, 0.5 * (t_lo + t_hi)
        self.theta = widgets.FloatSlider(value=theta, min=t_lo, max=t_hi, step=_step(t_lo, t_hi),
                                         description="angle θ [deg]", layout=widgets.Layout(width="34%"),
                                         readout_format=".1f", disabled=self.fixed_angle, **common)  # fmt: skip
        self.n_showers = widgets.IntSlider(value=cfg.n_showers, min=1, max=cfg.max_showers, description="showers",
                                           layout=widgets.Layout(width="30%"), **common)  # fmt: skip
        self.seed = widgets.BoundedIntText(value=cfg.seed, min=0, max=2**31 - 1, description="seed",
                                           layout=widgets.Layout(width="150px"), **common)  # fmt: skip
        self.resample = widgets.Button(description="resample", icon="refresh", tooltip="new seed, new showers",
                                       layout=widgets.Layout(width="110px"))  # fmt: skip
        self.single = widgets.ToggleButtons(options=[("mean", False), ("single", True)], value=False,
                                            tooltips=["mean of the showers", "one shower, #k"],
                                            style={"button_width": "60px"})  # fmt: skip
        self.shower = widgets.BoundedIntText(value=0, min=0, max=cfg.n_showers - 1, description="#",
                                             disabled=True, layout=widgets.Layout(width="110px"),
                                             style={"description_width": "initial"})  # fmt: skip
        nz = int(self.generator.grid[2])
        self.layer = widgets.IntSlider(value=nz // 2, min=0, max=nz - 1, description="x-y image: layer",
                                       layout=widgets.Layout(width="34%"), **common)  # fmt: skip
        self.log = widgets.Checkbox(value=True, description="log scale", indent=False,
                                    layout=widgets.Layout(width="110px"))  # fmt: skip
        self.lock = widgets.Checkbox(value=False, description="lock colour scale", indent=False,
                                     layout=widgets.Layout(width="160px"))  # fmt: skip
        self.units = widgets.Dropdown(options=list(UNITS), value="cells", description="axes",
                                      layout=widgets.Layout(width="160px"), style={"description_width": "initial"})
        self.save_figure = widgets.Button(description="save figure", icon="image")
        self.save_showers = widgets.Button(description="save showers", icon="save")
        self.status = widgets.HTML()
        self.readouts = widgets.HTML()
        self.reference_note = widgets.HTML()
        self.angle_note = widgets.HTML(self._angle_note())
        self.image = widgets.Image(format="png", layout=widgets.Layout(width="100%"))
        for name in ("status", "readouts", "reference_note", "image"):  # for tests and style sheets
            getattr(self, name).add_class(f"fastsim-{name.replace('_', '-')}")

    def _angle_note(self) -> str:
        if not self.fixed_angle:
            return ""
        deg = math.degrees(0.5 * sum(self.generator.theta_range))
        normal = " (normal incidence)" if round(deg) == 90 else ""
        return (
            f"<i>Fixed-angle model: trained at θ = {deg:.0f}°{normal} only, so the angle slider is"
            " disabled. Load a variable-angle model to vary the angle.</i>"
        )

    def _load_reference(self, reference) -> tuple[ShowerSummaries | None, str]:
        if reference is None:
            return None, "<i>No Geant4 reference: the GAN is drawn alone.</i>"
        if isinstance(reference, ShowerSummaries):
            summaries = reference
        else:
            summaries = load_reference(None if str(reference) == SHIPPED else reference)
        if summaries is None:
            return None, "<i>No Geant4 reference here (none shipped, no sample given): the GAN is drawn alone.</i>"
        grid = tuple(self.generator.grid)
        if summaries.grid != grid:
            return None, (
                f"<i>No Geant4 overlay: the reference ({summaries.source}) is on a {_grid(summaries.grid)} grid,"
                f" the model on {_grid(grid)}.</i>"
            )
        return summaries, ""

    def _on_change(self, change) -> None:
        self.shower.disabled = not self.single.value
        self.shower.max = int(self.n_showers.value) - 1
        self.request()

    def _on_lock(self, change) -> None:
        self.request()

    def _on_resample(self, button) -> None:
        self.seed.value = self.seed.value + 1  # the seed observer asks for a new figure

    # ---- requests and the background worker ---------------------------------------------------------------
    @property
    def theta_radians(self) -> float:
        """The angle passed to the generator, in radians, inside the trained range."""
        lo, hi = (float(v) for v in self.generator.theta_range)
        if self.fixed_angle:
            return 0.5 * (lo + hi)
        return min(max(math.radians(self.theta.value), lo), hi)

    @property
    def energy_gev(self) -> float:
        """The energy passed to the generator, in GeV, inside the trained range."""
        lo, hi = (float(v) for v in self.generator.energy_range)
        return min(max(float(self.energy.value), lo), hi)

    def _request(self) -> Request:
        locked = None
        if self.lock.value:
            drawn = self._drawn.view.locked if self._drawn is not None else None
            locked = drawn or self._plot.colour_range
        view = View(units=self.units.value, log=bool(self.log.value), layer=int(self.layer.value), locked=locked)
        single = min(int(self.shower.value), int(self.n_showers.value) - 1) if self.single.value else None
        return Request(self.energy_gev, self.theta_radians, int(self.n_showers.value), int(self.seed.value),
                       single, view)  # fmt: skip

    def request(self) -> None:
        """Ask for a figure of the current control values; returns at once, the worker thread draws it."""
        with self._lock:
            self._pending = self._request()
            if not self._idle.is_set():
                return  # the running worker picks up the latest request when it is done
            self._idle.clear()
        self.status.value = "<b>generating…</b>"
        threading.Thread(target=self._work, name="shower-explorer", daemon=True).start()

    def _work(self) -> None:
        while True:
            with self._lock:
                request, self._pending = self._pending, None
                if request is None:
                    self._idle.set()
                    return
            try:
                self._draw(request)
            except Exception as err:  # a bug: say so in the widget, the traceback goes to the cell's stderr
                self._show_error(f"{type(err).__name__}: {err}")
                traceback.print_exc()

    def wait(self, timeout: float = 60.0) -> None:
        """Block until every requested figure is drawn (for code that changes the controls and then reads)."""
        if not self._idle.wait(timeout):
            msg = f"the explorer is still drawing after {timeout} s"
            raise TimeoutError(msg)

    # ---- one figure ---------------------------------------------------------------------------------------
    def _generate(self, request: Request) -> tuple[Showers, ShowerSummaries, float | None]:
        key = request.generation
        if key in self._cache:
            self._cache.move_to_end(key)
            return (*self._cache[key], None)
        start = time.perf_counter()
        showers = self.generator.generate(request.energy, request.theta, request.n, seed=request.seed)
        elapsed = 1e3 * (time.perf_counter() - start)
        self.calls.append(key)
        entry = (showers, ShowerSummaries.from_showers(showers))
        self._cache[key] = entry
        while len(self._cache) > self.config.cache_size:
            self._cache.popitem(last=False)
        return (*entry, elapsed)

    def _draw(self, request: Request) -> None:
        try:
            showers, summary, generation_ms = self._generate(request)
        except FastsimError as err:
            self._show_error(str(err))
            return
        start = time.perf_counter()
        g4 = self.reference.select(request.energy, request.theta) if self.reference is not None else None
        k = request.single
        gan_curves = {
            axis: Curve(summary.projections[axis][k] if k is not None else summary.projections[axis].mean(axis=0))
            for axis in PROJECTION_AXES
        }
        g4_curves = _mean_curves(g4) if g4 is not None and len(g4) else None
        cells = showers.cells[..., request.view.layer]
        layer_image = cells[k] if k is not None else cells.mean(axis=0)
        which = f"shower #{k}" if k is not None else f"mean of {request.n}"
        self._plot.update(gan_curves, g4_curves, layer_image, view=request.view, title=_title(request),
                          image_title=f"GAN, layer {request.view.layer}, {which}")  # fmt: skip
        png = self._plot.png()
        self.image.value = png
        self.draw_ms = 1e3 * (time.perf_counter() - start)
        self.showers, self.reference_in_window, self._drawn = showers, g4, request
        self.readouts.value = readouts_html(summary, g4, single=k)
        if self.reference is not None:
            self.reference_note.value = (
                f"{len(g4)} Geant4 showers within ±{ENERGY_WINDOW_GEV:g} GeV, ±{THETA_WINDOW_DEG:g}° "
                f"<small>({html.escape(self.reference.source)})</small>"
            )
        if generation_ms is None:
            generated = "from the cache"
        else:
            self.generation_ms = generation_ms
            generated = f"generated in <b>{generation_ms:.0f} ms</b> ({generation_ms / request.n:.2f} ms/shower)"
        self.status.value = f"{generated}, drawn in <b>{self.draw_ms:.0f} ms</b>"

    def _show_error(self, message: str) -> None:
        self.status.value = f"<span style='color:#b00'>generation failed: {html.escape(message)}</span>"

    # ---- saving -------------------------------------------------------------------------------------------
    def save(self, what: str) -> Path:
        """Save the current ``"figure"`` (PNG) or ``"showers"`` (HDF5) under the output folder; return the path."""
        request = self._drawn
        folder = self.output_dir
        if folder is None:
            from fastsim_kernel.workspace import Workspace

            folder = Workspace.default().output("04-explorer")
        folder.mkdir(parents=True, exist_ok=True)
        stem = f"explorer_{request.energy:.1f}GeV_{math.degrees(request.theta):.1f}deg_seed{request.seed}"
        if what == "figure":
            path = folder / f"{stem}.png"
            with atomic_path(path) as tmp:
                self._plot.save(tmp)
        elif what == "showers":
            path = write_showers(self.showers, folder / f"{stem}.h5")
        else:
            msg = f"what must be 'figure' or 'showers', got {what!r}"
            raise FastsimError(msg)
        self.status.value = f"saved <code>{html.escape(str(path))}</code>"
        return path

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


def _mean_curves(summaries: ShowerSummaries) -> dict[str, Curve]:
    curves = {}
    for axis in PROJECTION_AXES:
        values = summaries.projections[axis].astype(np.float64)
        error = values.std(axis=0, ddof=1) / math.sqrt(len(values)) if len(values) > 1 else np.zeros(values.shape[1])
        curves[axis] = Curve(values.mean(axis=0), error)
    return curves


def _title(request: Request) -> str:
    return (
        f"E = {request.energy:.1f} GeV, θ = {math.degrees(request.theta):.1f}°, "
        f"{request.n} GAN showers, seed {request.seed}"
    )


def _grid(grid) -> str:
    return "x".join(str(v) for v in grid)


def _format(mean: float, error: float, digits: int) -> str:
    if not math.isfinite(mean):
        return "–"
    if not math.isfinite(error):
        return f"{mean:.{digits}f}"
    return f"{mean:.{digits}f} ± {error:.{digits}f}"


def readouts_html(gan: ShowerSummaries, g4: ShowerSummaries | None, *, single: int | None = None) -> str:
    """A small table: sum/E, shower-maximum layer and measured angle, mean ± error, GAN beside Geant4."""
    rows = [("sum / E", "sum_over_e", 1.0, 4), ("shower-max layer", "shower_max", 1.0, 1),
            ("measured angle [deg]", "measured_theta", 180 / math.pi, 2)]  # fmt: skip
    head = f"<th>GAN ({len(gan)})</th>" + (f"<th>Geant4 ({len(g4)})</th>" if g4 is not None else "")
    body = []
    for label, name, scale, digits in rows:
        cells = f"<td>{_format(*(scale * v for v in mean_and_error(getattr(gan, name))), digits)}</td>"
        if g4 is not None:
            cells += f"<td>{_format(*(scale * v for v in mean_and_error(getattr(g4, name))), digits)}</td>"
        body.append(f"<tr><td>{label}</td>{cells}</tr>")
    note = ""
    if single is not None:
        note = f"<br><small>numbers over all {len(gan)} GAN showers, the figure shows #{single}</small>"
    return (
        "<table style='font-family:monospace;border-spacing:14px 0'>"
        f"<tr><th></th>{head}</tr>{''.join(body)}</table>{note}"
    )


def model_card_html(generator: object, note: str = "") -> str:
    """The model's identity and quality from its card (``generator.card``); a placeholder is flagged."""
    card = getattr(generator, "card", None) or {}
    path = getattr(generator, "path", None)
    name = html.escape(str(card.get("name") or (path.name if path is not None else type(generator).__name__)))
    status = card.get("status")
    if status == "placeholder":
        flag = "<b style='color:#b00'>PLACEHOLDER model, not fit for physics</b>"
    elif status == "partial":
        passed, total = card.get("targets_passed"), card.get("targets_total")
        flag = f"<b style='color:#a60'>partially validated ({passed}/{total} targets)</b>"
    elif status == "validated":
        flag = "<b style='color:#070'>validated</b>"
    else:
        flag = "<i>no model card: not validated</i>"
    summary = f"<br><small>{html.escape(card['summary'])}</small>" if card.get("summary") else ""
    extra = f"<br><small>{html.escape(note)}</small>" if note else ""
    return f"Model: <b>{name}</b> · {flag}{summary}{extra}"


def _step(lo: float, hi: float) -> float:
    """A slider step of about 1/200 of the range, rounded to 0.1, 0.5, 1, ... (0.1 for an empty range)."""
    span = hi - lo
    if span <= 0:
        return 0.1
    raw = span / 200
    for step in (0.1, 0.5, 1.0, 2.0, 5.0, 10.0):
        if raw <= step:
            return step
    return 10.0
