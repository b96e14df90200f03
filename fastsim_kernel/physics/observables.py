"""Shower observables: pure numpy functions over cell arrays.

Conventions: ``cells`` has shape (N, X, Y, Z) in GeV, Z is the depth (layer) axis; ``energy`` is the primary
energy in GeV, shape (N,). Positions are in cell (or layer) index units unless a pitch is given. The incident
angle tilts the shower in the y-z plane: a particle with polar angle theta moves along (0, cos theta, sin theta)
with z the depth, so theta = pi/2 is normal incidence and theta < pi/2 drifts towards +y.
"""

from __future__ import annotations

import numpy as np

#: Hit threshold of the reference analysis, in GeV.
HIT_THRESHOLD_GEV = 3e-4
#: CLIC-like ECAL pitches: 5.1 mm cells, 25 layers of 3.5 mm W + 0.5 mm Si (the g4 geometry's defaults).
CELL_PITCH_MM = 5.1
LAYER_PITCH_MM = 4.0

_AXES = {"x": 1, "y": 2, "z": 3}


def total_energy(cells: np.ndarray) -> np.ndarray:
    """Deposited energy per shower: (N, X, Y, Z) -> (N,)."""
    return cells.sum(axis=(1, 2, 3), dtype=np.float64)


def sampling_fraction(cells: np.ndarray, energy: np.ndarray) -> np.ndarray:
    """Deposited over primary energy per shower: (N, X, Y, Z), (N,) -> (N,)."""
    return total_energy(cells) / np.asarray(energy, dtype=np.float64)


def projection(cells: np.ndarray, axis: str) -> np.ndarray:
    """Energy deposited in each plane normal to ``axis`` ('x', 'y' or 'z'): (N, X, Y, Z) -> (N, size of axis).

    These are the weighted x, y, z histograms of the CERN openlab talk's figure; the z projection is the
    longitudinal profile.
    """
    keep = _axis_index(axis)
    others = tuple(a for a in (1, 2, 3) if a != keep)
    return cells.sum(axis=others, dtype=np.float64)


def layer_energy(cells: np.ndarray) -> np.ndarray:
    """Energy per layer, the longitudinal profile: (N, X, Y, Z) -> (N, Z)."""
    return projection(cells, "z")


def transverse_profile(cells: np.ndarray) -> np.ndarray:
    """Energy in rings of integer radius (in cells) around each layer's barycentre, summed over layers.

    (N, X, Y, Z) -> (N, R) with R = ceil of the half diagonal of the transverse grid; the last ring
    also holds everything further out.
    """
    n, nx, ny, _ = cells.shape
    bx, by = (np.nan_to_num(b) for b in layer_barycentres(cells))  # (N, Z); empty layers hold no energy
    ix = np.arange(nx)[None, :, None, None]
    iy = np.arange(ny)[None, None, :, None]
    radius = np.hypot(ix - bx[:, None, None, :], iy - by[:, None, None, :])
    n_rings = int(np.ceil(np.hypot(nx, ny) / 2))
    ring = np.minimum(np.floor(radius).astype(np.int64), n_rings - 1)  # the last ring collects the overflow
    flat = ring + n_rings * np.arange(n)[:, None, None, None]
    profile = np.bincount(flat.ravel(), weights=cells.ravel(), minlength=n * n_rings)
    return profile.reshape(n, n_rings)


def moments(cells: np.ndarray, axis: str) -> tuple[np.ndarray, np.ndarray]:
    """First moment (energy-weighted mean position) and second moment (RMS width) along ``axis``.

    (N, X, Y, Z) -> ((N,), (N,)) in cell units; empty showers give NaN.
    """
    profile = projection(cells, axis)
    pos = np.arange(profile.shape[1], dtype=np.float64)
    total = profile.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = (profile * pos).sum(axis=1) / total
        var = (profile * (pos[None, :] - mean[:, None]) ** 2).sum(axis=1) / total
    return mean, np.sqrt(np.maximum(var, 0.0))


def hit_multiplicity(cells: np.ndarray, *, threshold: float = HIT_THRESHOLD_GEV) -> np.ndarray:
    """Number of cells above ``threshold`` GeV per shower: (N, X, Y, Z) -> (N,) int."""
    return np.count_nonzero(cells > threshold, axis=(1, 2, 3))


def cell_spectrum(cells: np.ndarray, *, threshold: float = HIT_THRESHOLD_GEV) -> np.ndarray:
    """Energies of all cells above ``threshold`` GeV, pooled over showers: (N, X, Y, Z) -> (hits,)."""
    return cells[cells > threshold].astype(np.float64)


def max_position(cells: np.ndarray) -> np.ndarray:
    """Index of the maximum of the x, y and z projections per shower: (N, X, Y, Z) -> (N, 3) int."""
    return np.stack([projection(cells, a).argmax(axis=1) for a in ("x", "y", "z")], axis=1)


def layer_barycentres(cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Energy-weighted x and y barycentre of every layer: (N, X, Y, Z) -> ((N, Z), (N, Z)); empty layers NaN."""
    ex = cells.sum(axis=2, dtype=np.float64)  # (N, X, Z)
    ey = cells.sum(axis=1, dtype=np.float64)  # (N, Y, Z)
    total = ex.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        bx = (ex * np.arange(ex.shape[1])[None, :, None]).sum(axis=1) / total
        by = (ey * np.arange(ey.shape[1])[None, :, None]).sum(axis=1) / total
    return bx, by


def layer_widths(cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Energy-weighted RMS width in x and in y of every layer, in cells: (N, X, Y, Z) -> ((N, Z), (N, Z)).

    The width is taken around the layer's own barycentre (``layer_barycentres``); empty layers give NaN.
    """
    ex = cells.sum(axis=2, dtype=np.float64)  # (N, X, Z)
    ey = cells.sum(axis=1, dtype=np.float64)  # (N, Y, Z)
    bx, by = layer_barycentres(cells)
    x = np.arange(ex.shape[1], dtype=np.float64)[None, :, None]
    y = np.arange(ey.shape[1], dtype=np.float64)[None, :, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        var_x = (ex * (x - bx[:, None, :]) ** 2).sum(axis=1) / ex.sum(axis=1)
        var_y = (ey * (y - by[:, None, :]) ** 2).sum(axis=1) / ey.sum(axis=1)
    return np.sqrt(np.maximum(var_x, 0.0)), np.sqrt(np.maximum(var_y, 0.0))


def measured_theta(
    cells: np.ndarray,
    *,
    cell_pitch_mm: float = CELL_PITCH_MM,
    layer_pitch_mm: float = LAYER_PITCH_MM,
) -> np.ndarray:
    """Incident angle in radians measured from the per-layer y barycentres: (N, X, Y, Z) -> (N,).

    A straight line y(z) is fitted to the layer barycentres, weighted by layer energy; the angle is
    pi/2 - atan(dy/dz) with both in mm. A shower with fewer than two non-empty layers gives NaN.
    """
    _, by = layer_barycentres(cells)
    weight = layer_energy(cells)
    weight = np.where(np.isfinite(by), weight, 0.0)
    by = np.where(np.isfinite(by), by, 0.0) * cell_pitch_mm
    z = np.arange(cells.shape[3], dtype=np.float64)[None, :] * layer_pitch_mm
    w_sum = weight.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        z_mean = (weight * z).sum(axis=1) / w_sum
        y_mean = (weight * by).sum(axis=1) / w_sum
        dz = z - z_mean[:, None]
        slope = (weight * dz * (by - y_mean[:, None])).sum(axis=1) / (weight * dz**2).sum(axis=1)
    theta = np.pi / 2 - np.arctan(slope)
    theta[np.count_nonzero(weight > 0, axis=1) < 2] = np.nan
    return theta


def _axis_index(axis: str) -> int:
    try:
        return _AXES[axis]
    except KeyError:
        msg = f"axis must be one of 'x', 'y', 'z', got {axis!r}"
        raise ValueError(msg) from None
