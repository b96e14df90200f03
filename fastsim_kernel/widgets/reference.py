"""The Geant4 reference beside the GAN: per-shower summaries that can be selected in an energy-angle window.

A ``ShowerSummaries`` holds, for every shower of a sample, its conditions (energy, angle), its x, y and z
projections and three numbers (sum/E, shower-maximum layer, measured angle). That is all the explorer draws
of Geant4, so a workspace sample and the small reference shipped with the package
(``g4_reference_25.npz``, made from the Geant4 training sample by ``python
scripts/make_g4_reference.py SAMPLE.h5 OUT.npz``) are used the same way.
"""

from __future__ import annotations

import dataclasses
import math
import os
from importlib import resources
from pathlib import Path

import numpy as np

from fastsim_kernel._atomic import atomic_path
from fastsim_kernel.data import Showers, iter_showers
from fastsim_kernel.errors import FastsimError
from fastsim_kernel.physics import max_position, measured_theta, projection, sampling_fraction

SHIPPED_REFERENCE = "g4_reference_25.npz"
AXES = ("x", "y", "z")
#: The explorer's window around the slider values: +-5 GeV and +-3 degrees.
ENERGY_WINDOW_GEV = 5.0
THETA_WINDOW_DEG = 3.0


@dataclasses.dataclass(frozen=True)
class ShowerSummaries:
    """Per-shower summaries of N showers.

    Attributes:
        energy: (N,) primary energy in GeV; theta: (N,) angle in radians.
        projections: axis ("x", "y", "z") -> (N, cells along that axis) energy in GeV.
        sum_over_e: (N,) deposited / primary energy; shower_max: (N,) layer of the z-projection maximum;
        measured_theta: (N,) angle from the layer barycentres in radians (NaN for < 2 non-empty layers).
        source: where the showers came from, for the legend and the status line.
    """

    energy: np.ndarray
    theta: np.ndarray
    projections: dict[str, np.ndarray]
    sum_over_e: np.ndarray
    shower_max: np.ndarray
    measured_theta: np.ndarray
    source: str = ""

    def __len__(self) -> int:
        return len(self.energy)

    @property
    def grid(self) -> tuple[int, int, int]:
        return tuple(self.projections[axis].shape[1] for axis in AXES)

    @classmethod
    def from_showers(cls, showers: Showers, *, source: str = "") -> ShowerSummaries:
        cells = showers.cells
        return cls(
            energy=np.asarray(showers.energy, np.float64),
            theta=np.asarray(showers.theta, np.float64),
            projections={axis: projection(cells, axis).astype(np.float32) for axis in AXES},
            sum_over_e=sampling_fraction(cells, showers.energy).astype(np.float64),
            shower_max=max_position(cells)[:, 2].astype(np.float64),
            measured_theta=measured_theta(cells).astype(np.float64),
            source=source,
        )

    @classmethod
    def from_file(cls, path: str | os.PathLike, *, chunk_size: int = 500) -> ShowerSummaries:
        """Summaries of every shower in a shower file, read in chunks (the file may exceed memory)."""
        parts = [cls.from_showers(chunk) for chunk in iter_showers(path, chunk_size=chunk_size)]
        if not parts:
            msg = f"{path}: holds no showers"
            raise FastsimError(msg)
        return cls.concatenate(parts, source=str(path))

    @classmethod
    def concatenate(cls, parts: list[ShowerSummaries], *, source: str) -> ShowerSummaries:
        joined = {
            field.name: np.concatenate([getattr(p, field.name) for p in parts])
            for field in dataclasses.fields(cls)
            if field.name not in ("projections", "source")
        }
        projections = {axis: np.concatenate([p.projections[axis] for p in parts]) for axis in AXES}
        return cls(projections=projections, source=source, **joined)

    def select(self, energy: float, theta: float, *, energy_window: float = ENERGY_WINDOW_GEV,
               theta_window_deg: float = THETA_WINDOW_DEG) -> ShowerSummaries:
        """The showers within ``energy_window`` GeV and ``theta_window_deg`` degrees of (energy GeV, theta rad)."""
        keep = (np.abs(self.energy - energy) <= energy_window) & (
            np.abs(np.degrees(self.theta - theta)) <= theta_window_deg
        )
        return dataclasses.replace(
            self,
            energy=self.energy[keep],
            theta=self.theta[keep],
            projections={axis: values[keep] for axis, values in self.projections.items()},
            sum_over_e=self.sum_over_e[keep],
            shower_max=self.shower_max[keep],
            measured_theta=self.measured_theta[keep],
        )

    def save(self, path: str | os.PathLike) -> Path:
        """Write a compressed .npz (projections as float16: 3 significant digits, a quarter of the size)."""
        arrays = {f"projection_{axis}": values.astype(np.float16) for axis, values in self.projections.items()}
        for name in ("energy", "theta", "sum_over_e", "shower_max", "measured_theta"):
            arrays[name] = getattr(self, name).astype(np.float32)
        path = Path(path)
        with atomic_path(path) as tmp, open(tmp, "wb") as handle:
            np.savez_compressed(handle, source=np.array(self.source), **arrays)
        return path

    @classmethod
    def load(cls, path: str | os.PathLike) -> ShowerSummaries:
        with np.load(path) as data:
            return cls(
                energy=data["energy"].astype(np.float64),
                theta=data["theta"].astype(np.float64),
                projections={axis: data[f"projection_{axis}"].astype(np.float32) for axis in AXES},
                sum_over_e=data["sum_over_e"].astype(np.float64),
                shower_max=data["shower_max"].astype(np.float64),
                measured_theta=data["measured_theta"].astype(np.float64),
                source=str(data["source"]),
            )


def shipped_reference_path() -> Path:
    """The small Geant4 reference shipped with the package (25x25x25, electrons, 8-110 GeV, 55-125 deg)."""
    return Path(str(resources.files("fastsim_kernel.widgets") / SHIPPED_REFERENCE))


def load_reference(sample: str | os.PathLike | None = None) -> ShowerSummaries | None:
    """The Geant4 reference: summaries of ``sample`` (a shower file) if given, else the shipped reference,
    else None."""
    if sample is not None:
        return ShowerSummaries.from_file(sample)
    shipped = shipped_reference_path()
    if not shipped.is_file():
        return None
    summaries = ShowerSummaries.load(shipped)
    return dataclasses.replace(summaries, source=f"shipped reference ({summaries.source})")


def mean_and_error(values: np.ndarray) -> tuple[float, float]:
    """Mean and standard error of the mean of the finite values (NaN, NaN when there are none)."""
    finite = np.asarray(values, np.float64)
    finite = finite[np.isfinite(finite)]
    if finite.size == 0:
        return math.nan, math.nan
    error = finite.std(ddof=1) / math.sqrt(finite.size) if finite.size > 1 else math.nan
    return float(finite.mean()), float(error)


def write_reference(sample: str | os.PathLike, out: str | os.PathLike) -> Path:
    """Write the summaries of every shower in ``sample`` to ``out`` (.npz): how the shipped reference is made."""
    summaries = ShowerSummaries.from_file(sample)
    summaries = dataclasses.replace(summaries, source=f"{len(summaries)} Geant4 showers, {Path(sample).name}")
    return summaries.save(out)
