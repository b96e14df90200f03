"""Longer training checks (``-m slow``): the opt-in precision/compiler flags and a full pass over the data."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.gan.conftest import fastsim

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("flag", ["--mixed-precision", "--xla"])
def test_opt_in_flags_train_and_resume(g4_fixed, tmp_path, flag):
    args = ("--data", str(g4_fixed), "--out", str(tmp_path / "run"), "--batch-size", "8", "--steps-per-epoch", "1",
            "--quiet", flag)
    fastsim("train", *args, "--epochs", "1")
    fastsim("train", *args, "--epochs", "2", "--resume")
    with np.load(tmp_path / "run" / "checkpoint.npz") as data:
        state = json.loads(str(data["state"]))
    assert state["epoch"] == 2
    assert all(np.isfinite(h["g_loss"]) for h in state["history"])


def test_two_full_epochs_on_all_showers(g4_fixed, tmp_path):
    out = tmp_path / "full"
    fastsim("train", "--data", str(g4_fixed), "--out", str(out), "--epochs", "2", "--batch-size", "16", "--quiet",
            timeout=1800)
    with np.load(out / "checkpoint.npz") as data:
        history = json.loads(str(data["state"]))["history"]
    assert [h["epoch"] for h in history] == [1, 2]
    assert history[1]["g_loss"] < history[0]["g_loss"]  # the sum-E and energy terms fall fast at first
