"""A real Chromium (Debian's, driven by Playwright) through the local hub: login, profiles, JupyterLab."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest

from fastsim_kernel.platform import load_values, profile_list
from tests.platform._hub_helpers import PASSWORD, running_hub

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]
USER = "carol"
NOTEBOOK = "kernel-check.ipynb"
LAB_TIMEOUT_MS = 90_000

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(shutil.which("chromium") is None,
                       reason="chromium is not installed (bash scripts/install-system-deps.sh installs it)"),
]


@pytest.fixture
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


def write_fastsim_notebook(path: Path) -> None:
    """An empty notebook whose metadata names the "fastsim" kernel, as the curated notebooks do."""
    path.parent.mkdir(parents=True, exist_ok=True)
    kernelspec = {"name": "fastsim", "display_name": "fastsim", "language": "python"}
    notebook = {"cells": [], "metadata": {"kernelspec": kernelspec}, "nbformat": 4, "nbformat_minor": 5}
    path.write_text(json.dumps(notebook), encoding="utf-8")


def test_login_pick_fastsim_ml_gpu_and_jupyterlab_opens(browser, tmp_path):
    slugs = [p["slug"] for p in profile_list(load_values())]
    state = tmp_path / "state"
    write_fastsim_notebook(state / "users" / USER / "notebooks" / NOTEBOOK)
    with running_hub(state) as hub:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(30_000)
        t0 = time.perf_counter()
        page.goto(f"{hub.url}/hub/login")
        page.fill("#username_input", USER)
        page.fill("#password_input", PASSWORD)
        page.click("#login_submit")

        page.wait_for_selector("#kubespawner-profiles-list")
        t_form = time.perf_counter()
        radios = page.locator("input[name=profile]")
        assert [radios.nth(i).get_attribute("value") for i in range(radios.count())] == slugs
        titles = page.locator("#kubespawner-profiles-list h3").all_inner_texts()
        assert titles == ["standard (cpu)", "ml-cpu", "ml-gpu", "fastsim ml-gpu", "terminal"]

        page.click("label[for=profile-item-fastsim-ml-gpu]")
        assert page.is_checked("#profile-item-fastsim-ml-gpu")
        page.click("#spawn_form button[type=submit]")

        page.wait_for_url(f"**/user/{USER}/lab/tree/notebooks*", timeout=LAB_TIMEOUT_MS)
        page.locator(".jp-BreadCrumbs").get_by_text("notebooks").wait_for(timeout=LAB_TIMEOUT_MS)
        page.locator(".jp-DirListing").get_by_text(NOTEBOOK).wait_for()
        t_lab = time.perf_counter()
        print(f"browser: login->form {t_form - t0:.2f} s, form->JupyterLab ready {t_lab - t_form:.2f} s")
        page.screenshot(path=str(tmp_path / "jupyterlab.png"))
        assert page.title().endswith("JupyterLab")

        # A notebook whose metadata names the "fastsim" kernel starts it without asking "Select Kernel".
        page.locator(".jp-DirListing").get_by_text(NOTEBOOK).dblclick()
        page.locator(".jp-StatusBar-Widget").get_by_text("fastsim | Idle").wait_for(timeout=LAB_TIMEOUT_MS)
        t_kernel = time.perf_counter()
        print(f"browser: notebook open -> fastsim kernel idle {t_kernel - t_lab:.2f} s")
        assert page.get_by_text("Select Kernel").count() == 0
        assert page.get_by_text("official Jupyter news").count() == 0
        page.screenshot(path=str(tmp_path / "notebook.png"))
        page.close()
