"""TensorBoard inside JupyterLab, as a user meets it: a real JupyterLab with jupyter-server-proxy and this
package's entry point, driven by Chromium. The launcher's TensorBoard tile opens a JupyterLab tab showing the
workspace's training runs; the server's login protects it; nothing is left running when the server stops.
(The browser walk through the local hub, test_local_hub_browser.py, opens the runs notebook 02 trained.)
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psutil
import requests

from tests.helpers import BROWSER, chromium, jupyterlab, kernel_path

TOKEN = "tensorboard-test"
TIMEOUT_MS = 120_000

#: What Keras' TensorBoard callback writes for ``fastsim train``: a scalar per epoch under ``logs/train``.
WRITE_EVENTS = """
import sys
import tensorflow as tf
with tf.summary.create_file_writer(sys.argv[1]).as_default():
    for epoch, loss in enumerate([2.0, 1.2, 0.9, 0.8]):
        tf.summary.scalar("epoch_generator_loss", loss, step=epoch)
"""

pytestmark = BROWSER


def write_events(folder: Path) -> None:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": ""}
    subprocess.run([sys.executable, "-c", WRITE_EVENTS, str(folder)], check=True, env=env, capture_output=True)
    assert list(folder.glob("events.out.tfevents.*"))


def tensorboards(logdir: Path) -> list[psutil.Process]:
    """The TensorBoard processes reading ``logdir``."""
    found = []
    for process in psutil.process_iter(["cmdline"]):
        cmdline = process.info["cmdline"] or []
        if any(Path(part).name == "tensorboard" for part in cmdline[:2]) and str(logdir) in cmdline:
            found.append(process)
    return found


def test_the_launcher_tile_opens_tensorboard_in_a_jupyterlab_tab(tmp_path):
    workspace = tmp_path / "ws"
    write_events(workspace / "runs" / "fixed" / "logs" / "train")
    root = tmp_path / "lab"
    root.mkdir()
    env = {"FASTSIM_WORKSPACE": str(workspace)}
    with jupyterlab(root, kernel_path(tmp_path / "kernel"), token=TOKEN, env=env) as url, chromium() as browser:
        anonymous = requests.get(f"{url}/tensorboard/data/runs", allow_redirects=False, timeout=30)
        assert anonymous.status_code == 302  # behind the server's login
        assert "/login" in anonymous.headers["Location"]
        assert not tensorboards(workspace / "runs"), "TensorBoard started before anybody asked for it"

        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(f"{url}/lab?token={TOKEN}")
        page.locator(".jp-LauncherCard").filter(has_text="TensorBoard").click()
        page.locator(".lm-TabBar-tab").filter(has_text="TensorBoard").wait_for()
        frame = page.frame_locator(".jp-MainAreaWidget:not(.lm-mod-hidden) iframe")
        frame.get_by_text("epoch_generator_loss").first.wait_for()
        frame.get_by_text("fixed/logs/train").first.wait_for()
        page.screenshot(path=str(tmp_path / "tensorboard.png"))
        page.close()
        started = tensorboards(workspace / "runs")
        assert started, "no TensorBoard process reads the workspace's runs"
    _, alive = psutil.wait_procs(started, timeout=20)
    assert not alive, "TensorBoard outlived its server"
