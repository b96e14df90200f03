"""The local platform: a real JupyterHub on one machine with the Kubernetes profiles and spawn form.

``fastsim hub`` runs it (see docs/local-hub.md). Modules: ``choice`` (form fields -> chosen profile and merged
overrides), ``spawner`` (the local spawner), ``settings`` (the launcher -> hub-config hand-over),
``launcher`` (prepare and exec JupyterHub) and ``jupyterhub_config.py`` (the hub configuration itself).
Importing this package does not import JupyterHub.
"""

from fastsim_kernel.platform.local.choice import ProfileChoice, options_from_form, resolve_choice
from fastsim_kernel.platform.local.launcher import LaunchOptions, launch

__all__ = ["LaunchOptions", "ProfileChoice", "launch", "options_from_form", "resolve_choice"]
