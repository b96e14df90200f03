"""Fixtures of the GAN suite: real Geant4 showers and a real (tiny) training run, made once per session."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

#: the training settings shared by the fixture run and the kill-and-resume test
TRAIN_ARGS = ("--model", "fixed", "--epochs", "2", "--batch-size", "16", "--seed", "3", "--quiet")


#: the ``fastsim`` console script, run by this interpreter
FASTSIM = (sys.executable, "-c", "import sys; from fastsim_kernel.cli import main; sys.exit(main())")


def fastsim(*args: str, check: bool = True, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run the ``fastsim`` CLI in a fresh interpreter (as a user would)."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    cmd = [*FASTSIM, *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout, check=False)
    if check and proc.returncode != 0:
        pytest.fail(f"{' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr[-3000:]}")
    return proc


@pytest.fixture(scope="session")
def g4_fixed(tmp_path_factory) -> Path:
    """256 Geant4 electron showers, 10-50 GeV, normal incidence, 25x25x25 (about 25 s on two cores)."""
    from fastsim_kernel.data import write_showers
    from fastsim_kernel.g4 import simulate

    showers = simulate(256, grid="25x25x25", energy=(10, 50), theta=90, seed=11, workers=2, progress=False)
    return write_showers(showers, tmp_path_factory.mktemp("g4") / "g4_fixed.h5")


@pytest.fixture(scope="session")
def trained_run(g4_fixed, tmp_path_factory) -> Path:
    """A real 2-epoch training run over all 256 showers (16 steps of 16 per epoch) through the CLI."""
    out = tmp_path_factory.mktemp("runs") / "fixed"
    fastsim("train", "--data", str(g4_fixed), "--out", str(out), *TRAIN_ARGS)
    return out
