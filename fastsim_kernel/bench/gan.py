"""3DGAN generator speed: ms/shower, FLOPs, achieved GFLOP/s against the measured matmul rate, vs Geant4.

Each variant (float32, bfloat16, XLA, and the exact polyphase "fast" form) runs the same weights; with
``--reference`` each variant's showers are also validated against Geant4 showers of the same conditions,
because speed that fails validation does not count.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from fastsim_kernel._atomic import atomic_path, check_output_path
from fastsim_kernel.errors import FastsimError
from fastsim_kernel.system import usable_cpus

#: the timing table of the CERN openlab talk: method -> ms/shower
TALK_TABLE = [
    ("Geant4, full CLIC detector, Xeon Platinum 8180", "-", 17000.0),
    ("3DGAN fixed angle, Xeon Platinum 8180, TF 1.12", "128", 1.0),
    ("3DGAN fixed angle, GTX 1080", "128", 0.1),
    ("3DGAN variable angle, GTX 1080", "64", 4.6),
]
#: variant -> (precision, XLA, polyphase "fast" form)
VARIANTS = {
    "float32": ("float32", False, False),
    "bfloat16": ("bfloat16", False, False),
    "xla": ("float32", True, False),
    "fast": ("float32", False, True),
    "fast-bfloat16": ("bfloat16", False, True),
    "fast-xla": ("float32", True, True),
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", choices=("fixed", "variable"), default="fixed", help="architecture (default fixed)")
    parser.add_argument("--weights", default=None,
                        help="model folder (default: the shipped model for fixed, random weights for variable)")
    parser.add_argument("--batch", default="1,64,128,1024", help="comma-separated batch sizes (default 1,64,128,1024)")
    parser.add_argument("--variants", default="float32,bfloat16,fast,fast-bfloat16",
                        help=f"comma-separated subset of {','.join(VARIANTS)} (default float32,bfloat16,fast,"
                        "fast-bfloat16; fast = the exact polyphase form)")
    parser.add_argument("--energy", type=float, default=100.0, help="primary energy in GeV (default 100)")
    parser.add_argument("--seconds", type=float, default=3.0, help="minimum timing per point (default 3 s)")
    parser.add_argument("--g4-n", type=int, default=5,
                        help="Geant4 showers timed first, one worker (default 5; 0 skips the Geant4 timing)")
    parser.add_argument("--reference", default=None, help="Geant4 file to validate each variant against")
    parser.add_argument("--json", default=None, help="also write the results to this JSON file")


def matmul_gflops(*, size: int = 2048, seconds: float = 1.0) -> float:
    """This machine's float32 matrix-product rate in GFLOP/s (numpy, all cores)."""
    a = np.random.default_rng(0).standard_normal((size, size), dtype=np.float32)
    a @ a  # warm-up
    reps, start = 0, time.perf_counter()
    while reps < 3 or time.perf_counter() - start < seconds:
        a @ a
        reps += 1
    return 2 * size**3 * reps / (time.perf_counter() - start) / 1e9


def time_batch(generator, batch: int, *, energy: float, seconds: float) -> tuple[float, float]:
    """Median seconds of one call on ``batch`` showers (after a warm-up call of each) of the network alone
    (``Generator.run``: what the talk's figures time) and of the whole ``Generator.generate`` a user calls (the
    conditions, a two-stage model's layer energies, the network, cells in GeV) at ``energy`` GeV and 90 deg.
    The two are called in turn, so that a change of the machine's load weighs on both alike."""
    generator.batch_size = batch  # generate() runs the network on the same batch, not in chunks of its default
    latent = np.random.default_rng(1).standard_normal((batch, generator.config.latent_size), dtype=np.float32)
    calls = {
        "network": lambda: generator.run(latent),
        "generate": lambda: generator.generate(energy=energy, theta=math.pi / 2, n=batch),
    }
    times: dict[str, list[float]] = {name: [] for name in calls}
    for call in calls.values():
        call()
    start = time.perf_counter()
    while len(times["network"]) < 2 or (time.perf_counter() - start < seconds and len(times["network"]) < 50):
        for name, call in calls.items():
            t0 = time.perf_counter()
            call()
            times[name].append(time.perf_counter() - t0)
    return float(np.median(times["network"])), float(np.median(times["generate"]))


def geant4_ms_per_shower(energy: float, n: int, grid: str) -> float:
    """One worker's wall ms/shower at ``energy`` (warm worker)."""
    from fastsim_kernel.bench.g4 import measure

    seconds = measure(energies=[energy], n=n, workers=1, grid=grid)
    return 1e3 * seconds[energy][0] / n


def _model_folder(kind: str, weights: str | None, tmp: Path) -> tuple[Path, str]:
    from fastsim_kernel.gan.generate import shipped_model_path

    if weights:
        return Path(weights), str(weights)
    if kind == "fixed" and (shipped_model_path() / "config.json").is_file():
        return shipped_model_path(), "shipped"
    from fastsim_kernel.gan.architectures import build_generator
    from fastsim_kernel.gan.config import GANConfig

    config = GANConfig.for_kind(kind)
    config.save(tmp / "config.json")
    build_generator(config).save_weights(tmp / "generator.weights.h5")
    return tmp, "random weights (speed only)"


def _validate_variant(generator, reference, seed: int = 0) -> dict[str, Any]:
    from fastsim_kernel.validation.metrics import compare

    candidate = generator.generate(reference.energy, reference.theta, seed=seed)
    metrics = compare(reference, candidate, seed=seed)
    return {
        "auc_high_level": metrics["classifier"]["auc_high_level"],
        "sampling_fraction_relative_error": metrics["relative_error"]["sampling_fraction"],
        "z_profile_separation_power": metrics["profile_separation_power"]["z_projection"],
    }


def benchmark(*, kind: str, weights: str | None, batches: list[int], variants: list[str], energy: float,
              seconds: float, g4_n: int, reference: str | None) -> dict[str, Any]:
    """Run the whole benchmark and return the report (see ``format_table``)."""
    from fastsim_kernel.data import read_showers
    from fastsim_kernel.gan.architectures import build_generator
    from fastsim_kernel.gan.config import GANConfig
    from fastsim_kernel.gan.flops import model_flops
    from fastsim_kernel.gan.generate import Generator

    ref_showers = read_showers(reference, stop=500) if reference else None
    rows, checks = [], {}
    with tempfile.TemporaryDirectory() as tmp:
        folder, source = _model_folder(kind, weights, Path(tmp))
        config = GANConfig.load(folder / "config.json")
        low, high = config.energy_range
        if not low <= energy <= high:  # generate() would clamp it while Geant4 ran at the energy asked for
            msg = f"--energy {energy:g} GeV is outside the model's trained range {low:g}-{high:g} GeV ({source})"
            raise FastsimError(msg)
        grid = "x".join(map(str, config.grid))
        g4_ms = geant4_ms_per_shower(energy, g4_n, grid) if g4_n > 0 else None  # first: a failure stops it early
        rate = matmul_gflops()
        for variant in variants:
            precision, xla, fast = VARIANTS[variant]
            generator = Generator(folder, precision=precision, xla=xla, fast=fast)
            executed = model_flops(generator.network)["total"]
            reference_flops = model_flops(build_generator(generator.config))["total"]
            for batch in batches:
                network, whole = time_batch(generator, batch, energy=energy, seconds=seconds)
                per_shower = network / batch
                rows.append({"variant": variant, "batch": batch, "ms_per_shower": 1e3 * per_shower,
                             "showers_per_s": 1 / per_shower, "gflop_executed_per_shower": executed / 1e9,
                             "gflops_per_s": executed / per_shower / 1e9,
                             "effective_gflops_per_s": reference_flops / per_shower / 1e9,
                             "generate_ms_per_shower": 1e3 * whole / batch})
            if ref_showers is not None:
                checks[variant] = _validate_variant(generator, ref_showers)
    return {
        "benchmark": "3dgan-generator", "model": kind, "weights": source, "energy_gev": energy,
        "gflop_per_shower": reference_flops / 1e9, "matmul_gflops_per_s": rate, "cpus": usable_cpus(),
        "machine": platform.processor() or platform.machine(), "load_average": os.getloadavg()[0],
        "geant4_ms_per_shower": g4_ms, "results": rows, "validation": checks,
        "talk_table": [{"method": m, "batch": b, "ms_per_shower": t} for m, b, t in TALK_TABLE],
    }


def format_table(report: dict[str, Any]) -> str:
    """The report as Markdown tables: ours, then the talk's."""
    g4 = report["geant4_ms_per_shower"]
    lines = [
        f"3DGAN {report['model']} generator ({report['weights']}): {report['gflop_per_shower']:.3f} GFLOP/shower; "
        f"matmul rate {report['matmul_gflops_per_s']:.0f} GFLOP/s on {report['cpus']} CPUs "
        f"(load average {report['load_average']:.1f}); Geant4 at {report['energy_gev']:g} GeV: "
        + (f"{g4:.0f} ms/shower (one core)" if g4 else "not measured"),
        "",
        "| variant | batch | ms/shower | showers/s | GFLOP/shower run | GFLOP/s run | % of matmul rate "
        "| reference GFLOP / time | speed-up vs Geant4 | generate() ms/shower |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in report["results"]:
        speedup = f"{g4 / row['ms_per_shower']:.0f}x" if g4 else "n/a"
        share = 100 * row["gflops_per_s"] / report["matmul_gflops_per_s"]
        lines.append(
            f"| {row['variant']} | {row['batch']} | {row['ms_per_shower']:.2f} | {row['showers_per_s']:.0f} | "
            f"{row['gflop_executed_per_shower']:.3f} | {row['gflops_per_s']:.0f} | {share:.0f}% | "
            f"{row['effective_gflops_per_s']:.0f} | {speedup} | {row['generate_ms_per_shower']:.2f} "
            f"({row['generate_ms_per_shower'] / row['ms_per_shower']:.2f}x) |"
        )
    lines += ["", "ms/shower: the network alone (`Generator.run`), as the talk timed it; generate(): the whole call a "
              "user makes (conditions, a two-stage model's layer energies, the network, cells in GeV), and its "
              "ratio to the network, timed in turn with it."]
    if report["validation"]:
        lines += ["", "| variant | classifier AUC | sampling-fraction rel. error | z-profile separation power |",
                  "|---|---:|---:|---:|"]
        for variant, v in report["validation"].items():
            lines.append(f"| {variant} | {v['auc_high_level']:.3f} | {v['sampling_fraction_relative_error']:.3f} | "
                         f"{v['z_profile_separation_power']:.2e} |")
    lines += ["", "The CERN openlab talk's table:", "", "| method | batch | ms/shower |", "|---|---:|---:|"]
    lines += [f"| {r['method']} | {r['batch']} | {r['ms_per_shower']:g} |" for r in report["talk_table"]]
    return "\n".join(lines)


def _ints(text: str, name: str) -> list[int]:
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        values = []
    if not values or min(values) < 1:
        msg = f"{name} {text!r} must be comma-separated positive integers, e.g. 1,64,128"
        raise FastsimError(msg)
    return values


def run(args: argparse.Namespace) -> int:
    variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    unknown = sorted(set(variants) - set(VARIANTS))
    if unknown or not variants:
        msg = f"--variants {args.variants!r}: unknown {unknown}; expected a subset of {','.join(VARIANTS)}"
        raise FastsimError(msg)
    if args.seconds <= 0:
        msg = f"--seconds must be > 0, got {args.seconds}"
        raise FastsimError(msg)
    if args.g4_n < 0:
        msg = f"--g4-n must be >= 0 Geant4 showers (0 skips the Geant4 timing), got {args.g4_n}"
        raise FastsimError(msg)
    if args.json:
        check_output_path(args.json, overwrite=True)  # its folder must exist: fail before a long run
    report = benchmark(kind=args.model, weights=args.weights, batches=_ints(args.batch, "--batch"),
                       variants=variants, energy=args.energy, seconds=args.seconds, g4_n=args.g4_n,
                       reference=args.reference)
    print(format_table(report))
    if args.json:
        with atomic_path(args.json) as tmp:
            tmp.write_text(json.dumps(report, indent=1) + "\n")
        print(f"wrote {args.json}")
    return 0
