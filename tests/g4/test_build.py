"""The datafree physics library: compiled once into the user cache, clear errors, dataset environment."""

from __future__ import annotations

import os

import pytest

from fastsim_kernel.data import read_showers
from fastsim_kernel.errors import FastsimError
from fastsim_kernel.g4 import build, datasets, simulate_to_file


def test_library_is_compiled_once_into_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    library = build.datafree_library()
    assert library.parent == tmp_path / "fastsim-kernel" / "geant4-pybind-0.1.3"
    assert library.stat().st_size > 0
    first = library.stat().st_mtime_ns
    assert build.datafree_library() == library
    assert library.stat().st_mtime_ns == first
    assert [p.name for p in library.parent.iterdir()] == [library.name]  # no temporary files left


def test_missing_compiler_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setenv("CXX", "no-such-compiler-g++")
    with pytest.raises(FastsimError, match=r"C\+\+ compiler 'no-such-compiler-g\+\+' was not found: install g\+\+"):
        build.datafree_library()


def test_datafree_environment_never_lets_geant4_pybind_download(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    env = datasets.worker_environment("datafree")
    assert set(env) == {"GEANT4_DATA_DIR", "G4ENSDFSTATEDATA", "G4LEVELGAMMADATA"}  # GEANT4_DATA_DIR stops it
    assert os.path.getsize(os.path.join(env["G4ENSDFSTATEDATA"], "ENSDFSTATE.dat")) == 0
    assert os.path.isdir(env["G4LEVELGAMMADATA"])


def test_installed_datasets_are_found(tmp_path):
    (tmp_path / "G4EMLOW8.8").mkdir()
    assert datasets.find_datasets({"GEANT4_DATA_DIR": str(tmp_path)}) == str(tmp_path)
    assert datasets.resolve_physics("auto", {"GEANT4_DATA_DIR": str(tmp_path)}) == "standard"
    assert datasets.find_datasets({"G4LEDATA": str(tmp_path / "G4EMLOW8.8")}) == str(tmp_path)


def test_root_output(tmp_path):
    out = simulate_to_file(tmp_path / "g4.root", 2, energy=5, theta=90, physics="datafree", workers=1, progress=False)
    showers = read_showers(out)
    assert showers.cells.shape == (2, 25, 25, 25)
    assert showers.metadata["physics"] == "datafree"
    assert not (tmp_path / "g4.root.parts").exists()


def test_unwritable_cache_is_a_clear_error(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))  # a file where a folder should be
    with pytest.raises(FastsimError, match=r"cannot create the cache folder .*point XDG_CACHE_HOME elsewhere"):
        build.datafree_library()
