"""``fastsim simulate``: Geant4 showers into an HDF5 or ROOT file, with progress and resume."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers) -> None:
    sim = subparsers.add_parser(
        "simulate",
        help="simulate calorimeter showers with Geant4",
        description="Simulate showers with Geant4 in worker processes. Finished chunks are kept in OUT.parts/ "
        "so that an interrupted run can be completed with --resume.",
    )
    sim.add_argument("--n", type=int, required=True, help="number of showers")
    sim.add_argument("--out", type=Path, required=True, help="output file: .h5/.hdf5 (HDF5) or .root")
    sim.add_argument("--energy", default="10:100", help="primary energy in GeV: LOW:HIGH or one value (default 10:100)")
    sim.add_argument("--theta", default="60:120", help="polar angle in degrees: LOW:HIGH or one value, 90 = normal "
                     "incidence (default 60:120)")  # fmt: skip
    sim.add_argument("--grid", default="25x25x25", help="cell grid: 25x25x25 or 51x51x25 (default 25x25x25)")
    sim.add_argument("--particle", default="e-", help="e- (default), gamma or pi-")
    sim.add_argument("--spectrum", default="flat", help="energy spectrum: flat (default) or log")
    sim.add_argument("--physics", default="auto", help="auto (default), standard (needs the Geant4 datasets) "
                     "or datafree")  # fmt: skip
    sim.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    sim.add_argument("--chunk-size", type=int, default=None, help="showers per saved chunk (default: automatic)")
    add_run_options(sim)
    sim.set_defaults(func=run_simulate)


def add_run_options(parser: argparse.ArgumentParser) -> None:
    """Options of every Geant4 run: --workers, --resume or --overwrite, --quiet (simulate and reference)."""
    parser.add_argument("--workers", type=int, default=None,
                        help="worker processes (default: the CPU cores this process may use, cgroup limit included)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--resume", action="store_true", help="complete an interrupted run of the same settings")
    mode.add_argument("--overwrite", action="store_true", help="replace an existing output")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def run_simulate(args: argparse.Namespace) -> int:
    from fastsim_kernel.g4 import simulate_to_file

    out = simulate_to_file(
        args.out,
        args.n,
        grid=args.grid,
        energy=args.energy,
        theta=args.theta,
        particle=args.particle,
        spectrum=args.spectrum,
        physics=args.physics,
        seed=args.seed,
        workers=args.workers,
        progress=not args.quiet,
        chunk_size=args.chunk_size,
        resume=args.resume,
        overwrite=args.overwrite,
    )
    print(f"wrote {out}")
    return 0
