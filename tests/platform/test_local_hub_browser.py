"""The physicist's path in a real Chromium (Debian's, driven by Playwright) through the local hub: log in, pick
"fastsim ml-gpu", run notebooks 01-04 in order with their test parameters, move the explorer's energy and angle
sliders and see the Geant4 overlay; no cell writes to stderr. Last, the Launcher's TensorBoard tile shows the
run notebook 02 trained, through the hub's proxy.

The screenshots (the spawn form, the explorer, TensorBoard) go to ``$FASTSIM_SCREENSHOT_DIR`` when it is set
(the README's come from there: ``FASTSIM_SCREENSHOT_DIR=docs/figures``), else to the test's temporary folder.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import nbformat

from fastsim_kernel.platform import load_values, profile_list
from tests.helpers import BROWSER, chromium
from tests.platform._hub_helpers import PASSWORD, running_hub

USER = "carol"
LAB_TIMEOUT_MS = 90_000
RUN_TIMEOUT_MS = 600_000
NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
#: The walk uses the variable-angle model, so that the angle slider moves too; angles near 90 deg and 60
#: showers put Geant4 showers inside the explorer's +-5 GeV, +-3 deg window at its start values (and a
#: drag of 15 pixels moves the sliders by well under that window).
WALK = {
    "01_geant4_showers.ipynb": {"grid": "51x51x25", "theta": [80.0, 100.0], "n": 60},
    "02_train_3dgan.ipynb": {"kind": "variable"},
    "03_compare_gan_g4.ipynb": {},
    "04_live_widget.ipynb": {},
}
STDERR = ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"

pytestmark = BROWSER


def prepare_notebooks(folder: Path) -> None:
    """The user's copies of the curated notebooks with their test parameters (and the walk's) injected, as
    papermill injects them, without running them."""
    import papermill

    folder.mkdir(parents=True, exist_ok=True)
    for name, extra in WALK.items():
        source = NOTEBOOKS / name
        parameters = {**nbformat.read(source, as_version=4).metadata["fastsim"]["test_parameters"], **extra}
        papermill.execute_notebook(str(source), str(folder / name), parameters=parameters, prepare_only=True,
                                   kernel_name="fastsim", language="python", progress_bar=False)  # fmt: skip


def screenshot_path(tmp_path: Path, name: str) -> Path:
    folder = Path(os.environ.get("FASTSIM_SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder / name


def run_all(page, name: str) -> None:
    """Open ``name`` from the file browser, run every cell, wait until each code cell has run; no stderr."""
    page.locator(".jp-DirListing").get_by_text(name).dblclick()
    panel = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
    page.locator(".jp-StatusBar-Widget").get_by_text("fastsim | Idle").wait_for(timeout=LAB_TIMEOUT_MS)
    page.locator(".lm-MenuBar-item").filter(has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-item").filter(has_text=re.compile(r"^Run All Cells")).click()
    page.wait_for_function(  # every code cell has run, or one wrote to stderr (which stops "Run All" on errors)
        """(stderr) => {
            const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
            const prompts = [...panel.querySelectorAll('.jp-CodeCell .jp-InputPrompt')];
            const done = prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
            return done || panel.querySelector(stderr) !== null;
        }""",
        arg=STDERR,
        timeout=RUN_TIMEOUT_MS,
    )
    errors = panel.locator(STDERR)
    assert errors.count() == 0, f"{name}: stderr output: {errors.all_inner_texts()}"


def drag(page, handle, dx: float) -> None:
    """Drag a slider handle by ``dx`` pixels and release it, as a user does."""
    handle.scroll_into_view_if_needed()
    handle.hover()
    box = handle.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + dx, y, steps=4)
    page.mouse.up()


def test_login_fastsim_ml_gpu_notebooks_01_to_04_and_the_explorer(tmp_path):
    slugs = [p["slug"] for p in profile_list(load_values())]
    state = tmp_path / "state"
    prepare_notebooks(state / "users" / USER / "notebooks")
    with running_hub(state) as hub, chromium() as browser:
        page = browser.new_page(viewport={"width": 1440, "height": 1000})
        page.set_default_timeout(30_000)
        t0 = time.perf_counter()
        page.goto(f"{hub.url}/hub/login")
        page.fill("#username_input", USER)
        page.fill("#password_input", PASSWORD)
        page.click("#login_submit")

        page.wait_for_selector("#kubespawner-profiles-list")
        radios = page.locator("input[name=profile]")
        assert [radios.nth(i).get_attribute("value") for i in range(radios.count())] == slugs
        titles = page.locator("#kubespawner-profiles-list h3").all_inner_texts()
        assert titles == ["standard (cpu)", "ml-cpu", "ml-gpu", "fastsim ml-gpu", "terminal"]
        page.click("label[for=profile-item-fastsim-ml-gpu]")
        assert page.is_checked("#profile-item-fastsim-ml-gpu")
        page.screenshot(path=str(screenshot_path(tmp_path, "spawn-form.png")))
        page.click("#spawn_form button[type=submit]")

        page.wait_for_url(f"**/user/{USER}/lab/tree/notebooks*", timeout=LAB_TIMEOUT_MS)
        page.locator(".jp-DirListing").get_by_text("01_geant4_showers.ipynb").wait_for(timeout=LAB_TIMEOUT_MS)
        assert page.get_by_text("official Jupyter news").count() == 0
        t_lab = time.perf_counter()
        print(f"browser: login -> JupyterLab {t_lab - t0:.1f} s")

        for name in WALK:
            start = time.perf_counter()
            run_all(page, name)
            print(f"browser: {name} ran in {time.perf_counter() - start:.0f} s")

        # The explorer of notebook 04: the Geant4 overlay is there, and the sliders regenerate.
        panel = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
        explorer = panel.locator(".widget-vbox").filter(has=page.locator(".fastsim-image")).first
        explorer.scroll_into_view_if_needed()
        note = explorer.locator(".fastsim-reference-note")
        assert re.search(r"[1-9]\d* Geant4 showers within ±5 GeV, ±3°", note.inner_text()), note.inner_text()
        assert "GAN (" in explorer.locator(".fastsim-readouts").inner_text()
        assert "Geant4 (" in explorer.locator(".fastsim-readouts").inner_text()
        image = explorer.locator(".fastsim-image")
        energy, angle = (explorer.locator(".widget-slider").nth(i) for i in (0, 1))
        for slider, dx in ((energy, -15), (angle, -15)):  # 04 leaves the energy at its maximum
            before = image.get_attribute("src")
            readout = slider.locator(".widget-readout").inner_text()
            drag(page, slider.locator(".noUi-handle"), dx)
            assert slider.locator(".widget-readout").inner_text() != readout, "the drag did not move the slider"
            page.wait_for_function("([el, old]) => el.getAttribute('src') !== old",
                                   arg=[image.element_handle(), before], timeout=LAB_TIMEOUT_MS)  # fmt: skip
        page.wait_for_function("() => document.querySelector('.fastsim-status').textContent.includes('drawn in')")
        assert "Geant4 showers within" in note.inner_text()
        assert panel.locator(STDERR).count() == 0
        explorer.screenshot(path=str(screenshot_path(tmp_path, "explorer.png")))

        # TensorBoard from the Launcher, in a JupyterLab tab, with the losses of notebook 02's run
        page.locator(".lm-MenuBar-item").filter(has_text=re.compile(r"^File$")).click()
        page.locator(".lm-Menu-item").filter(has_text=re.compile(r"^New Launcher")).click()
        page.locator(".jp-LauncherCard:visible").filter(has_text="TensorBoard").click()  # the new Launcher's
        frame = page.frame_locator(".jp-MainAreaWidget:not(.lm-mod-hidden) iframe")
        frame.get_by_text("variable/logs/train").first.wait_for(timeout=LAB_TIMEOUT_MS)
        frame.get_by_text("epoch_g_loss").first.wait_for(timeout=LAB_TIMEOUT_MS)  # fastsim train's scalars
        page.mouse.move(0, 0)
        page.wait_for_timeout(2_000)  # the charts' first drawing
        page.screenshot(path=str(screenshot_path(tmp_path, "tensorboard.png")))
        page.close()
