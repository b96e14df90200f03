"""ROOT files through uproot: a TTree ``showers`` with fixed-size array branches, readable by PyROOT.

Branches: ``ECAL`` float[X][Y][Z] in GeV, ``energy`` float (GeV), ``theta`` float (rad). The provenance is
stored beside the tree as a TObjString ``metadata`` holding JSON. The layout is ours, so the file states its
units (GeV) unless the caller states others (``units="MeV"`` or ``"x50"``).
"""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
import uproot

from fastsim_kernel._atomic import atomic_path
from fastsim_kernel.data.showers import Showers, check_arrays, check_units, parse_metadata, require_file, unit_factor
from fastsim_kernel.errors import FastsimError

TREE = "showers"


def write_root(showers: Showers | Iterable[Showers], path: str | os.PathLike, *, basket_size: int = 1000) -> Path:
    """Write ``showers`` (one batch or an iterable of batches) to a ROOT file atomically, as a ``mktree`` TTree."""
    path = Path(path)
    batches = iter([showers] if isinstance(showers, Showers) else showers)
    first = next(batches, None)
    if first is None:
        msg = f"{path}: no shower batches to write"
        raise FastsimError(msg)
    cell_type = np.dtype((np.float32, first.grid))
    with atomic_path(path) as tmp, uproot.recreate(tmp) as f:
        tree = f.mktree(TREE, {"ECAL": cell_type, "energy": np.float32, "theta": np.float32})
        for batch in itertools.chain([first], batches):
            if batch.grid != first.grid:
                msg = f"{path}: a batch on grid {batch.grid} cannot join showers on grid {first.grid}"
                raise FastsimError(msg)
            for start in range(0, len(batch), basket_size):
                part = batch[start : start + basket_size]
                tree.extend({"ECAL": part.cells, "energy": part.energy, "theta": part.theta})
        f["metadata"] = json.dumps(first.metadata, sort_keys=True)
    return path


def _open_tree(path: Path):
    require_file(path)
    try:
        f = uproot.open(path)
    except Exception as err:  # uproot raises assorted errors on garbage
        msg = f"{path}: not a readable ROOT file (corrupt or truncated?): {err}"
        raise FastsimError(msg) from err
    try:
        if TREE not in f:
            msg = f"{path}: key {TREE!r} missing; expected a TTree {TREE!r}, found {sorted(f.keys(cycle=False))}"
            raise FastsimError(msg)
        tree = f[TREE]
        missing = {"ECAL", "energy", "theta"} - set(tree.keys())
        if missing:
            msg = f"{path}: tree {TREE!r} lacks branches {sorted(missing)}; expected ECAL, energy, theta"
            raise FastsimError(msg)
        metadata = parse_metadata(str(f["metadata"]), source=str(path)) if "metadata" in f else {}
    except BaseException:
        f.close()
        raise
    return f, tree, metadata


def _to_showers(arrays: dict, metadata: dict, path: Path, factor: float) -> Showers:
    check_arrays(arrays["ECAL"], arrays["energy"], arrays["theta"], source=str(path))
    cells = arrays["ECAL"] if factor == 1.0 else arrays["ECAL"] * np.float32(factor)
    showers = Showers(cells, arrays["energy"], arrays["theta"], metadata)
    check_units(showers, source=str(path))
    return showers


def _factor(units: str | None) -> float:
    return 1.0 if units is None else unit_factor(units)


def read_root(path: str | os.PathLike, *, start: int = 0, stop: int | None = None,
              units: str | None = None) -> Showers:
    """Read showers ``start:stop`` from a ROOT file written by ``write_root``."""
    path = Path(path)
    factor = _factor(units)
    f, tree, metadata = _open_tree(path)
    with f:
        arrays = tree.arrays(["ECAL", "energy", "theta"], entry_start=start, entry_stop=stop, library="np")
        return _to_showers(arrays, metadata, path, factor)


def iter_root(path: str | os.PathLike, *, chunk_size: int = 1000, units: str | None = None) -> Iterator[Showers]:
    """Yield showers in chunks of ``chunk_size`` entries."""
    if chunk_size <= 0:
        msg = f"chunk_size must be > 0, got {chunk_size}"
        raise FastsimError(msg)
    path = Path(path)
    factor = _factor(units)
    f, tree, metadata = _open_tree(path)
    with f:
        for arrays in tree.iterate(["ECAL", "energy", "theta"], step_size=chunk_size, library="np"):
            yield _to_showers(arrays, metadata, path, factor)


def count_root(path: str | os.PathLike) -> tuple[int, tuple[int, ...]]:
    """Return (N, grid) without reading the cells."""
    path = Path(path)
    f, tree, _ = _open_tree(path)
    with f:
        inner = tree["ECAL"].interpretation.inner_shape
        return int(tree.num_entries), tuple(int(d) for d in inner)


def units_root(path: str | os.PathLike, *, units: str | None = None) -> str:
    """The layout and cell units a read assumes."""
    path = Path(path)
    f, _, _ = _open_tree(path)
    f.close()
    if units is None:
        return f"fastsim ROOT tree {TREE!r}: cells in GeV (stated by the layout)"
    return f"fastsim ROOT tree {TREE!r}: cells scaled by {unit_factor(units):g} to GeV (stated: --units {units})"
