"""Classifier two-sample test: how well can a small classifier tell candidate from reference showers?

AUC 0.5: indistinguishable (Geant4 vs Geant4); 1.0: always told apart. Best published generative models on
the CaloChallenge dataset 2 reach 0.53-0.58 on high-level features.
"""

from __future__ import annotations

import warnings

import numpy as np

from fastsim_kernel._extras import require


def classifier_auc(reference: np.ndarray, candidate: np.ndarray, *, seed: int = 0, folds: int = 5) -> float:
    """Cross-validated ROC AUC of a gradient-boosted classifier separating two feature sets.

    Args:
        reference, candidate: (n, F) and (m, F) feature arrays (NaN allowed). The larger sample is
            subsampled so that both classes are equally many.
        seed: seeds the subsampling, the folds and the classifier.
        folds: stratified cross-validation folds; every shower is scored by a model that did not see it.

    Returns:
        The AUC over all out-of-fold scores; NaN (with a warning) when a class has fewer than ``folds`` showers.
    """
    ensemble = require("sklearn.ensemble")
    selection = require("sklearn.model_selection")
    metrics = require("sklearn.metrics")
    rng = np.random.default_rng(seed)
    size = min(len(reference), len(candidate))
    if size < folds:
        warnings.warn(f"classifier AUC needs >= {folds} showers per sample, got {size}", stacklevel=2)
        return float("nan")
    x = np.concatenate([rng.permutation(reference)[:size], rng.permutation(candidate)[:size]])
    y = np.repeat([0, 1], size)
    model = ensemble.HistGradientBoostingClassifier(max_iter=100, learning_rate=0.1, random_state=seed,
                                                    early_stopping=False)
    split = selection.StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    # one OpenMP thread: the samples are small; on the loaded 2-core machine the default (every core) took
    # 130 s for one 120-shower validation point, one thread 11 s (docs/validation.md)
    with require("threadpoolctl").threadpool_limits(limits=1, user_api="openmp"):
        scores = selection.cross_val_predict(model, x, y, cv=split, method="predict_proba")[:, 1]
    return float(metrics.roc_auc_score(y, scores))
