"""The TensorBoard launcher's settings: what it reads and where its link points (the browser test,
test_tensorboard_browser.py, opens it in a real JupyterLab)."""

from __future__ import annotations

from pathlib import Path

import pytest

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


@pytest.mark.parametrize(("prefix", "expected"), [("/user/ada/", "/user/ada/tensorboard/"), (None, "/tensorboard/")])
def test_the_link_is_under_the_servers_own_prefix(monkeypatch, prefix, expected):
    if prefix is None:
        monkeypatch.delenv("JUPYTERHUB_SERVICE_PREFIX", raising=False)
    else:
        monkeypatch.setenv("JUPYTERHUB_SERVICE_PREFIX", prefix)
    assert tensorboard.url() == expected


def test_jupyter_server_proxy_finds_the_tile_through_the_entry_point():
    from jupyter_server_proxy.config import get_entrypoint_server_processes

    (process,) = [p for p in get_entrypoint_server_processes() if p.name == "tensorboard"]
    assert process.launcher_entry.title == "TensorBoard"
    assert Path(process.launcher_entry.icon_path).is_file()
    assert process.new_browser_tab is False  # a JupyterLab tab, not a new window
    assert process.environment["CUDA_VISIBLE_DEVICES"] == ""  # a log reader takes no GPU memory
