"""The explorer in a real JupyterLab, driven by Chromium: the front end renders the controls and the image, and
typing an energy makes the kernel generate at that energy and send a new image."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]  # fmt: skip
TOKEN = "explorer-browser-test"
TIMEOUT_MS = 90_000

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(shutil.which("chromium") is None, reason="chromium is not installed"),
]

EXPLORER_CELL = """
import math
import numpy as np
from fastsim_kernel.data import Showers
from fastsim_kernel.widgets import ExplorerConfig, ShowerExplorer

class Blob:  # a deterministic stand-in generator: energy deposits that scale with the primary energy
    grid, energy_range, theta_range = (25, 25, 25), (10.0, 200.0), (math.pi / 3, 2 * math.pi / 3)

    def generate(self, energy, theta, n, seed=0):
        cells = np.random.default_rng(seed).gamma(2.0, 1e-4 * energy, size=(n, *self.grid))
        return Showers(cells, np.full(n, energy), np.full(n, theta))

explorer = ShowerExplorer(Blob(), config=ExplorerConfig(n_showers=2))
explorer
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def jupyterlab(root: Path, jupyter_path: Path):
    """A JupyterLab server on a free port serving ``root``, with the "fastsim" kernel from ``jupyter_path``."""
    port = _free_port()
    env = {**os.environ, "JUPYTER_PATH": str(jupyter_path), "JUPYTER_CONFIG_DIR": str(root / ".jupyter"),
           "JUPYTER_DATA_DIR": str(root / ".data"), "JUPYTER_RUNTIME_DIR": str(root / ".runtime")}  # fmt: skip
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", "--ip=127.0.0.1",
               f"--port={port}", f"--ServerApp.root_dir={root}", f"--IdentityProvider.token={TOKEN}",
               "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]  # fmt: skip
    log = (root.parent / "lab.log").open("w")
    server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{url}/api/status?token={TOKEN}", timeout=2)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"JupyterLab did not start: {(root.parent / 'lab.log').read_text()[-2000:]}")
                time.sleep(0.5)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


@pytest.fixture
def kernel_prefix(tmp_path):
    prefix = tmp_path / "kernel"
    subprocess.run([sys.executable, "-m", "ipykernel", "install", "--prefix", str(prefix), "--name", "fastsim",
                    "--display-name", "fastsim"], check=True, capture_output=True)  # fmt: skip
    return prefix / "share" / "jupyter"


def test_typing_an_energy_in_the_browser_regenerates_in_the_kernel(kernel_prefix, tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    root = tmp_path / "lab"
    root.mkdir()
    nb = new_notebook(metadata={"kernelspec": {"name": "fastsim", "display_name": "fastsim", "language": "python"}})
    nb.cells = [new_code_cell(EXPLORER_CELL.strip()), new_code_cell("print('last call', explorer.calls[-1])")]
    nbformat.write(nb, root / "explorer.ipynb")

    with jupyterlab(root, kernel_prefix) as url, sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(f"{url}/lab/tree/explorer.ipynb?token={TOKEN}")
        page.locator(".jp-StatusBar-Widget").get_by_text("fastsim | Idle").wait_for()

        page.locator(".jp-Cell").first.click()
        page.keyboard.press("Shift+Enter")
        output = page.locator(".jp-OutputArea-output").first
        image = output.locator("img.widget-image")
        image.wait_for()
        sliders = output.locator(".widget-slider")
        assert sliders.count() == 3  # energy, angle, showers
        assert "generated in" in output.inner_text()
        first_src = image.get_attribute("src")

        readout = sliders.first.locator(".widget-readout")  # the energy slider's editable value
        readout.click()
        page.keyboard.press("Control+A")
        page.keyboard.type("150")
        page.keyboard.press("Enter")
        page.wait_for_function("([el, old]) => el.getAttribute('src') !== old", arg=[image.element_handle(), first_src])

        page.locator(".jp-Cell").nth(1).click()
        page.keyboard.press("Shift+Enter")
        printed = page.locator(".jp-Cell").nth(1).locator(".jp-OutputArea-output")
        printed.get_by_text("last call").wait_for()
        assert "last call (150.0, " in printed.inner_text()
        page.screenshot(path=str(tmp_path / "explorer.png"))
        browser.close()
