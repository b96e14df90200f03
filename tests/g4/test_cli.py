"""``fastsim simulate`` and ``fastsim bench g4``: bad input, interruption and resume, the benchmark report."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from fastsim_kernel.cli import main
from fastsim_kernel.data import count_showers, read_showers, write_showers
from fastsim_kernel.g4.plan import make_plan


def _one_line_error(capsys, argv: list[str]) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert err.startswith("fastsim: error: ")
    assert "Traceback" not in err
    return err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--grid", "10x10x10"], "unknown grid '10x10x10': expected one of 51x51x25, 25x25x25"),
        (["--energy", "0"], "energy 0 GeV is outside the supported range 2-500 GeV"),
        (["--energy=-10:50"], "energy -10:50 GeV"),
        (["--energy", "-5"], "energy -5 GeV"),
        (["--theta", "0:90"], "theta 0:90 degrees must lie strictly between 0 and 180"),
        (["--theta", "190"], "theta 190 degrees"),
        (["--particle", "mu-"], "unknown particle 'mu-'"),
        (["--physics", "fast"], "unknown physics 'fast'"),
        (["--workers", "0"], "workers must be a positive number"),
    ],
)
def test_bad_input_is_one_line(capsys, tmp_path, args, message):
    out = tmp_path / "g4.h5"
    err = _one_line_error(capsys, ["simulate", "--n", "5", "--out", str(out), *args])
    assert message in err
    assert not out.exists()
    assert not out.with_name("g4.h5.parts").exists()


@pytest.mark.parametrize("n", ["0", "-4"])
def test_bad_n(capsys, tmp_path, n):
    err = _one_line_error(capsys, ["simulate", "--n", n, "--out", str(tmp_path / "g4.h5")])
    assert f"n must be a positive number of showers, got {n}" in err


def test_bad_output_paths(capsys, tmp_path):
    err = _one_line_error(capsys, ["simulate", "--n", "5", "--out", str(tmp_path / "missing" / "g4.h5")])
    assert "output folder" in err
    assert "does not exist" in err
    err = _one_line_error(capsys, ["simulate", "--n", "5", "--out", str(tmp_path / "g4.txt")])
    assert "must end in one of .h5, .hdf5, .root" in err
    existing = tmp_path / "old.h5"
    existing.write_bytes(b"")
    err = _one_line_error(capsys, ["simulate", "--n", "5", "--out", str(existing)])
    assert "already exists" in err
    (tmp_path / "new.h5.parts").mkdir()
    err = _one_line_error(capsys, ["simulate", "--n", "5", "--out", str(tmp_path / "new.h5")])
    assert "an unfinished run is in" in err
    assert "--resume" in err


def test_standard_physics_needs_datasets(capsys, tmp_path, monkeypatch):
    for name in ("G4LEDATA", "GEANT4_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    err = _one_line_error(capsys, ["simulate", "--n", "5", "--physics", "standard", "--out", str(tmp_path / "a.h5")])
    assert "physics 'standard' needs the Geant4 datasets" in err
    assert make_plan(1, grid="25x25x25", energy=10, theta=90, particle="e-", spectrum="flat", physics="auto",
                     seed=0, chunk_size=None, workers=1).physics == "datafree"  # fmt: skip


_MAIN = "import sys; from fastsim_kernel.cli import main; sys.exit(main())"


def _start(out: Path, *extra: str) -> subprocess.Popen:
    command = [sys.executable, "-c", _MAIN, "simulate", "--n", "30", "--chunk-size", "2",
               "--energy", "8", "--theta", "80:100", "--workers", "1", "--seed", "4", "--out", str(out),
               *extra]  # fmt: skip
    env = {**os.environ, "CI": "true"}
    # Ctrl-C as at a terminal: a test run started in the background (CI, nohup) has SIGINT ignored, and an
    # ignored signal stays ignored in the child, which would then finish instead of stopping.
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def _wait_for_chunks(parts: Path, process: subprocess.Popen, *, count: int = 2, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while len(list(parts.glob("chunk-*.h5"))) < count:
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "no chunk was written in time"
        time.sleep(0.02)


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGKILL])
def test_interrupted_run_keeps_chunks_and_resumes(tmp_path, how):
    out = tmp_path / "g4.h5"
    parts = tmp_path / "g4.h5.parts"
    process = _start(out)
    _wait_for_chunks(parts, process)
    process.send_signal(how)
    _, err = process.communicate(timeout=60)
    if how == signal.SIGINT:
        assert process.returncode == 130
        assert err.strip().splitlines()[-1] == "fastsim: interrupted; finished work was kept"
        assert "showers/s" in err  # the progress bar
    else:
        assert process.returncode == -signal.SIGKILL
    assert not out.exists()
    kept = sorted(parts.glob("chunk-*.h5"))
    assert 2 <= len(kept) < 15
    assert (parts / "manifest.json").exists()

    # Mark one finished chunk: if resume reuses it instead of simulating it again, the mark survives.
    marked = read_showers(kept[0])
    write_showers(type(marked)(marked.cells * 2, marked.energy, marked.theta, marked.metadata), kept[0])
    index = int(kept[0].stem.split("-")[1])

    process = _start(out, "--resume")
    _, err = process.communicate(timeout=300)
    assert process.returncode == 0, err
    assert count_showers(out) == (30, (25, 25, 25))
    assert not parts.exists()
    final = read_showers(out)
    np.testing.assert_array_equal(final.cells[2 * index : 2 * index + 2], marked.cells * 2)
    plan = make_plan(30, grid="25x25x25", energy=8, theta="80:100", particle="e-", spectrum="flat",
                     physics="datafree", seed=4, chunk_size=2, workers=1)  # fmt: skip
    np.testing.assert_allclose(np.degrees(final.theta), plan.primaries()[1], rtol=1e-5)
    sampling = final.cells.sum(axis=(1, 2, 3)) / final.energy
    assert 0.015 < float(np.median(sampling)) < 0.025
    assert final.metadata["seed"] == 4


def test_resume_with_other_settings_is_refused(capsys, tmp_path):
    out = tmp_path / "g4.h5"
    parts = tmp_path / "g4.h5.parts"
    parts.mkdir()
    plan = make_plan(30, grid="25x25x25", energy=8, theta=90, particle="e-", spectrum="flat",
                     physics="datafree", seed=4, chunk_size=2, workers=1)  # fmt: skip
    (parts / "manifest.json").write_text(json.dumps(plan.manifest()))
    err = _one_line_error(capsys, ["simulate", "--n", "30", "--energy", "9", "--theta", "90", "--seed", "4",
                                   "--physics", "datafree", "--out", str(out), "--resume"])  # fmt: skip
    assert "cannot resume" in err
    assert "energy_gev: was [8.0, 8.0], now [9.0, 9.0]" in err


def test_bench_g4_prints_table_and_writes_json(capsys, tmp_path):
    report = tmp_path / "bench.json"
    argv = ["bench", "g4", "--energies", "5", "--n", "2", "--workers", "2", "--physics", "datafree"]
    assert main([*argv, "--json", str(report)]) == 0
    out = capsys.readouterr().out
    assert "| 5 |" in out
    assert "ms/GeV" in out
    data = json.loads(report.read_text())
    row = data["results"][0]
    assert row["energy_gev"] == 5
    assert row["one_worker"]["ms_per_gev"] > 0
    assert row["one_worker"]["cpu_ms_per_gev"] > 0
    assert row["throughput_ratio"] > 0
    assert data["workers"] == 2
    assert data["physics"] == "datafree"
    # the speed targets are printed figures, met or missed (no test times anything)
    speed = data["targets"]["one_worker_ms_per_gev"]
    assert speed["target"] == 5.0
    assert speed["found"] == pytest.approx(row["one_worker"]["ms_per_gev"])  # one energy: the total is that row
    assert f"target: one worker at most 5 ms/GeV: {speed['found']:.2f}" in out
    assert "target: 2 workers at least 1.80x one worker" in out


def test_a_dying_worker_gives_one_line_and_no_leftovers(capsys, tmp_path, monkeypatch):
    # Incomplete "datasets": auto picks standard physics, and Geant4 aborts in the worker on a missing dataset.
    data = tmp_path / "data"
    (data / "G4EMLOW8.8").mkdir(parents=True)
    monkeypatch.setenv("GEANT4_DATA_DIR", str(data))
    monkeypatch.delenv("G4LEDATA", raising=False)
    out = tmp_path / "g4.h5"
    err = _one_line_error(capsys, ["simulate", "--n", "2", "--energy", "10", "--workers", "1", "--quiet",
                                   "--out", str(out)])  # fmt: skip
    assert "a Geant4 worker process died: G4Exception PART70000 in G4NuclideTable" in err
    assert not out.exists()
    assert not (tmp_path / "g4.h5.parts").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--n", "0"], "--n must be a positive number of showers, got 0"),
        (["--energies", "x"], "--energies 'x' must be comma-separated numbers in GeV"),
        (["--energies", "1000"], "energy 1000 GeV is outside the supported range"),
        (["--json", "/no/such/folder/b.json"], "output folder '/no/such/folder' does not exist"),
    ],
)
def test_bench_bad_input_is_one_line(capsys, args, message):
    assert message in _one_line_error(capsys, ["bench", "g4", *args])


@pytest.mark.parametrize("content", [b"{not json", b"\xff\xfe garbage", b"[]", b'{"chunk_size": "2"}'])
def test_resume_with_a_corrupt_manifest_is_one_line(capsys, tmp_path, content):
    parts = tmp_path / "g4.h5.parts"
    parts.mkdir()
    (parts / "manifest.json").write_bytes(content)
    err = _one_line_error(capsys, ["simulate", "--n", "4", "--physics", "datafree", "--out", str(tmp_path / "g4.h5"),
                                   "--resume"])  # fmt: skip
    assert f"cannot resume: {parts / 'manifest.json'} is corrupt" in err
    assert "--overwrite" in err


def test_workers_default_to_the_cgroup_limit_not_the_node(monkeypatch):
    import fastsim_kernel.system
    from fastsim_kernel.g4.plan import check_workers

    monkeypatch.setattr(fastsim_kernel.system.os, "sched_getaffinity", lambda pid: set(range(64)))  # a big node
    monkeypatch.setattr(fastsim_kernel.system, "cgroup_cpu_limit", lambda root=None: 1.5)  # limits.cpu: 1500m
    assert check_workers(None) == 2
    assert check_workers(5) == 5  # an explicit count is kept


def test_simulate_and_simulate_to_file_share_the_defaults_of_the_shipped_model(tmp_path):
    # the shipped model covers 25x25x25, 10-100 GeV, 60-120 deg (issue 10): every entry point defaults to that
    from fastsim_kernel.g4 import simulate_to_file

    expected = {"grid": "25x25x25", "energy_gev": [10.0, 100.0], "theta_deg": [60.0, 120.0]}
    cli = tmp_path / "cli.h5"
    proc = subprocess.run([sys.executable, "-c", _MAIN, "simulate", "--n", "1", "--workers", "1", "--quiet",
                           "--out", str(cli)], capture_output=True, text=True, env={**os.environ, "CI": "true"},
                          timeout=300)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    api = simulate_to_file(tmp_path / "api.h5", 1, workers=1, progress=False)
    for path in (cli, api):
        metadata = read_showers(path).metadata
        found = {"grid": metadata["geometry"]["grid"], **{k: metadata[k] for k in ("energy_gev", "theta_deg")}}
        assert found == expected
    with pytest.raises(TypeError, match=r"unknown simulation options \['energies'\]"):
        simulate_to_file(tmp_path / "x.h5", 1, energies=(10, 20))


def test_chunks_are_joined_in_order_and_a_short_set_is_refused(tmp_path):
    from fastsim_kernel.errors import FastsimError
    from fastsim_kernel.g4.plan import chunk_path
    from fastsim_kernel.g4.simulate import _assemble
    from tests.conftest import gaussian_showers

    plan = make_plan(4, grid="25x25x25", energy=10, theta=90, particle="e-", spectrum="flat", physics="datafree",
                     seed=0, chunk_size=2, workers=1)  # fmt: skip
    parts = tmp_path / "g4.h5.parts"
    parts.mkdir()
    chunks = [gaussian_showers(n=2, seed=1), gaussian_showers(n=1, seed=2)]
    for index, chunk in enumerate(chunks):
        write_showers(chunk, chunk_path(parts, index))
    with pytest.raises(FastsimError, match="hold 3 showers, expected 4"):
        _assemble(parts, plan, tmp_path / "g4.h5")
    assert not (tmp_path / "g4.h5").exists()
    chunks[1] = gaussian_showers(n=2, seed=2)
    write_showers(chunks[1], chunk_path(parts, 1))
    _assemble(parts, plan, tmp_path / "g4.h5")
    np.testing.assert_array_equal(read_showers(tmp_path / "g4.h5").cells, np.concatenate([c.cells for c in chunks]))
    assert not parts.exists()
