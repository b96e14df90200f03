"""Training through the CLI on real Geant4 showers: a 2-epoch run, a killed-and-resumed run, bad input."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import time

import numpy as np
import pytest

from fastsim_kernel.data import Showers, write_showers
from tests.gan.conftest import FASTSIM, TRAIN_ARGS, fastsim


def _state(run):
    with np.load(run / "checkpoint.npz") as data:
        return json.loads(str(data["state"])), {k: data[k] for k in data.files if k != "state"}


def test_two_epoch_training_writes_checkpoint_model_and_logs(trained_run):
    state, arrays = _state(trained_run)
    assert state["epoch"] == 2
    assert [h["epoch"] for h in state["history"]] == [1, 2]
    for epoch in state["history"]:
        assert all(np.isfinite(epoch[k]) for k in ("d_loss", "g_loss", "d_real", "d_fake"))
        assert 0 < epoch["d_real"] < 1
    config = json.loads((trained_run / "config.json").read_text())
    assert config["kind"] == "fixed"
    assert 0.005 < config["sampling_fraction"] < 0.05  # G4 Si/W: about 0.02
    assert 10 <= config["energy_range"][0] < config["energy_range"][1] <= 50
    assert (trained_run / "generator.weights.h5").stat().st_size > 3e6
    assert list((trained_run / "logs" / "train").glob("events.out.tfevents.*"))
    assert any("seed_generator" in p for p in state["paths"])  # RNG state is part of the checkpoint
    assert len(arrays) == len(state["paths"])


def test_killed_run_resumes_to_the_uninterrupted_result(g4_fixed, trained_run, tmp_path):
    out = tmp_path / "killed"
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    cmd = [*FASTSIM, "train", "--data", str(g4_fixed), "--out", str(out),
           *TRAIN_ARGS]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 240
        while not (out / "checkpoint.npz").exists():
            assert proc.poll() is None, "training ended before its first checkpoint"
            assert time.monotonic() < deadline, "no checkpoint after 240 s"
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    assert _state(out)[0]["epoch"] == 1  # killed during epoch 2

    fastsim("train", "--data", str(g4_fixed), "--out", str(out), *TRAIN_ARGS, "--resume")
    resumed_state, resumed = _state(out)
    reference_state, reference = _state(trained_run)
    assert resumed_state["epoch"] == 2
    assert resumed_state["paths"] == reference_state["paths"]
    for key in reference:
        np.testing.assert_array_equal(resumed[key], reference[key])  # bit-identical


def test_resume_of_a_finished_run_does_nothing(g4_fixed, trained_run):
    before = (trained_run / "checkpoint.npz").stat().st_mtime_ns
    proc = fastsim("train", "--data", str(g4_fixed), "--out", str(trained_run), *TRAIN_ARGS, "--resume")
    assert "trained 2 epochs" in proc.stdout
    assert (trained_run / "checkpoint.npz").stat().st_mtime_ns == before


def _one_line_error(proc, *fragments):
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert lines[-1].startswith("fastsim: error: ")
    assert "Traceback" not in proc.stderr
    for fragment in fragments:
        assert fragment in lines[-1]


def test_wrong_grid_for_the_model_is_one_clear_line(tmp_path):
    from tests.conftest import gaussian_showers

    data = write_showers(gaussian_showers(4, (51, 51, 25)), tmp_path / "variable.h5")
    proc = fastsim("train", "--data", str(data), "--out", str(tmp_path / "run"), "--model", "fixed",
                   check=False)
    _one_line_error(proc, "51x51x25", "fixed model", "25x25x25")


def test_empty_file_is_one_clear_line(tmp_path):
    empty = Showers(np.zeros((0, 25, 25, 25), np.float32), np.zeros(0), np.zeros(0))
    data = write_showers(empty, tmp_path / "empty.h5")
    proc = fastsim("train", "--data", str(data), "--out", str(tmp_path / "run"), check=False)
    _one_line_error(proc, "no showers")


def test_checkpoint_of_another_architecture_is_refused(g4_fixed, trained_run):
    proc = fastsim("train", "--data", str(g4_fixed), "--out", str(trained_run), "--model", "variable",
                   "--resume", check=False)
    _one_line_error(proc, "started with kind='fixed'", "asked for 'variable'")


def test_existing_run_needs_resume_and_resume_needs_a_run(g4_fixed, trained_run, tmp_path):
    proc = fastsim("train", "--data", str(g4_fixed), "--out", str(trained_run), check=False)
    _one_line_error(proc, "--resume")
    proc = fastsim("train", "--data", str(g4_fixed), "--out", str(tmp_path / "none"), "--resume", check=False)
    _one_line_error(proc, "no checkpoint")


def test_variable_angle_model_trains_one_step(tmp_path):
    from fastsim_kernel.gan.train import TrainOptions, train
    from tests.conftest import gaussian_showers

    batches = [gaussian_showers(2, (51, 51, 25), energy=e, theta=math.radians(t), seed=i)
               for i, (e, t) in enumerate(((40.0, 70.0), (80.0, 110.0)))]
    data = write_showers(Showers.concatenate(batches), tmp_path / "variable.h5")
    state = train(data, tmp_path / "run", TrainOptions(kind="variable", epochs=1, batch_size=2, steps_per_epoch=1,
                                                       verbose=0))
    assert state["epoch"] == 1
    assert np.isfinite(state["history"][0]["g_loss"])
    config = json.loads((tmp_path / "run" / "config.json").read_text())
    assert config["kind"] == "variable"
    assert config["theta_range"] == pytest.approx([math.radians(70.0), math.radians(110.0)], abs=1e-5)


def test_targets_are_each_showers_own_sum_and_measured_angle():
    keras = pytest.importorskip("keras")
    from fastsim_kernel.gan.config import GANConfig
    from fastsim_kernel.gan.model import GAN
    from fastsim_kernel.gan.preprocessing import to_training
    from tests.conftest import gaussian_showers

    config = GANConfig.fixed()
    showers = gaussian_showers(3, energy=40.0, seed=4)
    showers.cells[1] *= 1.1  # same energy, 10% more deposited: the sum target must follow
    measured = np.radians([62.8, 90.0, 117.0]).astype(np.float32)
    cells = to_training(showers.cells, config)[..., None]
    targets = GAN(config).targets(cells, np.full(3, 0.4, np.float32), measured)
    ecal = keras.ops.convert_to_numpy(targets["ecal"])[:, 0]
    np.testing.assert_allclose(ecal, showers.cells.sum(axis=(1, 2, 3)) * 50.0, rtol=1e-4)  # GeV x 50
    assert ecal[1] / ecal[0] == pytest.approx(1.1 * showers.cells[0].sum() / showers.cells[0].sum(), rel=0.05)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(targets["angle"])[:, 0], measured)


def test_batches_carry_the_measured_angle_and_read_the_file_in_blocks(tmp_path, monkeypatch):
    pytest.importorskip("keras")
    import fastsim_kernel.gan.dataset as dataset
    from fastsim_kernel.gan.config import GANConfig
    from fastsim_kernel.gan.preprocessing import DataSummary
    from tests.conftest import gaussian_showers

    # tilted by 70 degrees but labelled 60: the angle target is what the shower shows, not the gun's label
    showers = gaussian_showers(40, theta=math.radians(70.0), seed=5)
    showers.theta[:] = math.radians(60.0)
    path = write_showers(showers, tmp_path / "tilted.h5")
    config = GANConfig.two_stage()
    summary = DataSummary(path, config)
    reads = []
    real_read = dataset.read_showers
    monkeypatch.setattr(dataset, "read_showers", lambda *a, **k: reads.append(k) or real_read(*a, **k))
    on_disk = dataset.ShowerBatches(summary, config, batch_size=8, seed=1, block_size=16, preload_bytes=0)
    in_memory = dataset.ShowerBatches(summary, config, batch_size=8, seed=1, block_size=16)
    assert not on_disk.preloaded
    assert in_memory.preloaded
    seen = []
    for i in range(len(on_disk)):
        (cells, _, theta, measured), = on_disk[i]
        (cells_memory, *_), = in_memory[i]
        np.testing.assert_array_equal(cells, cells_memory)
        np.testing.assert_allclose(theta, math.radians(60.0), rtol=1e-6)
        np.testing.assert_allclose(measured, math.radians(70.0), atol=math.radians(1.0))
        seen.append(cells.sum(axis=(1, 2, 3)))
    assert len(np.unique(np.concatenate(seen))) == 40  # every shower once per epoch
    assert len(reads) == 3 + 1  # each of the 3 blocks once from disk, one read to preload


@pytest.mark.parametrize(("flag", "setting"), [(("--steps-per-epoch", "3"), "steps_per_epoch"),
                                                (("--mixed-precision",), "mixed_precision"),
                                                (("--xla",), "xla")])
def test_resume_refuses_a_changed_setting(g4_fixed, trained_run, flag, setting):
    proc = fastsim("train", "--data", str(g4_fixed), "--out", str(trained_run), *TRAIN_ARGS, *flag, "--resume",
                   check=False)
    _one_line_error(proc, f"started with {setting}=", "resume with the same value")


def test_resume_refuses_other_data(g4_fixed, trained_run, tmp_path):
    import shutil

    other = tmp_path / "other.h5"
    shutil.copyfile(g4_fixed, other)
    proc = fastsim("train", "--data", str(other), "--out", str(trained_run), *TRAIN_ARGS, "--resume", check=False)
    _one_line_error(proc, "started with data=", g4_fixed.name)


def test_resume_repairs_a_missing_or_stale_export(g4_fixed, trained_run, tmp_path):
    import shutil

    run = tmp_path / "run"
    shutil.copytree(trained_run, run)
    (run / "generator.weights.h5").unlink()  # as a kill between the checkpoint and the export leaves it
    (run / "config.json").write_text("{}")
    fastsim("train", "--data", str(g4_fixed), "--out", str(run), *TRAIN_ARGS, "--resume")
    assert (run / "config.json").read_text() == (trained_run / "config.json").read_text()
    from fastsim_kernel.gan import load_generator

    a = load_generator(run).generate(30.0, math.pi / 2, 3, seed=1)
    b = load_generator(trained_run).generate(30.0, math.pi / 2, 3, seed=1)
    np.testing.assert_array_equal(a.cells, b.cells)


def test_out_that_is_a_file_and_zero_batch_size_are_one_line(g4_fixed, tmp_path):
    (tmp_path / "file").write_text("x")
    proc = fastsim("train", "--data", str(g4_fixed), "--out", str(tmp_path / "file"), check=False)
    _one_line_error(proc, "is a file")
    proc = fastsim("train", "--data", str(g4_fixed), "--out", str(tmp_path / "run"), "--batch-size", "0",
                   check=False)
    _one_line_error(proc, "batch_size must be >= 1, got 0")
