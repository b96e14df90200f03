"""``fastsim bench g4|gan``: benchmarks that print tables and write JSON."""

from __future__ import annotations

import importlib


def register(subparsers) -> None:
    bench = subparsers.add_parser("bench", help="benchmarks: Geant4 and GAN speed")
    kinds = bench.add_subparsers(dest="bench", required=True, metavar="KIND")
    for name in ("g4", "gan"):
        module = importlib.import_module(f"fastsim_kernel.bench.{name}")
        parser = kinds.add_parser(name, help=module.__doc__.splitlines()[0])
        module.add_arguments(parser)
        parser.set_defaults(func=module.run)
