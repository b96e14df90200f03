import json
import math
import subprocess
import sys

import h5py
import numpy as np
import pytest

from fastsim_kernel.data import count_showers, iter_showers, read_showers, write_showers
from fastsim_kernel.data.showers import Showers
from fastsim_kernel.errors import FastsimError
from tests.conftest import gaussian_showers


@pytest.mark.parametrize("suffix", [".h5", ".root"])
def test_round_trip_keeps_values_and_metadata(tmp_path, showers, suffix):
    path = write_showers(showers, tmp_path / f"s{suffix}")
    back = read_showers(path)
    np.testing.assert_array_equal(back.cells, showers.cells)
    np.testing.assert_array_equal(back.energy, showers.energy)
    np.testing.assert_array_equal(back.theta, showers.theta)
    assert back.metadata == showers.metadata
    assert back.cells.dtype == np.float32
    assert count_showers(path) == (20, (25, 25, 25))


@pytest.mark.parametrize("suffix", [".h5", ".root"])
def test_chunked_reading_covers_the_file_once(tmp_path, suffix):
    showers = gaussian_showers(n=23)
    path = write_showers(showers, tmp_path / f"s{suffix}")
    chunks = list(iter_showers(path, chunk_size=5))
    assert [len(c) for c in chunks] == [5, 5, 5, 5, 3]
    np.testing.assert_array_equal(Showers.concatenate(chunks).cells, showers.cells)


def test_partial_read(tmp_path, showers):
    path = write_showers(showers, tmp_path / "s.h5")
    part = read_showers(path, start=3, stop=7)
    np.testing.assert_array_equal(part.cells, showers.cells[3:7])


def test_reads_public_variable_angle_layout_scaled_by_50(tmp_path, showers):
    path = tmp_path / "public.h5"
    with h5py.File(path, "w") as f:
        f["ECAL"] = showers.cells * 50
        f["energy"] = showers.energy
        f["theta"] = showers.theta
        f["eta"] = np.zeros(len(showers))
    back = read_showers(path)
    np.testing.assert_allclose(back.cells, showers.cells, rtol=1e-6)


def test_reads_public_fixed_angle_layout(tmp_path, showers):
    path = tmp_path / "fixed.h5"
    with h5py.File(path, "w") as f:
        f["ECAL"] = showers.cells
        f["target"] = np.stack([np.full(len(showers), 11.0), showers.energy, np.zeros(len(showers))], axis=1)
    back = read_showers(path)
    np.testing.assert_array_equal(back.energy, showers.energy)
    np.testing.assert_allclose(back.theta, math.pi / 2)


def test_write_is_atomic_no_file_after_failure(tmp_path, showers, monkeypatch):
    import fastsim_kernel.data.hdf5 as hdf5

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(hdf5, "_write_into", boom)
    with pytest.raises(RuntimeError):
        write_showers(showers, tmp_path / "s.h5")
    assert list(tmp_path.iterdir()) == []


def _hdf5(path, **datasets):
    with h5py.File(path, "w") as f:
        for key, value in datasets.items():
            f[key] = value
    return path


@pytest.mark.parametrize(
    ("datasets", "message"),
    [
        ({"energy": np.ones(3)}, "key 'ECAL' missing"),
        ({"ECAL": np.ones((3, 5, 5)), "energy": np.ones(3)}, "expected (N, X, Y, Z)"),
        ({"ECAL": np.zeros((3, 5, 5, 5))}, "key 'energy' missing"),
        ({"ECAL": np.zeros((3, 5, 5, 5)), "energy": np.ones(4)}, "key 'energy' has shape (4,)"),
        ({"ECAL": np.full((3, 5, 5, 5), np.nan), "energy": np.ones(3)}, "NaN"),
        ({"ECAL": -np.ones((3, 5, 5, 5)), "energy": np.ones(3)}, "negative"),
        ({"ECAL": np.zeros((3, 5, 5, 5)), "energy": -np.ones(3)}, "key 'energy' must be > 0"),
        ({"ECAL": np.ones((3, 5, 5, 5)), "energy": np.ones(3), "theta": np.full(3, 90.0)}, "radians"),
    ],
)
def test_contract_violations_name_file_and_key(tmp_path, datasets, message):
    path = _hdf5(tmp_path / "bad.h5", **datasets)
    with pytest.raises(FastsimError, match=r"bad\.h5") as err:
        read_showers(path)
    assert message in str(err.value)


def test_cells_not_in_gev_are_rejected(tmp_path, showers):
    path = write_showers(showers, tmp_path / "ok.h5")
    with h5py.File(path, "a") as f:
        f["ECAL"][...] = f["ECAL"][...] * 1000  # MeV written as if GeV
    with pytest.raises(FastsimError, match="expected cells in GeV"):
        read_showers(path)


def test_truncated_hdf5_gives_clear_error(tmp_path, showers):
    path = write_showers(showers, tmp_path / "s.h5")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(FastsimError, match="corrupt or truncated"):
        read_showers(path)


def test_root_file_without_tree(tmp_path):
    import uproot

    path = tmp_path / "empty.root"
    with uproot.recreate(path) as f:
        f["other"] = "x"
    with pytest.raises(FastsimError, match="key 'showers' missing"):
        read_showers(path)


def test_unknown_suffix(tmp_path):
    with pytest.raises(FastsimError, match=r"unknown file type '\.csv'"):
        read_showers(tmp_path / "a.csv")


def test_root_file_reads_in_pyroot_rdataframe(tmp_path, showers):
    pytest.importorskip("ROOT", reason="the root extra is not installed")
    path = write_showers(showers, tmp_path / "s.root")
    code = f"""
import json, ROOT
df = ROOT.RDataFrame("showers", {str(path)!r})
n = df.Count().GetValue()
esum = df.Define("esum", "ROOT::VecOps::Sum(ECAL)").Sum("esum").GetValue()
emean = df.Mean("energy").GetValue()
print(json.dumps([int(n), float(esum), float(emean)]))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True)
    n, esum, emean = json.loads(out.stdout.strip().splitlines()[-1])
    assert n == len(showers)
    assert esum == pytest.approx(float(showers.cells.sum(dtype=np.float64)), rel=1e-5)
    assert emean == pytest.approx(50.0)


def test_root_cells_not_in_gev_are_rejected(tmp_path, showers):
    mev = Showers(showers.cells * 1000, showers.energy, showers.theta)
    path = write_showers(mev, tmp_path / "mev.root")
    with pytest.raises(FastsimError, match="expected cells in GeV"):
        read_showers(path)


def test_metadata_that_is_not_json_is_named(tmp_path, showers):
    path = write_showers(showers, tmp_path / "s.h5")
    with h5py.File(path, "a") as f:
        f.attrs["metadata"] = "{not json"
    with pytest.raises(FastsimError, match="key 'metadata' is not valid JSON"):
        read_showers(path)


@pytest.mark.parametrize("suffix", [".h5", ".root"])
def test_chunk_size_must_be_positive(tmp_path, showers, suffix):
    path = write_showers(showers, tmp_path / f"s{suffix}")
    with pytest.raises(FastsimError, match="chunk_size must be > 0, got 0"):
        list(iter_showers(path, chunk_size=0))
