"""Helpers shared by the suites that start servers and browsers: ports, waiting, Chromium, the kernel.

One implementation each: the free port and the kernel installation are the product's own (the local hub uses
them), the rest lives here.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from fastsim_kernel.platform.local.launcher import free_port, install_kernel

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]  # fmt: skip
#: Marks a module as a browser test, skipped (saying why) where Debian's Chromium is missing.
BROWSER = [
    pytest.mark.browser,
    pytest.mark.skipif(shutil.which("chromium") is None,
                       reason="chromium is not installed (bash scripts/install-system-deps.sh installs it)"),
]  # fmt: skip

__all__ = ["BROWSER", "CHROMIUM", "chromium", "free_port", "jupyterlab", "kernel_path", "wait_for"]


def wait_for(predicate, *, timeout: float, interval: float = 0.25, what: str = "condition", ignore=()):
    """Call ``predicate`` until it returns a truthy value (returned) or ``timeout`` seconds pass.

    Exceptions of the types in ``ignore`` (e.g. a server not listening yet) count as "not yet".
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(*ignore):
            value = predicate()
            if value:
                return value
        time.sleep(interval)
    msg = f"timed out after {timeout:.0f} s waiting for {what}"
    raise TimeoutError(msg)


@contextlib.contextmanager
def chromium() -> Iterator:
    """Debian's Chromium, headless, driven by Playwright; closed at the end."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def kernel_path(prefix: Path) -> Path:
    """Install the "fastsim" kernel (as the local hub does) under ``prefix``; return the JUPYTER_PATH entry."""
    install_kernel(prefix)
    return prefix / "share" / "jupyter"


@contextlib.contextmanager
def jupyterlab(root: Path, jupyter_path: Path, *, token: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """A JupyterLab server on a free port serving ``root`` with the kernels of ``jupyter_path``; yields its URL.

    ``env`` adds to the server's environment. Its log goes to ``root.parent / "lab.log"``; the server is
    stopped at the end.
    """
    port = free_port()
    env = {**os.environ, **(env or {}), "JUPYTER_PATH": str(jupyter_path), "JUPYTER_CONFIG_DIR": str(root / ".jupyter"),
           "JUPYTER_DATA_DIR": str(root / ".data"), "JUPYTER_RUNTIME_DIR": str(root / ".runtime")}  # fmt: skip
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", "--ip=127.0.0.1",
               f"--port={port}", f"--ServerApp.root_dir={root}", f"--IdentityProvider.token={token}",
               "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]  # fmt: skip
    log_path = root.parent / "lab.log"
    url = f"http://127.0.0.1:{port}"
    with log_path.open("w") as log:
        server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_for(lambda: server.poll() is None and urllib.request.urlopen(f"{url}/api/status?token={token}"),
                     timeout=60, what=f"JupyterLab (log: {log_path})", ignore=(OSError,))  # fmt: skip
            yield url
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
