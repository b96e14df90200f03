"""``fastsim doctor``: the same physics decision as ``simulate``, the GPUs TensorFlow sees, a verdict and --need."""

from __future__ import annotations

import pytest

import fastsim_kernel.system
from fastsim_kernel.cli import main
from fastsim_kernel.g4.datasets import resolve_physics


@pytest.fixture
def no_gpu(monkeypatch):
    monkeypatch.setattr(fastsim_kernel.system, "visible_gpus", lambda: [])


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    """An empty GEANT4_DATA_DIR, and no datasets anywhere else Geant4 would look."""
    folder = tmp_path / "geant4-data"
    folder.mkdir()
    monkeypatch.setenv("GEANT4_DATA_DIR", str(folder))
    monkeypatch.delenv("G4LEDATA", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    return folder


def _verdict(out: str, name: str) -> str:
    return next(line.split()[0] for line in out.splitlines() if line.split()[1:2] == [name])


def test_empty_data_dir_doctor_and_simulate_agree_on_datafree(data_dir, no_gpu, capsys):
    assert resolve_physics("auto") == "datafree"
    assert main(["doctor"]) == 0  # no --need: a report, not a verdict on exit
    assert "standard physics available" not in capsys.readouterr().out  # what it said before, wrongly
    assert main(["doctor", "--need", "standard-physics"]) == 1
    captured = capsys.readouterr()
    assert _verdict(captured.out, "standard-physics") == "MISSING"
    assert f"GEANT4_DATA_DIR={data_dir} holds no G4EMLOW dataset" in captured.out
    assert captured.err.strip().splitlines()[-1] == "fastsim: doctor: missing standard-physics"


def test_installed_datasets_doctor_and_simulate_agree_on_standard(data_dir, no_gpu, capsys):
    (data_dir / "G4EMLOW8.8").mkdir()
    assert resolve_physics("auto") == "standard"
    assert main(["doctor", "--need", "standard-physics,simulate"]) == 0
    out = capsys.readouterr().out
    assert _verdict(out, "standard-physics") == "works"
    assert f"FTFP_BERT with the Geant4 datasets in {data_dir}" in out


def test_gpu_verdict_follows_what_tensorflow_sees(monkeypatch, capsys):
    monkeypatch.setattr(fastsim_kernel.system, "visible_gpus", lambda: [])
    assert main(["doctor", "--need", "gpu"]) == 1
    captured = capsys.readouterr()
    assert _verdict(captured.out, "gpu") == "MISSING"
    assert "missing gpu" in captured.err
    monkeypatch.setattr(fastsim_kernel.system, "visible_gpus", lambda: ["/physical_device:GPU:0"])
    assert main(["doctor", "--need", "gpu"]) == 0
    out = capsys.readouterr().out
    assert _verdict(out, "gpu") == "works"
    assert "/physical_device:GPU:0" in out


def test_unknown_need_is_one_line(no_gpu, capsys):
    assert main(["doctor", "--need", "gpu,warp-drive"]) == 2
    err = capsys.readouterr().err.strip()
    expected = "simulate,standard-physics,train,gpu,root,hub"
    assert err == f"fastsim: error: --need warp-drive: unknown capability; expected some of {expected}"
