"""Shower data: the ``Showers`` container and its file formats (HDF5, ROOT), chosen by file suffix."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from fastsim_kernel.data.hdf5 import count_hdf5, iter_hdf5, read_hdf5, units_hdf5, write_hdf5
from fastsim_kernel.data.root import count_root, iter_root, read_root, units_root, write_root
from fastsim_kernel.data.showers import CELL_UNITS, Showers
from fastsim_kernel.errors import FastsimError

__all__ = ["CELL_UNITS", "Showers", "assumed_units", "count_showers", "iter_showers", "read_showers", "write_showers"]

_HDF5 = {".h5", ".hdf5"}
_ROOT = {".root"}


def _format(path: str | os.PathLike) -> str:
    suffix = Path(path).suffix.lower()
    if suffix in _HDF5:
        return "hdf5"
    if suffix in _ROOT:
        return "root"
    msg = f"{path}: unknown file type {suffix!r}; expected one of .h5, .hdf5, .root"
    raise FastsimError(msg)


def read_showers(path: str | os.PathLike, *, start: int = 0, stop: int | None = None,
                 units: str | None = None) -> Showers:
    """Read showers from an HDF5 or ROOT file (by suffix), checking the data contract.

    ``units`` states how the file stores its cells ("GeV", "MeV" or "x50"); by default they are
    inferred from the layout and the evidence (see ``assumed_units``), or the file is refused.
    """
    reader = read_hdf5 if _format(path) == "hdf5" else read_root
    return reader(path, start=start, stop=stop, units=units)


def iter_showers(path: str | os.PathLike, *, chunk_size: int = 1000, units: str | None = None) -> Iterator[Showers]:
    """Yield showers in chunks, for files larger than memory (``units`` as in ``read_showers``)."""
    reader = iter_hdf5 if _format(path) == "hdf5" else iter_root
    return reader(path, chunk_size=chunk_size, units=units)


def count_showers(path: str | os.PathLike) -> tuple[int, tuple[int, ...]]:
    """Return (N, grid) of a file without reading its cells."""
    counter = count_hdf5 if _format(path) == "hdf5" else count_root
    return counter(path)


def assumed_units(path: str | os.PathLike, *, units: str | None = None) -> str:
    """Which layout and cell units a read of ``path`` assumes, and on what evidence (one line)."""
    describe = units_hdf5 if _format(path) == "hdf5" else units_root
    return describe(path, units=units)


def write_showers(showers: Showers | Iterable[Showers], path: str | os.PathLike) -> Path:
    """Write showers atomically; the format follows the suffix (.h5/.hdf5 or .root).

    ``showers`` is one batch, or an iterable of batches on one grid (written as they come: larger than memory).
    """
    writer = write_hdf5 if _format(path) == "hdf5" else write_root
    return writer(showers, path)
