"""The report page: targets PASS/FAIL per point first, then every metric with its interval and floor, figures."""

from __future__ import annotations

import html

from fastsim_kernel.validation.targets import TARGETS

_STYLE = """body{font-family:sans-serif;max-width:1300px;margin:auto;padding:0 1em}
table{border-collapse:collapse;margin:0.5em 0}td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}
td:first-child,th:first-child{text-align:left}.pass{background:#d7f5d7}.fail{background:#f9d0d0}
.na{background:#eee;color:#555}.floor{background:#fbe9c4}small{color:#555}figure{display:inline-block;margin:8px}img{max-width:560px}
details{margin:0.3em 0 1em 0}"""


def _num(value, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}g}"


def _pct(value) -> str:
    return "n/a" if value is None else f"{100 * value:+.2f}%"


def _format(value, unit: str) -> str:
    if unit == "relative":
        return _pct(value)
    if unit == "deg":
        return "n/a" if value is None else f"{value:+.2f}°"
    return _num(value)


def _interval(record: dict, unit: str) -> str:
    if record.get("low") is None or record.get("high") is None:
        return ""
    return f" <small>[{_format(record['low'], unit)}, {_format(record['high'], unit)}]</small>"


def _verdict(record: dict) -> tuple[str, str]:
    """(css class, text) of a target record."""
    if record.get("pass") is None:
        return "na", "n/a"
    if record["pass"]:
        return "pass", "PASS (stretch too)" if record.get("stretch_pass") else "PASS"
    if record.get("within_floor"):
        return "floor", "FAIL, within the G4-vs-G4 floor"
    return "fail", "FAIL"


def _summary_table(metrics: dict) -> str:
    head = "".join(f"<th>{html.escape(t.label)}<br><small>tolerance {_tolerance(t)}</small></th>" for t in TARGETS)
    rows = []
    for point in metrics["points"]:
        cells = []
        for target in TARGETS:
            record = point["targets"][target.name]
            css, text = _verdict(record)
            value = _format(record.get("value"), target.unit)
            title = html.escape(record.get("reason", ""), quote=True)
            cells.append(f'<td class="{css}" title="{title}">{text}<br><small>{value}</small></td>')
        rows.append(f"<tr><td>{point['energy_gev']:g} GeV, {point['theta_deg']:g}°<br><small>"
                    f"{point['n_reference']} vs {point['n_candidate']}</small></td>{''.join(cells)}</tr>")
    totals = "".join(
        f"<td>{s['passed']} pass, {s['failed']} fail, {s['na']} n/a</td>"
        for s in (metrics["summary"][t.name] for t in TARGETS))
    return (f"<table><tr><th>point<br><small>showers ref vs cand</small></th>{head}</tr>{''.join(rows)}"
            f"<tr><td><b>all points</b></td>{totals}</tr></table>")


def _tolerance(target) -> str:
    if target.unit == "relative":
        return f"±{100 * target.tolerance:g}%"
    if target.unit == "deg":
        return f"±{target.tolerance:g}°"
    return f"≤ {target.tolerance:g} (stretch {target.stretch:g})"


def _targets_table(point: dict) -> str:
    rows = []
    for target in TARGETS:
        record = point["targets"][target.name]
        css, text = _verdict(record)
        where = f" <small>worst: {html.escape(record['worst'])}</small>" if record.get("worst") else ""
        reason = f" <small>{html.escape(record['reason'])}</small>" if record.get("reason") else ""
        floor = _format(record.get("floor"), target.unit) if record.get("floor") is not None else "n/a"
        if target.unit != "auc" and record.get("floor") is not None:
            floor = floor.lstrip("+")
        rows.append(f"<tr><td>{html.escape(target.label)}{where}</td>"
                    f"<td>{_format(record.get('value'), target.unit)}{_interval(record, target.unit)}</td>"
                    f"<td>{floor}</td><td>{_tolerance(target)}</td><td class=\"{css}\">{text}{reason}</td></tr>")
    return ("<table><tr><th>target</th><th>candidate vs reference [interval]</th><th>G4-vs-G4 floor</th>"
            f"<th>tolerance</th><th>result</th></tr>{''.join(rows)}</table>")


_SCALARS = (("sum_over_e_mean", "mean sum/E"), ("sum_over_e_resolution", "sum/E resolution"),
            ("measured_angle", "measured angle [deg]"))
_LAYERED = (("layer_energy", "energy [GeV]"), ("layer_width_x", "width x [cell]"),
            ("layer_width_y", "width y [cell]"), ("layer_centre_x", "centre x [cell]"),
            ("layer_centre_y", "centre y [cell]"))


def _observables(point: dict, labels: list[str]) -> str:
    table = point.get("observables")
    if not table:
        return "<p>Observables: n/a (too few showers).</p>"

    def pick(v, index):
        return v if index is None else v[index]

    def diff(entry, index=None):
        unit = "relative" if entry["difference_kind"] == "relative" else "abs"
        record = {k: pick(entry["difference"][k], index) for k in ("value", "low", "high")}
        text = _format(record["value"], unit) + _interval(record, unit)
        floor = pick(entry["floor"], index) if entry["floor"] is not None else None
        return f"<td>{text}</td><td>{_format(floor, unit).lstrip('+')}</td>"

    def value(entry, side, index=None):
        record = {k: pick(entry[side][k], index) for k in ("value", "low", "high")}
        return f"<td>{_num(record['value'], 4)}{_interval(record, 'abs')}</td>"

    ref_label, cand_label = (html.escape(x) for x in labels)
    rows = "".join(f"<tr><td>{name}</td>{value(table[key], 'reference')}{value(table[key], 'candidate')}"
                   f"{diff(table[key])}</tr>" for key, name in _SCALARS)
    scalar = (f"<table><tr><th>observable</th><th>{ref_label}</th><th>{cand_label}</th><th>difference</th>"
              f"<th>floor</th></tr>{rows}</table>")
    layers = len(table["layer_energy"]["reference"]["value"])
    head = "".join(f"<th>{name}: {ref_label}</th><th>difference</th><th>floor</th>" for _, name in _LAYERED)
    body = "".join(f"<tr><td>{z}</td>" + "".join(value(table[k], "reference", z) + diff(table[k], z)
                                                  for k, _ in _LAYERED) + "</tr>" for z in range(layers))
    return (f"{scalar}<details><summary>per layer: energy, x/y width and centre (differences: relative for "
            f"energy and width, in cells for the centre)</summary><table><tr><th>layer</th>{head}</tr>{body}"
            f"</table></details>")


def _classifier_and_distances(point: dict) -> str:
    clf, dist = point["classifier"], point["distances"]

    def cell(record, digits=3):
        if record.get("value") is None:
            return f"<td class=\"na\">n/a <small>{html.escape(record.get('reason', ''))}</small></td><td></td>"
        error = f" ± {_num(record['error'], 2)}" if record.get("error") is not None else ""
        return f"<td>{_num(record['value'], digits)}{error}</td><td>{_num(record.get('floor'), digits)}</td>"

    return ("<table><tr><th>metric</th><th>value</th><th>G4-vs-G4 floor</th></tr>"
            f"<tr><td>classifier AUC, high-level features</td>{cell(clf['auc_high_level'])}</tr>"
            f"<tr><td>classifier AUC, low-level ({html.escape(clf['low_level_features'])})</td>"
            f"{cell(clf['auc_low_level'])}</tr>"
            f"<tr><td>FPD (high-level features, extrapolated to N → ∞)</td>{cell(dist['fpd'])}</tr>"
            f"<tr><td>KPD (high-level features, cubic kernel)</td>{cell(dist['kpd'])}</tr></table>")


def _pooled(pooled: dict) -> str:
    rows = []
    for name, rel in pooled["relative_error"].items():
        sp = pooled["separation_power"].get(name, {})
        rows.append(f"<tr><td>{html.escape(name)}</td><td>{_num(rel)}</td><td>{_num(sp.get('sp'))}</td>"
                    f"<td>{_num(sp.get('floor'))}</td></tr>")
    profiles = "".join(f"<tr><td>{html.escape(k)}</td><td>{_num(v)}</td></tr>"
                       for k, v in pooled["profile_separation_power"].items())
    clf = pooled["classifier"]
    return (f"<p>Classifier AUC over all points: high-level {_num(clf['auc_high_level'])}, low-level "
            f"{_num(clf['auc_low_level'])}.</p><table><tr><th>observable</th><th>relative error of the mean</th>"
            f"<th>separation power</th><th>statistical floor</th></tr>{''.join(rows)}</table>"
            f"<table><tr><th>mean profile</th><th>separation power</th></tr>{profiles}</table>")


def render_html(metrics: dict, figures: list[dict]) -> str:
    """One self-contained page (figures linked relative to it)."""
    labels = metrics["inputs"]["labels"]
    ref_label, cand_label = (html.escape(x) for x in labels)
    method = metrics["method"]
    boot = method["bootstrap"]
    inputs = "".join(
        f"<li>{html.escape(label)}: {html.escape(d['source'])}, {d['n_used']} showers used of {d['n_read']} read"
        f"</li>" for label, d in zip(labels, (metrics["inputs"]["reference"], metrics["inputs"]["candidate"]),
                                     strict=True))
    sections = "".join(
        f"<h3>{p['energy_gev']:g} GeV, {p['theta_deg']:g}° <small>({p['n_reference']} {ref_label} vs "
        f"{p['n_candidate']} {cand_label} showers)</small></h3>{_targets_table(p)}{_observables(p, labels)}"
        f"{_classifier_and_distances(p)}" for p in metrics["points"])
    images = "".join(f'<figure><img src="{html.escape(f["file"])}" alt="{html.escape(f["caption"])}">'
                     f"<figcaption>{html.escape(f['caption'])}</figcaption></figure>" for f in figures)
    floor = html.escape(method["floor"] or "not computed")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>fastsim validation: {cand_label} vs {ref_label}</title>
<style>{_STYLE}</style></head><body>
<h1>{cand_label} vs {ref_label}</h1>
<ul>{inputs}</ul>
<p>Intervals: {int(boot['level'] * 100)}% percentile bootstrap, {boot['resamples']} resamples, both samples
resampled independently. Floor: {floor}. A target passes when its central value is within the tolerance; an
interval that straddles the tolerance means the verdict needs more showers, and a failure no larger than the
floor (amber) means the reference itself cannot resolve the target at that point. Relative differences are
candidate / reference - 1; the angle and the layer centres are differences.</p>
<h2>Targets</h2>{_summary_table(metrics)}
<h2>Per point</h2>{sections}
<h2>All points pooled</h2>{_pooled(metrics['pooled'])}
<h2>Figures</h2>{images}
<p><a href="metrics.json">metrics.json</a></p>
</body></html>
"""
