"""``fastsim reference`` (the held-out Geant4 reference) and ``fastsim validate`` (a candidate against it)."""

from __future__ import annotations

import argparse
from pathlib import Path


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
    p.add_argument("--workers", type=int, default=None, help="worker processes (default: every core)")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--resume", action="store_true", help="complete an interrupted run of the same settings")
    mode.add_argument("--overwrite", action="store_true", help="replace an existing reference")
    p.add_argument("--quiet", action="store_true", help="no progress output")
    p.set_defaults(func=run_reference)


def run_reference(args: argparse.Namespace) -> int:
    from fastsim_kernel.validation.reference import make_reference

    out = make_reference(args.out, per_point=args.per_point, grid=args.grid, physics=args.physics,
                         seed=args.seed, workers=args.workers, progress=not args.quiet, resume=args.resume,
                         overwrite=args.overwrite)
    print(f"wrote {out}")
    return 0


def _register_validate(subparsers) -> None:
    p = subparsers.add_parser("validate", help="compare candidate showers (GAN) with reference ones (Geant4)")
    p.add_argument("--reference", type=Path, required=True, help="reference showers (Geant4)")
    p.add_argument("--candidate", type=Path, required=True, help="candidate showers (GAN)")
    p.add_argument("--out", type=Path, required=True, help="report folder (figures, metrics.json, index.html)")
    p.add_argument("--max-showers", type=int, default=20000, help="showers read per file (default 20000)")
    p.add_argument("--seed", type=int, default=0, help="seed of the classifier split (default 0)")
    p.set_defaults(func=run_validate)


def run_validate(args: argparse.Namespace) -> int:
    from fastsim_kernel.validation import validate

    metrics = validate(args.reference, args.candidate, args.out, max_showers=args.max_showers, seed=args.seed)
    auc = metrics["classifier"]["auc_high_level"]
    print(f"wrote {args.out}/index.html (classifier AUC {auc:.3f}, 0.5 = indistinguishable)")
    return 0
