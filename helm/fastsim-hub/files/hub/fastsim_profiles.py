"""The profiles as the hub offers them: MIG slices, GPU runtime class, the dataset volume, group limits.

Run by z2jh's jupyterhub_config.py (it executes every *.py in jupyterhub_config.d, with ``c`` defined), and
by ``fastsim profiles manifest`` the same way, so the printed pod is the pod the hub makes. From
``custom.fastsim`` of the z2jh values:

- ``gpu.migSlices``: a MIG choice per slice in the ``gpu`` option of every GPU profile, CPU and memory
  scaled to the slice's share of the GPU (``3g.40gb`` gets 3/7 of the full-GPU figures);
- ``gpu.runtimeClassName``: the RuntimeClass of GPU pods (empty: the node's default runtime);
- ``datasets``: when ``enabled``, the claim mounted read-only at ``mountPath`` in ``datasets.profiles``;
- ``profileGroups``: a profile slug -> the groups allowed to use it (profiles not listed are open to every
  user). KubeSpawner calls the resulting callable both to render the form and to validate a spawn request,
  so a restricted profile cannot be started through the REST API either.
"""

import copy
import re

from z2jh import get_config

c = globals()["c"]  # the traitlets Config of jupyterhub_config.py, which executes this file

MIG_SLICE = re.compile(r"^([1-7])g\.([0-9]+)gb$")
MIG_SLICES_PER_GPU = 7  # the A100, H100 and H200 (the models `fastsim profiles check` accepts); an A30 has 4
BYTES = {"K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}  # KubeSpawner's byte suffixes


def to_bytes(size):
    """A KubeSpawner memory value ("16G", 1000) in bytes."""
    text = str(size)
    if text[-1:] in BYTES:
        return int(float(text[:-1]) * BYTES[text[-1]])
    return int(float(text))


def scaled(override, share):
    """CPU and memory settings of ``override`` times ``share`` (at least 0.5 cores and 1 GiB)."""
    result = {}
    for key in ("cpu_guarantee", "cpu_limit"):
        if key in override:
            result[key] = max(0.5, round(float(override[key]) * share, 1))
    for key in ("mem_guarantee", "mem_limit"):
        if key in override:
            result[key] = f"{max(1024, to_bytes(override[key]) * share // 2**20):.0f}M"
    return result


def mig_choice(slice_name, model, override):
    """The option choice for one MIG slice, e.g. ``1g.10gb``."""
    compute, memory = MIG_SLICE.match(slice_name).groups()
    share = int(compute) / MIG_SLICES_PER_GPU
    resources = scaled(override, share)
    cores = f"{resources.get('cpu_guarantee', '?')}-{resources.get('cpu_limit', '?')} cores"
    return {
        "display_name": f"MIG slice {slice_name} ({compute}/7 of an {model}, {memory} GB; {cores})",
        "kubespawner_override": {"extra_resource_limits": {f"nvidia.com/mig-{slice_name}": "1"}, **resources},
    }


def with_gpu_settings(profile, gpu):
    """A GPU profile with the MIG choices and the runtime class of ``gpu`` (custom.fastsim.gpu)."""
    profile = copy.deepcopy(profile)
    override = profile.setdefault("kubespawner_override", {})
    if gpu.get("runtimeClassName"):
        override.setdefault("extra_pod_config", {})["runtimeClassName"] = gpu["runtimeClassName"]
    option = (profile.get("profile_options") or {}).get("gpu") or {"choices": {}}
    for slice_name in gpu.get("migSlices") or []:
        key = "mig-" + slice_name.replace(".", "-")
        option["choices"][key] = mig_choice(slice_name, gpu.get("model") or "NVIDIA GPU", override)
    return profile


def with_datasets(profile, datasets):
    """``profile`` with the dataset claim mounted read-only and ``FASTSIM_DATA_DIR`` pointing at it."""
    profile = copy.deepcopy(profile)
    override = profile.setdefault("kubespawner_override", {})
    claim = {"claimName": datasets["claimName"], "readOnly": True}
    override.setdefault("volumes", {})["datasets"] = {"name": "datasets", "persistentVolumeClaim": claim}
    mount = {"name": "datasets", "mountPath": datasets["mountPath"], "readOnly": True}
    override.setdefault("volume_mounts", {})["datasets"] = mount
    override.setdefault("environment", {})["FASTSIM_DATA_DIR"] = datasets["mountPath"]
    return profile


def offered_profiles(profiles, fastsim):
    """The profile list of config.yaml with the ``custom.fastsim`` settings applied."""
    gpu_profiles = set(fastsim.get("gpuProfiles") or [])
    datasets = fastsim.get("datasets") or {}
    mounted = set(datasets.get("profiles") or []) if datasets.get("enabled") else set()
    result = []
    for profile in profiles:
        if profile.get("slug") in gpu_profiles:
            profile = with_gpu_settings(profile, fastsim.get("gpu") or {})
        if profile.get("slug") in mounted:
            profile = with_datasets(profile, datasets)
        result.append(profile)
    return result


def allowed(profile, groups, limits):
    """Whether a user in ``groups`` may use ``profile`` under ``limits`` ({slug: [group, ...]})."""
    required = limits.get(profile.get("slug"))
    return not required or bool(set(required) & set(groups))


def make_profile_filter(profiles, limits):
    """A KubeSpawner ``profile_list`` callable returning the profiles this spawner's user may use."""

    def profiles_for(spawner):
        groups = {group.name for group in spawner.user.groups}
        return [profile for profile in profiles if allowed(profile, groups, limits)]

    return profiles_for


_fastsim = get_config("custom.fastsim", {}) or {}
_profiles = offered_profiles(get_config("singleuser.profileList", []) or [], _fastsim)
_limits = _fastsim.get("profileGroups") or {}
if _profiles:
    c.KubeSpawner.profile_list = make_profile_filter(_profiles, _limits) if _limits else _profiles
