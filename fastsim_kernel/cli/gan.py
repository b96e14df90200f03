"""``fastsim train`` and ``fastsim generate``: the 3DGAN (``fastsim validate`` lives in ``cli/validation``)."""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from fastsim_kernel.cli.data import add_units_argument


def register(subparsers) -> None:
    _register_train(subparsers)
    _register_generate(subparsers)


def _register_train(subparsers) -> None:
    p = subparsers.add_parser("train", help="train a 3DGAN on a shower file (checkpoint each epoch)")
    p.add_argument("--data", type=Path, required=True, help="training showers (.h5/.root)")
    p.add_argument("--recipe", default="reference",
                   help="reference (the 3DGAN recipe, for GPUs; default) or cpu (the two-stage model of the"
                        " shipped model: energy and angle, about an hour on 2 cores)")
    p.add_argument("--model", choices=("fixed", "variable"), default="fixed",
                   help="reference recipe: fixed angle 25x25x25 or variable angle 51x51x25 (default fixed)")
    p.add_argument("--epochs", type=int, default=None, help="total epochs of the run (default 60; cpu 12)")
    p.add_argument("--batch-size", type=int, default=None,
                   help="showers per step (default 128 fixed, 64 variable, 32 cpu)")
    p.add_argument("--out", type=Path, required=True, help="run folder, e.g. runs/NAME")
    p.add_argument("--resume", action="store_true", help="continue the run in --out from its last checkpoint")
    p.add_argument("--mixed-precision", action=argparse.BooleanOptionalAction, default=None,
                   help="bfloat16 compute, float32 weights and losses (default off; on for cpu)")
    p.add_argument("--xla", action="store_true", help="compile the train step with XLA")
    p.add_argument("--seed", type=int, default=0, help="seeds weights, noise and data order (default 0)")
    p.add_argument("--steps-per-epoch", type=int, default=None,
                   help="cap on batches per epoch (default all; cpu 100)")
    p.add_argument("--quiet", action="store_true", help="one line per epoch instead of a progress bar")
    add_units_argument(p)
    p.set_defaults(func=run_train)


def run_train(args: argparse.Namespace) -> int:
    from fastsim_kernel.gan.train import CPU_RECIPE, TrainOptions, train

    defaults = {"epochs": 60, "batch_size": 128 if args.model == "fixed" else 64, "steps_per_epoch": None,
                "mixed_precision": False}
    if args.recipe == "cpu":
        defaults.update(CPU_RECIPE)
    given = {name: getattr(args, name) for name in defaults if getattr(args, name) is not None}
    options = TrainOptions(recipe=args.recipe, kind=args.model, seed=args.seed, resume=args.resume, xla=args.xla,
                           verbose=2 if args.quiet else 1, units=args.units, **{**defaults, **given})
    state = train(args.data, args.out, options)
    print(f"trained {state['epoch']} epochs into {args.out} ({state.get('train_seconds', 0):.0f} s of training)")
    return 0


def _register_generate(subparsers) -> None:
    p = subparsers.add_parser("generate", help="generate showers with a trained 3DGAN")
    p.add_argument("--model", default="shipped", help="run folder or 'shipped' (default shipped)")
    p.add_argument("--energy", type=float, default=None, help="primary energy in GeV")
    p.add_argument("--theta", type=float, default=90.0, help="polar angle in DEGREES (default 90: normal)")
    p.add_argument("--n", type=int, default=1000, help="number of showers (default 1000)")
    p.add_argument("--like", type=Path, default=None,
                   help="take the energies and angles of the first --n showers of this file (instead of --energy)")
    p.add_argument("--seed", type=int, default=0, help="noise seed (default 0)")
    p.add_argument("--strict", action="store_true", help="refuse conditions outside the trained range")
    p.add_argument("--out", type=Path, required=True, help="output file (.h5 or .root)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing output")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    add_units_argument(p)  # for --like
    p.set_defaults(func=run_generate)


#: showers generated and written at a time by ``fastsim generate`` (memory stays bounded for any --n)
GENERATE_CHUNK = 1024


def run_generate(args: argparse.Namespace) -> int:
    import sys
    import warnings

    import numpy as np

    from fastsim_kernel._atomic import check_output_path
    from fastsim_kernel.data import Showers, write_showers
    from fastsim_kernel.errors import FastsimError
    from fastsim_kernel.gan.generate import load_generator

    if args.n < 1:
        msg = f"--n must be >= 1, got {args.n}"
        raise FastsimError(msg)
    if not 0 < args.theta < 180:
        msg = f"--theta must be in (0, 180) degrees, got {args.theta}"
        raise FastsimError(msg)
    if (args.energy is None) == (args.like is None):
        msg = "give either --energy (with --theta) or --like FILE"
        raise FastsimError(msg)
    out = check_output_path(args.out, overwrite=args.overwrite)
    if args.like is not None:
        from fastsim_kernel.data import read_showers

        like = read_showers(args.like, stop=args.n, units=args.units)
        energy, theta = like.energy, like.theta
    else:
        energy, theta = np.full(args.n, args.energy), np.full(args.n, math.radians(args.theta))
    n = len(energy)
    # chunk i draws its noise from its own seed, spawned from --seed: the same --seed gives the same file
    seeds = np.random.SeedSequence(args.seed).spawn(math.ceil(n / GENERATE_CHUNK))

    def chunks(generator, bar):
        for i, start in enumerate(range(0, n, GENERATE_CHUNK)):
            stop = min(start + GENERATE_CHUNK, n)
            part = generator.generate(energy[start:stop], theta[start:stop], seed=int(seeds[i].generate_state(1)[0]),
                                      strict=args.strict)  # fmt: skip
            bar.update(len(part))
            yield Showers(part.cells, part.energy, part.theta, {**part.metadata, "seed": args.seed})

    from tqdm.auto import tqdm

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UserWarning)  # ours (out of range, placeholder model); not library noise
        generator = load_generator(args.model)
        with tqdm(total=n, unit=" showers", desc="generate", disable=args.quiet, file=sys.stderr) as bar:
            write_showers(chunks(generator, bar), out)
    for message in dict.fromkeys(str(w.message) for w in caught):  # each warning once, on stderr
        print(f"fastsim: warning: {message}", file=sys.stderr)
    print(f"wrote {n} showers ({'x'.join(map(str, generator.grid))}) to {out}")
    return 0
