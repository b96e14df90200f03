"""The GPU culler against a real JupyterHub: real hub, real proxy, real REST API and scopes.

The hub runs fastsim_gpu_cull.py as z2jh would (exec'd with ``c``), so the culler is started as a
hub-managed service with its own role. Kubernetes is the one thing missing here, so the servers are
spawned by JupyterHub's SimpleLocalProcessSpawner running its tiny test server (jupyterhub.tests.mocksu);
the profile reaches the hub as ``user_options`` exactly as KubeSpawner's form or the REST API sends it.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from tests.helpers import free_port, wait_for

from .conftest import CHART, REPO

CHP = REPO / ".tools" / "node_modules" / ".bin" / "configurable-http-proxy"

HUB_CONFIG = """\
import sys
import types

z2jh = types.ModuleType("z2jh")
settings = {settings!r}
z2jh.get_config = lambda key, default=None: settings.get(key, default)
sys.modules["z2jh"] = z2jh

c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = {proxy_port}
# as z2jh sets it (there "http://:8081"): the culler service reaches the hub on localhost at this port
c.JupyterHub.hub_bind_url = "http://127.0.0.1:{hub_port}"
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{proxy_api_port}"
c.ConfigurableHTTPProxy.command = [{chp!r}]
c.JupyterHub.db_url = "sqlite:///{state}/hub.sqlite"
c.JupyterHub.cookie_secret_file = "{state}/cookie_secret"
c.JupyterHub.pid_file = "{state}/hub.pid"
c.JupyterHub.authenticator_class = "dummy"
c.JupyterHub.spawner_class = "simple"
c.Spawner.cmd = [sys.executable, "-m", "jupyterhub.tests.mocksu"]
c.SimpleLocalProcessSpawner.home_dir_template = "{state}/home/{{username}}"
c.JupyterHub.services = [{{"name": "test-admin", "api_token": {token!r}}}]
c.JupyterHub.load_roles = [
    {{"name": "test-admin", "scopes": ["admin:users", "admin:servers"], "services": ["test-admin"]}},
]
exec(compile(open({cull_file!r}).read(), "fastsim_gpu_cull.py", "exec"))
"""


class Hub:
    def __init__(self, api_url: str, token: str):
        self.api_url, self.token = api_url, token

    def call(self, method: str, path: str, body: dict | None = None):
        return self.request(method, path, body)[1]

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, object]:
        """(HTTP status, decoded JSON body or None)."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            self.api_url + path, data=data, method=method, headers={"Authorization": f"token {self.token}"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read()
            return response.status, json.loads(text) if text else None

    def servers(self, user: str) -> dict:
        return self.call("GET", f"/users/{user}")["servers"]


#: What a hub that is still starting (or a server not there yet) raises: "not yet" for ``wait_for``.
NOT_YET = (urllib.error.URLError, ConnectionError, KeyError)


@pytest.fixture
def hub(tmp_path):
    if not CHP.exists():
        pytest.skip("configurable-http-proxy is not installed (scripts/install-system-deps.sh installs it)")
    state = tmp_path / "state"
    files = tmp_path / "hub-files"
    state.mkdir()
    files.mkdir()
    # the culler script is mounted without its .py suffix, as the chart's ConfigMap does
    shutil.copy(CHART / "files" / "hub" / "services" / "fastsim_gpu_culler.py", files / "fastsim_gpu_culler")
    token = secrets.token_hex(16)
    hub_port, proxy_port = free_port(), free_port()
    settings = {
        "custom.fastsim.gpuProfiles": ["ml-gpu", "fastsim-ml-gpu"],
        "custom.fastsim.gpuCull.timeout": 2,
        "custom.fastsim.gpuCull.every": 1,
        "custom.fastsim.hubFilesDir": str(files),
    }
    config = tmp_path / "jupyterhub_config.py"
    config.write_text(
        HUB_CONFIG.format(
            settings=settings, proxy_port=proxy_port, hub_port=hub_port, proxy_api_port=free_port(),
            chp=str(CHP), state=state, token=token,
            cull_file=str(CHART / "files" / "hub" / "fastsim_gpu_cull.py"),
        )
    )
    log = (tmp_path / "hub.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "jupyterhub", "-f", str(config)],
        cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("JUPYTERHUB_")},
    )  # fmt: skip
    client = Hub(f"http://127.0.0.1:{hub_port}/hub/api", token)
    try:
        wait_for(lambda: client.call("GET", "/") is not None, timeout=60, what="the hub API", ignore=NOT_YET)
        yield client
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


def test_idle_gpu_server_is_stopped_cpu_server_kept(hub):
    """GPU timeout 2 s, a check every second: ada's ml-gpu server goes, bob's ml-cpu server stays."""
    hub.call("POST", "/users", {"usernames": ["ada", "bob"]})
    hub.call("POST", "/users/bob/server", {"profile": "ml-cpu"})
    wait_for(lambda: hub.servers("bob")[""]["ready"], timeout=60, what="bob's server", ignore=NOT_YET)
    status, _ = hub.request("POST", "/users/ada/server", {"profile": "ml-gpu", "gpu": "full"})
    assert status in (201, 202)  # 201: started and ready, 202: still starting
    wait_for(lambda: "" not in hub.servers("ada"), timeout=60, what="the culler to stop the idle GPU server",
             ignore=NOT_YET)
    time.sleep(3)  # more culler rounds than bob's idle time needs to exceed the GPU timeout
    bob = hub.servers("bob")[""]
    assert bob["ready"] is True
    assert bob["user_options"] == {"profile": "ml-cpu"}
