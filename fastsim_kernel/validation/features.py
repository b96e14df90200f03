"""Per-shower feature vectors for the classifier test (CaloChallenge style).

High level: sampling fraction, log deposited energy, layer-energy fractions, x/y/z first and second moments,
hit multiplicity, position of the maximum, measured angle. Low level: the cells summed in blocks of
``block`` cells per axis, divided by the primary energy (cheap stand-in for the full 15k-cell vector).
"""

from __future__ import annotations

import numpy as np

from fastsim_kernel.data import Showers
from fastsim_kernel.physics import (
    hit_multiplicity,
    layer_energy,
    max_position,
    measured_theta,
    moments,
    sampling_fraction,
    total_energy,
)


def high_level_features(showers: Showers) -> np.ndarray:
    """(N, X, Y, Z) showers -> (N, F) float64 features; NaN where undefined (empty layers/showers)."""
    cells = showers.cells
    total = total_energy(cells)
    with np.errstate(divide="ignore", invalid="ignore"):
        layer_fraction = layer_energy(cells) / total[:, None]
        log_total = np.log(total)
    columns = [sampling_fraction(cells, showers.energy)[:, None], log_total[:, None], layer_fraction]
    for axis in ("x", "y", "z"):
        columns += [m[:, None] for m in moments(cells, axis)]
    columns += [hit_multiplicity(cells)[:, None], max_position(cells), measured_theta(cells)[:, None]]
    features = np.concatenate([np.asarray(c, dtype=np.float64) for c in columns], axis=1)
    features[~np.isfinite(features)] = np.nan
    return features


def low_level_features(showers: Showers, *, block: int = 5) -> np.ndarray:
    """Cells summed over ``block``^3 blocks, over the primary energy: (N, X, Y, Z) -> (N, ceil(X/b)*...)."""
    cells = showers.cells
    n, nx, ny, nz = cells.shape
    pad = [(0, 0)] + [(0, (-size) % block) for size in (nx, ny, nz)]
    padded = np.pad(cells, pad)
    bx, by, bz = (s // block for s in padded.shape[1:])
    blocks = padded.reshape(n, bx, block, by, block, bz, block).sum(axis=(2, 4, 6), dtype=np.float64)
    return blocks.reshape(n, -1) / showers.energy[:, None]
