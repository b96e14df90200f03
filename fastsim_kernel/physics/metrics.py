"""Distances between a reference and a candidate sample of one observable: pure numpy."""

from __future__ import annotations

import warnings

import numpy as np

#: Below this many entries a histogram distance is dominated by statistical noise.
SMALL_SAMPLE = 50


def common_bins(reference: np.ndarray, candidate: np.ndarray, *, bins: int = 50, log: bool = False) -> np.ndarray:
    """Bin edges covering both samples (1-99.9 percentiles pooled), linear or logarithmic: -> (bins + 1,)."""
    pooled = np.concatenate([np.ravel(reference), np.ravel(candidate)])
    pooled = pooled[np.isfinite(pooled)]
    if log:
        pooled = pooled[pooled > 0]
    if pooled.size == 0:
        return np.linspace(0.0, 1.0, bins + 1)
    lo, hi = np.percentile(pooled, [0.0, 100.0])
    if hi <= lo:
        hi = lo + (abs(lo) if lo else 1.0) * 1e-3
    return np.geomspace(lo, hi, bins + 1) if log else np.linspace(lo, hi, bins + 1)


def separation_power(h_reference: np.ndarray, h_candidate: np.ndarray) -> float:
    """CaloChallenge separation power 1/2 sum (p - q)^2 / (p + q) of two histograms normalised to unit area.

    (B,), (B,) -> float in [0, 1]: 0 for identical shapes, 1 for disjoint ones.
    """
    p = np.asarray(h_reference, dtype=np.float64)
    q = np.asarray(h_candidate, dtype=np.float64)
    if p.shape != q.shape:
        msg = f"histograms must have the same bins, got shapes {p.shape} and {q.shape}"
        raise ValueError(msg)
    if p.sum() <= 0 or q.sum() <= 0:
        return float("nan")
    p, q = p / p.sum(), q / q.sum()
    both = (p + q) > 0
    return float(0.5 * np.sum((p[both] - q[both]) ** 2 / (p[both] + q[both])))


def sample_separation_power(
    reference: np.ndarray, candidate: np.ndarray, *, bins: int = 50, log: bool = False
) -> float:
    """Separation power of two samples of a scalar observable on common bins: (n,), (m,) -> float."""
    reference, candidate = np.ravel(reference), np.ravel(candidate)
    if min(reference.size, candidate.size) < SMALL_SAMPLE:
        warnings.warn(
            f"separation power from small samples ({reference.size} vs {candidate.size} entries) is noisy",
            stacklevel=2,
        )
    edges = common_bins(reference, candidate, bins=bins, log=log)
    h_ref, _ = np.histogram(reference, bins=edges)
    h_cand, _ = np.histogram(candidate, bins=edges)
    return separation_power(h_ref, h_cand)


def relative_error(reference: np.ndarray, candidate: np.ndarray) -> float:
    """|mean(candidate) - mean(reference)| / |mean(reference)| over finite entries: -> float."""
    ref = np.ravel(reference)[np.isfinite(np.ravel(reference))]
    cand = np.ravel(candidate)[np.isfinite(np.ravel(candidate))]
    ref_mean = ref.mean()
    if ref_mean == 0:
        return float("nan")
    return float(abs(cand.mean() - ref_mean) / abs(ref_mean))


def profile_separation_power(reference: np.ndarray, candidate: np.ndarray) -> float:
    """Separation power of two mean profiles (e.g. per-layer energy): (n, B), (m, B) -> float."""
    return separation_power(np.mean(reference, axis=0), np.mean(candidate, axis=0))
