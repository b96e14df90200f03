"""``TrainingMonitor``: loss curves and generated projections after every epoch, redrawn in one notebook output."""

from __future__ import annotations

import io

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from fastsim_kernel._extras import require
from fastsim_kernel.data import Showers
from fastsim_kernel.plots import plot_projection

LOSSES = ("d_loss", "g_loss")


class TrainingMonitor:
    """One figure in the notebook, replaced after each epoch: the losses so far, and the mean x, y, z
    projections of showers generated at the conditions of ``reference`` (Geant4) beside those of Geant4.

    Call ``update(state, generator)`` with the run's state (``history``: one dict per epoch) and the generator
    of the latest epoch.
    """

    def __init__(self, reference: Showers, *, seed: int = 1):
        self.display = require("IPython.display")
        self.reference = reference
        self.seed = seed
        self.figure = Figure(figsize=(15, 3.6), layout="constrained")
        FigureCanvasAgg(self.figure)
        self._handle = None

    def update(self, state: dict, generator) -> None:
        history = state.get("history", [])
        gan = generator.generate(self.reference.energy, self.reference.theta, seed=self.seed)
        self.figure.clear()
        losses, *projections = self.figure.subplots(1, 4, width_ratios=[1.3, 1, 1, 1])
        epochs = [row["epoch"] for row in history]
        for name in LOSSES:
            losses.plot(epochs, [row.get(name) for row in history], marker="o", label=name)
        losses.set_xlabel("epoch")
        losses.set_ylabel("loss")
        losses.legend(fontsize="small")
        sources = {"Geant4": self.reference, f"GAN, epoch {state.get('epoch', len(history))}": gan}
        for ax, axis in zip(projections, "xyz", strict=True):
            plot_projection(ax, sources, axis)
        projections[0].legend(fontsize="small")
        self.figure.suptitle(f"after epoch {state.get('epoch')}: losses, and mean projections of {len(gan)} "
                             "showers at the Geant4 sample's conditions")  # fmt: skip
        image = self.display.Image(self._png())
        if self._handle is None:
            self._handle = self.display.display(image, display_id=True)
        else:
            self._handle.update(image)

    def _png(self) -> bytes:
        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="png", dpi=80)
        return buffer.getvalue()
