"""The model card's numbers from a validation report: ``card.json`` and the per-point table of MODEL_CARD.md.

    python -m fastsim_kernel.gan.card REPORT/metrics.json MODEL_FOLDER NAME "SUMMARY" > table.md

writes ``MODEL_FOLDER/card.json`` (the interface ``Generator.card`` reads) and prints the Markdown table of every
target at every point, with its interval and the Geant4-vs-Geant4 floor.
"""

from __future__ import annotations

import json
import math
import os
import sys
from pathlib import Path
from typing import Any

from fastsim_kernel._atomic import atomic_path
from fastsim_kernel.gan.checkpoint import CARD
from fastsim_kernel.gan.config import GANConfig

#: the targets in the order of the card's table: metrics.json name -> (column title, unit)
TARGET_COLUMNS = {
    "sum_over_e_mean": ("mean sum/E", "%"),
    "sum_over_e_resolution": ("sum/E resolution", "%"),
    "layer_energy": ("worst layer energy", "%"),
    "layer_width": ("worst layer width", "%"),
    "measured_angle": ("measured angle", "deg"),
    "auc_high_level": ("classifier AUC", ""),
}


def card_from_metrics(metrics: dict[str, Any], config: GANConfig, *, name: str, summary: str) -> dict[str, Any]:
    """The card of a model validated in ``metrics`` (``fastsim validate``'s metrics.json).

    Status: "validated" when every target passes at every point, "partial" when some do, "placeholder" when
    none does.
    """
    results = [p["targets"][t].get("pass") for p in metrics["points"] for t in TARGET_COLUMNS]
    passed, total = results.count(True), len(results)
    status = "validated" if passed == total else "partial" if passed else "placeholder"
    per_target = {t: {"passed": sum(p["targets"][t].get("pass") is True for p in metrics["points"]),
                      "points": len(metrics["points"])} for t in TARGET_COLUMNS}
    return {
        "name": name,
        "status": status,
        "summary": summary,
        "targets_passed": passed,
        "targets_total": total,
        "grid": list(config.grid),
        "energy_gev": [round(v, 2) for v in config.energy_range],
        "theta_deg": [round(math.degrees(v), 2) for v in config.theta_range],
        "metrics": {"targets": per_target,
                    "points": [{"energy_gev": p["energy_gev"], "theta_deg": p["theta_deg"],
                                **{t: p["targets"][t].get("value") for t in TARGET_COLUMNS}}
                               for p in metrics["points"]]},
    }


def _cell(record: dict, unit: str) -> str:
    value = record.get("value")
    if value is None:
        return f"n/a ({record.get('reason', 'not evaluated')})"
    scale = 100.0 if unit == "%" else 1.0
    digits = 2 if unit == "" else 1

    def fmt(v):
        return "?" if v is None else f"{scale * v:+.{digits}f}" if unit else f"{v:.{digits}f}"

    text = fmt(value)
    if record.get("low") is not None:
        text += f" [{fmt(record['low'])}, {fmt(record['high'])}]"
    floor = record.get("floor")
    if floor is not None:
        text += f" (G4 {scale * floor:.{digits}f})"
    return f"{'**' if record.get('pass') is False else ''}{text}{'**' if record.get('pass') is False else ''} " + (
        "pass" if record.get("pass") else "FAIL" if record.get("pass") is False else "n/a")


def markdown_table(metrics: dict[str, Any]) -> str:
    """One row per point, one column per target: difference [95% interval] (Geant4-vs-Geant4 floor) verdict."""
    head = "| point | " + " | ".join(f"{title}{f' ({unit})' if unit else ''}"
                                    for title, unit in TARGET_COLUMNS.values()) + " |"
    lines = [head, "|---" * (len(TARGET_COLUMNS) + 1) + "|"]
    for point in metrics["points"]:
        cells = [_cell(point["targets"][t], unit) for t, (_, unit) in TARGET_COLUMNS.items()]
        lines.append(f"| {point['energy_gev']:g} GeV, {point['theta_deg']:g} deg | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write_card(metrics_path: str | os.PathLike, folder: str | os.PathLike, *, name: str, summary: str) -> dict:
    """Read ``metrics.json``, write ``folder/card.json`` atomically, return the card."""
    metrics = json.loads(Path(metrics_path).read_text())
    card = card_from_metrics(metrics, GANConfig.load(Path(folder) / "config.json"), name=name, summary=summary)
    with atomic_path(Path(folder) / CARD) as tmp:
        tmp.write_text(json.dumps(card, indent=1) + "\n")
    return card


if __name__ == "__main__":  # pragma: no cover
    metrics_file, model_folder, card_name, card_summary = sys.argv[1:]
    write_card(metrics_file, model_folder, name=card_name, summary=card_summary)
    print(markdown_table(json.loads(Path(metrics_file).read_text())))
