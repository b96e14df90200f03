"""The platform layer: config.yaml -> profiles, checks, the profile form and pod manifests.

``load_values`` reads config.yaml; ``profile_list`` returns z2jh's ``singleuser.profileList``; ``check``
validates it; ``render_options_form`` and ``pod_manifest`` run the real KubeSpawner offline. The local hub
lives in ``fastsim_kernel.platform.local``; Kubernetes Job manifests in ``fastsim_kernel.platform.jobs``.
"""

from __future__ import annotations

from fastsim_kernel.platform.checks import check, check_or_raise
from fastsim_kernel.platform.spawner import pod_manifest, render_options_form
from fastsim_kernel.platform.values import fastsim_settings, find_config, load_values, profile_list

__all__ = [
    "check",
    "check_or_raise",
    "fastsim_settings",
    "find_config",
    "load_values",
    "pod_manifest",
    "profile_list",
    "render_options_form",
]
