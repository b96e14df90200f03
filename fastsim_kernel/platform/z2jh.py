"""What the zero-to-jupyterhub (z2jh) 4.4.0 hub does with the chart values before a user pod is made.

Written from z2jh's hub configuration at tag 4.4.0 (jupyterhub/files/hub/jupyterhub_config.py and z2jh.py in
https://github.com/jupyterhub/zero-to-jupyterhub-k8s), limited to what shapes a user pod:

1. the ``singleuser.*`` and ``scheduling.*`` values become KubeSpawner traits (``spawner_traits``): labels
   with the chart's name and version, the user scheduler's name, image pull secrets, the home volume and
   ``storage.extraVolumes``/``extraFiles`` as dicts keyed by name, the cloud-metadata iptables init
   container, tolerations and node-purpose affinity;
2. then ``hub.config.<Class>`` sections are applied as they are, with traitlets' precedence of the
   ``KubeSpawner`` section over the ``Spawner`` section (``hub_traits``);
3. then the files in ``jupyterhub_config.d`` run (``fastsim_kernel.platform.spawner`` runs the chart's hub
   files the same way).

Values are first merged over z2jh's defaults as helm does (``CHART_DEFAULTS``, the subset of the chart's
values.yaml these steps read; the tests compare it with the real values.yaml of the tag).
"""

from __future__ import annotations

import copy
from typing import Any

from fastsim_kernel.platform.values import coalesce, get_value

Z2JH_VERSION = "4.4.0"
CHART_NAME = "jupyterhub"

# z2jh 4.4.0 values.yaml, the keys read below. The released chart sets the image tags (here "set-by-chartpress"
# in the repository) to the chart version.
CHART_DEFAULTS: dict[str, Any] = {
    "fullnameOverride": "",
    "nameOverride": None,
    "imagePullSecret": {"create": False, "automaticReferenceInjection": True},
    "imagePullSecrets": [],
    "singleuser": {
        "podNameTemplate": None,
        "extraTolerations": [],
        "nodeSelector": {},
        "extraNodeAffinity": {"required": [], "preferred": []},
        "extraPodAffinity": {"required": [], "preferred": []},
        "extraPodAntiAffinity": {"required": [], "preferred": []},
        "networkTools": {
            "image": {"name": "quay.io/jupyterhub/k8s-network-tools", "tag": Z2JH_VERSION, "pullPolicy": None},
            "resources": {},
        },
        "cloudMetadata": {"blockWithIptables": True, "ip": "169.254.169.254"},
        "events": True,
        "extraAnnotations": {},
        "extraLabels": {"hub.jupyter.org/network-access-hub": "true"},
        "extraFiles": {},
        "extraEnv": {},
        "lifecycleHooks": {},
        "initContainers": [],
        "extraContainers": [],
        "allowPrivilegeEscalation": False,
        "uid": 1000,
        "fsGid": 100,
        "serviceAccountName": None,
        "storage": {
            "type": "dynamic",
            "extraLabels": {},
            "extraVolumes": None,
            "extraVolumeMounts": None,
            "static": {"pvcName": None, "subPath": "{username}"},
            "capacity": "10Gi",
            "homeMountPath": "/home/jovyan",
            "dynamic": {
                "storageClass": None,
                "pvcNameTemplate": None,
                "volumeNameTemplate": "volume-{user_server}",
                "storageAccessModes": ["ReadWriteOnce"],
                "subPath": None,
            },
        },
        "image": {"name": "quay.io/jupyterhub/k8s-singleuser-sample", "tag": Z2JH_VERSION, "pullPolicy": None,
                  "pullSecrets": []},
        "startTimeout": 300,
        "cpu": {"limit": None, "guarantee": None},
        "memory": {"limit": None, "guarantee": "1G"},
        "extraResource": {"limits": {}, "guarantees": {}},
        "cmd": "jupyterhub-singleuser",
        "defaultUrl": None,
        "extraPodConfig": {},
        "profileList": [],
    },
    "scheduling": {
        "userScheduler": {"enabled": True},
        "podPriority": {"enabled": False},
        "userPods": {
            "tolerations": [
                {"key": key, "operator": "Equal", "value": "user", "effect": "NoSchedule"}
                for key in ("hub.jupyter.org/dedicated", "hub.jupyter.org_dedicated")
            ],
            "nodeAffinity": {"matchNodePurpose": "prefer"},
        },
    },
}

# KubeSpawner trait -> key under ``singleuser`` (jupyterhub_config.py: set when the value is not null).
SINGLEUSER_TRAITS: tuple[tuple[str, str], ...] = (
    ("pod_name_template", "podNameTemplate"),
    ("start_timeout", "startTimeout"),
    ("image_pull_policy", "image.pullPolicy"),
    ("events_enabled", "events"),
    ("extra_labels", "extraLabels"),
    ("extra_annotations", "extraAnnotations"),
    ("uid", "uid"),
    ("fs_gid", "fsGid"),
    ("service_account", "serviceAccountName"),
    ("storage_extra_labels", "storage.extraLabels"),
    ("node_selector", "nodeSelector"),
    ("node_affinity_required", "extraNodeAffinity.required"),
    ("node_affinity_preferred", "extraNodeAffinity.preferred"),
    ("pod_affinity_required", "extraPodAffinity.required"),
    ("pod_affinity_preferred", "extraPodAffinity.preferred"),
    ("pod_anti_affinity_required", "extraPodAntiAffinity.required"),
    ("pod_anti_affinity_preferred", "extraPodAntiAffinity.preferred"),
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
    ("profile_list", "profileList"),
    ("extra_pod_config", "extraPodConfig"),
)

NODE_PURPOSE_TERM = {
    "matchExpressions": [{"key": "hub.jupyter.org/node-purpose", "operator": "In", "values": ["user"]}],
}
# The traits z2jh sets in the c.Spawner section (the rest of the mapping goes into c.KubeSpawner).
SPAWNER_SECTION_TRAITS = ("cmd", "default_url")


def with_defaults(hub: dict[str, Any]) -> dict[str, Any]:
    """The z2jh values ``hub`` merged over ``CHART_DEFAULTS`` as helm merges them (null removes a key)."""
    return coalesce(CHART_DEFAULTS, hub)


def fullname(full: dict[str, Any], release: str) -> str:
    """z2jh's ``jupyterhub.fullname``: the prefix of its resource names ("" by default)."""
    override = full.get("fullnameOverride")
    if isinstance(override, str):
        return override
    name = full.get("nameOverride") or CHART_NAME
    return release if name in release else f"{release}-{name}"


def resource_name(full: dict[str, Any], release: str, short: str) -> str:
    """A z2jh resource name (``get_name``): the fullname and a dash, then ``short``."""
    prefix = fullname(full, release)
    return f"{prefix}-{short}" if prefix else short


def common_labels(full: dict[str, Any], *, release: str) -> dict[str, str]:
    """The labels z2jh gives every user pod and PVC (legacy and app.kubernetes.io forms, chart version)."""
    name = full.get("nameOverride") or CHART_NAME
    chart = f"{CHART_NAME}-{Z2JH_VERSION}"
    return {
        "app.kubernetes.io/name": name,
        "app": name,
        "app.kubernetes.io/instance": release,
        "release": release,
        "helm.sh/chart": chart,
        "chart": chart,
        "app.kubernetes.io/managed-by": "kubespawner",
    }


def spawner_traits(hub: dict[str, Any], *, release: str = "fastsim-hub") -> dict[str, Any]:
    """KubeSpawner trait values z2jh derives from ``hub`` (the ``jupyterhub`` values) for Helm ``release``.

    Traits the values leave unset are absent, so KubeSpawner keeps its default.
    """
    full = with_defaults(hub)
    single = full["singleuser"]
    traits: dict[str, Any] = {"common_labels": common_labels(full, release=release)}
    for trait, key in SINGLEUSER_TRAITS:
        value = get_value(single, key)
        if value is not None:
            traits[trait] = value
    if get_value(single, "image.name"):
        tag = get_value(single, "image.tag")
        traits["image"] = f"{single['image']['name']}:{tag}" if tag else single["image"]["name"]
    traits["allow_privilege_escalation"] = single.get("allowPrivilegeEscalation")
    pull_secrets = _image_pull_secrets(full, release)
    if pull_secrets:
        traits["image_pull_secrets"] = pull_secrets
    if get_value(full, "scheduling.userScheduler.enabled"):
        traits["scheduler_name"] = _user_scheduler_name(full, release)
    if get_value(full, "scheduling.podPriority.enabled"):
        traits["priority_class_name"] = fullname(full, release) or f"{release}-default-priority"
    _node_purpose(full, traits)
    tolerations = list(get_value(full, "scheduling.userPods.tolerations") or [])
    tolerations += list(single.get("extraTolerations") or [])
    if tolerations:
        traits["tolerations"] = tolerations
    traits.update(_storage(full, release))
    if "cmd" in single:  # an explicit null is kept out by the merge, as helm does
        traits["cmd"] = single["cmd"]
    if single.get("defaultUrl") is not None:
        traits["default_url"] = single["defaultUrl"]
    if (single.get("cloudMetadata") or {}).get("blockWithIptables") is True:
        traits["init_containers"] = [*traits.get("init_containers", []), _block_cloud_metadata(single)]
    return traits


def hub_traits(hub: dict[str, Any], *, release: str = "fastsim-hub") -> dict[str, Any]:
    """The KubeSpawner traits before the hub files run: ``spawner_traits`` with ``hub.config`` applied.

    z2jh sets ``cmd`` and ``default_url`` in the ``c.Spawner`` section and the rest of the mapping in
    ``c.KubeSpawner``; ``hub.config.Spawner`` and ``hub.config.KubeSpawner`` then update those sections. A
    KubeSpawner takes a trait from its own section over its parent's, so ``hub.config.Spawner`` overrides
    only ``cmd``, ``default_url`` and traits the mapping leaves unset.
    """
    mapped = spawner_traits(hub, release=release)
    spawner = {trait: mapped.pop(trait) for trait in SPAWNER_SECTION_TRAITS if trait in mapped}
    spawner.update(get_value(hub, "hub.config.Spawner") or {})
    mapped.update(get_value(hub, "hub.config.KubeSpawner") or {})
    return spawner | mapped


def _image_pull_secrets(full: dict[str, Any], release: str) -> list[Any]:
    secrets: list[Any] = []
    if get_value(full, "imagePullSecret.automaticReferenceInjection") and get_value(full, "imagePullSecret.create"):
        secrets.append(resource_name(full, release, "image-pull-secret"))
    secrets += list(full.get("imagePullSecrets") or [])
    secrets += list(get_value(full, "singleuser.image.pullSecrets") or [])
    return secrets


def _user_scheduler_name(full: dict[str, Any], release: str) -> str:
    prefix = fullname(full, release)
    return f"{prefix}-user-scheduler" if prefix else f"{release}-user-scheduler"


def _node_purpose(full: dict[str, Any], traits: dict[str, Any]) -> None:
    purpose = get_value(full, "scheduling.userPods.nodeAffinity.matchNodePurpose")
    if purpose == "prefer":
        preferred = traits.setdefault("node_affinity_preferred", [])
        preferred.append({"weight": 100, "preference": copy.deepcopy(NODE_PURPOSE_TERM)})
    elif purpose == "require":
        traits.setdefault("node_affinity_required", []).append(copy.deepcopy(NODE_PURPOSE_TERM))


def _storage(full: dict[str, Any], release: str) -> dict[str, Any]:
    """The home volume, extraFiles and storage.extraVolumes/extraVolumeMounts, as dicts keyed by name."""
    single = full["singleuser"]
    storage = single["storage"]
    home = storage.get("homeMountPath")
    traits: dict[str, Any] = {}
    volumes: dict[str, Any] = {}
    mounts: dict[str, Any] = {}
    if storage.get("type") == "dynamic":
        dynamic = storage.get("dynamic") or {}
        name = dynamic.get("volumeNameTemplate")
        if dynamic.get("pvcNameTemplate"):
            traits["pvc_name_template"] = dynamic["pvcNameTemplate"]
        traits["storage_pvc_ensure"] = True
        for trait, key in (("storage_class", "storageClass"), ("storage_access_modes", "storageAccessModes")):
            if dynamic.get(key) is not None:
                traits[trait] = dynamic[key]
        if storage.get("capacity") is not None:
            traits["storage_capacity"] = storage["capacity"]
        volumes[name] = {"name": name, "persistentVolumeClaim": {"claimName": "{pvc_name}"}}
        mounts[name] = {"mountPath": home, "name": name, "subPath": dynamic.get("subPath")}
    elif storage.get("type") == "static":
        static = storage.get("static") or {}
        volumes["home"] = {"name": "home", "persistentVolumeClaim": {"claimName": static.get("pvcName")}}
        mounts["home"] = {"mountPath": home, "name": "home", "subPath": static.get("subPath")}
    files = single.get("extraFiles") or {}
    if files:
        items = []
        for key, details in files.items():
            items.append({"key": key, "path": key, **({"mode": details["mode"]} if "mode" in details else {})})
        secret = {"secretName": resource_name(full, release, "singleuser"), "items": items}
        volumes["files"] = {"name": "files", "secret": secret}
        for index, (key, details) in enumerate(files.items()):
            mounts[f"{index}-files"] = {"mountPath": details["mountPath"], "subPath": key, "name": "files"}
    extra_volumes = storage.get("extraVolumes")
    if isinstance(extra_volumes, dict):
        volumes.update(copy.deepcopy(extra_volumes))
    elif isinstance(extra_volumes, list):
        volumes.update({volume["name"]: copy.deepcopy(volume) for volume in extra_volumes})
    extra_mounts = storage.get("extraVolumeMounts")
    if isinstance(extra_mounts, dict):
        mounts.update(copy.deepcopy(extra_mounts))
    elif isinstance(extra_mounts, list):
        mounts.update({f"{index}-{mount['name']}": copy.deepcopy(mount) for index, mount in enumerate(extra_mounts)})
    traits["volumes"] = volumes
    traits["volume_mounts"] = mounts
    return traits


def _block_cloud_metadata(single: dict[str, Any]) -> dict[str, Any]:
    """z2jh's privileged init container that drops traffic to the cloud metadata server with iptables."""
    tools = single.get("networkTools") or {}
    image = tools.get("image") or {}
    ip = single["cloudMetadata"]["ip"]
    return {
        "name": "block-cloud-metadata",
        "image": f"{image.get('name')}:{image.get('tag')}",
        "command": ["iptables", "--append", "OUTPUT", "--protocol", "tcp", "--destination", ip,
                    "--destination-port", "80", "--jump", "DROP"],
        "securityContext": {"privileged": True, "runAsUser": 0, "capabilities": {"add": ["NET_ADMIN"]}},
        "resources": tools.get("resources"),
    }

