"""The TensorBoard launcher's settings: what it reads, when the tile shows (the browser test,
test_tensorboard_browser.py, opens it in a real JupyterLab)."""

from __future__ import annotations

from pathlib import Path

from fastsim_kernel.platform import tensorboard


def test_tensorboard_reads_the_runs_folder_of_the_workspace(tmp_path, monkeypatch):
    monkeypatch.setenv("FASTSIM_WORKSPACE", str(tmp_path / "ws"))
    argv = tensorboard.command(6123)
    assert argv[argv.index("--logdir") + 1] == str(tmp_path / "ws" / "runs")
    assert (tmp_path / "ws" / "runs").is_dir()  # created, so TensorBoard starts before the first training
    assert argv[argv.index("--port") + 1] == "6123"
    assert argv[argv.index("--host") + 1] == "127.0.0.1"  # reachable through the server's proxy only
    assert Path(argv[0]).name == "tensorboard"
    assert Path(argv[0]).exists()


def test_an_unwritable_workspace_still_gives_a_command(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("FASTSIM_WORKSPACE", str(blocker))  # runs/ cannot be made under a file
    argv = tensorboard.command(6123)
    assert argv[argv.index("--logdir") + 1] == str(blocker / "runs")


def test_no_tile_without_tensorboard(monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "tensorboard" else real(name, *a))
    assert tensorboard.server_proxy_config()["launcher_entry"]["enabled"] is False


def test_jupyter_server_proxy_finds_the_tile_through_the_entry_point():
    from jupyter_server_proxy.config import get_entrypoint_server_processes

    (process,) = [p for p in get_entrypoint_server_processes() if p.name == "tensorboard"]
    assert process.launcher_entry.title == "TensorBoard"
    assert process.launcher_entry.enabled is True  # TensorBoard is installed here (the train extra)
    assert Path(process.launcher_entry.icon_path).is_file()
    assert process.new_browser_tab is False  # a JupyterLab tab, not a new window
    assert process.environment["CUDA_VISIBLE_DEVICES"] == ""  # a log reader takes no GPU memory
