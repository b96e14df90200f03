"""Validation of candidate showers (a GAN) against reference showers (Geant4).

``validate(reference, candidate, out)`` writes figures, ``metrics.json`` and ``index.html`` into ``out`` and
returns the metrics dict. Pure numpy + scikit-learn (the classifier) + matplotlib; no TensorFlow.
"""

from __future__ import annotations


def validate(reference, candidate, out, **options) -> dict:
    """See ``fastsim_kernel.validation.report.validate``."""
    from fastsim_kernel.validation.report import validate as _validate

    return _validate(reference, candidate, out, **options)


__all__ = ["validate"]
