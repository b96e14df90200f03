"""The ``fastsim`` command in a terminal: TensorFlow's native start-up lines (absl, oneDNN) do not reach
stderr, while the command's own warnings do (``fastsim_kernel._quiet_tf``; tests/test_quiet_tf.py checks the
filter itself with a stand-in TensorFlow)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

FASTSIM = Path(sys.executable).with_name("fastsim")
START_UP_LINES = ("oneDNN custom operations", "absl::InitializeLog")


def test_generate_writes_no_tensorflow_start_up_lines_and_keeps_its_warning(tmp_path):
    pytest.importorskip("tensorflow")
    plain = subprocess.run([sys.executable, "-c", "import tensorflow"], capture_output=True, text=True, timeout=300)
    if not any(line in plain.stderr for line in START_UP_LINES):
        pytest.skip("this TensorFlow prints no start-up lines: nothing to filter")
    result = subprocess.run(
        [str(FASTSIM), "generate", "--model", "shipped", "--energy", "150", "--theta", "90", "--n", "2",
         "--out", str(tmp_path / "gan.h5")],
        capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert not [line for line in START_UP_LINES if line in result.stderr], result.stderr
    assert "fastsim: warning: energy [150.0, 150.0] GeV outside the trained range" in result.stderr
    assert (tmp_path / "gan.h5").is_file()
