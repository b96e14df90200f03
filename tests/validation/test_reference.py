"""``fastsim reference``: Geant4 showers at fixed points, one seed per point, resumable, one file at the end."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

import fastsim_kernel.g4
from fastsim_kernel.data import read_showers
from fastsim_kernel.errors import FastsimError
from fastsim_kernel.validation.reference import make_reference, reference_points

POINTS = [(10.0, 90.0), (20.0, 60.0)]


def _cli(*args: str) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-c", "import sys; from fastsim_kernel.cli import main; sys.exit(main())", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False,
                          env={**os.environ, "CI": "true"})


def test_the_default_points_are_the_targets_grid():
    points = reference_points()
    assert len(points) == 12
    assert {e for e, _ in points} == {10.0, 20.0, 50.0, 100.0}
    assert {t for _, t in points} == {60.0, 90.0, 120.0}


def test_reference_holds_each_point_with_its_own_seed(tmp_path):
    out = make_reference(tmp_path / "ref.h5", per_point=3, points=POINTS, seed=500, workers=1, progress=False)
    showers = read_showers(out)
    np.testing.assert_array_equal(showers.energy, [10, 10, 10, 20, 20, 20])
    np.testing.assert_allclose(np.degrees(showers.theta), [90, 90, 90, 60, 60, 60], atol=1e-4)
    points = showers.metadata["reference"]["points"]
    assert [(p["energy_gev"], p["theta_deg"], p["seed"]) for p in points] == [(10, 90, 500), (20, 60, 501)]
    assert not (tmp_path / "ref.h5.points").exists()
    assert (showers.cells.sum(axis=(1, 2, 3)) > 0).all()


def test_an_interrupted_reference_resumes_from_its_finished_points(tmp_path, monkeypatch):
    real = fastsim_kernel.g4.simulate_to_file
    calls = []

    def interrupted(path, *args, **kwargs):
        calls.append(kwargs["energy"])
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(path, *args, **kwargs)

    monkeypatch.setattr(fastsim_kernel.g4, "simulate_to_file", interrupted)
    out = tmp_path / "ref.h5"
    options = {"per_point": 2, "points": POINTS, "workers": 1, "progress": False}
    with pytest.raises(KeyboardInterrupt):
        make_reference(out, **options)
    assert not out.exists()
    first = read_showers(tmp_path / "ref.h5.points" / "E10GeV_theta90deg.h5")
    with pytest.raises(FastsimError, match="unfinished reference run"):
        make_reference(out, **options)
    with pytest.raises(FastsimError, match="per_point: was 2, now 3"):
        make_reference(out, **{**options, "per_point": 3}, resume=True)
    monkeypatch.setattr(fastsim_kernel.g4, "simulate_to_file", real)
    make_reference(out, **options, resume=True)
    np.testing.assert_array_equal(read_showers(out).cells[:2], first.cells)


def test_reference_cli_bad_input_is_one_line(tmp_path):
    for args, expected in (
        (["--out", str(tmp_path / "ref.root")], "must end in .h5"),
        (["--out", str(tmp_path / "ref.h5"), "--per-point", "1"], "per_point must be an integer >= 2"),
        (["--out", str(tmp_path / "missing" / "ref.h5")], "does not exist"),
    ):
        proc = _cli("reference", *args)
        assert proc.returncode == 2, proc.stderr
        assert proc.stderr.count("\n") == 1, proc.stderr
        assert expected in proc.stderr
