"""Validation plots of shower observables: sampling fraction, profiles, multiplicities, spectra.

Each function draws one panel on the given ``ax`` and returns its artists.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from matplotlib.axes import Axes

from fastsim_kernel.data import Showers
from fastsim_kernel.physics import (
    cell_spectrum,
    common_bins,
    hit_multiplicity,
    measured_theta,
    sampling_fraction,
    transverse_profile,
)


def plot_sampling_fraction(ax: Axes, sources: Mapping[str, Showers], *, bins: int = 8) -> list:
    """Mean and spread of deposited/primary energy in bins of primary energy, one series per source."""
    energies = np.concatenate([s.energy for s in sources.values()])
    lo, hi = float(energies.min()), float(energies.max())
    edges = np.linspace(lo, hi if hi > lo else lo + 1.0, bins + 1)
    artists = []
    for offset, (label, showers) in enumerate(sources.items()):
        frac = sampling_fraction(showers.cells, showers.energy)
        which = np.clip(np.digitize(showers.energy, edges) - 1, 0, bins - 1)
        centres, means, spreads = [], [], []
        for b in range(bins):
            sel = frac[which == b]
            if sel.size:
                centres.append(0.5 * (edges[b] + edges[b + 1]))
                means.append(sel.mean())
                spreads.append(sel.std())
        shift = (offset - (len(sources) - 1) / 2) * 0.15 * (edges[1] - edges[0])
        artists.append(
            ax.errorbar(np.add(centres, shift), means, yerr=spreads, fmt="o", capsize=3, label=label)
        )
    ax.set_xlabel("primary energy [GeV]")
    ax.set_ylabel("sampling fraction  $E_{dep}/E$")
    return artists


def plot_distribution(
    ax: Axes,
    samples: Mapping[str, np.ndarray],
    *,
    xlabel: str,
    bins: int = 40,
    log_x: bool = False,
    density: bool = True,
) -> list:
    """Step histograms of one scalar observable per source on common bins."""
    values = list(samples.values())
    reference = values[0]
    other = np.concatenate(values[1:]) if len(values) > 1 else reference
    edges = common_bins(reference, other, bins=bins, log=log_x)
    artists = []
    for label, sample in samples.items():
        sample = np.ravel(sample)
        counts, _ = np.histogram(sample[np.isfinite(sample)], bins=edges, density=density)
        artists.append(ax.stairs(counts, edges, label=label, linewidth=1.5))
    if log_x:
        ax.set_xscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("density" if density else "entries")
    return artists


def plot_hit_multiplicity(ax: Axes, sources: Mapping[str, Showers]) -> list:
    """Number of cells above the hit threshold per shower."""
    return plot_distribution(
        ax, {k: hit_multiplicity(s.cells) for k, s in sources.items()}, xlabel="hits above 0.3 MeV"
    )


def plot_cell_spectrum(ax: Axes, sources: Mapping[str, Showers]) -> list:
    """Energy spectrum of all cells above threshold (log axes)."""
    artists = plot_distribution(
        ax, {k: cell_spectrum(s.cells) for k, s in sources.items()}, xlabel="cell energy [GeV]", log_x=True
    )
    ax.set_yscale("log")
    return artists


def plot_measured_theta(ax: Axes, sources: Mapping[str, Showers]) -> list:
    """Angle measured from the layer barycentres, in degrees."""
    return plot_distribution(
        ax,
        {k: np.degrees(measured_theta(s.cells)) for k, s in sources.items()},
        xlabel="measured angle [deg]",
    )


def plot_transverse_profile(ax: Axes, sources: Mapping[str, Showers]) -> list:
    """Mean energy in rings around the layer barycentres."""
    artists = []
    for label, showers in sources.items():
        mean = transverse_profile(showers.cells).mean(axis=0)
        artists.append(ax.stairs(mean, np.arange(mean.size + 1), label=label, linewidth=1.5))
    ax.set_yscale("log")
    ax.set_xlabel("radius [cell]")
    ax.set_ylabel("energy / shower [GeV]")
    return artists
