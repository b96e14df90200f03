"""The error promise, for every sub-command: bad input gives ONE line on stderr naming the value, exit 2, no
traceback, and nothing written. Each case runs the real ``fastsim`` in a fresh interpreter, as a user would.

TensorFlow and Keras are replaced by modules that refuse to be imported: bad input must be refused before
the slow imports, not after.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import h5py
import pytest

from fastsim_kernel.cli import WORKFLOW, build_parser
from fastsim_kernel.data import write_showers
from tests.conftest import gaussian_showers

FASTSIM = (sys.executable, "-c", "import sys; from fastsim_kernel.cli import main; sys.exit(main())")


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    """The inputs of the table: good and bad files, in one folder."""
    root = tmp_path_factory.mktemp("bad-input")
    showers = gaussian_showers(n=6)
    paths = {"dir": root, "good": write_showers(showers, root / "good.h5")}
    with h5py.File(root / "odd_units.h5", "w") as f:  # public keys, cells x 50, no evidence of the x50 layout
        f["ECAL"], f["energy"], f["theta"] = showers.cells * 50, showers.energy, showers.theta
    paths["odd_units"] = root / "odd_units.h5"
    paths["a_file"] = root / "a_file"
    paths["a_file"].write_text("not a folder\n")
    paths["not_utf8"] = root / "latin1.yaml"
    paths["not_utf8"].write_bytes("hub: {name: 'Jos\xe9'}\n".encode("latin-1"))
    model = root / "model_str_latent"
    model.mkdir()
    (model / "config.json").write_text(json.dumps({"kind": "fixed", "latent_size": "200"}))
    (model / "generator.weights.h5").write_bytes(b"")
    paths["model_str_latent"] = model
    parts = root / "resume.h5.parts"
    parts.mkdir()
    (parts / "manifest.json").write_text('{"n": 4, "chunk_size": ')  # cut off mid-write
    paths["resume"] = root / "resume.h5"
    no_tf = root / "no-tensorflow"
    no_tf.mkdir()
    for name in ("tensorflow", "keras"):
        (no_tf / f"{name}.py").write_text(f"raise RuntimeError('{name} imported before the input was checked')\n")
    paths["no_tf"] = no_tf
    paths["config"] = Path(__file__).parents[2] / "config.yaml"
    paths["home"] = tmp_path_factory.mktemp("home")  # caches (matplotlib) go here, not into the watched folder
    return paths


#: (sub-command, arguments with {placeholders} from ``files``, what the one line must contain)
CASES = [
    ("simulate", "--n 0 --out {dir}/s.h5", "n must be a positive number of showers, got 0"),
    ("simulate", "--n 2 --energy 5:1 --out {dir}/s.h5", "energy range '5:1'"),
    ("simulate", "--n 2 --out {dir}/no/such/s.h5", "output folder '{dir}/no/such' does not exist"),
    ("simulate", "--n 4 --physics datafree --resume --out {resume}", "{dir}/resume.h5.parts/manifest.json is corrupt"),
    ("simulate", "--n 2 --out /sys/s.h5", "/sys/s.h5.parts"),
    ("inspect", "{dir}/missing.h5", "{dir}/missing.h5: no such file"),
    ("inspect", "{odd_units}", "{odd_units}: 3DGAN keys does not state its cell units"),
    ("inspect", "{good} --units keV", "invalid choice: 'keV'"),
    ("inspect", "{good} --chunk-size 0", "--chunk-size must be > 0, got 0"),
    ("inspect", "{dir}/notes.txt", "unknown file type '.txt'"),
    ("plot", "{good} --out {dir}/fig.bmp", "unknown format '.bmp'"),
    ("plot", "{good} --out {dir}/fig.png --max-showers 0", "--max-showers must be > 0, got 0"),
    ("plot", "{good} --out /sys/fig.png", "cannot write '/sys/fig.png'"),
    ("train", "--data {good} --out {a_file}", "{a_file}"),
    ("train", "--data {good} --out {dir}/run --batch-size 0", "batch_size must be >= 1, got 0"),
    ("train", "--data {dir}/missing.h5 --out {dir}/run", "{dir}/missing.h5"),
    ("train", "--data {odd_units} --out {dir}/units-run", "{odd_units}: 3DGAN keys"),
    ("generate", "--energy 50 --n 0 --out {dir}/g.h5", "--n must be >= 1, got 0"),
    ("generate", "--energy 50 --theta 200 --out {dir}/g.h5", "got 200"),
    ("generate", "--model {model_str_latent} --energy 50 --n 2 --out {dir}/g.h5",
     "key 'latent_size' must be an integer, got '200'"),
    ("generate", "--like {dir}/missing.h5 --n 2 --out {dir}/g.h5", "{dir}/missing.h5: no such file"),
    ("reference", "--out {dir}/ref.h5 --per-point 0", "0"),
    ("validate", "--reference {good} --candidate {good} --out {a_file}", "{a_file}"),
    ("validate", "--reference {dir}/missing.h5 --candidate {good} --out {dir}/report", "{dir}/missing.h5"),
    ("validate", "--reference {good} --candidate {good} --out {dir}/report --points 10:200", "'10:200'"),
    ("validate", "--reference {odd_units} --candidate {good} --out {dir}/units", "{odd_units}: 3DGAN keys"),
    ("bench", "g4 --n 0", "--n must be a positive number of showers, got 0"),
    ("bench", "gan --g4-n -1", "got -1"),
    ("bench", "gan --batch 0", "--batch '0'"),
    ("profiles", "list --config {not_utf8}", "{not_utf8}: not UTF-8 text"),
    ("profiles", "list --config {dir}/missing.yaml", "{dir}/missing.yaml"),
    ("profiles", "manifest --config {config} --profile no-such-profile", "no-such-profile"),
    ("hub", "--password short --state-dir {dir}/hub", "the hub password must have at least 8 characters, got 5"),
    ("hub", "--config {not_utf8} --state-dir {dir}/hub", "{not_utf8}: not UTF-8 text"),
    ("doctor", "--need gpu,warp-drive", "--need warp-drive"),
]


@pytest.mark.parametrize(("command", "arguments", "expected"), CASES, ids=[f"{c[0]} {c[1]}" for c in CASES])
def test_bad_input_is_one_line_naming_the_value(files, command, arguments, expected):
    before = sorted(files["dir"].rglob("*"))
    argv = [command, *arguments.format(**files).split()]
    env = {**os.environ, "CI": "true", "PYTHONPATH": str(files["no_tf"]), "HOME": str(files["home"])}
    proc = subprocess.run([*FASTSIM, *argv], capture_output=True, text=True, env=env, timeout=120, check=False,
                          cwd=files["home"])  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("fastsim: error: ")
    assert expected.format(**files) in lines[0]
    assert sorted(files["dir"].rglob("*")) == before  # nothing half-written, nothing left behind


def test_every_sub_command_is_in_the_table():
    parser = build_parser()
    commands = set(parser._subparsers._group_actions[0].choices)
    assert commands == {command for command, _, _ in CASES}


def test_help_lists_the_sub_commands_in_workflow_order_with_an_example_each():
    proc = subprocess.run([*FASTSIM, "--help"], capture_output=True, text=True, check=True)
    order = ["simulate", "inspect", "plot", "train", "generate", "reference", "validate", "bench", "profiles",
             "hub", "doctor"]  # fmt: skip
    listed = [line.split()[0] for line in proc.stdout.split("COMMAND\n")[1].split("\n\n")[0].splitlines()
              if line.startswith("    ") and not line.startswith("      ")]  # fmt: skip
    assert listed == order
    examples = proc.stdout.split("examples, in workflow order:")[1]
    assert [line.split()[1] for line in examples.splitlines() if line.startswith("  fastsim ")] == order
    assert set(WORKFLOW) == set(order)


def test_version():
    from fastsim_kernel import __version__

    proc = subprocess.run([*FASTSIM, "--version"], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == f"fastsim {__version__}"
