"""``validate``: the whole report (metrics.json, figures/, index.html) of a candidate against a reference.

The report is written into a temporary sibling folder and renamed onto ``out`` at the end, so ``out`` is
either the previous report or the complete new one, never half of each.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import math
import os
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from fastsim_kernel.data import Showers, read_showers
from fastsim_kernel.errors import FastsimError
from fastsim_kernel.validation.figures import write_figures
from fastsim_kernel.validation.html import render_html
from fastsim_kernel.validation.metrics import compare
from fastsim_kernel.validation.reference import reference_points
from fastsim_kernel.validation.selection import (
    POINT_ENERGY_TOLERANCE,
    POINT_THETA_TOLERANCE_DEG,
    at_point,
    describe_conditions,
    point_label,
    recorded_points,
)
from fastsim_kernel.validation.targets import MIN_SHOWERS, TARGETS, Options, point_metrics


def validate(
    reference: str | os.PathLike | Showers,
    candidate: str | os.PathLike | Showers | None,
    out: str | os.PathLike,
    *,
    model: str | os.PathLike | None = None,
    points: Sequence[tuple[float, float]] | None = None,
    resamples: int = 200,
    level: float = 0.95,
    floor: bool = True,
    max_showers: int = 20000,
    seed: int = 0,
    labels: tuple[str, str] = ("Geant4", "GAN"),
    progress: bool = True,
    units: str | None = None,
) -> dict:
    """Compare a candidate with a reference at every validation point and write the report into ``out``.

    Args:
        reference: shower file (.h5/.root) or ``Showers``, e.g. from ``fastsim reference``.
        candidate: shower file or ``Showers`` holding every point; or None with ``model``.
        out: report folder (metrics.json, index.html, figures/); an existing report there is replaced.
        model: a run folder or "shipped": generate at each point's (energy, angle), as many showers as the
            reference has there, with the noise seed ``seed``.
        points: (energy GeV, angle degrees) pairs; default: the points the reference records, else
            10, 20, 50, 100 GeV x 60, 90, 120 degrees. A shower is at a point within 0.5 % and 0.5 degrees.
        resamples, level: bootstrap replicas and coverage of every interval (default 200, 0.95).
        floor: also compare two random halves of the reference (the Geant4-vs-Geant4 floor).
        max_showers: showers read from each file.
        seed: seeds the bootstrap, the halves, the classifier folds and the generation.
        labels: names of the reference and the candidate.
        progress: a progress bar on stderr.
        units: cell units of files that do not state them ("GeV", "MeV", "x50"); default: inferred or refused.

    Returns:
        The metrics (also in ``out/metrics.json``): per point every metric with its interval and floor, and
        each target with pass (true/false) or null with the reason it could not be evaluated.
    """
    out = _check_out(Path(out))
    if (candidate is None) == (model is None):
        msg = "give either a candidate (file or showers) or a model to generate from, not both or neither"
        raise FastsimError(msg)
    if max_showers < 1 or resamples < 10 or not 0 < level < 1:
        msg = (f"expected max_showers >= 1, resamples >= 10 and 0 < level < 1, got {max_showers}, {resamples} "
               f"and {level}")
        raise FastsimError(msg)
    ref_all = _load(reference, max_showers, "reference", units)
    points = [(float(e), float(t)) for e, t in points] if points else (
        recorded_points(ref_all) or reference_points())
    ref_at = [ref_all[at_point(ref_all, e, t)] for e, t in points]
    _require_points(ref_all, ref_at, points, "reference", source=reference)
    if model is not None:
        cand_at = _generate(model, ref_at, points, seed=seed, progress=progress)
        candidate = f"model {model}"
    else:
        cand_all = _load(candidate, max_showers, "candidate", units)
        cand_at = [cand_all[at_point(cand_all, e, t)] for e, t in points]
        _require_points(cand_all, cand_at, points, "candidate", source=candidate)
    if ref_all.grid != cand_at[0].grid:
        msg = f"reference grid {ref_all.grid} differs from candidate grid {cand_at[0].grid}; compare like with like"
        raise FastsimError(msg)

    options = Options(resamples=resamples, level=level, floor=floor, seed=seed)
    per_point = []
    for (energy, theta), ref, cand in _progress(list(zip(points, ref_at, cand_at, strict=True)), progress):
        per_point.append({"energy_gev": energy, "theta_deg": theta, **point_metrics(ref, cand, options)})
    ref_pool, cand_pool = Showers.concatenate(ref_at), Showers.concatenate(cand_at)
    metrics = {
        "points": per_point,
        "summary": _summary(per_point),
        "pooled": compare(ref_pool, cand_pool, seed=seed),
        "method": {
            "bootstrap": {"resamples": resamples, "level": level, "kind": "percentile, samples resampled "
                          "independently"},
            "floor": "two random halves of the reference compared the same way" if floor else None,
            "point_tolerance": {"energy_relative": POINT_ENERGY_TOLERANCE, "theta_deg": POINT_THETA_TOLERANCE_DEG},
            "minimum_showers": MIN_SHOWERS,
            "targets": {t.name: {"label": t.label, "tolerance": t.tolerance, "unit": t.unit,
                                 **({"stretch": t.stretch} if t.stretch else {})} for t in TARGETS},
        },
        "inputs": {
            "reference": _describe(reference, ref_all, ref_pool),
            "candidate": _describe(candidate, cand_pool, cand_pool),
            "labels": list(labels),
        },
    }
    with _staging(out) as folder:
        sources = {labels[0]: ref_pool, labels[1]: cand_pool}
        figures = write_figures(sources, [(e, math.radians(t)) for e, t in points], folder / "figures")
        metrics["figures"] = [f["file"] for f in figures]
        metrics = _json_safe(metrics)
        (folder / "metrics.json").write_text(json.dumps(metrics, indent=1) + "\n")
        (folder / "index.html").write_text(render_html(metrics, figures))
    return metrics


def _check_out(out: Path) -> Path:
    if out.exists() and not out.is_dir():
        msg = f"--out {str(out)!r} is a file; expected a report folder (new, or holding an earlier report)"
        raise FastsimError(msg)
    if out.is_dir() and os.listdir(out) and not (out / "metrics.json").exists():
        msg = f"--out {str(out)!r} is a folder that holds something other than a report; choose a new folder"
        raise FastsimError(msg)
    if not out.parent.is_dir():
        msg = f"the folder of --out {str(out)!r} does not exist"
        raise FastsimError(msg)
    return out


@contextlib.contextmanager
def _staging(out: Path):
    """Yield a temporary sibling folder; on success it replaces ``out`` (an earlier report is removed)."""
    tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    old = out.with_name(f".{out.name}.old-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        yield tmp
        if out.exists():
            out.rename(old)
        tmp.rename(out)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _load(source, max_showers: int, role: str, units: str | None) -> Showers:
    showers = source if isinstance(source, Showers) else read_showers(source, stop=max_showers, units=units)
    if len(showers) == 0:
        msg = f"{role} {source if not isinstance(source, Showers) else 'showers'}: no showers to compare"
        raise FastsimError(msg)
    return showers[:max_showers]


def _require_points(everything: Showers, selected: list[Showers], points, role: str, *, source) -> None:
    missing = [point_label(e, t) for (e, t), s in zip(points, selected, strict=True) if len(s) == 0]
    if missing:
        name = "showers" if isinstance(source, Showers) else str(source)
        hint = " (make one with `fastsim reference`)" if role == "reference" else ""
        msg = (f"{role} {name} has no showers at {len(missing)} of the {len(points)} points ({'; '.join(missing)});"
               f" it holds {describe_conditions(everything)}{hint}")
        raise FastsimError(msg)


def _generate(model, ref_at: list[Showers], points, *, seed: int, progress: bool) -> list[Showers]:
    from fastsim_kernel.gan.generate import load_generator

    generator = load_generator(model)
    energy = np.concatenate([np.full(len(r), e, np.float32) for r, (e, _) in zip(ref_at, points, strict=True)])
    theta = np.concatenate([np.full(len(r), math.radians(t), np.float32)
                            for r, (_, t) in zip(ref_at, points, strict=True)])
    if progress:
        print(f"generating {len(energy)} showers with {model} (seed {seed})", file=sys.stderr)
    showers = generator.generate(energy, theta, seed=seed)
    bounds = np.cumsum([0] + [len(r) for r in ref_at])
    return [showers[int(a) : int(b)] for a, b in itertools.pairwise(bounds)]


def _progress(items: list, enabled: bool):
    from tqdm.auto import tqdm

    return tqdm(items, desc="validation points", unit=" point", disable=not enabled, file=sys.stderr)


def _summary(per_point: list[dict]) -> dict:
    """target -> {passed, failed, na} counts over the points, and whether every point passes."""
    out = {}
    for target in TARGETS:
        results = [p["targets"][target.name].get("pass") for p in per_point]
        out[target.name] = {"passed": results.count(True), "failed": results.count(False),
                            "na": results.count(None), "all_pass": all(r is True for r in results)}
    return out


def _describe(source, everything: Showers, used: Showers) -> dict:
    return {
        "source": "in-memory Showers" if isinstance(source, Showers) else str(source),
        "n_read": len(everything),
        "n_used": len(used),
        "energy_gev": [float(used.energy.min()), float(used.energy.max())],
        "theta_deg": [math.degrees(float(used.theta.min())), math.degrees(float(used.theta.max()))],
        "metadata": everything.metadata,
    }


def _json_safe(value):
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, (np.integer, np.bool_)):
        return value.item()
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    return value
