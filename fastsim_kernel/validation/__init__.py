"""Validation of candidate showers (a GAN) against reference showers (Geant4).

``make_reference(out)`` simulates the held-out Geant4 reference at the validation points;
``validate(reference, candidate, out)`` (or ``model=`` instead of a candidate) writes figures, ``metrics.json``
and ``index.html`` with PASS/FAIL of every target per point into ``out`` and returns the metrics dict.
Pure numpy + scikit-learn (the classifier) + matplotlib; TensorFlow only to generate from a model.
"""

from __future__ import annotations


def make_reference(out, **options):
    """See ``fastsim_kernel.validation.reference.make_reference``."""
    from fastsim_kernel.validation.reference import make_reference as _make_reference

    return _make_reference(out, **options)


def validate(reference, candidate, out, **options) -> dict:
    """See ``fastsim_kernel.validation.report.validate``."""
    from fastsim_kernel.validation.report import validate as _validate

    return _validate(reference, candidate, out, **options)


__all__ = ["make_reference", "validate"]
