"""The ``fastsim`` command in a terminal: TensorFlow's native start-up lines (absl, oneDNN) do not reach
stderr, while a real warning would (``fastsim_kernel._quiet_tf``)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

FASTSIM = Path(sys.executable).with_name("fastsim")


def test_generate_writes_no_tensorflow_start_up_lines(tmp_path):
    pytest.importorskip("tensorflow")
    result = subprocess.run(
        [str(FASTSIM), "generate", "--model", "shipped", "--energy", "50", "--theta", "90", "--n", "2",
         "--out", str(tmp_path / "gan.h5")],
        capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "oneDNN custom operations" not in result.stderr
    assert "absl::InitializeLog" not in result.stderr
    assert (tmp_path / "gan.h5").is_file()
