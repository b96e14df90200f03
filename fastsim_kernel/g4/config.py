"""Configuration of a simulation: the calorimeter geometry and the particle gun, one frozen dataclass each.

Lengths are in mm, energies in GeV, angles in degrees (the user-facing unit; the ``Showers`` container
stores radians). Both objects validate themselves on construction and raise ``FastsimError`` naming the
bad value and what was expected.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from fastsim_kernel.errors import FastsimError

#: The cell grids of the public 3DGAN samples: variable angle (51x51x25) and fixed angle (25x25x25).
ACCEPTED_GRIDS = ((51, 51, 25), (25, 25, 25))

PARTICLES = ("e-", "gamma", "pi-")
SPECTRA = ("flat", "log")
ENERGY_LIMITS_GEV = (2.0, 500.0)


def _grid_name(grid: Sequence[int]) -> str:
    return "x".join(str(n) for n in grid)


def parse_grid(grid: str | Sequence[int]) -> tuple[int, int, int]:
    """Turn ``"51x51x25"`` or ``(51, 51, 25)`` into an (X, Y, Z) tuple, one of ``ACCEPTED_GRIDS``."""
    accepted = ", ".join(_grid_name(g) for g in ACCEPTED_GRIDS)
    try:
        parts = grid.lower().split("x") if isinstance(grid, str) else list(grid)
        value = tuple(int(p) for p in parts)
    except (TypeError, ValueError):
        value = None
    if value not in ACCEPTED_GRIDS:
        msg = f"unknown grid {grid!r}: expected one of {accepted} (cells in x, y and layers)"
        raise FastsimError(msg)
    return value  # type: ignore[return-value]


@dataclasses.dataclass(frozen=True)
class GeometryConfig:
    """A CLIC-like silicon-tungsten ECAL: ``n_layers`` of absorber followed by a silicon sensor.

    The sensors are read out in a window of ``cells_x`` x ``cells_y`` square cells centred on the
    calorimeter axis; absorber and silicon continue outside the window over ``transverse_mm`` so the
    shower develops in material there too. Only energy deposited in the silicon cells is scored.

    Attributes:
        cells_x, cells_y: cells of the readout window along x and y.
        n_layers: number of absorber + sensor layers (the Z axis of the cell grid).
        cell_mm: cell pitch in x and y.
        absorber_mm: absorber thickness per layer.
        sensor_mm: silicon thickness per layer.
        transverse_mm: full transverse size of the absorber and silicon planes (grown when needed so that
            a slanted particle still starts inside them).
        production_cut_mm: Geant4 range cut for secondary production.
        absorber_material, sensor_material: Geant4 NIST material names.
    """

    cells_x: int = 51
    cells_y: int = 51
    n_layers: int = 25
    cell_mm: float = 5.1
    absorber_mm: float = 3.5
    sensor_mm: float = 0.5
    transverse_mm: float = 1000.0
    production_cut_mm: float = 0.7
    absorber_material: str = "G4_W"
    sensor_material: str = "G4_Si"

    def __post_init__(self) -> None:
        parse_grid(self.grid)
        for name in ("cell_mm", "absorber_mm", "sensor_mm", "transverse_mm", "production_cut_mm"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
                msg = f"GeometryConfig.{name} must be a positive length in mm, got {value!r}"
                raise FastsimError(msg)

    @classmethod
    def from_grid(cls, grid: str | Sequence[int], **overrides: Any) -> GeometryConfig:
        """The default geometry with the readout window and layer count of ``grid`` ("51x51x25")."""
        x, y, z = parse_grid(grid)
        return cls(cells_x=x, cells_y=y, n_layers=z, **overrides)

    @property
    def grid(self) -> tuple[int, int, int]:
        """The (X, Y, Z) cell grid."""
        return (self.cells_x, self.cells_y, self.n_layers)

    @property
    def layer_pitch_mm(self) -> float:
        return self.absorber_mm + self.sensor_mm

    @property
    def depth_mm(self) -> float:
        """Total depth of the calorimeter."""
        return self.n_layers * self.layer_pitch_mm

    def to_dict(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "grid": _grid_name(self.grid)}


def parse_range(value: str | float | Sequence[float], *, name: str, unit: str) -> tuple[float, float]:
    """``"10:200"`` or ``(10, 200)`` -> (10.0, 200.0); ``"50"`` or ``50`` -> (50.0, 50.0) (a fixed value)."""
    try:
        if isinstance(value, str):
            parts = value.split(":")
            if len(parts) > 2:
                raise ValueError(value)
            low, high = float(parts[0]), float(parts[-1])
        elif isinstance(value, (int, float)):
            low = high = float(value)
        else:
            low, high = (float(v) for v in value)
    except (TypeError, ValueError):
        msg = f"{name} {value!r} is not a value or a LOW:HIGH range in {unit}"
        raise FastsimError(msg) from None
    if not (math.isfinite(low) and math.isfinite(high)) or low > high:
        msg = f"{name} range {value!r} must be finite with LOW <= HIGH ({unit})"
        raise FastsimError(msg)
    return low, high


@dataclasses.dataclass(frozen=True)
class GunConfig:
    """The particle gun: particle type, energy spectrum and polar angle range.

    Attributes:
        particle: "e-" (default), "gamma" or "pi-".
        energy_gev: (low, high) primary energy in GeV, within 2-500; low == high is a fixed energy.
        spectrum: "flat" (uniform in E) or "log" (uniform in log E).
        theta_deg: (low, high) polar angle in degrees, inside (0, 180); 90 is normal incidence. The
            direction lies in the y-z plane, (0, cos theta, sin theta) with z the depth axis, and the gun is
            aimed so that the shower axis crosses the window centre at the middle layer.
    """

    particle: str = "e-"
    energy_gev: tuple[float, float] = (10.0, 100.0)
    spectrum: str = "flat"
    theta_deg: tuple[float, float] = (60.0, 120.0)

    def __post_init__(self) -> None:
        energy = parse_range(self.energy_gev, name="energy", unit="GeV")
        theta = parse_range(self.theta_deg, name="theta", unit="degrees")
        object.__setattr__(self, "energy_gev", energy)
        object.__setattr__(self, "theta_deg", theta)
        if self.particle not in PARTICLES:
            msg = f"unknown particle {self.particle!r}: expected one of {', '.join(PARTICLES)}"
            raise FastsimError(msg)
        if self.spectrum not in SPECTRA:
            msg = f"unknown spectrum {self.spectrum!r}: expected one of {', '.join(SPECTRA)}"
            raise FastsimError(msg)
        low, high = ENERGY_LIMITS_GEV
        if energy[0] <= 0 or energy[0] < low or energy[1] > high:
            msg = f"energy {_range_text(energy)} GeV is outside the supported range {low:g}-{high:g} GeV"
            raise FastsimError(msg)
        if theta[0] <= 0 or theta[1] >= 180:
            msg = f"theta {_range_text(theta)} degrees must lie strictly between 0 and 180 (90 = normal incidence)"
            raise FastsimError(msg)

    def sample(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Draw ``n`` primaries: energies in GeV and polar angles in degrees, float64 arrays of shape (n,)."""
        e_low, e_high = self.energy_gev
        if self.spectrum == "log":
            energy = np.exp(rng.uniform(math.log(e_low), math.log(e_high), n))
        else:
            energy = rng.uniform(e_low, e_high, n)
        theta = rng.uniform(*self.theta_deg, n)
        return energy, theta

    def to_dict(self) -> dict[str, Any]:
        return {
            "particle": self.particle,
            "energy_gev": list(self.energy_gev),
            "spectrum": self.spectrum,
            "theta_deg": list(self.theta_deg),
        }


def _range_text(value: tuple[float, float]) -> str:
    return f"{value[0]:g}" if value[0] == value[1] else f"{value[0]:g}:{value[1]:g}"
