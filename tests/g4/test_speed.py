"""Speed targets on a 2-core machine (slow: about a minute of full CPU; run with -m slow on an idle machine)."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import numpy as np
import pytest

from fastsim_kernel.bench.g4 import measure
from fastsim_kernel.data import read_showers

pytestmark = pytest.mark.slow


def test_fifty_showers_at_50_gev_take_seconds(tmp_path):
    out = tmp_path / "x.h5"
    main = "import sys; from fastsim_kernel.cli import main; sys.exit(main())"
    args = ["simulate", "--n", "50", "--energy", "50", "--theta", "90", "--grid", "25x25x25", "--out", str(out)]
    command = [sys.executable, "-c", main, *args]
    start = time.perf_counter()
    subprocess.run(command, check=True, env={**os.environ, "CI": "true"}, capture_output=True)
    elapsed = time.perf_counter() - start
    showers = read_showers(out)
    assert len(showers) == 50
    assert 0.019 < float(np.mean(showers.cells.sum(axis=(1, 2, 3)) / showers.energy)) < 0.021
    assert elapsed < 60 * max(1, os.getloadavg()[0])  # about 10 s on an idle 2-core machine


def test_cpu_per_gev_and_worker_scaling():
    load = os.getloadavg()[0]
    if load > 1.0 or (os.cpu_count() or 1) < 2:
        pytest.skip(f"speed targets need an idle machine with 2 cores (load average {load:.1f})")
    one = measure(energies=[10.0, 50.0, 100.0], n=10, workers=1, physics="datafree")
    cpu_ms_per_gev = 1e3 * sum(cpu for _, cpu in one.values()) / (10 * 160)
    assert cpu_ms_per_gev < 5.0  # target: at most 5 ms per GeV per core
    two = measure(energies=[10.0, 50.0, 100.0], n=10, workers=2, physics="datafree")
    ratio = sum(wall for wall, _ in one.values()) / sum(wall for wall, _ in two.values())
    assert ratio >= 1.8
