"""The numbers of a validation report: relative errors, separation powers, classifier AUCs.

Separation powers of histograms of n and m showers have a statistical floor even for identical
distributions, about ``B/4 (1/n + 1/m)`` for B filled bins; each histogram's floor is reported beside it.
"""

from __future__ import annotations

import numpy as np

from fastsim_kernel.data import Showers
from fastsim_kernel.physics import (
    cell_spectrum,
    common_bins,
    hit_multiplicity,
    max_position,
    measured_theta,
    moments,
    profile_separation_power,
    projection,
    relative_error,
    sampling_fraction,
    separation_power,
    total_energy,
    transverse_profile,
)
from fastsim_kernel.validation.classifier import classifier_auc
from fastsim_kernel.validation.features import high_level_features, low_level_features

HIST_BINS = 30


def scalar_observables(showers: Showers) -> dict[str, np.ndarray]:
    """Per-shower scalar observables: name -> (N,)."""
    cells = showers.cells
    values = {
        "total_energy": total_energy(cells),
        "sampling_fraction": sampling_fraction(cells, showers.energy),
        "hit_multiplicity": hit_multiplicity(cells).astype(np.float64),
        "measured_theta": measured_theta(cells),
    }
    for axis in ("x", "y", "z"):
        first, second = moments(cells, axis)
        values[f"{axis}_mean"], values[f"{axis}_width"] = first, second
    values["z_max"] = max_position(cells)[:, 2].astype(np.float64)
    return values


def histogram_distance(reference: np.ndarray, candidate: np.ndarray, *, log: bool = False) -> dict:
    """Separation power of two samples on common bins, with its statistical floor: -> {sp, floor}."""
    ref = np.ravel(reference)[np.isfinite(np.ravel(reference))]
    cand = np.ravel(candidate)[np.isfinite(np.ravel(candidate))]
    if ref.size == 0 or cand.size == 0:
        return {"sp": float("nan"), "floor": float("nan")}
    edges = common_bins(ref, cand, bins=HIST_BINS, log=log)
    h_ref, _ = np.histogram(ref, edges)
    h_cand, _ = np.histogram(cand, edges)
    filled = np.count_nonzero(h_ref + h_cand)
    floor = filled / 4 * (1 / ref.size + 1 / cand.size)
    return {"sp": float(separation_power(h_ref, h_cand)), "floor": float(floor)}


def profile_distances(reference: Showers, candidate: Showers) -> dict[str, float]:
    """Separation power of the mean x, y, z projections and of the mean transverse profile."""
    out = {f"{axis}_projection": profile_separation_power(projection(reference.cells, axis),
                                                          projection(candidate.cells, axis))
           for axis in ("x", "y", "z")}
    out["transverse_profile"] = profile_separation_power(transverse_profile(reference.cells),
                                                         transverse_profile(candidate.cells))
    return {k: float(v) for k, v in out.items()}


def compare(reference: Showers, candidate: Showers, *, seed: int = 0) -> dict:
    """Metrics of ``candidate`` against ``reference`` over all their showers (pooled over conditions)."""
    ref_obs, cand_obs = scalar_observables(reference), scalar_observables(candidate)
    metrics = {
        "n_reference": len(reference),
        "n_candidate": len(candidate),
        "relative_error": {k: float(relative_error(ref_obs[k], cand_obs[k])) for k in ref_obs},
        "separation_power": {k: histogram_distance(ref_obs[k], cand_obs[k]) for k in ref_obs},
        "profile_separation_power": profile_distances(reference, candidate),
    }
    metrics["separation_power"]["cell_spectrum"] = histogram_distance(
        np.log10(cell_spectrum(reference.cells)), np.log10(cell_spectrum(candidate.cells))
    )
    metrics["classifier"] = {
        "auc_high_level": classifier_auc(high_level_features(reference), high_level_features(candidate),
                                         seed=seed),
        "auc_low_level": classifier_auc(low_level_features(reference), low_level_features(candidate),
                                        seed=seed),
        "model": "HistGradientBoostingClassifier, 5-fold cross-validated, balanced classes",
        "low_level_features": "cells summed in 5x5x5 blocks / primary energy",
    }
    return metrics
