"""``validate``: the whole report (metrics.json, figures/, index.html) for one reference/candidate pair."""

from __future__ import annotations

import html
import json
import math
import os
from pathlib import Path

from fastsim_kernel._atomic import atomic_path
from fastsim_kernel.data import Showers, read_showers
from fastsim_kernel.errors import FastsimError
from fastsim_kernel.validation.figures import write_figures
from fastsim_kernel.validation.metrics import compare
from fastsim_kernel.validation.selection import common_support, comparison_points


def validate(reference: str | os.PathLike | Showers, candidate: str | os.PathLike | Showers,
             out: str | os.PathLike, *, max_showers: int = 20000, seed: int = 0,
             labels: tuple[str, str] = ("Geant4", "GAN")) -> dict:
    """Compare ``candidate`` showers with ``reference`` showers and write the report into ``out``.

    Args:
        reference, candidate: shower files (.h5/.root) or ``Showers``.
        out: report folder (created); holds metrics.json, index.html and figures/.
        max_showers: showers read from each file (default 20000).
        seed: seeds the classifier's subsampling and folds.
        labels: legend names of the reference and the candidate.

    Both samples are first restricted to the conditions the other one covers (energy +-5 GeV, angle
    +-0.1 rad), so a candidate generated at one energy is compared with the reference showers near it.

    Returns:
        The metrics (also written to ``out/metrics.json``).
    """
    if max_showers < 1:
        msg = f"max_showers must be >= 1, got {max_showers}"
        raise FastsimError(msg)
    ref_all, cand_all = (_load(s, max_showers, role) for s, role in ((reference, "reference"),
                                                                     (candidate, "candidate")))
    if ref_all.grid != cand_all.grid:
        msg = f"reference grid {ref_all.grid} differs from candidate grid {cand_all.grid}; compare like with like"
        raise FastsimError(msg)
    ref, cand = common_support(ref_all, cand_all)
    if len(ref) < 2 or len(cand) < 2:
        msg = (
            f"reference and candidate share no conditions: reference E {ref_all.energy.min():.1f}-"
            f"{ref_all.energy.max():.1f} GeV, candidate E {cand_all.energy.min():.1f}-"
            f"{cand_all.energy.max():.1f} GeV (angles in rad {ref_all.theta.min():.2f}-"
            f"{ref_all.theta.max():.2f} vs {cand_all.theta.min():.2f}-{cand_all.theta.max():.2f})"
        )
        raise FastsimError(msg)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    metrics = compare(ref, cand, seed=seed)
    metrics["inputs"] = {
        "reference": _describe(reference, ref_all, ref),
        "candidate": _describe(candidate, cand_all, cand),
        "labels": list(labels),
    }
    sources = {labels[0]: ref, labels[1]: cand}
    figures = write_figures(sources, comparison_points(ref, cand), out / "figures")
    metrics["figures"] = [f["file"] for f in figures]
    metrics = _json_safe(metrics)
    with atomic_path(out / "metrics.json") as tmp:
        tmp.write_text(json.dumps(metrics, indent=2) + "\n")
    with atomic_path(out / "index.html") as tmp:
        tmp.write_text(render_html(metrics, figures))
    return metrics


def _load(source, max_showers: int, role: str) -> Showers:
    showers = source if isinstance(source, Showers) else read_showers(source, stop=max_showers)
    if len(showers) == 0:
        msg = f"{role} {source if not isinstance(source, Showers) else 'showers'}: no showers to compare"
        raise FastsimError(msg)
    return showers[:max_showers]


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
    if isinstance(value, float):
        return None if not math.isfinite(value) else value
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    return value


def _fmt(value) -> str:
    return "n/a" if value is None else f"{value:.4g}"


def render_html(metrics: dict, figures: list[dict]) -> str:
    """One self-contained page (figures linked relative to it) showing every metric and figure."""
    ref_label, cand_label = metrics["inputs"]["labels"]
    clf = metrics["classifier"]
    rows = []
    for name, rel in metrics["relative_error"].items():
        sp = metrics["separation_power"].get(name, {})
        rows.append(f"<tr><td>{html.escape(name)}</td><td>{_fmt(rel)}</td><td>{_fmt(sp.get('sp'))}</td>"
                    f"<td>{_fmt(sp.get('floor'))}</td></tr>")
    cell = metrics["separation_power"]["cell_spectrum"]
    rows.append(f"<tr><td>cell_spectrum (log10 GeV)</td><td></td><td>{_fmt(cell['sp'])}</td>"
                f"<td>{_fmt(cell['floor'])}</td></tr>")
    profiles = "".join(f"<tr><td>{html.escape(k)}</td><td>{_fmt(v)}</td></tr>"
                       for k, v in metrics["profile_separation_power"].items())
    bins = "".join(
        f"<tr><td>{b['energy_gev']:.1f}</td><td>{math.degrees(b['theta_rad']):.1f}</td><td>{b['n_reference']}</td>"
        f"<td>{b['n_candidate']}</td><td>{_fmt(b['sampling_fraction_relative_error'])}</td>"
        f"<td>{_fmt(b['profile_separation_power']['z_projection'])}</td></tr>" for b in metrics["bins"])
    images = "".join(f'<figure><img src="{html.escape(f["file"])}" alt="{html.escape(f["caption"])}">'
                     f"<figcaption>{html.escape(f['caption'])}</figcaption></figure>" for f in figures)
    inputs = "".join(
        f"<li>{html.escape(label)}: {html.escape(d['source'])}, {d['n_used']} of {d['n_read']} showers, "
        f"E {d['energy_gev'][0]:.1f}-{d['energy_gev'][1]:.1f} GeV, θ {d['theta_deg'][0]:.1f}-"
        f"{d['theta_deg'][1]:.1f}°</li>"
        for label, d in ((ref_label, metrics["inputs"]["reference"]), (cand_label, metrics["inputs"]["candidate"])))
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>fastsim validation: {html.escape(cand_label)} vs
{html.escape(ref_label)}</title>
<style>body{{font-family:sans-serif;max-width:1200px;margin:auto}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:2px 8px;text-align:right}}td:first-child{{text-align:left}}
figure{{display:inline-block;margin:8px}}img{{max-width:560px}}</style></head><body>
<h1>{html.escape(cand_label)} vs {html.escape(ref_label)}</h1>
<ul>{inputs}</ul>
<h2>Classifier test</h2>
<p>AUC (high-level features): <b>{_fmt(clf['auc_high_level'])}</b>; AUC (low-level, {html.escape(
        clf['low_level_features'])}): <b>{_fmt(clf['auc_low_level'])}</b>. 0.5 means the classifier cannot
tell the samples apart ({html.escape(clf['model'])}).</p>
<h2>Observables</h2>
<table><tr><th>observable</th><th>relative error of the mean</th><th>separation power</th>
<th>statistical floor</th></tr>{''.join(rows)}</table>
<h2>Mean profiles</h2><table><tr><th>profile</th><th>separation power</th></tr>{profiles}</table>
<h2>Energy and angle bins (±5 GeV, ±0.1 rad)</h2>
<table><tr><th>E [GeV]</th><th>θ [deg]</th><th>n {html.escape(ref_label)}</th><th>n {html.escape(cand_label)}</th>
<th>sampling fraction rel. error</th><th>z-profile separation power</th></tr>{bins}</table>
<h2>Figures</h2>{images}
<p><a href="metrics.json">metrics.json</a></p>
</body></html>
"""
