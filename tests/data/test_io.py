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


@pytest.mark.parametrize("suffix", [".h5", ".root"])
def test_a_folder_or_a_missing_file_is_named_as_such(tmp_path, suffix):
    (tmp_path / f"folder{suffix}").mkdir()
    with pytest.raises(FastsimError, match=f"folder{suffix}: a folder, expected a shower file"):
        read_showers(tmp_path / f"folder{suffix}")
    with pytest.raises(FastsimError, match=f"missing{suffix}: no such file"):
        count_showers(tmp_path / f"missing{suffix}")


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
    # `make test` installs the root extra: a failing `import ROOT` is a failure here, never a skip
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


# --- cell units: inferred from evidence, stated by the user, never rescaled silently ---------------------------


def _public(path, cells, energy, theta, **extra):
    """A file with the public 3DGAN keys and no fastsim_format attribute (units not stated)."""
    return _hdf5(path, ECAL=cells, energy=energy, theta=theta, **extra)


def _sum_over_e(showers):
    return float(np.median(showers.cells.sum(axis=(1, 2, 3)) / showers.energy))


def test_public_keys_with_cells_in_gev_are_not_divided_by_50(tmp_path, showers):
    # the 50x bug: ECAL + energy + theta (and eta) in GeV were taken for the x50 layout, sum/E 0.0004
    path = _public(tmp_path / "gev.h5", showers.cells, showers.energy, showers.theta, eta=np.zeros(len(showers)))
    back = read_showers(path)
    np.testing.assert_array_equal(back.cells, showers.cells)
    assert 0.018 < _sum_over_e(back) < 0.022


def test_inspect_says_which_layout_and_units_it_assumed(tmp_path, showers, capsys):
    from fastsim_kernel.cli import main

    path = _public(tmp_path / "x50.h5", showers.cells * 50, showers.energy, showers.theta,
                   HCAL=np.zeros((len(showers), 2, 2, 2)))  # fmt: skip
    assert main(["inspect", str(path)]) == 0
    out = capsys.readouterr().out
    assumed = next(line for line in out.splitlines() if line.startswith("assumed"))
    assert "public variable-angle layout (keys HCAL)" in assumed
    assert "GeV x 50, divided by 50" in assumed
    sum_line = next(line for line in out.splitlines() if line.startswith("sum/E"))
    assert 0.018 < float(sum_line.split()[2]) < 0.022  # the mean, in GeV


def test_x50_without_evidence_of_the_public_layout_is_refused(tmp_path, showers):
    path = _public(tmp_path / "odd.h5", showers.cells * 50, showers.energy, showers.theta)
    with pytest.raises(FastsimError, match=r"odd\.h5: 3DGAN keys does not state its cell units") as err:
        read_showers(path)
    assert "--units GeV, MeV or x50" in str(err.value)
    back = read_showers(path, units="x50")  # stated by the user: read as asked
    np.testing.assert_allclose(back.cells, showers.cells, rtol=1e-6)


@pytest.mark.parametrize("factor", [1e-3, 1e3])
def test_implausible_sum_over_e_is_refused_too_low_and_too_high(tmp_path, showers, factor):
    path = _public(tmp_path / "bad.h5", showers.cells * factor, showers.energy, showers.theta)
    with pytest.raises(FastsimError, match="is implausible for a sampling calorimeter"):
        read_showers(path)


def test_fixed_angle_layout_in_mev_is_refused_unless_stated(tmp_path, showers):
    target = np.stack([np.full(len(showers), 11.0), showers.energy], axis=1)
    path = _hdf5(tmp_path / "fixed_mev.h5", ECAL=showers.cells * 1000, target=target)
    with pytest.raises(FastsimError, match="public fixed-angle layout"):
        read_showers(path)
    back = read_showers(path, units="MeV")
    np.testing.assert_allclose(back.cells, showers.cells, rtol=1e-6)


def test_units_fitting_both_gev_and_x50_are_refused_as_ambiguous(tmp_path, showers):
    path = _public(tmp_path / "amb.h5", showers.cells * 10, showers.energy, showers.theta, eta=np.zeros(20))
    with pytest.raises(FastsimError, match="fits several units"):  # 0.2 as GeV, 0.004 as x50
        read_showers(path)


def test_our_files_state_their_units_and_keep_low_sum_over_e(tmp_path, showers):
    # pion-like showers deposit little (sum/E ~ 1e-4); our own files are read as written, not refused
    faint = Showers(showers.cells * 0.005, showers.energy, showers.theta, {"particle": "pi-"})
    back = read_showers(write_showers(faint, tmp_path / "pions.h5"))
    np.testing.assert_array_equal(back.cells, faint.cells)
    assert back.metadata == {"particle": "pi-"}


def test_unknown_units_name_the_choices(tmp_path, showers):
    path = write_showers(showers, tmp_path / "s.h5")
    with pytest.raises(FastsimError, match="--units 'keV' is not known; expected one of GeV, MeV, x50"):
        read_showers(path, units="keV")


def test_cli_units_choices_are_the_readers_units():
    """``--units`` lists its choices without importing the readers (fast --help): the same names."""
    from fastsim_kernel.cli.data import UNITS
    from fastsim_kernel.data import CELL_UNITS

    assert tuple(CELL_UNITS) == UNITS


@pytest.mark.parametrize("suffix", [".h5", ".root"])
def test_batches_are_written_as_they_come_and_read_back_as_one(tmp_path, suffix):
    batches = [gaussian_showers(n=n, seed=n) for n in (3, 5, 2)]
    path = write_showers(iter(batches), tmp_path / f"s{suffix}")
    back = read_showers(path)
    np.testing.assert_array_equal(back.cells, np.concatenate([b.cells for b in batches]))
    assert back.metadata == batches[0].metadata


def test_a_disk_full_during_a_write_is_one_error_naming_the_file_and_leaves_nothing(tmp_path):
    def batches():
        yield gaussian_showers(n=2)
        raise OSError(28, "No space left on device")  # what the file system says when the disk fills up

    with pytest.raises(FastsimError, match=r"cannot write '.*s\.h5': No space left on device"):
        write_showers(batches(), tmp_path / "s.h5")
    assert list(tmp_path.iterdir()) == []
