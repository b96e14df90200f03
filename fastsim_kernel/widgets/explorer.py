"""``ShowerExplorer``: sliders for energy and angle wired to a generator, the figure redrawn on each change."""

from __future__ import annotations

import dataclasses
import html
import math
import time

from fastsim_kernel._extras import require
from fastsim_kernel.data import Showers
from fastsim_kernel.errors import FastsimError
from fastsim_kernel.widgets.figure import draw_showers, figure_png, new_figure
from fastsim_kernel.widgets.generator import (
    ShowerGenerator,
    check_generator,
    is_fixed_angle,
    load_default_generator,
)


@dataclasses.dataclass(frozen=True)
class ExplorerConfig:
    """Start values and limits of the explorer's controls.

    Attributes:
        energy: start energy in GeV; None = the middle of the generator's energy range.
        theta_deg: start angle in degrees; None = the middle of the generator's angle range.
        n_showers: showers generated per update (10); the projections show their mean.
        max_showers: upper end of the n-showers slider (256).
        seed: start seed (0); "resample" adds one.
        fixed_angle_tolerance_deg: a theta_range narrower than this (0.5 deg) means a fixed-angle model.
        dpi: resolution of the rendered figure (80).
        label: legend label of the generated showers ("GAN").
    """

    energy: float | None = None
    theta_deg: float | None = None
    n_showers: int = 10
    max_showers: int = 256
    seed: int = 0
    fixed_angle_tolerance_deg: float = 0.5
    dpi: int = 80
    label: str = "GAN"

    def __post_init__(self) -> None:
        if not 1 <= self.n_showers <= self.max_showers:
            msg = f"n_showers must be in [1, max_showers={self.max_showers}], got {self.n_showers}"
            raise FastsimError(msg)


class ShowerExplorer:
    """Energy and angle sliders, n-showers, seed and "resample"; each change generates and redraws.

    ``generator`` is any object with the generator interface (see ``ShowerGenerator``); None loads the
    shipped model. Attributes for programmatic use: ``energy``, ``theta``, ``n_showers``, ``seed`` (the
    controls), ``showers`` (the last batch), ``calls`` (the (energy GeV, theta rad, n, seed) of each
    generation), ``generation_ms``, ``figure`` and ``axes``. Display the object (or ``.widget``) in a notebook.
    """

    def __init__(self, generator: ShowerGenerator | None = None, *, config: ExplorerConfig | None = None):
        widgets = require("ipywidgets")
        self.generator = check_generator(generator if generator is not None else load_default_generator())
        self.config = config or ExplorerConfig()
        self.fixed_angle = is_fixed_angle(
            self.generator.theta_range, tolerance_deg=self.config.fixed_angle_tolerance_deg
        )
        self.showers: Showers | None = None
        self.calls: list[tuple[float, float, int, int]] = []
        self.generation_ms = math.nan
        self.figure = new_figure()
        self.axes: dict = {}
        self._build_controls(widgets)
        self.widget = widgets.VBox(
            [
                widgets.HBox([self.energy, self.theta, self.n_showers]),
                widgets.HBox([self.seed, self.resample, self.status]),
                self.angle_note,
                self.image,
            ]
        )
        for control in (self.energy, self.theta, self.n_showers, self.seed):
            control.observe(self._on_change, names="value")
        self.resample.on_click(self._on_resample)
        self.update()

    def _build_controls(self, widgets) -> None:
        e_lo, e_hi = (float(v) for v in self.generator.energy_range)
        t_lo, t_hi = (math.degrees(float(v)) for v in self.generator.theta_range)
        cfg = self.config
        energy = cfg.energy if cfg.energy is not None else 0.5 * (e_lo + e_hi)
        theta = cfg.theta_deg if cfg.theta_deg is not None else 0.5 * (t_lo + t_hi)
        common = {"continuous_update": False, "style": {"description_width": "initial"}}
        self.energy = widgets.FloatSlider(
            value=energy,
            min=e_lo,
            max=e_hi,
            step=_step(e_lo, e_hi),
            description="energy [GeV]",
            layout=widgets.Layout(width="34%"),
            readout_format=".1f",
            **common,
        )
        if self.fixed_angle:  # a one-value slider, shown but disabled
            t_lo, t_hi, theta = math.floor(t_lo) - 1.0, math.ceil(t_hi) + 1.0, 0.5 * (t_lo + t_hi)
        self.theta = widgets.FloatSlider(
            value=theta,
            min=t_lo,
            max=t_hi,
            step=_step(t_lo, t_hi),
            description="angle θ [deg]",
            layout=widgets.Layout(width="34%"),
            readout_format=".1f",
            disabled=self.fixed_angle,
            **common,
        )
        self.n_showers = widgets.IntSlider(
            value=cfg.n_showers,
            min=1,
            max=cfg.max_showers,
            description="showers",
            layout=widgets.Layout(width="30%"),
            **common,
        )
        self.seed = widgets.BoundedIntText(
            value=cfg.seed,
            min=0,
            max=2**31 - 1,
            description="seed",
            layout=widgets.Layout(width="180px"),
            **common,
        )
        self.resample = widgets.Button(description="resample", icon="refresh", tooltip="new seed, new showers")
        self.status = widgets.HTML()
        self.angle_note = widgets.HTML(self._angle_note())
        self.image = widgets.Image(format="png", layout=widgets.Layout(width="100%"))

    def _angle_note(self) -> str:
        if not self.fixed_angle:
            return ""
        deg = math.degrees(0.5 * sum(self.generator.theta_range))
        normal = " (normal incidence)" if round(deg) == 90 else ""
        return (
            f"<i>Fixed-angle model: trained at θ = {deg:.0f}°{normal} only, so the angle slider is"
            " disabled. Load a variable-angle model to vary the angle.</i>"
        )

    def _on_change(self, change) -> None:
        try:
            self.update()
        except Exception as err:  # a callback's traceback would only reach the browser's log console
            self._show_error(f"{type(err).__name__}: {err}")
            raise

    def _on_resample(self, button) -> None:
        self.seed.value = self.seed.value + 1  # the seed observer redraws

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

    def update(self) -> None:
        """Generate with the current control values and redraw; a generator error shows in the status line."""
        args = (self.energy_gev, self.theta_radians, int(self.n_showers.value), int(self.seed.value))
        start = time.perf_counter()
        try:
            showers = self.generator.generate(args[0], args[1], args[2], seed=args[3])
        except FastsimError as err:
            self._show_error(str(err))
            return
        self.generation_ms = 1e3 * (time.perf_counter() - start)
        self.calls.append(args)
        self.showers = showers
        title = f"E = {args[0]:.1f} GeV, θ = {math.degrees(args[1]):.1f}°, {args[2]} showers, seed {args[3]}"
        self.axes = draw_showers(self.figure, showers, label=self.config.label, title=title)
        self.image.value = figure_png(self.figure, dpi=self.config.dpi)
        per_shower = self.generation_ms / max(args[2], 1)
        self.status.value = f"generated in <b>{self.generation_ms:.1f} ms</b> ({per_shower:.2f} ms/shower)"

    def _show_error(self, message: str) -> None:
        self.status.value = f"<span style='color:#b00'>generation failed: {html.escape(message)}</span>"

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


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
