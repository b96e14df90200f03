"""``fastsim generate`` at scale: showers generated and written in chunks, a progress bar and warnings on stderr,
stdout kept for the result (so that it can be piped)."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from fastsim_kernel.data import read_showers

pytest.importorskip("keras")

FASTSIM = (sys.executable, "-c", "import sys; from fastsim_kernel.cli import main; sys.exit(main())")


def test_generate_writes_more_than_one_chunk_with_progress_and_warnings_on_stderr(tmp_path):
    from fastsim_kernel.cli.gan import GENERATE_CHUNK
    from fastsim_kernel.gan.architectures import build_generator
    from fastsim_kernel.gan.config import GANConfig

    model = tmp_path / "model"
    model.mkdir()
    config = GANConfig.fixed(energy_range=(10.0, 100.0))
    config.save(model / "config.json")
    build_generator(config).save_weights(model / "generator.weights.h5")
    n = GENERATE_CHUNK + 76
    out = tmp_path / "gan.h5"
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    argv = ["generate", "--model", str(model), "--energy", "150", "--n", str(n), "--out", str(out)]
    proc = subprocess.run([*FASTSIM, *argv], capture_output=True, text=True, env=env, timeout=600, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [f"wrote {n} showers (25x25x25) to {out}"]  # nothing else on stdout
    warnings = [line for line in proc.stderr.splitlines() if line.startswith("fastsim: warning: ")]
    assert len(warnings) == 1  # 150 GeV is outside 10-100 GeV: said once, not once per chunk
    assert "150" in warnings[0]
    assert f"{n}/{n}" in proc.stderr  # the progress bar reached the end
    showers = read_showers(out, units="GeV")  # an untrained network: its sum/E is whatever it is
    assert len(showers) == n
    np.testing.assert_array_equal(showers.energy, np.float32(100.0))  # clamped to the trained range
    assert not np.array_equal(showers.cells[0], showers.cells[GENERATE_CHUNK])  # each chunk has its own noise
