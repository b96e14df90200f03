"""Distances between a reference and a candidate sample: one observable (separation power, relative error),
many features (Frechet and kernel physics distances), and bootstrap intervals. Pure numpy."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence

import numpy as np

#: Below this many entries a histogram distance is dominated by statistical noise.
SMALL_SAMPLE = 50
#: Histogram ranges: these percentiles of the pooled samples.
PERCENTILE_RANGE = (0.5, 99.5)


def common_bins(reference: np.ndarray, candidate: np.ndarray, *, bins: int = 50, log: bool = False) -> np.ndarray:
    """Bin edges from the 0.5th to the 99.5th percentile of both samples pooled, linear or logarithmic.

    (n,), (m,) -> (bins + 1,). Percentiles, not min-max: one outlier shower does not squeeze every other
    entry into a few bins (entries outside the range are left out of the histograms).
    """
    pooled = np.concatenate([np.ravel(reference), np.ravel(candidate)])
    pooled = pooled[np.isfinite(pooled)]
    if log:
        pooled = pooled[pooled > 0]
    if pooled.size == 0:
        return np.linspace(0.0, 1.0, bins + 1)
    lo, hi = np.percentile(pooled, [PERCENTILE_RANGE[0], PERCENTILE_RANGE[1]])
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


def bootstrap_interval(
    statistic: Callable[..., np.ndarray | float],
    samples: Sequence[np.ndarray],
    *,
    resamples: int = 200,
    level: float = 0.95,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Percentile-bootstrap interval of ``statistic(*samples)``.

    Args:
        statistic: maps the samples (each resampled along its first axis) to a float or an array.
        samples: (n_i, ...) arrays; each is resampled independently, with replacement, to its own size.
        resamples: bootstrap replicas.
        level: central coverage of the interval (0.95: from the 2.5th to the 97.5th percentile).
        seed: seeds the resampling.

    Returns:
        (estimate, low, high), each shaped like the statistic; NaN replicas are ignored.
    """
    if not 0 < level < 1:
        msg = f"level must be in (0, 1), got {level}"
        raise ValueError(msg)
    rng = np.random.default_rng(seed)
    estimate = np.asarray(statistic(*samples), dtype=np.float64)
    replicas = np.empty((resamples, *estimate.shape))
    for r in range(resamples):
        replicas[r] = statistic(*(s[rng.integers(0, len(s), len(s))] for s in samples))
    tail = 100 * (1 - level) / 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN entries stay NaN
        low, high = np.nanpercentile(replicas, [tail, 100 - tail], axis=0)
    return estimate, low, high


def gaussian_frechet_distance(mu1: np.ndarray, cov1: np.ndarray, mu2: np.ndarray, cov2: np.ndarray) -> float:
    """Frechet distance of two Gaussians: |mu1 - mu2|^2 + Tr(C1 + C2 - 2 (C1^1/2 C2 C1^1/2)^1/2).

    (d,), (d, d), (d,), (d, d) -> float. The square root goes through symmetric eigendecompositions, so no
    complex round-off appears (Tr sqrt(C1 C2) equals the trace used here).
    """
    cov1, cov2 = np.atleast_2d(cov1), np.atleast_2d(cov2)
    values, vectors = np.linalg.eigh(cov1)
    root = (vectors * np.sqrt(np.clip(values, 0.0, None))) @ vectors.T
    inner = np.linalg.eigvalsh(root @ cov2 @ root)
    mean_term = float(np.sum((np.atleast_1d(mu1) - np.atleast_1d(mu2)) ** 2))
    return mean_term + float(np.trace(cov1) + np.trace(cov2) - 2 * np.sum(np.sqrt(np.clip(inner, 0.0, None))))


def frechet_distance(reference: np.ndarray, candidate: np.ndarray) -> float:
    """Frechet distance of the Gaussians fitted (mean, covariance) to two samples: (n, d), (m, d) -> float."""
    return gaussian_frechet_distance(reference.mean(axis=0), np.cov(reference, rowvar=False),
                                     candidate.mean(axis=0), np.cov(candidate, rowvar=False))


def frechet_physics_distance(
    reference: np.ndarray,
    candidate: np.ndarray,
    *,
    min_samples: int | None = None,
    max_samples: int | None = None,
    points: int = 10,
    batches: int = 20,
    normalise: bool = True,
    seed: int = 0,
) -> tuple[float, float]:
    """FPD (Kansal et al. 2023, arXiv:2211.10295): the Frechet distance extrapolated to infinite samples.

    The Frechet distance of finite samples is biased upwards by about a constant / N. It is measured at
    ``points`` batch sizes N evenly spaced in 1/N between ``min_samples`` and ``max_samples`` (each the mean
    over ``batches`` batches drawn with replacement), and a straight line in 1/N is extrapolated to 1/N = 0.

    Args:
        reference, candidate: (n, d) and (m, d) feature arrays without NaN.
        min_samples, max_samples: the batch-size range (default: min(n, m) / 2.5 to min(n, m), the ratio of
            the paper's 20k-50k).
        normalise: divide every feature by its largest absolute value in ``reference`` first.

    Returns:
        (FPD, its standard error from the fit); a value below 0 means 0 within that error.
    """
    reference, candidate = _as_features(reference, candidate, normalise=normalise)
    max_samples = max_samples or min(len(reference), len(candidate))
    min_samples = min_samples or max(2, int(max_samples / 2.5))
    sizes = (1 / np.linspace(1 / min_samples, 1 / max_samples, points)).astype(np.int64)
    rng = np.random.default_rng(seed)
    distances = [
        np.mean([frechet_distance(reference[rng.integers(0, len(reference), size)],
                                  candidate[rng.integers(0, len(candidate), size)]) for _ in range(batches)])
        for size in sizes
    ]
    (_, intercept), cov = np.polyfit(1 / sizes, distances, 1, cov=True)
    return float(intercept), float(np.sqrt(cov[1, 1]))


def polynomial_mmd(reference: np.ndarray, candidate: np.ndarray, *, degree: int = 3) -> float:
    """Unbiased MMD^2 with the polynomial kernel k(a, b) = (a.b / d + 1)^degree: (n, d), (m, d) -> float.

    The within-sample sums leave out the diagonal (a shower with itself), which makes the estimator unbiased:
    its mean over samples of one distribution is 0, so single values can be negative.
    """
    d = reference.shape[1]
    n, m = len(reference), len(candidate)

    def kernel(a, b):
        return (a @ b.T / d + 1.0) ** degree

    kxx, kyy = kernel(reference, reference), kernel(candidate, candidate)
    within_x = (kxx.sum() - np.trace(kxx)) / (n * (n - 1))
    within_y = (kyy.sum() - np.trace(kyy)) / (m * (m - 1))
    return float(within_x + within_y - 2 * kernel(reference, candidate).mean())


def kernel_physics_distance(
    reference: np.ndarray,
    candidate: np.ndarray,
    *,
    batch_size: int | None = None,
    batches: int = 10,
    degree: int = 3,
    normalise: bool = True,
    seed: int = 0,
) -> tuple[float, float]:
    """KPD (Kansal et al. 2023): unbiased MMD^2 with the cubic polynomial kernel, over random batches.

    Args:
        reference, candidate: (n, d) and (m, d) feature arrays without NaN.
        batch_size: showers per batch and sample (default: half the smaller sample).
        batches: batches drawn, each without replacement (a batch drawn with replacement repeats showers,
            which biases the unbiased estimator upwards when the batch is as large as the sample).
        normalise: divide every feature by its largest absolute value in ``reference`` first.

    Returns:
        (median over batches, half the 16-84 percentile spread).
    """
    reference, candidate = _as_features(reference, candidate, normalise=normalise)
    batch_size = batch_size or max(2, min(len(reference), len(candidate)) // 2)
    rng = np.random.default_rng(seed)
    values = [polynomial_mmd(reference[rng.choice(len(reference), batch_size, replace=False)],
                             candidate[rng.choice(len(candidate), batch_size, replace=False)], degree=degree)
              for _ in range(batches)]
    low, high = np.percentile(values, [16, 84])
    return float(np.median(values)), float((high - low) / 2)


def _as_features(reference: np.ndarray, candidate: np.ndarray, *, normalise: bool) -> tuple[np.ndarray, np.ndarray]:
    reference = np.asarray(reference, dtype=np.float64)
    candidate = np.asarray(candidate, dtype=np.float64)
    if reference.ndim != 2 or candidate.ndim != 2 or reference.shape[1] != candidate.shape[1]:
        msg = f"features must be (n, d) and (m, d) arrays, got shapes {reference.shape} and {candidate.shape}"
        raise ValueError(msg)
    if not (np.isfinite(reference).all() and np.isfinite(candidate).all()):
        msg = "features must be finite: drop showers with NaN features first"
        raise ValueError(msg)
    if normalise:
        scale = np.abs(reference).max(axis=0)
        scale[scale == 0] = 1.0
        reference, candidate = reference / scale, candidate / scale
    return reference, candidate
