"""The z2jh ``singleuser`` mapping: chart values -> KubeSpawner trait values.

A small, independent implementation of what the zero-to-jupyterhub chart's hub configuration does with
``singleuser.*`` and ``scheduling.userPods.*`` (chart 4.x semantics), limited to the keys that shape a user
pod. Unset values fall back to the chart's documented defaults in ``CHART_DEFAULTS``. The result is a
plain dict ``{trait_name: value}`` that can be applied to a real KubeSpawner.
"""

from __future__ import annotations

import copy
from typing import Any

from fastsim_kernel.platform.values import get_value

# z2jh 4.x defaults for the keys mapped below (from the chart's values.yaml).
CHART_DEFAULTS: dict[str, Any] = {
    "singleuser": {
        "uid": 1000,
        "fsGid": 100,
        "cmd": "jupyterhub-singleuser",
        "allowPrivilegeEscalation": False,
        "storage": {
            "type": "dynamic",
            "homeMountPath": "/home/jovyan",
            "capacity": "10Gi",
            "extraVolumes": [],
            "extraVolumeMounts": [],
            "dynamic": {
                "pvcNameTemplate": None,
                "volumeNameTemplate": "volume-{user_server}",
                "storageAccessModes": ["ReadWriteOnce"],
            },
            "static": {"pvcName": None, "subPath": "{username}"},
        },
        "memory": {"guarantee": "1G"},
        "extraLabels": {"hub.jupyter.org/network-access-hub": "true"},
    },
    "scheduling": {
        "userPods": {
            "tolerations": [
                {"key": key, "operator": "Equal", "value": "user", "effect": "NoSchedule"}
                for key in ("hub.jupyter.org/dedicated", "hub.jupyter.org_dedicated")
            ],
            "nodeAffinity": {"matchNodePurpose": "prefer"},
        },
    },
}

# trait name -> dotted key under ``singleuser``, copied as-is when set.
DIRECT_TRAITS: tuple[tuple[str, str], ...] = (
    ("start_timeout", "startTimeout"),
    ("image_pull_policy", "image.pullPolicy"),
    ("extra_labels", "extraLabels"),
    ("extra_annotations", "extraAnnotations"),
    ("uid", "uid"),
    ("fs_gid", "fsGid"),
    ("service_account", "serviceAccountName"),
    ("node_selector", "nodeSelector"),
    ("node_affinity_required", "extraNodeAffinity.required"),
    ("node_affinity_preferred", "extraNodeAffinity.preferred"),
    ("lifecycle_hooks", "lifecycleHooks"),
    ("init_containers", "initContainers"),
    ("extra_containers", "extraContainers"),
    ("mem_limit", "memory.limit"),
    ("mem_guarantee", "memory.guarantee"),
    ("cpu_limit", "cpu.limit"),
    ("cpu_guarantee", "cpu.guarantee"),
    ("extra_resource_limits", "extraResource.limits"),
    ("extra_resource_guarantees", "extraResource.guarantees"),
    ("environment", "extraEnv"),
    ("extra_pod_config", "extraPodConfig"),
    ("default_url", "defaultUrl"),
    ("cmd", "cmd"),
    ("profile_list", "profileList"),
)

NODE_PURPOSE_TERM = {
    "matchExpressions": [{"key": "hub.jupyter.org/node-purpose", "operator": "In", "values": ["user"]}],
}


def with_defaults(hub: dict[str, Any]) -> dict[str, Any]:
    """``hub`` (the z2jh values) merged over ``CHART_DEFAULTS``; dicts merge, everything else replaces."""
    return _merge(copy.deepcopy(CHART_DEFAULTS), copy.deepcopy(hub))


def _merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = value
    return base


def spawner_traits(hub: dict[str, Any], *, release: str = "fastsim-hub") -> dict[str, Any]:
    """KubeSpawner trait values that z2jh derives from ``hub`` (the ``jupyterhub`` values sub-tree).

    ``release`` is the Helm release name (it appears in the pods' labels, which NetworkPolicies select).
    Returns ``{trait: value}``; traits the values leave unset are absent, so KubeSpawner keeps its default.
    """
    full = with_defaults(hub)
    single = full["singleuser"]
    traits: dict[str, Any] = {"common_labels": common_labels(full, release=release)}
    for trait, key in DIRECT_TRAITS:
        value = get_value(single, key)
        if value is not None:
            traits[trait] = value
    traits["allow_privilege_escalation"] = single.get("allowPrivilegeEscalation")
    image = _image(single)
    if image:
        traits["image"] = image
    traits.update(_scheduling(full, single))
    traits.update(_storage(single))
    return traits


def common_labels(full: dict[str, Any], *, release: str) -> dict[str, str]:
    """The labels z2jh gives every user pod and PVC (legacy and app.kubernetes.io forms)."""
    name = full.get("nameOverride") or "jupyterhub"
    return {
        "app.kubernetes.io/name": name,
        "app.kubernetes.io/instance": release,
        "app.kubernetes.io/managed-by": "kubespawner",
        "app": name,
        "heritage": "jupyterhub",
        "release": release,
    }


def _image(single: dict[str, Any]) -> str | None:
    name = get_value(single, "image.name")
    tag = get_value(single, "image.tag")
    if not name:
        return None
    return f"{name}:{tag}" if tag else name


def _scheduling(full: dict[str, Any], single: dict[str, Any]) -> dict[str, Any]:
    """Tolerations (chart-wide userPods ones first, then singleuser.extraTolerations) and node purpose."""
    traits: dict[str, Any] = {}
    tolerations = list(get_value(full, "scheduling.userPods.tolerations", []) or [])
    tolerations += list(single.get("extraTolerations") or [])
    if tolerations:
        traits["tolerations"] = tolerations
    purpose = get_value(full, "scheduling.userPods.nodeAffinity.matchNodePurpose")
    preferred = list(get_value(single, "extraNodeAffinity.preferred", []) or [])
    required = list(get_value(single, "extraNodeAffinity.required", []) or [])
    if purpose == "prefer":
        preferred.append({"weight": 100, "preference": copy.deepcopy(NODE_PURPOSE_TERM)})
        traits["node_affinity_preferred"] = preferred
    elif purpose == "require":
        required.append(copy.deepcopy(NODE_PURPOSE_TERM))
        traits["node_affinity_required"] = required
    return traits


def _storage(single: dict[str, Any]) -> dict[str, Any]:
    """The home volume (dynamic per-user PVC or a static shared one) plus extraVolumes/extraVolumeMounts."""
    storage = single["storage"]
    kind = storage.get("type")
    traits: dict[str, Any] = {}
    volumes: list[dict[str, Any]] = []
    mounts: list[dict[str, Any]] = []
    home = storage.get("homeMountPath")
    if kind == "dynamic":
        dynamic = storage["dynamic"]
        name = dynamic["volumeNameTemplate"]
        if dynamic.get("pvcNameTemplate"):
            traits["pvc_name_template"] = dynamic["pvcNameTemplate"]
        traits["storage_pvc_ensure"] = True
        traits["storage_capacity"] = storage.get("capacity")
        traits["storage_access_modes"] = dynamic.get("storageAccessModes")
        if dynamic.get("storageClass"):
            traits["storage_class"] = dynamic["storageClass"]
        volumes.append({"name": name, "persistentVolumeClaim": {"claimName": "{pvc_name}"}})
        mounts.append({"name": name, "mountPath": home})
    elif kind == "static":
        static = storage["static"]
        volumes.append({"name": "home", "persistentVolumeClaim": {"claimName": static["pvcName"]}})
        mounts.append({"name": "home", "mountPath": home, "subPath": static.get("subPath")})
    volumes += list(storage.get("extraVolumes") or [])
    mounts += list(storage.get("extraVolumeMounts") or [])
    traits["volumes"] = volumes
    traits["volume_mounts"] = mounts
    return traits


def home_volume_names(hub: dict[str, Any]) -> set[str]:
    """Names of the volumes z2jh adds to every user pod (the home volume and storage.extraVolumes)."""
    return {volume["name"] for volume in spawner_traits(hub)["volumes"]}
