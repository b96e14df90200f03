"""The validation report on Geant4 vs Geant4 (must look identical) and on a distorted candidate."""

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
from fastsim_kernel.validation.selection import common_support
from tests.conftest import gaussian_showers

pytest.importorskip("sklearn")


def _strict_json(path):
    def refuse(token):
        raise ValueError(f"non-standard JSON constant {token}")

    return json.loads(path.read_text(), parse_constant=refuse)


@pytest.fixture(scope="module")
def g4_vs_g4(g4_pair, tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "g4_vs_g4"
    return out, validate(*g4_pair, out, labels=("Geant4 seed 21", "Geant4 seed 22"))


def test_g4_vs_g4_is_indistinguishable(g4_vs_g4):
    _, metrics = g4_vs_g4
    assert 0.35 < metrics["classifier"]["auc_high_level"] < 0.65
    assert 0.35 < metrics["classifier"]["auc_low_level"] < 0.65
    for name, sp in metrics["separation_power"].items():
        assert sp["sp"] < 3 * sp["floor"] + 0.01, name  # statistical fluctuations only
    assert metrics["relative_error"]["sampling_fraction"] < 0.03
    assert metrics["relative_error"]["z_mean"] < 0.03
    assert all(v < 2e-3 for v in metrics["profile_separation_power"].values())
    assert metrics["n_reference"] == metrics["n_candidate"] == 120


def test_report_files_are_complete(g4_vs_g4):
    out, metrics = g4_vs_g4
    assert _strict_json(out / "metrics.json") == metrics
    page = (out / "index.html").read_text()
    assert f"{metrics['classifier']['auc_high_level']:.4g}" in page
    assert len(metrics["figures"]) >= 9
    for figure in metrics["figures"]:
        assert (out / figure).stat().st_size > 10_000
        assert f'src="{figure}"' in page
    assert metrics["bins"], "at least one energy bin is compared"
    assert all(b["n_reference"] >= 5 and b["n_candidate"] >= 5 for b in metrics["bins"])


def test_a_distorted_candidate_is_caught(g4_pair, tmp_path):
    reference, other = g4_pair
    deeper = np.roll(other.cells, 2, axis=3) * np.float32(1.3)  # 30% more energy, 2 layers deeper
    candidate = Showers(deeper, other.energy, other.theta, other.metadata)
    metrics = validate(reference, candidate, tmp_path / "bad")
    assert metrics["classifier"]["auc_high_level"] > 0.9
    assert metrics["relative_error"]["sampling_fraction"] == pytest.approx(0.3, abs=0.05)
    assert metrics["separation_power"]["z_mean"]["sp"] > 5 * metrics["separation_power"]["z_mean"]["floor"]


def test_candidate_at_one_energy_is_compared_with_the_reference_near_it():
    reference = Showers.concatenate([gaussian_showers(10, energy=e, seed=i) for i, e in enumerate((20, 50, 80))])
    candidate = gaussian_showers(10, energy=52.0, seed=9)
    ref, cand = common_support(reference, candidate)
    np.testing.assert_array_equal(ref.energy, 50.0)
    assert len(cand) == 10


def test_bad_inputs_are_clear(tmp_path):
    fixed, variable = gaussian_showers(6), gaussian_showers(6, (51, 51, 25))
    with pytest.raises(FastsimError, match="grid"):
        validate(fixed, variable, tmp_path / "x")
    with pytest.raises(FastsimError, match="share no conditions"):
        validate(fixed, gaussian_showers(6, energy=150.0), tmp_path / "y")


def test_validate_cli(g4_pair, tmp_path):
    ref, cand = (write_showers(s, tmp_path / f"{name}.h5") for s, name in zip(g4_pair, ("a", "b"), strict=True))
    cmd = [sys.executable, "-c", "import sys; from fastsim_kernel.cli import main; sys.exit(main())",
           "validate", "--reference", str(ref), "--candidate", str(cand), "--out", str(tmp_path / "r")]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False,
                          env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
    assert proc.returncode == 0, proc.stderr
    assert "classifier AUC" in proc.stdout
    auc = _strict_json(tmp_path / "r" / "metrics.json")["classifier"]["auc_high_level"]
    assert math.isfinite(auc)
