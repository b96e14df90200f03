"""A text summary of a shower file, computed chunk by chunk (files larger than memory are fine)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from fastsim_kernel.data import assumed_units, count_showers, iter_showers


def summarise(path: str | os.PathLike, *, chunk_size: int = 2000, units: str | None = None) -> str:
    """Keys, shapes, the layout and units assumed, N, energy and angle ranges, and sum/E statistics, as text."""
    path = Path(path)
    n, grid = count_showers(path)
    assumed = assumed_units(path, units=units)
    energy, theta, frac, metadata = [], [], [], {}
    for chunk in iter_showers(path, chunk_size=chunk_size, units=units):
        energy.append(chunk.energy)
        theta.append(chunk.theta)
        frac.append(chunk.cells.sum(axis=(1, 2, 3), dtype=np.float64) / chunk.energy)
        metadata = chunk.metadata
    lines = [f"file      {path}", f"layout    {_layout(path)}", f"assumed   {assumed}", f"showers   {n}"]
    lines.append(f"grid      {'x'.join(map(str, grid))}")
    if n:
        e, t, f = np.concatenate(energy), np.degrees(np.concatenate(theta)), np.concatenate(frac)
        lines += [
            f"energy    {e.min():.2f} .. {e.max():.2f} GeV (mean {e.mean():.2f})",
            f"theta     {t.min():.2f} .. {t.max():.2f} deg (mean {t.mean():.2f})",
            f"sum/E     mean {f.mean():.5f}  std {f.std():.5f}  min {f.min():.5f}  max {f.max():.5f}",
        ]
    for key in ("physics", "particle", "seed", "spectrum", "software", "geometry", "source", "model"):
        if key in metadata:
            lines.append(f"{key:<9} {_short(metadata[key])}")
    return "\n".join(lines)


def _layout(path: Path) -> str:
    if path.suffix.lower() == ".root":
        import uproot

        with uproot.open(path) as f:
            tree = f["showers"]
            return "ROOT TTree 'showers': " + ", ".join(
                f"{b.name} {b.interpretation.numpy_dtype}" for b in tree.branches
            )
    import h5py

    with h5py.File(path, "r") as f:
        return "HDF5: " + ", ".join(f"{k} {f[k].shape} {f[k].dtype}" for k in f)


def _short(value) -> str:
    text = json.dumps(value, sort_keys=True) if not isinstance(value, str) else value
    return text if len(text) <= 200 else text[:197] + "..."


__all__ = ["summarise"]
