"""The README's figure: the shipped model against held-out Geant4 at 50 GeV and 60, 90, 120 degrees.

    python docs/gan/shipped_figure.py g4_heldout_25.h5 docs/gan/shipped_projections.png

Per angle, the mean x, y and z projections (energy per plane) of the Geant4 showers at that point and of as
many generated showers with the same conditions (seed 0), with ratio panels.
"""

from __future__ import annotations

import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from fastsim_kernel.data import read_showers
from fastsim_kernel.gan import load_generator
from fastsim_kernel.plots.projections import plot_projection
from fastsim_kernel.validation.selection import at_point

ENERGY_GEV, ANGLES_DEG = 50.0, (60.0, 90.0, 120.0)


def main(reference: str, out: str) -> None:
    showers = read_showers(reference)
    generator = load_generator()
    fig = plt.figure(figsize=(12.6, 11.5), layout="constrained")
    rows = fig.add_gridspec(len(ANGLES_DEG) * 2, 3, height_ratios=[3, 1] * len(ANGLES_DEG))
    for i, theta in enumerate(ANGLES_DEG):
        g4 = showers[at_point(showers, ENERGY_GEV, theta)]
        gan = generator.generate(g4.energy, g4.theta, seed=0)
        for col, axis in enumerate("xyz"):
            ax = fig.add_subplot(rows[2 * i, col])
            ratio_ax = fig.add_subplot(rows[2 * i + 1, col], sharex=ax)
            ax.tick_params(labelbottom=False)
            plot_projection(ax, {"Geant4": g4, "shipped 3DGAN": gan}, axis, ratio_ax=ratio_ax)
            ax.set_title(f"{ENERGY_GEV:g} GeV, {theta:g} deg: {axis}", fontsize="medium")
        fig.axes[-6].legend(fontsize="small")
    fig.savefig(out, dpi=100)


if __name__ == "__main__":
    main(*sys.argv[1:])
