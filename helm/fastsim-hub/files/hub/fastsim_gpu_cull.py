"""Cull idle GPU servers sooner than CPU servers, and every GPU server after a maximum age.

Run by z2jh's jupyterhub_config.py. z2jh's idle culler (``cull.timeout``) treats every server alike; this
file adds a second hub-managed service, ``fastsim-gpu-culler``, that stops servers started with one of
``custom.fastsim.gpuProfiles`` once they have been idle for ``custom.fastsim.gpuCull.timeout`` seconds, or
running for ``custom.fastsim.gpuCull.maxAge`` seconds. Like z2jh's own culler it talks to the hub on
localhost (the hub pod's own port, no Service or NetworkPolicy in the way), and its role grants only the
scopes it needs.
"""

import sys
from urllib.parse import urlparse

from z2jh import get_config

c = globals()["c"]  # the traitlets Config of jupyterhub_config.py, which executes this file

# Where config.yaml mounts the fastsim-hub-files ConfigMap (z2jh runs *.py files from this folder); the
# service script is stored there without the .py suffix so that it is not run as configuration.
# custom.fastsim.hubFilesDir overrides it (a hub that mounts the files elsewhere, the tests).
HUB_FILES_DIR = "/usr/local/etc/jupyterhub/jupyterhub_config.d"
SERVICE = "fastsim-gpu-culler"
SCOPES = ["list:users", "read:users:activity", "read:servers", "delete:servers"]


def local_api_url(hub_bind_url, base_url="/"):
    """The hub API on localhost at the port the hub listens on (z2jh: hub_bind_url "http://:8081")."""
    port = urlparse(hub_bind_url or "http://:8081").port or 8081
    return f"http://localhost:{port}{base_url.rstrip('/')}/hub/api"


def culler_service(profiles, timeout, every, max_age, *, api_url, python=sys.executable, folder=HUB_FILES_DIR):
    """The JupyterHub service entry that runs the GPU culler."""
    return {
        "name": SERVICE,
        "command": [
            python,
            f"{folder}/fastsim_gpu_culler",
            f"--url={api_url}",
            f"--timeout={int(timeout)}",
            f"--every={int(every)}",
            f"--max-age={int(max_age or 0)}",
            f"--profiles={','.join(profiles)}",
        ],
    }


def culler_role():
    """The role of the GPU culler service: list users and their servers, stop servers."""
    return {"name": SERVICE, "scopes": list(SCOPES), "services": [SERVICE]}


_profiles = get_config("custom.fastsim.gpuProfiles", []) or []
_timeout = get_config("custom.fastsim.gpuCull.timeout")
if _profiles and _timeout:
    _url = local_api_url(c.JupyterHub.get("hub_bind_url"), c.JupyterHub.get("base_url", "/"))
    c.JupyterHub.services.append(
        culler_service(
            _profiles,
            _timeout,
            get_config("custom.fastsim.gpuCull.every", 300),
            get_config("custom.fastsim.gpuCull.maxAge", 0),
            api_url=_url,
            folder=get_config("custom.fastsim.hubFilesDir", HUB_FILES_DIR),
        )
    )
    c.JupyterHub.load_roles.append(culler_role())
