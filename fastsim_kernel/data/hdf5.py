"""HDF5 files in the public 3DGAN layout.

Three layouts are read:

* ours (written by ``write_hdf5``): ``ECAL`` (N, X, Y, Z) in GeV, ``energy`` (N,) GeV, ``theta`` (N,) rad,
  and the root attributes ``fastsim_format`` and ``metadata`` (JSON);
* the public variable-angle files: the same keys, cells stored as GeV x 50, converted on read;
* the public fixed-angle files: ``ECAL`` and ``target`` with the primary energy in ``target[:, 1]``,
  normal incidence.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterator
from pathlib import Path

import h5py
import numpy as np

from fastsim_kernel._atomic import atomic_path
from fastsim_kernel.data.showers import Showers, check_arrays, check_units, parse_metadata
from fastsim_kernel.errors import FastsimError

FORMAT_VERSION = 1
#: public variable-angle files store cell energies as GeV x 50
PUBLIC_VARIABLE_ANGLE_SCALE = 50.0


def write_hdf5(showers: Showers, path: str | os.PathLike, *, compression: str | None = "lzf") -> Path:
    """Write ``showers`` to ``path`` atomically in our layout (cells in GeV)."""
    path = Path(path)
    with atomic_path(path) as tmp, h5py.File(tmp, "w") as f:
        _write_into(f, showers, compression=compression)
    return path


def _write_into(f: h5py.File, showers: Showers, *, compression: str | None) -> None:
    chunks = (1, *showers.grid) if len(showers) else None
    f.create_dataset("ECAL", data=showers.cells, compression=compression, chunks=chunks)
    f.create_dataset("energy", data=showers.energy)
    f.create_dataset("theta", data=showers.theta)
    f.attrs["fastsim_format"] = FORMAT_VERSION
    f.attrs["units"] = "GeV, rad"
    f.attrs["metadata"] = json.dumps(showers.metadata, sort_keys=True)


class _Layout:
    """How one open file maps onto ``Showers``: where the energy is and how cells are scaled."""

    def __init__(self, f: h5py.File, path: Path) -> None:
        self.path = path
        keys = set(f.keys())
        if "ECAL" not in keys:
            self._fail("ECAL", f"missing; expected an (N, X, Y, Z) cell array; keys present: {sorted(keys)}")
        self.ecal = f["ECAL"]
        if self.ecal.ndim != 4:
            self._fail("ECAL", f"has shape {self.ecal.shape}; expected (N, X, Y, Z)")
        if not np.issubdtype(self.ecal.dtype, np.floating):
            self._fail("ECAL", f"has dtype {self.ecal.dtype}; expected floating point")
        self.n = self.ecal.shape[0]
        self.ours = "fastsim_format" in f.attrs
        self.metadata = parse_metadata(f.attrs["metadata"], source=str(path)) if "metadata" in f.attrs else {}
        if "energy" in keys:
            self.energy_ds, self.energy_col = f["energy"], None
            self.scale = 1.0 if self.ours else PUBLIC_VARIABLE_ANGLE_SCALE
        elif "target" in keys:
            self.energy_ds, self.energy_col = f["target"], 1
            self.scale = 1.0
        else:
            self._fail("energy", "missing; expected 'energy' (N,) or the fixed-angle 'target' (N, 2+)")
        self.theta_ds = f["theta"] if "theta" in keys else None
        expected = (self.n,) if self.energy_col is None else (self.n, None)
        shape = self.energy_ds.shape
        if shape[0] != self.n or len(shape) != len(expected):
            self._fail(self.energy_ds.name.lstrip("/"), f"has shape {shape}; expected {expected} for N={self.n}")
        if self.theta_ds is not None and self.theta_ds.shape != (self.n,):
            self._fail("theta", f"has shape {self.theta_ds.shape}; expected ({self.n},)")
        if not self.ours:
            self.metadata.setdefault("source", "public 3DGAN layout")

    def _fail(self, key: str, what: str) -> None:
        msg = f"{self.path}: key {key!r} {what}"
        raise FastsimError(msg)

    def read(self, start: int, stop: int) -> Showers:
        try:
            cells = np.asarray(self.ecal[start:stop], dtype=np.float32)
            energy = self.energy_ds[start:stop]
        except OSError as err:  # truncated or corrupt chunk
            msg = f"{self.path}: cannot read showers {start}..{stop}: the file is corrupt or truncated ({err})"
            raise FastsimError(msg) from err
        if self.energy_col is not None:
            energy = energy[:, self.energy_col]
        if self.scale != 1.0:
            cells /= self.scale
        if self.theta_ds is None:
            theta = np.full(stop - start, math.pi / 2, dtype=np.float32)
        else:
            theta = self.theta_ds[start:stop]
        check_arrays(cells, energy, theta, source=str(self.path))
        showers = Showers(cells, energy, theta, self.metadata)
        check_units(showers, source=str(self.path))
        return showers


def _open(path: str | os.PathLike) -> h5py.File:
    path = Path(path)
    if not path.is_file():
        msg = f"{path}: no such file"
        raise FastsimError(msg)
    try:
        return h5py.File(path, "r")
    except OSError as err:
        msg = f"{path}: not a readable HDF5 file (corrupt or truncated?): {err}"
        raise FastsimError(msg) from err


def read_hdf5(path: str | os.PathLike, *, start: int = 0, stop: int | None = None) -> Showers:
    """Read showers ``start:stop`` from an HDF5 file in any of the supported layouts."""
    with _open(path) as f:
        layout = _Layout(f, Path(path))
        stop = layout.n if stop is None else min(stop, layout.n)
        return layout.read(start, stop)


def iter_hdf5(path: str | os.PathLike, *, chunk_size: int = 1000) -> Iterator[Showers]:
    """Yield the file's showers in chunks of ``chunk_size``; memory use is bounded by one chunk."""
    if chunk_size <= 0:
        msg = f"chunk_size must be > 0, got {chunk_size}"
        raise FastsimError(msg)
    with _open(path) as f:
        layout = _Layout(f, Path(path))
        for start in range(0, layout.n, chunk_size):
            yield layout.read(start, min(start + chunk_size, layout.n))


def count_hdf5(path: str | os.PathLike) -> tuple[int, tuple[int, ...]]:
    """Return (N, (X, Y, Z)) without reading the cells."""
    with _open(path) as f:
        layout = _Layout(f, Path(path))
        return layout.n, tuple(layout.ecal.shape[1:])
