"""HDF5 files in the public 3DGAN layout.

Three layouts are read:

* ours (written by ``write_hdf5``): ``ECAL`` (N, X, Y, Z) in GeV, ``energy`` (N,) GeV, ``theta`` (N,) rad,
  and the root attributes ``fastsim_format`` and ``metadata`` (JSON);
* the public variable-angle files: the same keys plus ``HCAL``/``eta``, cells stored as GeV x 50;
* the public fixed-angle files: ``ECAL`` and ``target`` with the primary energy in ``target[:, 1]``,
  normal incidence, cells in GeV.

Only our layout states its units. For the others the units are inferred from evidence, the keys and the
median sum of cells / primary energy of the first showers, and a file whose units cannot be told (implausible
or ambiguous) is refused until the caller states them (``units="GeV"``, ``"MeV"`` or ``"x50"``).
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

import h5py
import numpy as np

from fastsim_kernel._atomic import atomic_path
from fastsim_kernel.data.showers import (
    CELL_UNITS,
    PLAUSIBLE_SUM_OVER_E,
    Showers,
    check_arrays,
    check_units,
    median_sum_over_e,
    parse_metadata,
    plausible,
    require_file,
    unit_factor,
)
from fastsim_kernel.errors import FastsimError

FORMAT_VERSION = 1
#: keys found in the public variable-angle files beside ECAL, energy and theta (evidence of cells x 50)
PUBLIC_VARIABLE_ANGLE_KEYS = ("HCAL", "eta", "mtheta")
#: showers read to infer the units of a file that does not state them
UNITS_SAMPLE = 32
#: how each unit is described
_UNIT_TEXT = {
    "GeV": "cells in GeV",
    "MeV": "cells in MeV, divided by 1000",
    "x50": "cells stored as GeV x 50, divided by 50",
}


def write_hdf5(showers: Showers | Iterable[Showers], path: str | os.PathLike, *,
               compression: str | None = "lzf") -> Path:  # fmt: skip
    """Write ``showers`` to ``path`` atomically in our layout (cells in GeV).

    ``showers`` is one batch or an iterable of batches on the same grid (made chunk by chunk, so that a file
    larger than memory can be written); the metadata of the first batch is stored.
    """
    path = Path(path)
    batches = [showers] if isinstance(showers, Showers) else showers
    with atomic_path(path) as tmp, h5py.File(tmp, "w") as f:
        _write_into(f, batches, compression=compression)
    return path


def _write_into(f: h5py.File, batches: Iterable[Showers], *, compression: str | None) -> None:
    cells = None
    for part in batches:
        if cells is None:
            grid = part.grid
            cells = f.create_dataset("ECAL", shape=(0, *grid), maxshape=(None, *grid), dtype=np.float32,
                                     chunks=(1, *grid), compression=compression)  # fmt: skip
            energy = f.create_dataset("energy", shape=(0,), maxshape=(None,), dtype=np.float32)
            theta = f.create_dataset("theta", shape=(0,), maxshape=(None,), dtype=np.float32)
            f.attrs["fastsim_format"] = FORMAT_VERSION
            f.attrs["units"] = "GeV, rad"
            f.attrs["metadata"] = json.dumps(part.metadata, sort_keys=True)
        if part.grid != cells.shape[1:]:
            msg = f"{f.filename}: a batch on grid {part.grid} cannot join showers on grid {cells.shape[1:]}"
            raise FastsimError(msg)
        start, stop = cells.shape[0], cells.shape[0] + len(part)
        for dataset, values in ((cells, part.cells), (energy, part.energy), (theta, part.theta)):
            dataset.resize(stop, axis=0)
            dataset[start:stop] = values
    if cells is None:
        msg = f"{f.filename}: no shower batches to write"
        raise FastsimError(msg)


class _Layout:
    """How one open file maps onto ``Showers``: where the energy is, how cells are scaled, and why."""

    def __init__(self, f: h5py.File, path: Path, units: str | None) -> None:
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
        ours = "fastsim_format" in f.attrs
        self.metadata = parse_metadata(f.attrs["metadata"], source=str(path)) if "metadata" in f.attrs else {}
        if "energy" in keys:
            self.energy_ds, self.energy_col = f["energy"], None
        elif "target" in keys:
            self.energy_ds, self.energy_col = f["target"], 1
        else:
            self._fail("energy", "missing; expected 'energy' (N,) or the fixed-angle 'target' (N, 2+)")
        self.theta_ds = f["theta"] if "theta" in keys else None
        expected = (self.n,) if self.energy_col is None else (self.n, None)
        shape = self.energy_ds.shape
        if shape[0] != self.n or len(shape) != len(expected):
            self._fail(self.energy_ds.name.lstrip("/"), f"has shape {shape}; expected {expected} for N={self.n}")
        if self.theta_ds is not None and self.theta_ds.shape != (self.n,):
            self._fail("theta", f"has shape {self.theta_ds.shape}; expected ({self.n},)")
        if ours:
            layout, candidates = f"fastsim layout (format {f.attrs['fastsim_format']})", ("GeV",)
        elif self.energy_col is not None:
            layout, candidates = "public fixed-angle layout (ECAL, target)", ("GeV",)
        else:
            evidence = sorted(keys & set(PUBLIC_VARIABLE_ANGLE_KEYS))
            layout = f"public variable-angle layout (keys {', '.join(evidence)})" if evidence else "3DGAN keys"
            candidates = ("GeV", "x50") if evidence else ("GeV",)
        if units is not None:
            self.factor = unit_factor(units)
            self.assumed = f"{layout}: {_UNIT_TEXT[units]} (stated: --units {units})"
        elif ours:  # our files state their units
            self.factor, self.assumed = 1.0, f"{layout}: {_UNIT_TEXT['GeV']} (stated by the file)"
        else:
            self.factor, self.assumed = self._infer_units(layout, candidates)
        if not ours:
            self.metadata.setdefault("source", self.assumed)

    def _fail(self, key: str, what: str) -> None:
        msg = f"{self.path}: key {key!r} {what}"
        raise FastsimError(msg)

    def _infer_units(self, layout: str, candidates: tuple[str, ...]) -> tuple[float, str]:
        """The units in which the first showers' sum/E is plausible: exactly one candidate, or a refusal."""
        stored, count = self._stored(0, min(self.n, UNITS_SAMPLE))
        ratio = median_sum_over_e(*stored[:2])
        fits = [u for u in candidates if plausible(ratio * CELL_UNITS[u])]
        if len(fits) == 1:
            evidence = f"median sum/E {ratio * CELL_UNITS[fits[0]]:.3g} of the first {count} showers"
            return CELL_UNITS[fits[0]], f"{layout}: {_UNIT_TEXT[fits[0]]} ({evidence})"
        low, high = PLAUSIBLE_SUM_OVER_E
        readings = ", ".join(f"{ratio * CELL_UNITS[u]:.3g} if {u}" for u in candidates)
        why = "fits several units" if fits else "is implausible for a sampling calorimeter"
        msg = (
            f"{self.path}: {layout} does not state its cell units and the median sum of cells / primary energy"
            f" of its first {count} showers ({readings}) {why} (expected {low:g}-{high:g} with cells in GeV):"
            " state the units with --units GeV, MeV or x50"
        )
        raise FastsimError(msg)

    def _stored(self, start: int, stop: int) -> tuple[tuple[np.ndarray, np.ndarray, np.ndarray], int]:
        """Cells as stored, energy and theta of showers ``start:stop``, checked against the data contract."""
        try:
            cells = np.asarray(self.ecal[start:stop], dtype=np.float32)
            energy = self.energy_ds[start:stop]
        except OSError as err:  # truncated or corrupt chunk
            msg = f"{self.path}: cannot read showers {start}..{stop}: the file is corrupt or truncated ({err})"
            raise FastsimError(msg) from err
        if self.energy_col is not None:
            energy = energy[:, self.energy_col]
        if self.theta_ds is None:
            theta = np.full(stop - start, math.pi / 2, dtype=np.float32)
        else:
            theta = self.theta_ds[start:stop]
        check_arrays(cells, energy, theta, source=str(self.path))
        return (cells, energy, theta), len(cells)

    def read(self, start: int, stop: int) -> Showers:
        (cells, energy, theta), _ = self._stored(start, stop)
        if self.factor != 1.0:
            cells *= np.float32(self.factor)
        showers = Showers(cells, energy, theta, self.metadata)
        check_units(showers, source=str(self.path))
        return showers


def _open(path: str | os.PathLike) -> h5py.File:
    path = Path(path)
    require_file(path)
    try:
        return h5py.File(path, "r")
    except OSError as err:
        msg = f"{path}: not a readable HDF5 file (corrupt or truncated?): {err}"
        raise FastsimError(msg) from err


def read_hdf5(path: str | os.PathLike, *, start: int = 0, stop: int | None = None,
              units: str | None = None) -> Showers:
    """Read showers ``start:stop`` from an HDF5 file in any of the supported layouts."""
    with _open(path) as f:
        layout = _Layout(f, Path(path), units)
        stop = layout.n if stop is None else min(stop, layout.n)
        return layout.read(start, stop)


def iter_hdf5(path: str | os.PathLike, *, chunk_size: int = 1000, units: str | None = None) -> Iterator[Showers]:
    """Yield the file's showers in chunks of ``chunk_size``; memory use is bounded by one chunk."""
    if chunk_size <= 0:
        msg = f"chunk_size must be > 0, got {chunk_size}"
        raise FastsimError(msg)
    with _open(path) as f:
        layout = _Layout(f, Path(path), units)
        for start in range(0, layout.n, chunk_size):
            yield layout.read(start, min(start + chunk_size, layout.n))


def count_hdf5(path: str | os.PathLike) -> tuple[int, tuple[int, ...]]:
    """Return (N, (X, Y, Z)) without reading the cells."""
    with _open(path) as f:
        ecal = f.get("ECAL")
        if not isinstance(ecal, h5py.Dataset) or ecal.ndim != 4:
            msg = f"{path}: key 'ECAL' missing or not an (N, X, Y, Z) cell array"
            raise FastsimError(msg)
        return ecal.shape[0], tuple(ecal.shape[1:])


def units_hdf5(path: str | os.PathLike, *, units: str | None = None) -> str:
    """The layout and cell units a read assumes, with the evidence."""
    with _open(path) as f:
        return _Layout(f, Path(path), units).assumed
