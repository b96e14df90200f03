"""The per-point metrics of a validation and their targets, with bootstrap intervals and a Geant4-vs-Geant4 floor.

At one (energy, angle) point, for reference (Geant4) and candidate showers:
    sum/E: mean and resolution (std / mean); energy per layer; per-layer x and y centre and width;
    the measured angle; classifier AUCs (high- and low-level features); FPD and KPD on high-level features.
Each comparison has a percentile-bootstrap interval (both samples resampled independently) and a floor: the
same comparison between two random halves of the reference, i.e. what statistics alone give (with half the
showers per side, so the floor is about 1.4x the noise of a full-size comparison).

A target passes when its central value is within the tolerance; the interval says how firm that is, and
``within_floor`` says whether the difference is no larger than the Geant4-vs-Geant4 floor (a failure within
the floor means the reference has too few showers to resolve that target at that point).
"""

from __future__ import annotations

import dataclasses
import math
import warnings

import numpy as np

from fastsim_kernel.data import Showers
from fastsim_kernel.physics import (
    bootstrap_interval,
    frechet_physics_distance,
    kernel_physics_distance,
    layer_barycentres,
    layer_energy,
    layer_widths,
    measured_theta,
    sampling_fraction,
)
from fastsim_kernel.validation.classifier import classifier_auc
from fastsim_kernel.validation.features import high_level_features, low_level_features

#: Below these sizes (showers per sample) a metric is reported as n/a, with the reason.
MIN_SHOWERS = {"moments": 10, "classifier": 50, "distances": 50}
#: Layers holding at least this fraction of the reference energy carry the per-layer targets.
LAYER_FRACTION = 0.01


@dataclasses.dataclass(frozen=True)
class Target:
    """One target: |value| <= tolerance (AUC: value <= tolerance)."""

    name: str
    label: str
    tolerance: float
    unit: str  # "relative", "deg" or "auc"
    stretch: float | None = None


TARGETS = (
    Target("sum_over_e_mean", "mean sum/E", 0.02, "relative"),
    Target("sum_over_e_resolution", "sum/E resolution (std/mean)", 0.20, "relative"),
    Target("layer_energy", "energy per layer (layers >= 1% of E)", 0.05, "relative"),
    Target("layer_width", "transverse width per layer, x and y (layers >= 1% of E)", 0.10, "relative"),
    Target("measured_angle", "measured angle", 2.0, "deg"),
    Target("auc_high_level", "classifier AUC, high-level features", 0.85, "auc", stretch=0.70),
)


@dataclasses.dataclass(frozen=True)
class Options:
    """How the intervals are drawn: ``resamples`` bootstrap replicas, ``level`` coverage, ``seed``."""

    resamples: int = 200
    level: float = 0.95
    floor: bool = True
    seed: int = 0


def per_shower(showers: Showers) -> np.ndarray:
    """The per-shower quantities behind the targets, one row per shower: (N, 2 + 5 Z).

    Columns: sum/E, measured angle (deg), then per layer: energy, x centre, y centre, x width, y width.
    """
    cells = showers.cells
    centre_x, centre_y = layer_barycentres(cells)
    width_x, width_y = layer_widths(cells)
    scalars = np.stack([sampling_fraction(cells, showers.energy), np.degrees(measured_theta(cells))], axis=1)
    return np.concatenate([scalars, layer_energy(cells), centre_x, centre_y, width_x, width_y], axis=1)


def summary(rows: np.ndarray) -> dict[str, np.ndarray]:
    """Sample statistics of ``per_shower`` rows: means over showers (empty layers and NaN angles left out)."""
    layers = (rows.shape[1] - 2) // 5
    block = rows[:, 2:].reshape(len(rows), 5, layers)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an all-empty layer gives NaN
        means = np.nanmean(block, axis=0)
        sf = rows[:, 0]
        return {
            "sum_over_e_mean": np.float64(sf.mean()),
            "sum_over_e_resolution": np.float64(sf.std(ddof=1) / sf.mean()),
            "measured_angle": np.float64(np.nanmean(rows[:, 1])),
            "layer_energy": means[0],
            "layer_centre_x": means[1],
            "layer_centre_y": means[2],
            "layer_width_x": means[3],
            "layer_width_y": means[4],
        }


def _pack(stats: dict[str, np.ndarray]) -> np.ndarray:
    return np.concatenate([np.atleast_1d(v) for v in stats.values()])


def _unpack(vector: np.ndarray, like: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    out, start = {}, 0
    for key, value in like.items():
        size = np.size(value)
        out[key] = vector[start : start + size] if np.ndim(value) else vector[start]
        start += size
    return out


def differences(reference: dict[str, np.ndarray], candidate: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Candidate vs reference: relative differences (c / r - 1), except angle and centres (c - r)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return {k: candidate[k] - reference[k] if k in ("measured_angle", "layer_centre_x", "layer_centre_y")
                else candidate[k] / reference[k] - 1.0 for k in reference}


def _with_interval(reference: np.ndarray, candidate: np.ndarray, options: Options):
    """(statistics of each sample with intervals, differences with intervals), all as dicts of arrays."""
    template = summary(reference)

    def diff(r, c):
        return _pack(differences(summary(r), summary(c)))

    def stats(rows):
        return _pack(summary(rows))

    samples = {}
    for name, rows, seed in (("reference", reference, options.seed), ("candidate", candidate, options.seed + 1)):
        est, low, high = bootstrap_interval(stats, [rows], resamples=options.resamples, level=options.level,
                                            seed=seed)
        samples[name] = {k: _unpack(v, template) for k, v in (("value", est), ("low", low), ("high", high))}
    est, low, high = bootstrap_interval(diff, [reference, candidate], resamples=options.resamples,
                                        level=options.level, seed=options.seed + 2)
    difference = {k: _unpack(v, template) for k, v in (("value", est), ("low", low), ("high", high))}
    return samples, difference


def _halves(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    order = np.random.default_rng(seed).permutation(n)
    return order[: n // 2], order[n // 2 :]


def _na(reason: str) -> dict:
    return {"value": None, "pass": None, "reason": reason}


def point_metrics(reference: Showers, candidate: Showers, options: Options = Options()) -> dict:
    """Every metric and target at one point (both samples already selected at it): -> JSON-ready dict."""
    n_ref, n_cand = len(reference), len(candidate)
    result = {"n_reference": n_ref, "n_candidate": n_cand}
    smallest = min(n_ref, n_cand)
    ref_rows, cand_rows = per_shower(reference), per_shower(candidate)
    floor_a, floor_b = _halves(n_ref, options.seed + 3)
    if smallest >= MIN_SHOWERS["moments"]:
        samples, diff = _with_interval(ref_rows, cand_rows, options)
        floor = None
        if options.floor and n_ref // 2 >= MIN_SHOWERS["moments"]:
            floor = differences(summary(ref_rows[floor_a]), summary(ref_rows[floor_b]))
        result["observables"] = _observables_table(samples, diff, floor)
        result["targets"] = _moment_targets(samples, diff, floor)
    else:
        reason = f"needs >= {MIN_SHOWERS['moments']} showers per sample, got {smallest}"
        result["observables"] = None
        result["targets"] = {t.name: _na(reason) for t in TARGETS if t.unit != "auc"}
    result["classifier"] = _classifiers(reference, candidate, (floor_a, floor_b), options)
    result["targets"]["auc_high_level"] = _auc_target(result["classifier"]["auc_high_level"])
    result["distances"] = _distances(reference, candidate, options)
    return result


def _observables_table(samples: dict, diff: dict, floor: dict | None) -> dict:
    """name -> {reference, candidate, difference: {value, low, high}, floor} (lists for per-layer ones)."""
    table = {}
    for key in diff["value"]:
        def entry(source, key=key):
            return {k: _listed(source[k][key]) for k in ("value", "low", "high")}

        table[key] = {
            "reference": entry(samples["reference"]),
            "candidate": entry(samples["candidate"]),
            "difference": entry(diff),
            "difference_kind": "absolute" if key in ("measured_angle", "layer_centre_x", "layer_centre_y")
            else "relative",
            "floor": None if floor is None else _listed(np.abs(floor[key])),
        }
    return table


def _listed(value):
    value = np.asarray(value, dtype=np.float64)
    if value.ndim == 0:
        return float(value) if math.isfinite(value) else None
    return [float(v) if math.isfinite(v) else None for v in value]


def _moment_targets(samples: dict, diff: dict, floor: dict | None) -> dict:
    targets = {}
    for name in ("sum_over_e_mean", "sum_over_e_resolution", "measured_angle"):
        targets[name] = _check(name, diff, name, None, floor)
    energy = samples["reference"]["value"]["layer_energy"]
    layers = np.flatnonzero(energy / np.nansum(energy) >= LAYER_FRACTION)
    targets["layer_energy"] = _worst("layer_energy", diff, ("layer_energy",), layers, floor)
    targets["layer_width"] = _worst("layer_width", diff, ("layer_width_x", "layer_width_y"), layers, floor)
    return targets


def _check(target_name: str, diff: dict, key: str, layer: int | None, floor: dict | None) -> dict:
    target = next(t for t in TARGETS if t.name == target_name)

    def pick(source):
        value = source[key]
        return float(value if layer is None else value[layer])

    value = pick(diff["value"])
    record = {
        "value": value,
        "low": pick(diff["low"]),
        "high": pick(diff["high"]),
        "tolerance": target.tolerance,
        "floor": None if floor is None else abs(pick(floor)),
        "pass": bool(abs(value) <= target.tolerance) if math.isfinite(value) else None,
    }
    if floor is not None and math.isfinite(value):
        record["within_floor"] = bool(abs(value) <= record["floor"])
    if not math.isfinite(value):
        record.update(value=None, reason="undefined (no energy or no angle measured)")
    return record


def _worst(target_name: str, diff: dict, keys: tuple[str, ...], layers: np.ndarray, floor: dict | None) -> dict:
    """The check of the layer (and axis) furthest from the reference, among ``layers``."""
    candidates = [(abs(diff["value"][k][z]), k, int(z)) for k in keys for z in layers
                  if math.isfinite(diff["value"][k][z])]
    if not candidates:
        return _na("no layer holds >= 1% of the reference energy")
    _, key, layer = max(candidates)
    record = _check(target_name, diff, key, layer, floor)
    if floor is not None:
        record["floor"] = max(abs(floor[k][z]) for k in keys for z in layers if math.isfinite(floor[k][z]))
        record["within_floor"] = abs(record["value"]) <= record["floor"]
    record["worst"] = f"layer {layer}" + (f" ({key[-1]})" if len(keys) > 1 else "")
    record["layers"] = [int(z) for z in layers]
    return record


def _classifiers(reference: Showers, candidate: Showers, halves, options: Options) -> dict:
    smallest = min(len(reference), len(candidate))
    minimum = MIN_SHOWERS["classifier"]
    out = {"model": "HistGradientBoostingClassifier, 5-fold cross-validated, balanced classes",
           "low_level_features": "cells summed in 5x5x5 blocks / primary energy"}
    for kind, features in (("high_level", high_level_features), ("low_level", low_level_features)):
        if smallest < minimum:
            out[f"auc_{kind}"] = _na(f"needs >= {minimum} showers per sample, got {smallest}")
            continue
        ref, cand = features(reference), features(candidate)
        record = {"value": classifier_auc(ref, cand, seed=options.seed)}
        if options.floor and len(reference) // 2 >= minimum:
            record["floor"] = classifier_auc(ref[halves[0]], ref[halves[1]], seed=options.seed)
        out[f"auc_{kind}"] = record
    return out


def _auc_target(auc: dict) -> dict:
    target = next(t for t in TARGETS if t.name == "auc_high_level")
    if auc.get("value") is None:
        return {**auc, "tolerance": target.tolerance}
    return {**auc, "tolerance": target.tolerance, "stretch": target.stretch,
            "pass": bool(auc["value"] <= target.tolerance), "stretch_pass": bool(auc["value"] <= target.stretch)}


def _distances(reference: Showers, candidate: Showers, options: Options) -> dict:
    """FPD and KPD on the high-level features (showers with an undefined feature left out)."""
    ref, cand = high_level_features(reference), high_level_features(candidate)
    ref, cand = ref[np.isfinite(ref).all(axis=1)], cand[np.isfinite(cand).all(axis=1)]
    minimum = max(MIN_SHOWERS["distances"], ref.shape[1] + 2)
    smallest = min(len(ref), len(cand))
    if smallest < minimum:
        reason = f"needs >= {minimum} showers with finite features per sample, got {smallest}"
        return {"fpd": _na(reason), "kpd": _na(reason)}
    out = {}
    for name, distance in (("fpd", frechet_physics_distance), ("kpd", kernel_physics_distance)):
        value, error = distance(ref, cand, seed=options.seed)
        out[name] = {"value": value, "error": error}
    a, b = _halves(len(ref), options.seed + 3)
    if options.floor and min(len(a), len(b)) >= minimum:
        for name, distance in (("fpd", frechet_physics_distance), ("kpd", kernel_physics_distance)):
            out[name]["floor"] = distance(ref[a], ref[b], seed=options.seed)[0]
    return out
