"""``fastsim bench gan`` on a tiny budget: the table's numbers are measured and consistent."""

from __future__ import annotations

import json

import pytest

from tests.gan.conftest import fastsim

pytest.importorskip("keras")


def test_bench_reports_speed_flops_and_the_seed_table(trained_run, tmp_path):
    out = tmp_path / "bench.json"
    proc = fastsim("bench", "gan", "--model", "fixed", "--weights", str(trained_run), "--batch", "1,4",
                   "--variants", "float32,fast", "--seconds", "0.2", "--g4-n", "0", "--json", str(out))
    report = json.loads(out.read_text())
    assert report["gflop_per_shower"] == pytest.approx(0.512, rel=0.01)
    assert report["matmul_gflops_per_s"] > 1
    rows = {(r["variant"], r["batch"]): r for r in report["results"]}
    assert set(rows) == {("float32", 1), ("float32", 4), ("fast", 1), ("fast", 4)}
    for row in rows.values():
        assert row["ms_per_shower"] > 0
        assert row["showers_per_s"] == pytest.approx(1e3 / row["ms_per_shower"])
    assert report["seed_table"][2]["ms_per_shower"] == 0.1  # GTX 1080, fixed angle
    assert "| fast | 4 |" in proc.stdout
    assert "GTX 1080" in proc.stdout


def test_bench_refuses_unknown_variants(tmp_path):
    proc = fastsim("bench", "gan", "--variants", "float32,int3", check=False)
    assert proc.returncode == 2
    assert "int3" in proc.stderr.strip().splitlines()[-1]
