"""The explorer in a real JupyterLab, driven by Chromium: the front end renders the controls and the image, and
typing an energy makes the kernel generate at that energy and send a new image."""

from __future__ import annotations

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

from tests.helpers import BROWSER, chromium, jupyterlab, kernel_path

TOKEN = "explorer-browser-test"
TIMEOUT_MS = 90_000

pytestmark = BROWSER

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

explorer = ShowerExplorer(Blob(), config=ExplorerConfig(n_showers=2), reference=None)
explorer
"""


def test_typing_an_energy_in_the_browser_regenerates_in_the_kernel(tmp_path):
    root = tmp_path / "lab"
    root.mkdir()
    nb = new_notebook(metadata={"kernelspec": {"name": "fastsim", "display_name": "fastsim", "language": "python"}})
    nb.cells = [new_code_cell(EXPLORER_CELL.strip()), new_code_cell("print('last call', explorer.calls[-1])")]
    nbformat.write(nb, root / "explorer.ipynb")

    with jupyterlab(root, kernel_path(tmp_path / "kernel"), token=TOKEN) as url, chromium() as browser:
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
        assert sliders.count() == 4  # energy, angle, showers, layer
        output.get_by_text("drawn in").wait_for()
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
        printed.get_by_text("last call").wait_for()  # the kernel ran the cell after the regeneration
        assert "last call (150.0, " in printed.inner_text()
        page.screenshot(path=str(tmp_path / "explorer.png"))
