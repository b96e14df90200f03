"""Cull idle GPU servers sooner than CPU servers.

Run by z2jh's jupyterhub_config.py. z2jh's idle culler (``cull.timeout``) treats every server alike; this
file adds a second hub-managed service, ``fastsim-gpu-culler``, that stops servers started with one of
``custom.fastsim.gpuProfiles`` once they have been idle for ``custom.fastsim.gpuCull.timeout`` seconds.
Its role grants only the scopes it needs.
"""

import sys

from z2jh import get_config

c = globals()["c"]  # the traitlets Config of jupyterhub_config.py, which executes this file

# Where config.yaml mounts the fastsim-hub-files ConfigMap (z2jh runs *.py files from this folder); the
# service script is stored there without the .py suffix so that it is not run as configuration.
# custom.fastsim.hubFilesDir overrides it (a hub that mounts the files elsewhere, the tests).
HUB_FILES_DIR = "/usr/local/etc/jupyterhub/jupyterhub_config.d"
SERVICE = "fastsim-gpu-culler"
SCOPES = ["list:users", "read:users:activity", "read:servers", "delete:servers"]


def culler_service(profiles, timeout, every, *, python=sys.executable, folder=HUB_FILES_DIR):
    """The JupyterHub service entry that runs the GPU culler."""
    return {
        "name": SERVICE,
        "command": [
            python,
            f"{folder}/fastsim_gpu_culler",
            f"--timeout={int(timeout)}",
            f"--every={int(every)}",
            f"--profiles={','.join(profiles)}",
        ],
    }


def culler_role():
    """The role of the GPU culler service: list users and their servers, stop servers."""
    return {"name": SERVICE, "scopes": list(SCOPES), "services": [SERVICE]}


_profiles = get_config("custom.fastsim.gpuProfiles", []) or []
_timeout = get_config("custom.fastsim.gpuCull.timeout")
if _profiles and _timeout:
    _every = get_config("custom.fastsim.gpuCull.every", 300)
    _folder = get_config("custom.fastsim.hubFilesDir", HUB_FILES_DIR)
    c.JupyterHub.services.append(culler_service(_profiles, _timeout, _every, folder=_folder))
    c.JupyterHub.load_roles.append(culler_role())
