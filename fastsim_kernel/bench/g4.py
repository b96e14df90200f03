"""Geant4 speed: ms per shower and per GeV at fixed energies, one worker versus all workers.

Worker start-up (process spawn, Geant4 initialisation, physics tables) is excluded: each pool starts its
workers and builds their physics tables first, then only the simulation of the showers is timed, as a
user running long jobs sees it.

The speed targets are figures this benchmark prints, met or missed, never timed tests: at most
``TARGET_MS_PER_GEV`` per GeV of primary energy on one core, and a throughput with N workers of at least
``TARGET_EFFICIENCY`` x N times that of one worker (1.8x with 2).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from typing import Any

from fastsim_kernel.errors import FastsimError

#: wall milliseconds per GeV of primary energy, one worker (one core)
TARGET_MS_PER_GEV = 5.0
#: throughput of N workers over that of one, per worker
TARGET_EFFICIENCY = 0.9


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--energies", default="10,50,100", help="comma-separated energies in GeV (default 10,50,100)")
    parser.add_argument("--n", type=int, default=20, help="showers per energy (default 20)")
    parser.add_argument("--grid", default="25x25x25", help="cell grid (default 25x25x25)")
    parser.add_argument("--theta", type=float, default=90.0, help="polar angle in degrees (default 90)")
    parser.add_argument("--particle", default="e-", help="particle (default e-)")
    parser.add_argument("--physics", default="auto", help="auto, standard or datafree (default auto)")
    parser.add_argument("--workers", type=int, default=None,
                        help="the 'all workers' count (default: the CPU cores this process may use)")
    parser.add_argument("--json", default=None, help="also write the results to this JSON file")


def _energies(text: str) -> list[float]:
    try:
        values = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        values = []
    if not values:
        msg = f"--energies {text!r} must be comma-separated numbers in GeV, e.g. 10,50,100"
        raise FastsimError(msg)
    return values


def measure(*, energies: list[float], n: int, workers: int, grid: str = "25x25x25", theta: float = 90.0,
            particle: str = "e-", physics: str = "auto", seed: int = 0) -> dict[str, float]:  # fmt: skip
    """Seconds to simulate ``n`` showers at each energy with ``workers`` warm workers.

    Returns {energy: (wall seconds, worker CPU seconds summed over workers)}.
    """
    from fastsim_kernel.g4.plan import make_plan
    from fastsim_kernel.g4.pool import WorkerPool

    def plan_for(energy: float, chunk_size: int):
        return make_plan(n, grid=grid, energy=energy, theta=theta, particle=particle, spectrum="flat",
                         physics=physics, seed=seed, chunk_size=chunk_size, workers=workers)  # fmt: skip

    chunk = n if workers == 1 else max(1, n // (4 * workers))
    seconds = {}
    with WorkerPool(plan_for(energies[0], chunk), workers) as pool:
        for energy in energies:
            tasks = list(plan_for(energy, chunk).tasks())
            start = time.perf_counter()
            results = pool.run(tasks)
            seconds[energy] = (time.perf_counter() - start, sum(cpu for _, _, cpu in results.values()))
    return seconds


def run(args: argparse.Namespace) -> int:
    from fastsim_kernel._atomic import atomic_path, check_output_path
    from fastsim_kernel.g4.plan import check_workers

    energies = _energies(args.energies)
    if args.n <= 0:
        msg = f"--n must be a positive number of showers, got {args.n}"
        raise FastsimError(msg)
    workers = check_workers(args.workers)
    if args.json:
        check_output_path(args.json, overwrite=True)  # its folder must exist: fail before a long run
    options = {"grid": args.grid, "theta": args.theta, "particle": args.particle, "physics": args.physics}
    one = measure(energies=energies, n=args.n, workers=1, **options)
    many = measure(energies=energies, n=args.n, workers=workers, **options) if workers > 1 else one
    report = _report(one, many, n=args.n, workers=workers, options=options)
    print(format_table(report))
    if args.json:
        with atomic_path(args.json) as tmp:
            tmp.write_text(json.dumps(report, indent=1))
        print(f"wrote {args.json}")
    return 0


def _row(energy: float, seconds: tuple[float, float], n: int) -> dict[str, float]:
    wall, cpu = seconds
    return {
        "ms_per_shower": 1e3 * wall / n,
        "ms_per_gev": 1e3 * wall / (n * energy),
        "cpu_ms_per_gev": 1e3 * cpu / (n * energy),
    }


def _report(one: dict, many: dict, *, n: int, workers: int, options: dict) -> dict[str, Any]:
    from fastsim_kernel.g4.build import geant4_pybind_version
    from fastsim_kernel.g4.datasets import resolve_physics
    from fastsim_kernel.system import usable_cpus

    rows = []
    for energy in one:
        rows.append({
            "energy_gev": energy,
            "one_worker": _row(energy, one[energy], n),
            "all_workers": _row(energy, many[energy], n),
            "throughput_ratio": one[energy][0] / many[energy][0],
        })  # fmt: skip
    total_gev = n * sum(one)
    one_wall, many_wall = sum(s[0] for s in one.values()), sum(s[0] for s in many.values())
    ms_per_gev, ratio = 1e3 * one_wall / total_gev, one_wall / many_wall
    return {
        "benchmark": "geant4",
        "n_per_energy": n,
        "workers": workers,
        **options,
        "physics": resolve_physics(options["physics"]),
        "cpus": usable_cpus(),
        "machine": platform.processor() or platform.machine(),
        "geant4_pybind": geant4_pybind_version(),
        "results": rows,
        "total": {
            "one_worker_ms_per_gev": ms_per_gev,
            "one_worker_cpu_ms_per_gev": 1e3 * sum(s[1] for s in one.values()) / total_gev,
            "all_workers_ms_per_gev": 1e3 * many_wall / total_gev,
            "throughput_ratio": ratio,
        },
        "targets": {
            "one_worker_ms_per_gev": _target(ms_per_gev, TARGET_MS_PER_GEV, met=ms_per_gev <= TARGET_MS_PER_GEV),
            "throughput_ratio": _target(ratio, TARGET_EFFICIENCY * workers, met=ratio >= TARGET_EFFICIENCY * workers),
        },
        "load_average": os.getloadavg()[0],
    }


def _target(found: float, target: float, *, met: bool) -> dict[str, Any]:
    return {"target": target, "found": found, "met": met}


def format_table(report: dict[str, Any]) -> str:
    """The report as a Markdown table."""
    w = report["workers"]
    lines = [
        f"Geant4 {report['physics']} physics, {report['particle']} at {report['theta']:g} deg, grid {report['grid']}, "
        f"{report['n_per_energy']} showers per energy",
        "",
        f"| E (GeV) | 1 worker ms/shower | 1 worker ms/GeV | 1 worker CPU ms/GeV | {w} workers ms/shower "
        f"| {w} workers ms/GeV | throughput ratio |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in report["results"]:
        one, many = row["one_worker"], row["all_workers"]
        lines.append(
            f"| {row['energy_gev']:g} | {one['ms_per_shower']:.0f} | {one['ms_per_gev']:.2f} | "
            f"{one['cpu_ms_per_gev']:.2f} | "
            f"{many['ms_per_shower']:.0f} | {many['ms_per_gev']:.2f} | {row['throughput_ratio']:.2f}x |"
        )
    total = report["total"]
    lines.append(
        f"| all | | {total['one_worker_ms_per_gev']:.2f} | {total['one_worker_cpu_ms_per_gev']:.2f} | | "
        f"{total['all_workers_ms_per_gev']:.2f} | "
        f"{total['throughput_ratio']:.2f}x |"
    )
    speed, scaling = report["targets"]["one_worker_ms_per_gev"], report["targets"]["throughput_ratio"]
    lines += [
        "",
        f"target: one worker at most {speed['target']:g} ms/GeV: {speed['found']:.2f}, "
        f"{'met' if speed['met'] else 'MISSED'}",
        f"target: {w} workers at least {scaling['target']:.2f}x one worker: {scaling['found']:.2f}x, "
        f"{'met' if scaling['met'] else 'MISSED'} (machine load average {report['load_average']:.1f})",
    ]
    return "\n".join(lines)
