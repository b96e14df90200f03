"""``fastsim reference`` (the held-out Geant4 reference) and ``fastsim validate`` (a candidate against it)."""

from __future__ import annotations

import argparse
from pathlib import Path

from fastsim_kernel.cli.data import add_units_argument
from fastsim_kernel.cli.g4 import add_run_options
from fastsim_kernel.errors import FastsimError


def register(subparsers) -> None:
    _register_reference(subparsers)
    _register_validate(subparsers)


def _register_reference(subparsers) -> None:
    from fastsim_kernel.validation.reference import DEFAULT_PER_POINT, DEFAULT_SEED

    p = subparsers.add_parser(
        "reference",
        help="simulate the held-out Geant4 reference at the validation points",
        description="Simulate Geant4 electrons at 10, 20, 50, 100 GeV x 60, 90, 120 degrees (one resumable run "
        "per point in OUT.points/), then join them into OUT. Point i uses seed SEED + i: keep these seeds "
        "out of every training sample.",
    )
    p.add_argument("--out", type=Path, required=True, help="reference file (.h5)")
    p.add_argument("--per-point", type=int, default=DEFAULT_PER_POINT,
                   help=f"showers per point (default {DEFAULT_PER_POINT})")
    p.add_argument("--grid", default="25x25x25", help="cell grid: 25x25x25 or 51x51x25 (default 25x25x25)")
    p.add_argument("--physics", default="auto", help="auto (default), standard or datafree")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED,
                   help=f"seed of the first point; point i uses SEED + i (default {DEFAULT_SEED})")
    add_run_options(p)
    p.set_defaults(func=run_reference)


def run_reference(args: argparse.Namespace) -> int:
    from fastsim_kernel.validation.reference import make_reference

    out = make_reference(args.out, per_point=args.per_point, grid=args.grid, physics=args.physics,
                         seed=args.seed, workers=args.workers, progress=not args.quiet, resume=args.resume,
                         overwrite=args.overwrite)
    print(f"wrote {out}")
    return 0


def _register_validate(subparsers) -> None:
    p = subparsers.add_parser(
        "validate",
        help="compare a candidate (GAN) with the Geant4 reference at every validation point",
        description="Per point: sum/E mean and resolution, energy per layer, per-layer x/y centre and width, the "
        "measured angle (each with a bootstrap interval and the Geant4-vs-Geant4 floor from two halves of the "
        "reference), classifier AUCs, FPD and KPD; PASS/FAIL of every target in OUT/index.html and "
        "OUT/metrics.json.",
    )
    p.add_argument("--reference", type=Path, required=True, help="reference showers, e.g. from `fastsim reference`")
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--candidate", type=Path, help="candidate showers holding every point")
    source.add_argument("--model", help="run folder or 'shipped': generate at each point (seed --seed)")
    p.add_argument("--out", type=Path, required=True, help="report folder (an earlier report there is replaced)")
    p.add_argument("--points", default=None,
                   help="E:THETA pairs in GeV:degrees, e.g. 10:90,50:60 (default: the reference's points)")
    p.add_argument("--resamples", type=int, default=200, help="bootstrap resamples (default 200)")
    p.add_argument("--level", type=float, default=0.95, help="coverage of the intervals (default 0.95)")
    p.add_argument("--no-floor", action="store_true", help="skip the Geant4-vs-Geant4 floor (two reference halves)")
    p.add_argument("--max-showers", type=int, default=20000, help="showers read per file (default 20000)")
    p.add_argument("--seed", type=int, default=0, help="seeds the bootstrap, classifier and generation (default 0)")
    p.add_argument("--labels", default="Geant4,GAN", help="names of reference and candidate (default Geant4,GAN)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    add_units_argument(p)
    p.set_defaults(func=run_validate)


def parse_points(text: str) -> list[tuple[float, float]]:
    """'10:90,50:60' -> [(10.0, 90.0), (50.0, 60.0)]."""
    try:
        points = [tuple(float(v) for v in pair.split(":")) for pair in text.split(",")]
    except ValueError:
        points = []
    if not points or any(len(p) != 2 or p[0] <= 0 or not 0 < p[1] < 180 for p in points):
        msg = f"--points {text!r}: expected E:THETA pairs in GeV:degrees separated by commas, e.g. 10:90,50:60"
        raise FastsimError(msg)
    return points  # type: ignore[return-value]


def run_validate(args: argparse.Namespace) -> int:
    from fastsim_kernel.validation import validate
    from fastsim_kernel.validation.targets import TARGETS

    points = parse_points(args.points) if args.points else None
    labels = tuple(args.labels.split(","))
    if len(labels) != 2 or not all(labels):
        msg = f"--labels {args.labels!r}: expected two names separated by a comma, e.g. Geant4,GAN"
        raise FastsimError(msg)
    metrics = validate(args.reference, args.candidate, args.out, model=args.model, points=points,
                       resamples=args.resamples, level=args.level, floor=not args.no_floor,
                       max_showers=args.max_showers, seed=args.seed, labels=labels, progress=not args.quiet,
                       units=args.units)
    n = len(metrics["points"])
    for target in TARGETS:
        s = metrics["summary"][target.name]
        print(f"{target.label}: {s['passed']}/{n} points pass, {s['failed']} fail, {s['na']} n/a")
    print(f"wrote {args.out}/index.html and metrics.json")
    return 0
