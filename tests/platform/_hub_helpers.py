"""Run the real local hub (``fastsim hub``) in a subprocess for a test, and talk to it over HTTP.

``running_hub`` starts it on a free port with its own state folder and stops it, its proxy and its user
servers at the end, with bounded waits. Fixtures live in the test modules; this module holds plain helpers.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from html import unescape as html_unescape
from pathlib import Path

import psutil
import requests

from tests.helpers import free_port, wait_for

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / "config.yaml"
PASSWORD = "local-hub-test-pw"
ADMIN_PASSWORD = "local-hub-admin-password-32-chars"
START_TIMEOUT = 60.0
STOP_TIMEOUT = 20.0


@dataclass
class Hub:
    """A running hub: its URL, process, state folder and log file."""

    url: str
    process: subprocess.Popen
    state_dir: Path
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


def _login_page_up(url: str, process: subprocess.Popen) -> bool:
    if process.poll() is not None:
        msg = f"fastsim hub exited with status {process.returncode}"
        raise RuntimeError(msg)
    try:
        return requests.get(f"{url}/hub/login", timeout=2).status_code == 200
    except requests.ConnectionError:
        return False


def stop_tree(process: subprocess.Popen, *, timeout: float = STOP_TIMEOUT) -> list[str]:
    """SIGTERM the hub (it stops its servers and proxy), then kill whatever of its tree is left.

    Returns the command lines of the processes that outlived the hub's own shutdown (normally none).
    """
    try:
        tree = [psutil.Process(process.pid), *psutil.Process(process.pid).children(recursive=True)]
    except psutil.NoSuchProcess:
        tree = []
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=timeout)
    _, alive = psutil.wait_procs(tree, timeout=5)
    leftovers = []
    for proc in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            leftovers.append(" ".join(proc.cmdline()))
            proc.kill()
    psutil.wait_procs(alive, timeout=5)
    return leftovers


def fastsim_command() -> list[str]:
    """The installed ``fastsim`` console script beside this interpreter, else the same entry point via -c."""
    script = Path(sys.executable).with_name("fastsim")
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from fastsim_kernel.cli import main; sys.exit(main())"]


@contextlib.contextmanager
def running_hub(state_dir: Path, *, config: Path = CONFIG, admin_user: str | None = None) -> Iterator[Hub]:
    """Start ``fastsim hub`` on a free port; yield a :class:`Hub`; always stop the whole process tree.

    With ``admin_user``, that user is the admin and logs in with ``ADMIN_PASSWORD``.
    """
    port = free_port()
    log = state_dir.parent / f"{state_dir.name}.log"
    env = {**os.environ, "FASTSIM_HUB_PASSWORD": PASSWORD, "FASTSIM_HUB_ADMIN_PASSWORD": ADMIN_PASSWORD}
    argv = [*fastsim_command(), "hub", "--port", str(port), "--state-dir", str(state_dir), "--config", str(config)]
    if admin_user:
        argv += ["--admin-user", admin_user]
    with log.open("wb") as sink:
        process = subprocess.Popen(argv, stdout=sink, stderr=subprocess.STDOUT, env=env, cwd=REPO)
    hub = Hub(url=f"http://127.0.0.1:{port}", process=process, state_dir=state_dir, log=log)
    try:
        wait_for(lambda: _login_page_up(hub.url, process), timeout=START_TIMEOUT, what="the login page")
        yield hub
    finally:
        leftovers = stop_tree(process)
    if leftovers:
        msg = f"the hub left processes running after SIGTERM (killed): {leftovers}"
        raise AssertionError(msg)


def xsrf_token(html: str) -> str:
    """The ``_xsrf`` token of a JupyterHub page (hidden field, form action query or the page's JS config)."""
    match = re.search(r'name="_xsrf"\s+value="([^"]+)"|[?&]_xsrf=([^"&]+)|xsrf_token: "([^"]+)"', html)
    if not match:
        msg = "no _xsrf field in the page"
        raise AssertionError(msg)
    return html_unescape(next(group for group in match.groups() if group))


def login(session: requests.Session, url: str, user: str, password: str = PASSWORD) -> requests.Response:
    """Log in through the HTML login form; returns the page the hub redirects to."""
    page = session.get(f"{url}/hub/login", timeout=10)
    form = {"username": user, "password": password, "_xsrf": xsrf_token(page.text)}
    return session.post(f"{url}/hub/login", data=form, timeout=10)


def server_model(session: requests.Session, url: str, user: str) -> dict:
    """The user's default server from the hub REST API (empty when none)."""
    reply = session.get(f"{url}/hub/api/users/{user}", timeout=10)
    reply.raise_for_status()
    return reply.json().get("servers", {}).get("", {})


def server_processes(hub: Hub) -> list[psutil.Process]:
    """The jupyterhub-singleuser processes under the hub."""
    children = psutil.Process(hub.process.pid).children(recursive=True)
    return [p for p in children if "jupyterhub.singleuser" in " ".join(p.cmdline())]
