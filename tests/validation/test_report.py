"""``fastsim validate``: per-point targets with intervals and floors, on analytic showers and on Geant4 vs Geant4."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys

import numpy as np
import pytest

from fastsim_kernel.data import Showers, write_showers
from fastsim_kernel.errors import FastsimError
from fastsim_kernel.validation import validate
from fastsim_kernel.validation.targets import Options, per_shower, point_metrics, summary
from tests.conftest import gaussian_showers
from tests.validation.conftest import G4_PER_POINT, G4_POINTS

pytest.importorskip("sklearn")

POINTS = [(10.0, 90.0), (50.0, 60.0)]
FAST = Options(resamples=50, floor=True)


def _strict_json(path):
    def refuse(token):
        raise ValueError(f"non-standard JSON constant {token}")

    return json.loads(path.read_text(), parse_constant=refuse)


def _sample(n: int, seed: int, scale: float = 1.0) -> Showers:
    batches = [gaussian_showers(n, energy=e, theta=math.radians(t), seed=seed + i) for i, (e, t) in enumerate(POINTS)]
    showers = Showers.concatenate(batches)
    return Showers(showers.cells * np.float32(scale), showers.energy, showers.theta, showers.metadata)


def _cli(*args: str) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-c", "import sys; from fastsim_kernel.cli import main; sys.exit(main())", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False,
                          env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})


def test_summary_of_showers_with_known_moments():
    # shower i: energy 0.02 * k_i * E in layer 1 at x = 3 and x = 5 (width 1, centre 4), y = 6 (width 0)
    k = np.array([0.8, 1.0, 1.2, 1.4])
    cells = np.zeros((4, 9, 9, 3), np.float32)
    cells[:, 3, 6, 1] = cells[:, 5, 6, 1] = 0.01 * k * 50.0
    showers = Showers(cells, np.full(4, 50.0), np.full(4, math.pi / 2))
    stats = summary(per_shower(showers))
    assert stats["sum_over_e_mean"] == pytest.approx(0.02 * k.mean())
    assert stats["sum_over_e_resolution"] == pytest.approx(k.std(ddof=1) / k.mean())
    np.testing.assert_allclose(stats["layer_energy"], [0.0, 0.02 * 50 * k.mean(), 0.0])
    assert stats["layer_width_x"][1] == pytest.approx(1.0)
    assert stats["layer_width_y"][1] == pytest.approx(0.0)
    assert stats["layer_centre_x"][1] == pytest.approx(4.0)
    assert np.isnan(stats["layer_width_x"][0])  # an empty layer has no width


@pytest.fixture(scope="module")
def same_and_scaled():
    reference, same, scaled = _sample(60, 1), _sample(60, 11), _sample(60, 11, scale=1.05)
    at = slice(0, 60)  # the 10 GeV, 90 degree point
    return (point_metrics(reference[at], same[at], FAST), point_metrics(reference[at], scaled[at], FAST))


def test_statistically_identical_showers_pass_every_target(same_and_scaled):
    same, _ = same_and_scaled
    assert all(t["pass"] is True for t in same["targets"].values()), same["targets"]
    for name in ("sum_over_e_mean", "layer_energy", "layer_width"):
        record = same["targets"][name]
        assert record["low"] <= record["value"] <= record["high"]
        assert record["floor"] is not None


def test_a_mis_scaled_candidate_fails_the_sum_over_e_target(same_and_scaled):
    _, scaled = same_and_scaled
    record = scaled["targets"]["sum_over_e_mean"]
    assert record["pass"] is False
    assert record["value"] == pytest.approx(0.05, abs=0.01)
    assert record["low"] > 0.02  # the whole interval is beyond the tolerance
    assert record["within_floor"] is False  # and beyond what two halves of the reference differ by
    assert scaled["targets"]["layer_width"]["pass"] is True  # a scale does not change the shape
    assert scaled["targets"]["sum_over_e_resolution"]["pass"] is True


def test_too_few_showers_give_n_a_with_the_reason():
    small = point_metrics(gaussian_showers(8, seed=1), gaussian_showers(8, seed=2), FAST)
    assert small["targets"]["sum_over_e_mean"] == {"value": None, "pass": None,
                                                   "reason": "needs >= 10 showers per sample, got 8"}
    medium = point_metrics(gaussian_showers(30, seed=1), gaussian_showers(30, seed=2), FAST)
    assert medium["targets"]["sum_over_e_mean"]["pass"] is True
    assert medium["classifier"]["auc_high_level"]["value"] is None
    assert "needs >= 50 showers per sample, got 30" in medium["targets"]["auc_high_level"]["reason"]
    assert medium["distances"]["fpd"]["value"] is None


@pytest.fixture(scope="module")
def synthetic_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "synthetic"
    metrics = validate(_sample(60, 1), _sample(60, 11, scale=1.05), out, points=POINTS, resamples=50,
                       progress=False)
    return out, metrics


def test_report_says_pass_or_fail_for_each_target_at_each_point(synthetic_report):
    out, metrics = synthetic_report
    assert _strict_json(out / "metrics.json") == metrics
    assert [(p["energy_gev"], p["theta_deg"]) for p in metrics["points"]] == POINTS
    assert metrics["summary"]["sum_over_e_mean"] == {"passed": 0, "failed": 2, "na": 0, "all_pass": False}
    assert metrics["method"]["bootstrap"]["resamples"] == 50
    page = (out / "index.html").read_text()
    assert page.count('class="fail"') >= 2
    assert "PASS" in page
    assert "50 resamples" in page
    for figure in metrics["figures"]:
        assert f'src="{figure}"' in page
        assert (out / figure).stat().st_size > 10_000
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".")]  # no temporary folder left


def test_an_earlier_report_survives_a_failed_run(synthetic_report, monkeypatch):
    out, metrics = synthetic_report
    import fastsim_kernel.validation.report as report

    def broken(*args):
        raise RuntimeError("disk full")

    monkeypatch.setattr(report, "render_html", broken)
    with pytest.raises(RuntimeError):
        validate(_sample(12, 1), _sample(12, 11), out, points=POINTS[:1], resamples=20, progress=False)
    assert _strict_json(out / "metrics.json") == metrics
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".")]


def test_bad_inputs_are_one_clear_error(tmp_path):
    reference = _sample(12, 1)
    with pytest.raises(FastsimError, match=r"reference showers has no showers at 1 of the 3 points \(20 GeV"):
        validate(reference, reference, tmp_path / "a", points=[*POINTS, (20.0, 90.0)])
    with pytest.raises(FastsimError, match="candidate showers has no showers at 1 of the 2 points"):
        validate(reference, reference[:12], tmp_path / "b", points=POINTS)
    wide = Showers.concatenate([gaussian_showers(12, (51, 51, 25), energy=e, theta=math.radians(t))
                                for e, t in POINTS])
    with pytest.raises(FastsimError, match="grid"):
        validate(reference, wide, tmp_path / "c", points=POINTS)
    (tmp_path / "file").write_text("x")
    with pytest.raises(FastsimError, match="is a file"):
        validate(reference, reference, tmp_path / "file", points=POINTS)
    with pytest.raises(FastsimError, match="either a candidate"):
        validate(reference, None, tmp_path / "d", points=POINTS)


def test_g4_vs_g4_passes(g4_pair, tmp_path):
    reference, other = g4_pair
    metrics = validate(reference, other, tmp_path / "g4", points=G4_POINTS, resamples=100, progress=False,
                       labels=("Geant4 seeds 21-22", "Geant4 seeds 31-32"))
    assert [(p["energy_gev"], p["theta_deg"]) for p in metrics["points"]] == list(G4_POINTS)
    for point in metrics["points"]:
        assert point["n_reference"] == point["n_candidate"] == G4_PER_POINT
        targets = point["targets"]
        for name in ("sum_over_e_mean", "measured_angle", "auc_high_level"):
            assert targets[name]["pass"] is True, (point["theta_deg"], name, targets[name])
        assert targets["auc_high_level"]["value"] < 0.7
        # 150 showers cannot resolve the resolution and per-layer targets (docs/validation.md): there the
        # difference must be within the target or within twice the difference between two reference halves
        for name in ("sum_over_e_resolution", "layer_energy", "layer_width"):
            record = targets[name]
            assert abs(record["value"]) <= max(record["tolerance"], 2 * record["floor"]), (name, record)


def test_validate_cli(g4_pair, tmp_path):
    ref, cand = (write_showers(s, tmp_path / f"{name}.h5") for s, name in zip(g4_pair, ("a", "b"), strict=True))
    out = tmp_path / "report"
    proc = _cli("validate", "--reference", str(ref), "--candidate", str(cand), "--out", str(out),
                "--points", "10:90", "--resamples", "20", "--no-floor")
    assert proc.returncode == 0, proc.stderr
    assert "mean sum/E: 1/1 points pass" in proc.stdout
    metrics = _strict_json(out / "metrics.json")
    assert metrics["points"][0]["targets"]["sum_over_e_mean"]["floor"] is None
    for args, expected in (
        (["--candidate", str(cand), "--out", str(ref)], "is a file"),
        (["--candidate", str(cand), "--out", str(tmp_path / "r2"), "--points", "10"], "expected E:THETA pairs"),
        (["--candidate", str(cand), "--out", str(tmp_path / "r3"), "--points", "15:90"], "no showers at 1 of"),
    ):
        proc = _cli("validate", "--reference", str(ref), *args)
        assert proc.returncode == 2, proc.stderr
        assert proc.stderr.count("\n") == 1, proc.stderr
        assert expected in proc.stderr


def test_a_model_is_run_at_every_point_with_a_fixed_seed(tmp_path, monkeypatch):
    import fastsim_kernel.gan.generate as generate

    calls = []

    class AnalyticModel:
        def generate(self, energy, theta, n=None, *, seed=0, strict=False):
            calls.append((energy, theta, seed))
            starts = np.flatnonzero(np.r_[True, (np.diff(energy) != 0) | (np.diff(theta) != 0)])
            sizes = np.diff(np.r_[starts, len(energy)])
            return Showers.concatenate([gaussian_showers(int(k), energy=float(energy[s]), theta=float(theta[s]),
                                                         seed=seed) for s, k in zip(starts, sizes, strict=True)])

    monkeypatch.setattr(generate, "load_generator", lambda path: AnalyticModel())
    metrics = validate(_sample(12, 1), None, tmp_path / "m", model="runs/x", points=POINTS, resamples=20,
                       seed=5, progress=False)
    (energy, theta, seed), = calls
    assert seed == 5
    np.testing.assert_array_equal(energy, [10.0] * 12 + [50.0] * 12)
    np.testing.assert_allclose(np.degrees(theta), [90.0] * 12 + [60.0] * 12, atol=1e-4)
    assert [p["n_candidate"] for p in metrics["points"]] == [12, 12]
    assert metrics["inputs"]["candidate"]["source"] == "model runs/x"
