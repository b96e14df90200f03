"""A 2D energy image of one shower: ax in, artists out."""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import LogNorm, Normalize

from fastsim_kernel.physics import HIT_THRESHOLD_GEV

#: plane -> (summed cell axis of an (X, Y, Z) shower, vertical label, horizontal label)
PLANES = {"yz": (0, "y [cell]", "z [layer]"), "xz": (1, "x [cell]", "z [layer]"), "xy": (2, "x [cell]", "y [cell]")}


def plot_energy_image(ax: Axes, cells: np.ndarray, *, plane: str = "yz", log: bool = True) -> list:
    """Energy of one shower summed along the axis normal to ``plane``: cells (X, Y, Z) in GeV.

    For ``"yz"`` the depth z runs left to right and y upwards, so an inclined shower shows its angle.
    Returns the image and its colour bar.
    """
    if plane not in PLANES:
        msg = f"plane must be one of {sorted(PLANES)}, got {plane!r}"
        raise ValueError(msg)
    summed_axis, vertical, horizontal = PLANES[plane]
    image = np.asarray(cells, dtype=np.float64).sum(axis=summed_axis)  # (vertical, horizontal)
    if log:  # cells below the hit threshold stay blank
        norm = LogNorm(vmin=HIT_THRESHOLD_GEV, vmax=max(float(image.max()), 10 * HIT_THRESHOLD_GEV))
        shown = np.ma.masked_less(image, HIT_THRESHOLD_GEV)
    else:
        norm = Normalize(vmin=0.0, vmax=max(float(image.max()), 1e-12))
        shown = image
    artist = ax.imshow(shown, origin="lower", aspect="auto", norm=norm, cmap="viridis", interpolation="nearest")
    ax.set_xlabel(horizontal)
    ax.set_ylabel(vertical)
    colorbar = ax.figure.colorbar(artist, ax=ax, label="energy [GeV]")
    return [artist, colorbar]
