"""The Geant4 application: detector, physics list, particle gun and scoring. Runs in worker processes only.

Importing this module imports geant4_pybind, so the process must have its dataset variables set first
(``fastsim_kernel.g4.worker`` does that). Per-step work stays in Geant4's C++: the silicon cells are
sensitive detectors scored by ``G4PSEnergyDeposit3D``; Python runs twice per event (set the primary,
read the ~10^2-10^3 hit cells) and never per step.

Frame: z is the depth axis with the calorimeter centred on the origin, the readout window is centred on
the z axis, and the primary travels along (0, cos theta, sin theta) through the origin, i.e. its axis
crosses the window centre at the middle layer.
"""

from __future__ import annotations

import ctypes
import math
from pathlib import Path

import numpy as np

from fastsim_kernel._extras import require
from fastsim_kernel.g4.config import GeometryConfig

g4 = require("geant4_pybind")

_PARTICLES = {"e-": "e-", "gamma": "gamma", "pi-": "pi-"}
_HITS = "ecal/edep"


def start_offset_mm(geometry: GeometryConfig, theta_deg: float) -> float:
    """y of the gun, 1 mm in front of the calorimeter, so that its line crosses the origin."""
    z_start = -geometry.depth_mm / 2 - 1.0
    return z_start / math.tan(math.radians(theta_deg))


class Detector(g4.G4VUserDetectorConstruction):
    """Layers of absorber + silicon; the silicon holds the readout window of X x Y replicated cells."""

    def __init__(self, geometry: GeometryConfig, *, half_width_mm: float) -> None:
        super().__init__()
        self.geometry = geometry
        self.half_width = half_width_mm
        self._keep: list = []  # Geant4 holds raw pointers: keep the Python objects alive

    def _box(self, name: str, half_x: float, half_y: float, half_z: float, material) -> object:
        solid = g4.G4Box(name, half_x * g4.mm, half_y * g4.mm, half_z * g4.mm)
        logical = g4.G4LogicalVolume(solid, material, name)
        self._keep += [solid, logical]
        return logical

    def _place(self, logical, mother, z_mm: float, copy: int) -> None:
        position = g4.G4ThreeVector(0, 0, z_mm * g4.mm)
        self._keep.append(g4.G4PVPlacement(None, position, logical, logical.GetName(), mother, False, copy))

    def Construct(self):
        geo = self.geometry
        nist = g4.G4NistManager.Instance()
        vacuum = nist.FindOrBuildMaterial("G4_Galactic")
        absorber = nist.FindOrBuildMaterial(geo.absorber_material)
        silicon = nist.FindOrBuildMaterial(geo.sensor_material)
        half, depth = self.half_width, geo.depth_mm
        world = self._box("world", half + 10, half + 10, depth / 2 + 20, vacuum)
        world_pv = g4.G4PVPlacement(None, g4.G4ThreeVector(), world, "world", None, False, 0)
        self._keep.append(world_pv)

        plate = self._box("absorber", half, half, geo.absorber_mm / 2, absorber)
        sensor = self._box("sensor", half, half, geo.sensor_mm / 2, silicon)
        wx, wy = geo.cells_x * geo.cell_mm / 2, geo.cells_y * geo.cell_mm / 2
        window = self._box("window", wx, wy, geo.sensor_mm / 2, silicon)
        row = self._box("row", geo.cell_mm / 2, wy, geo.sensor_mm / 2, silicon)
        self.cell = self._box("cell", geo.cell_mm / 2, geo.cell_mm / 2, geo.sensor_mm / 2, silicon)
        self._keep.append(g4.G4PVReplica("row", row, window, g4.kXAxis, geo.cells_x, geo.cell_mm * g4.mm))
        self._keep.append(g4.G4PVReplica("cell", self.cell, row, g4.kYAxis, geo.cells_y, geo.cell_mm * g4.mm))
        self._place(window, sensor, 0.0, 0)
        front = -depth / 2
        for layer in range(geo.n_layers):
            z = front + layer * geo.layer_pitch_mm
            self._place(plate, world, z + geo.absorber_mm / 2, layer)
            self._place(sensor, world, z + geo.absorber_mm + geo.sensor_mm / 2, layer)
        return world_pv

    def ConstructSDandField(self):
        geo = self.geometry
        detector = g4.G4MultiFunctionalDetector("ecal")
        g4.G4SDManager.GetSDMpointer().AddNewDetector(detector)
        # cell index = x * (Y * Z) + y * Z + layer: copy numbers at touchable depths 1 (row = x),
        # 0 (cell = y) and 3 (sensor plane = layer), so the flat index reshapes to (X, Y, Z) directly.
        scorer = g4.G4PSEnergyDeposit3D("edep", geo.cells_x, geo.cells_y, geo.n_layers, 1, 0, 3)
        detector.RegisterPrimitive(scorer)
        self.SetSensitiveDetector(self.cell, detector)
        self._keep += [detector, scorer]


class DataFreeEm(g4.G4VPhysicsConstructor):
    """Registers the data-free EM processes through the compiled library (see datafree/physics.cc)."""

    def __init__(self, library: Path) -> None:
        super().__init__("fastsim-datafree-em")
        self.library = ctypes.CDLL(str(library))

    def ConstructParticle(self) -> None:
        pass

    def ConstructProcess(self) -> None:
        self.library.fastsim_datafree_construct_process()


class DataFreePhysics(g4.G4VModularPhysicsList):
    """All particles and decays (no data needed) plus the data-free EM processes."""

    def __init__(self, library: Path, *, cut_mm: float) -> None:
        super().__init__()
        self.SetDefaultCutValue(cut_mm * g4.mm)
        self.constructors = [g4.G4DecayPhysics(), DataFreeEm(library)]
        for constructor in self.constructors:
            self.RegisterPhysics(constructor)


def standard_physics(*, cut_mm: float):
    """Geant4's FTFP_BERT reference list (standard EM + hadronics); needs the Geant4 datasets."""
    physics = g4.FTFP_BERT()
    physics.SetDefaultCutValue(cut_mm * g4.mm)
    return physics


class Gun(g4.G4VUserPrimaryGeneratorAction):
    """Shoots the queued primaries in order, re-seeding Geant4's engine at the start of every event."""

    def __init__(self, particle: str, geometry: GeometryConfig) -> None:
        super().__init__()
        self.geometry = geometry
        self.gun = g4.G4ParticleGun(1)
        self.gun.SetParticleDefinition(g4.G4ParticleTable.GetParticleTable().FindParticle(_PARTICLES[particle]))
        self.queue: list[tuple[float, float, list[int]]] = []
        self.index = 0

    def GeneratePrimaries(self, event) -> None:
        energy, theta, seeds = self.queue[self.index]
        self.index += 1
        g4.HepRandom.setTheSeeds([*seeds, 0], len(seeds))  # the binding reads a 0-terminated list
        angle = math.radians(theta)
        z0 = -self.geometry.depth_mm / 2 - 1.0
        self.gun.SetParticleEnergy(energy * g4.GeV)
        self.gun.SetParticleMomentumDirection(g4.G4ThreeVector(0.0, math.cos(angle), math.sin(angle)))
        self.gun.SetParticlePosition(g4.G4ThreeVector(0.0, start_offset_mm(self.geometry, theta), z0))
        self.gun.GeneratePrimaryVertex(event)


class Readout(g4.G4UserEventAction):
    """Copies the scored cells of each event into ``cells`` (n, X*Y*Z), in GeV."""

    def __init__(self) -> None:
        super().__init__()
        self.collection = -1
        self.cells: np.ndarray | None = None
        self.index = 0

    def EndOfEventAction(self, event) -> None:
        if self.collection < 0:
            self.collection = g4.G4SDManager.GetSDMpointer().GetCollectionID(_HITS)
        hits = list(event.GetHCofThisEvent().GetHC(self.collection))
        if hits:
            pairs = np.asarray(hits, dtype=np.float64)
            self.cells[self.index, pairs[:, 0].astype(np.int64)] = pairs[:, 1] / g4.GeV
        self.index += 1


class Simulator:
    """One Geant4 run manager per process, set up once and reused for every chunk of events."""

    def __init__(self, geometry: GeometryConfig, *, particle: str, physics: str, theta_max_deg: float,
                 library: Path | None) -> None:  # fmt: skip
        self.geometry = geometry
        self.run_manager = g4.G4RunManagerFactory.CreateRunManager(g4.G4RunManagerType.Serial)
        half = max(geometry.transverse_mm / 2, abs(start_offset_mm(geometry, theta_max_deg)) + 200.0)
        self.detector = Detector(geometry, half_width_mm=half)
        self.run_manager.SetUserInitialization(self.detector)
        if physics == "datafree":
            self.physics = DataFreePhysics(library, cut_mm=geometry.production_cut_mm)
        else:
            self.physics = standard_physics(cut_mm=geometry.production_cut_mm)
        self.run_manager.SetUserInitialization(self.physics)
        self.gun = Gun(particle, geometry)  # user actions only after the physics list (Geant4 rule)
        self.readout = Readout()
        self.run_manager.SetUserAction(self.gun)
        self.run_manager.SetUserAction(self.readout)
        ui = g4.G4UImanager.GetUIpointer()
        for command in ("/control/verbose 0", "/run/verbose 0", "/event/verbose 0", "/tracking/verbose 0",
                        "/process/em/verbose 0", "/process/had/verbose 0"):  # fmt: skip
            ui.ApplyCommand(command)
        self.run_manager.Initialize()
        self.run_manager.BeamOn(0)  # builds the physics tables now, in every worker, not in its first chunk

    @staticmethod
    def geant4_version() -> str:
        number = int(g4.G4VERSION_NUMBER)  # e.g. 1141
        return f"{number // 100}.{number // 10 % 10}.{number % 10}"

    def run(self, energy_gev: np.ndarray, theta_deg: np.ndarray, seeds: np.ndarray) -> np.ndarray:
        """Simulate one shower per entry; seeds (n, k) uint32 re-seed the engine per event.

        Returns the silicon cell energies in GeV, float32 of shape (n, X, Y, Z).
        """
        n = len(energy_gev)
        rows = zip(energy_gev, theta_deg, seeds, strict=True)
        self.gun.queue = [(float(e), float(t), [int(s) for s in seed]) for e, t, seed in rows]
        self.gun.index = 0
        self.readout.cells = np.zeros((n, int(np.prod(self.geometry.grid))), dtype=np.float64)
        self.readout.index = 0
        self.run_manager.BeamOn(n)
        if self.readout.index != n:
            msg = f"Geant4 processed {self.readout.index} of {n} events"
            raise RuntimeError(msg)
        return self.readout.cells.reshape(n, *self.geometry.grid).astype(np.float32)
