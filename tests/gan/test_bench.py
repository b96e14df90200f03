"""``fastsim bench gan`` on a tiny budget: what it measures, and that it never skips what it was asked for."""

from __future__ import annotations

import json
import os

import pytest

from tests.gan.conftest import FASTSIM, fastsim

pytest.importorskip("keras")


@pytest.fixture(scope="module")
def random_fixed(tmp_path_factory):
    """A fixed-angle model folder with random weights: speed does not depend on training."""
    from fastsim_kernel.gan.architectures import build_generator
    from fastsim_kernel.gan.config import GANConfig

    folder = tmp_path_factory.mktemp("random-fixed")
    config = GANConfig.fixed()
    config.save(folder / "config.json")
    build_generator(config).save_weights(folder / "generator.weights.h5")
    return folder


def test_bench_times_each_variant_and_batch_against_geant4(random_fixed, tmp_path):
    out = tmp_path / "bench.json"
    proc = fastsim("bench", "gan", "--model", "fixed", "--weights", str(random_fixed), "--batch", "1,4",
                   "--variants", "float32,fast", "--seconds", "0.2", "--g4-n", "1", "--energy", "10",
                   "--json", str(out))  # fmt: skip
    report = json.loads(out.read_text())
    # the reference network's cost, counted by hand from the layers of svalleco/3Dgan (docs/gan.md): 0.512 GFLOP
    assert report["gflop_per_shower"] == pytest.approx(0.512, rel=0.01)
    rows = {(r["variant"], r["batch"]): r for r in report["results"]}
    assert set(rows) == {("float32", 1), ("float32", 4), ("fast", 1), ("fast", 4)}
    assert rows["float32", 4]["gflop_executed_per_shower"] == pytest.approx(0.512, rel=0.01)  # runs the reference
    assert rows["fast", 4]["gflop_executed_per_shower"] < 0.5 * 0.512  # the polyphase form skips the zeros
    assert report["geant4_ms_per_shower"] > 0  # the Geant4 timing ran, it was not skipped
    assert "ms/shower (one core)" in proc.stdout.splitlines()[0]
    # the whole generate() call is timed too: it runs the network and more (half: a margin for timing noise)
    assert all(r["generate_ms_per_shower"] > 0.5 * r["ms_per_shower"] for r in rows.values())
    assert "generate() ms/shower" in proc.stdout


def test_generate_is_timed_on_the_same_batch_as_the_network(random_fixed):
    from fastsim_kernel.bench.gan import time_batch
    from fastsim_kernel.gan.generate import Generator

    generator = Generator(random_fixed, batch_size=2)
    seen = []
    run = generator.run
    generator.run = lambda latent: seen.append(len(latent)) or run(latent)
    time_batch(generator, 8, energy=50.0, seconds=0.0)
    assert set(seen) == {8}  # not generate()'s chunks of its default batch size


def test_a_geant4_failure_is_an_error_not_a_skipped_timing(random_fixed, tmp_path):
    # a broken geant4_pybind: Geant4 cannot run, and the benchmark must say so instead of printing a table
    fake = tmp_path / "fake"
    fake.mkdir()
    (fake / "geant4_pybind.py").write_text("raise ImportError('geant4_pybind is broken here')\n")
    env = {**os.environ, "PYTHONPATH": str(fake), "CI": "true", "TF_CPP_MIN_LOG_LEVEL": "2"}
    import subprocess

    proc = subprocess.run([*FASTSIM, "bench", "gan", "--weights", str(random_fixed), "--batch", "1", "--variants",
                           "float32", "--seconds", "0.1", "--g4-n", "1", "--energy", "10"],
                          capture_output=True, text=True, env=env, timeout=300)  # fmt: skip
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stderr.strip().splitlines()[-1].startswith("fastsim: error: ")
    assert "geant4_pybind" in proc.stderr.strip().splitlines()[-1]
    assert "Traceback" not in proc.stderr
    assert "|" not in proc.stdout  # no table without the Geant4 figure it was asked for


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--variants", "float32,int3"], "int3"),
        (["--g4-n", "-1"], "--g4-n must be >= 0 Geant4 showers (0 skips the Geant4 timing), got -1"),
    ],
)
def test_bench_refuses_bad_input(args, message):
    proc = fastsim("bench", "gan", *args, check=False)
    assert proc.returncode == 2
    assert message in proc.stderr.strip().splitlines()[-1]


def test_an_energy_outside_the_models_range_is_refused_before_any_timing(random_fixed):
    import subprocess

    proc = subprocess.run([*FASTSIM, "bench", "gan", "--weights", str(random_fixed), "--batch", "1", "--variants",
                           "float32", "--seconds", "0.1", "--g4-n", "1", "--energy", "300"],
                          capture_output=True, text=True, env={**os.environ, "CI": "true"}, timeout=300)  # fmt: skip
    assert proc.returncode == 2, proc.stdout + proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("fastsim: error: --energy 300 GeV is outside the model's trained range 10-200 GeV")
    assert "|" not in proc.stdout
