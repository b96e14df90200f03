"""``fastsim inspect``, ``fastsim plot`` and ``fastsim doctor``: look at shower files and the environment."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

#: ``fastsim_kernel.data.CELL_UNITS`` by name, without importing the readers for ``--help`` (a test keeps them equal)
UNITS = ("GeV", "MeV", "x50")


def add_units_argument(parser: argparse.ArgumentParser) -> None:
    """``--units``: how a shower file stores its cells, for files that do not say (every command reading showers)."""
    parser.add_argument(
        "--units", choices=UNITS, default=None,
        help="cell units of files that do not state them: GeV, MeV or x50 (GeV x 50, as the public "
        "variable-angle files); default: inferred from the layout and sum/E, or the file is refused",
    )  # fmt: skip


def register(subparsers) -> None:
    inspect = subparsers.add_parser("inspect", help="summarise a shower file (HDF5 or ROOT)")
    inspect.add_argument("file", type=Path)
    inspect.add_argument("--chunk-size", type=int, default=2000, help="showers read at a time (default 2000)")
    add_units_argument(inspect)
    inspect.set_defaults(func=run_inspect)

    plot = subparsers.add_parser("plot", help="render the standard panel of one or more shower files")
    plot.add_argument("files", type=Path, nargs="+", help="the first file is the reference")
    plot.add_argument("--out", type=Path, required=True, help="figure path (.png, .pdf, .svg)")
    plot.add_argument("--max-showers", type=int, default=5000, help="showers read per file (default 5000)")
    plot.add_argument("--overwrite", action="store_true", help="replace an existing figure")
    plot.add_argument(
        "--panel",
        choices=("standard", "projections"),
        default="standard",
        help="standard: projections and observables; projections: the talk's x, y, z histograms",
    )
    add_units_argument(plot)
    plot.set_defaults(func=run_plot)

    _register_doctor(subparsers)


def run_inspect(args: argparse.Namespace) -> int:
    from fastsim_kernel.data.summary import summarise
    from fastsim_kernel.errors import FastsimError

    if args.chunk_size <= 0:
        msg = f"--chunk-size must be > 0, got {args.chunk_size}"
        raise FastsimError(msg)
    print(summarise(args.file, chunk_size=args.chunk_size, units=args.units))
    return 0


def run_plot(args: argparse.Namespace) -> int:
    from fastsim_kernel.data import read_showers
    from fastsim_kernel.errors import FastsimError
    from fastsim_kernel.plots import check_figure_path, projection_figure, save_figure, standard_panel

    if args.max_showers <= 0:
        msg = f"--max-showers must be > 0, got {args.max_showers}"
        raise FastsimError(msg)
    out = check_figure_path(args.out, overwrite=args.overwrite)
    names = [path.stem for path in args.files]
    if len(set(names)) != len(names):  # same stems: number them so that no source hides another
        names = [f"{i + 1}: {path}" for i, path in enumerate(args.files)]
    paths = zip(names, args.files, strict=True)
    sources = {name: read_showers(path, stop=args.max_showers, units=args.units) for name, path in paths}
    make_figure = standard_panel if args.panel == "standard" else projection_figure
    save_figure(make_figure(sources, title=_title(sources)), out)
    print(f"wrote {out}")
    return 0


def _register_doctor(subparsers) -> None:
    from fastsim_kernel.doctor import CAPABILITY_NAMES

    doctor = subparsers.add_parser(
        "doctor", help="report what this environment can do",
        description="What works here, what does not and what to install: packages, Geant4 physics, the GPUs "
        "TensorFlow sees, the usable CPU cores, tools. With --need, exit 1 when a needed capability is missing.",
    )  # fmt: skip
    doctor.add_argument("--need", default="", metavar="LIST",
                        help=f"comma-separated capabilities that must work: {','.join(CAPABILITY_NAMES)}")
    doctor.set_defaults(func=run_doctor)


def run_doctor(args: argparse.Namespace) -> int:
    import sys

    from fastsim_kernel.doctor import capabilities, check, format_report, report

    needs = [name.strip() for name in args.need.split(",") if name.strip()]
    check(needs, [])  # unknown names: one line, before the slow look-around
    found = capabilities()
    print(format_report(report(), found))
    missing = check(needs, found)
    if missing:
        print(f"fastsim: doctor: missing {', '.join(c.name for c in missing)}", file=sys.stderr)
        return 1
    return 0


def _title(sources) -> str:
    """Names of the sources, and the conditions when a single shower is shown."""
    title = " vs ".join(sources)
    first = next(iter(sources.values()))
    if len(first) == 1:
        title += f": E = {first.energy[0]:.2f} GeV, theta = {np.degrees(first.theta[0]):.2f} deg"
    return title
