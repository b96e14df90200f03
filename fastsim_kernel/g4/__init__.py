"""Geant4 full simulation of a CLIC-like silicon-tungsten ECAL (extra ``g4``: geant4-pybind).

``simulate`` returns showers in memory, ``simulate_to_file`` writes them resumably. Geant4 itself only
ever runs in worker processes: importing this package imports neither geant4_pybind nor any Geant4 state.
"""

from __future__ import annotations

from fastsim_kernel.g4.config import ACCEPTED_GRIDS, GeometryConfig, GunConfig, parse_grid
from fastsim_kernel.g4.simulate import simulate, simulate_to_file

__all__ = ["ACCEPTED_GRIDS", "GeometryConfig", "GunConfig", "parse_grid", "simulate", "simulate_to_file"]
