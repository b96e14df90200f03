"""The learning curve: the validation targets against minutes of training, from a run's epoch snapshots.

Every epoch the run keeps its generator weights in ``snapshots/`` and its training seconds in the checkpoint's
history. ``learning_curve`` generates showers with each snapshot at the points of a held-out Geant4 reference
(the same conditions as the reference showers there) and writes one CSV row per (epoch, point) with the target
quantities of ``validation.targets`` (no classifier: it is too slow to repeat per epoch).

    python -m fastsim_kernel.gan.curve RUN REFERENCE.h5 OUT.csv OUT.png [EPOCH,EPOCH,...]
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np

from fastsim_kernel._atomic import atomic_path
from fastsim_kernel.data import read_showers
from fastsim_kernel.errors import FastsimError
from fastsim_kernel.gan.checkpoint import CHECKPOINT, CONFIG, GENERATOR_WEIGHTS, SNAPSHOTS
from fastsim_kernel.gan.layer_model import LAYER_MODEL

#: CSV columns after epoch, minutes, energy, theta: the worst |difference| of each target quantity
COLUMNS = ("sum_over_e_mean", "sum_over_e_resolution", "layer_energy", "layer_width", "measured_angle_deg")
TOLERANCES = {"sum_over_e_mean": 0.02, "sum_over_e_resolution": 0.20, "layer_energy": 0.05, "layer_width": 0.10,
              "measured_angle_deg": 2.0}


def point_metrics(reference, candidate) -> dict[str, float]:
    """Worst |difference| per target quantity between two ``Showers`` samples at one point."""
    from fastsim_kernel.validation.targets import LAYER_FRACTION, differences, per_shower, summary

    ref, cand = summary(per_shower(reference)), summary(per_shower(candidate))
    diff = differences(ref, cand)
    layers = ref["layer_energy"] >= LAYER_FRACTION * np.nansum(ref["layer_energy"])
    return {
        "sum_over_e_mean": abs(float(diff["sum_over_e_mean"])),
        "sum_over_e_resolution": abs(float(diff["sum_over_e_resolution"])),
        "layer_energy": float(np.nanmax(np.abs(diff["layer_energy"][layers]))),
        "layer_width": float(np.nanmax(np.abs(np.concatenate([diff["layer_width_x"][layers],
                                                              diff["layer_width_y"][layers]])))),
        "measured_angle_deg": abs(float(diff["measured_angle"])),
    }


def learning_curve(run: str | os.PathLike, reference: str | os.PathLike, out_csv: str | os.PathLike, *,
                   epochs: list[int] | None = None, seed: int = 0, max_per_point: int = 300) -> list[dict]:
    """Evaluate the snapshots of ``run`` (all, or those of ``epochs``) at the points of ``reference``; write
    the rows, merged with those already in ``out_csv`` for other epochs, and return them all."""
    from fastsim_kernel.gan.generate import load_generator
    from fastsim_kernel.validation.selection import at_point, recorded_points

    run = Path(run)
    with np.load(run / CHECKPOINT) as data:
        history = json.loads(str(data["state"]))["history"]
    seconds = {h["epoch"]: h["train_seconds"] for h in history if "train_seconds" in h}
    snapshots = [p for p in sorted((run / SNAPSHOTS).glob("epoch-*.weights.h5"))
                 if epochs is None or _epoch(p) in epochs]
    if not snapshots:
        msg = f"{run}: no {SNAPSHOTS}/epoch-*.weights.h5 to draw a learning curve from"
        raise FastsimError(msg)
    showers = read_showers(reference)
    points = recorded_points(showers)
    if points is None:
        msg = f"{reference}: not a held-out reference with recorded points (make one with fastsim reference)"
        raise FastsimError(msg)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name in (CONFIG, LAYER_MODEL):
            if (run / name).exists():
                shutil.copyfile(run / name, folder / name)
        for snapshot in snapshots:
            epoch = _epoch(snapshot)
            shutil.copyfile(snapshot, folder / GENERATOR_WEIGHTS)
            generator = load_generator(folder)
            for energy, theta in points:
                ref = showers[at_point(showers, energy, theta)][:max_per_point]
                fake = generator.generate(ref.energy, ref.theta, seed=seed)
                row = {"epoch": epoch, "minutes": round(seconds.get(epoch, float("nan")) / 60, 2),
                       "energy_gev": energy, "theta_deg": theta}
                rows.append({**row, **{k: round(v, 5) for k, v in point_metrics(ref, fake).items()}})
    done = {r["epoch"] for r in rows}
    earlier = [r for r in read_curve(out_csv) if r["epoch"] not in done] if Path(out_csv).is_file() else []
    rows = sorted(earlier + rows, key=lambda r: (r["epoch"], r["energy_gev"], r["theta_deg"]))
    with atomic_path(out_csv) as tmp_csv, open(tmp_csv, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return rows


def _epoch(snapshot: Path) -> int:
    return int(snapshot.name.split("-")[1].split(".")[0])


def read_curve(path: str | os.PathLike) -> list[dict]:
    """Rows of a learning-curve CSV, numbers as numbers."""
    with open(path, newline="") as f:
        return [{k: (int(v) if k == "epoch" else float(v)) for k, v in row.items()} for row in csv.DictReader(f)]


def plot_learning_curve(rows: list[dict], out_png: str | os.PathLike) -> Path:
    """One panel per target quantity: the worst point and the median point against training minutes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    epochs = sorted({r["epoch"] for r in rows})
    minutes = [next(r["minutes"] for r in rows if r["epoch"] == e) for e in epochs]
    fig, axes = plt.subplots(1, len(COLUMNS), figsize=(4 * len(COLUMNS), 3.4), constrained_layout=True)
    for ax, column in zip(axes, COLUMNS, strict=True):
        values = np.array([[r[column] for r in rows if r["epoch"] == e] for e in epochs])
        ax.plot(minutes, values.max(axis=1), "o-", label="worst point")
        ax.plot(minutes, np.median(values, axis=1), "s--", label="median point")
        ax.axhline(TOLERANCES[column], color="k", lw=1, ls=":", label="target")
        ax.set_xlabel("CPU minutes of training")
        ax.set_title(column.replace("_", " "))
        ax.set_yscale("log")
    axes[0].legend(fontsize=8)
    out_png = Path(out_png)
    with atomic_path(out_png) as tmp:
        fig.savefig(tmp, dpi=110, format="png")
    plt.close(fig)
    return out_png


if __name__ == "__main__":  # pragma: no cover
    run_dir, reference_file, csv_out, png, *chosen = sys.argv[1:]
    curve_rows = learning_curve(run_dir, reference_file, csv_out,
                                epochs=[int(e) for e in chosen[0].split(",")] if chosen else None)
    plot_learning_curve(curve_rows, png)
