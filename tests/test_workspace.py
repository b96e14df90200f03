"""The notebooks' workspace: where the sample and the models are found, and the device-dependent defaults."""

import os

import pytest

from fastsim_kernel.workspace import Device, Workspace, sync_curated_notebooks, training_defaults

GRID = (25, 25, 25)


def test_root_from_the_argument_the_environment_or_the_home(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("FASTSIM_WORKSPACE", raising=False)
    monkeypatch.delenv("FASTSIM_DATA_DIR", raising=False)
    assert Workspace.default() == Workspace(tmp_path / "home" / "fastsim-workspace", None)
    monkeypatch.setenv("FASTSIM_WORKSPACE", str(tmp_path / "ws"))
    assert Workspace.default().root == tmp_path / "ws"
    assert Workspace.default(tmp_path / "given").root == tmp_path / "given"


def test_shared_folder_only_when_it_is_mounted(tmp_path, monkeypatch):
    monkeypatch.setenv("FASTSIM_DATA_DIR", str(tmp_path / "datasets"))
    assert Workspace.default(tmp_path).shared is None
    (tmp_path / "datasets").mkdir()
    assert Workspace.default(tmp_path).shared == tmp_path / "datasets"


def test_the_users_sample_comes_before_the_shared_one(tmp_path):
    shared = tmp_path / "datasets"
    shared.mkdir()
    ws = Workspace(tmp_path / "ws", shared)
    assert ws.find_g4_sample(GRID) is None
    (shared / "g4_25x25x25.h5").touch()
    assert ws.find_g4_sample(GRID) == shared / "g4_25x25x25.h5"
    assert ws.find_g4_sample((51, 51, 25)) is None
    ws.g4_sample(GRID).touch()
    assert ws.find_g4_sample(GRID) == tmp_path / "ws" / "g4" / "g4_25x25x25.h5"


def test_the_newest_trained_model_is_used_else_the_shipped_one(tmp_path):
    ws = Workspace(tmp_path)
    path, note = ws.find_model()
    assert path is None
    assert "using the shipped model" in note
    for kind, mtime in (("fixed", 1_000_000), ("variable", 2_000_000)):
        weights = ws.run(kind) / "generator.weights.h5"
        weights.parent.mkdir(parents=True)
        weights.touch()
        os.utime(weights, (mtime, mtime))
    assert ws.find_model() == (ws.run("variable"), f"using the model notebook 02 trained: {ws.run('variable')}")
    with pytest.raises(ValueError, match="fixed, variable"):
        ws.run("big")


def test_training_defaults_follow_the_device():
    assert training_defaults("fixed", gpu=True) == {"epochs": 30, "batch_size": 128, "steps_per_epoch": None}
    assert training_defaults("variable", gpu=True)["batch_size"] == 64  # the reference variable-angle batch
    assert training_defaults("fixed", gpu=False) == {"epochs": 2, "batch_size": 16, "steps_per_epoch": 10}


def test_device_report_names_gpus_cores_and_physics():
    text = str(Device(gpus=(), cpus=3, physics="datafree", physics_reason="no Geant4 datasets"))
    assert "TensorFlow sees no GPU" in text
    assert "CPU cores:   3 usable" in text
    assert "datafree physics: no Geant4 datasets" in text
    assert Device(gpus=("/physical_device:GPU:0",), cpus=8, physics="standard", physics_reason="").has_gpu


def test_curated_notebooks_reach_users_without_overwriting_their_edits(tmp_path):
    source, mine = tmp_path / "image", tmp_path / "home" / "notebooks"
    source.mkdir()
    (source / "01.ipynb").write_text("v1 of 01")
    (source / "02.ipynb").write_text("v1 of 02")
    assert sync_curated_notebooks(source, mine) == {"copied": ["01.ipynb", "02.ipynb"], "updated": [], "kept": []}
    (mine / "02.ipynb").write_text("my edits")  # the user works in 02
    (source / "01.ipynb").write_text("v2 of 01")  # the image brings new versions of both, and a new one
    (source / "02.ipynb").write_text("v2 of 02")
    (source / "03.ipynb").write_text("v1 of 03")
    assert sync_curated_notebooks(source, mine) == {"copied": ["03.ipynb"], "updated": ["01.ipynb"],
                                                    "kept": ["02.ipynb"]}  # fmt: skip
    assert (mine / "01.ipynb").read_text() == "v2 of 01"
    assert (mine / "02.ipynb").read_text() == "my edits"
    assert sync_curated_notebooks(source, mine) == {"copied": [], "updated": [], "kept": ["02.ipynb"]}


def test_post_start_hook_command_keeps_edits_across_image_updates(tmp_path):
    """What the fastsim profile's postStart hook runs at every start (config.yaml)."""
    import subprocess
    import sys

    image, home = tmp_path / "image", tmp_path / "home" / "notebooks"
    image.mkdir()
    (image / "01.ipynb").write_text("v1")
    run = [sys.executable, "-m", "fastsim_kernel.workspace", str(image), str(home)]
    first = subprocess.run(run, capture_output=True, text=True, check=True)
    assert first.stdout.strip() == "copied 1, updated 0, kept 0"
    (home / "01.ipynb").write_text("my edit")
    (image / "01.ipynb").write_text("v2")  # the image updates
    (image / "02.ipynb").write_text("new")
    subprocess.run(run, check=True, capture_output=True)
    assert (home / "01.ipynb").read_text() == "my edit"
    assert (home / "02.ipynb").read_text() == "new"
    bad = subprocess.run(run[:-1], capture_output=True, text=True)
    assert bad.returncode == 2
    assert len(bad.stderr.strip().splitlines()) == 1
