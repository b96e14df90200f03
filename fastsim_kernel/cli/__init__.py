"""The ``fastsim`` command: one sub-command module per job, each a thin layer over the public API.

Each module in ``COMMAND_MODULES`` exposes ``register(subparsers)`` and keeps its heavy imports inside the
command functions, so ``fastsim --help`` stays fast. A ``FastsimError`` is printed as one line with exit
status 2; Ctrl-C exits with 130 after the command has saved what it finished.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from fastsim_kernel.errors import FastsimError

COMMAND_MODULES = ("data", "g4", "gan", "validation", "bench", "profiles", "hub")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fastsim", description="Fast calorimeter simulation toolkit.")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"fastsim_kernel.cli.{name}")
        except ModuleNotFoundError as err:
            if err.name != f"fastsim_kernel.cli.{name}":
                raise
            continue  # command group not part of this build
        module.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except FastsimError as err:
        print(f"fastsim: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("fastsim: interrupted; finished work was kept", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
