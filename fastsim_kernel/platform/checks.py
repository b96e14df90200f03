"""Validate config.yaml before it reaches a cluster: each problem is one line naming the profile and the key.

What is checked, and why (each is a frequent failure of public deployments):

- the ``jupyterhub:`` values against z2jh's own values schema, merged over its defaults as helm does
  (``check_z2jh_values``; a misspelled z2jh key fails) and the chart's own keys against
  helm/fastsim-hub/values.schema.json (``check_chart_values``);
- every ``kubespawner_override`` key, in profiles and option choices, is a real KubeSpawner trait
  (KubeSpawner silently ignores unknown keys); ``volumes``/``volume_mounts`` are dicts keyed by name (a list
  would replace z2jh's home volume); an override of ``tolerations`` keeps the chart's default tolerations;
- every profile option has choices, one default at most, a display name per choice;
- every image is pinned to a tag other than ``latest`` (or a digest);
- every GPU profile, for every choice the hub offers (MIG slices included): asks for exactly one GPU
  resource, tolerates the ``nvidia.com/gpu`` taint, sets ``NVIDIA_DRIVER_CAPABILITIES`` and mounts a
  memory-backed /dev/shm; MIG slices exist on the configured GPU model;
- every claim a profile mounts is one the chart creates (or listed in ``custom.fastsim.existingClaims``),
  and the shared dataset is mounted read-only;
- every pod the hub would make passes Pod Security "restricted" (``restricted_problems``);
- ``custom.fastsim`` names only existing profiles and lists exactly the GPU profiles;
- ``hub.config`` sets only real traits of the classes it names, the authenticator is a real one,
  ``allow_all`` is off; the hub-files checksum annotation matches the chart's hub files.
"""

from __future__ import annotations

import difflib
import hashlib
import importlib
import importlib.util
import json
import re
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fastsim_kernel._extras import require
from fastsim_kernel.errors import FastsimError
from fastsim_kernel.platform.profiles import default_choice, merge_overrides
from fastsim_kernel.platform.spawner import DEFAULT_CHART, HUB_FILES, offered_profiles, pod_manifest
from fastsim_kernel.platform.values import coalesce, fastsim_settings, get_value, hub_values, profile_list, read_yaml
from fastsim_kernel.platform.z2jh import hub_traits

GPU_RESOURCE = re.compile(r"^nvidia\.com/(gpu|mig-[0-9a-z.]+)$")
SLUG = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
GPU_TAINT = "nvidia.com/gpu"
CHECKSUM_ANNOTATION = "fastsim-hub/hub-files-checksum"
# MIG profiles per GPU model with 7 compute slices (NVIDIA Multi-Instance GPU User Guide, "Supported MIG
# Profiles": https://docs.nvidia.com/datacenter/tesla/mig-user-guide/); the device plugin's mixed strategy
# advertises each as the resource nvidia.com/mig-<profile>.
MIG_SLICES = {
    "A100-40GB": ("1g.5gb", "1g.10gb", "2g.10gb", "3g.20gb", "4g.20gb", "7g.40gb"),
    "A100-80GB": ("1g.10gb", "1g.20gb", "2g.20gb", "3g.40gb", "4g.40gb", "7g.80gb"),
    "H100-80GB": ("1g.10gb", "1g.20gb", "2g.20gb", "3g.40gb", "4g.40gb", "7g.80gb"),
    "H100-94GB": ("1g.12gb", "1g.24gb", "2g.24gb", "3g.47gb", "4g.47gb", "7g.94gb"),
    "H200-141GB": ("1g.18gb", "1g.35gb", "2g.35gb", "3g.71gb", "4g.71gb", "7g.141gb"),
}
# Pod Security Standards, "restricted" (https://kubernetes.io/docs/concepts/security/pod-security-standards/)
RESTRICTED_VOLUME_TYPES = {"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim",
                           "projected", "secret"}
# hub.config sections whose trait names can be checked: class name -> (module, class)
HUB_CLASSES = {
    "JupyterHub": ("jupyterhub.app", "JupyterHub"),
    "Spawner": ("jupyterhub.spawner", "Spawner"),
    "Authenticator": ("jupyterhub.auth", "Authenticator"),
    "KubeSpawner": ("kubespawner", "KubeSpawner"),
    "OAuthenticator": ("oauthenticator.oauth2", "OAuthenticator"),
    "GenericOAuthenticator": ("oauthenticator.generic", "GenericOAuthenticator"),
}
OPEN_AUTHENTICATORS = {"dummy", "null", "jupyterhub.auth.DummyAuthenticator", "jupyterhub.auth.NullAuthenticator"}


def kubespawner_traits() -> set[str]:
    """Names of all configurable KubeSpawner traits (the valid ``kubespawner_override`` keys)."""
    require("kubespawner")
    from kubespawner import KubeSpawner

    return set(KubeSpawner.class_trait_names(config=True))


def check(values: dict[str, Any], *, chart: Path = DEFAULT_CHART) -> list[str]:
    """All problems found in ``values`` (the whole config.yaml document) with the hub files of ``chart``;
    an empty list means valid. The z2jh and chart schemas are checked separately (``check_z2jh_values``,
    ``check_chart_values``)."""
    try:
        profiles = profile_list(values)
    except FastsimError as err:
        return [str(err)]
    if not profiles:
        return ["jupyterhub.singleuser.profileList is empty: define at least one profile"]
    hub = hub_values(values)
    base = hub_traits(hub)
    traits = kubespawner_traits()
    problems = _check_default_image(hub)
    slugs = [p.get("slug") for p in profiles]
    for index, profile in enumerate(profiles):
        problems += _check_profile(profile, index, base=base, traits=traits, slugs=slugs)
    problems += _check_custom(values, profiles)
    problems += _check_hub_config(hub)
    problems += _check_checksum(hub, chart)
    if problems:
        return problems  # the offered profiles and pods below need a config without the problems above
    claims = chart_claims(values)
    for profile in offered_profiles(values, chart):
        problems += _check_offered(values, profile, base, claims, chart)
    return problems


def check_or_raise(values: dict[str, Any], *, chart: Path = DEFAULT_CHART) -> None:
    """Raise one FastsimError listing every problem (separated by '; ') when ``check`` finds any."""
    problems = check(values, chart=chart)
    if problems:
        raise FastsimError("; ".join(problems))


def _check_default_image(hub: dict[str, Any]) -> list[str]:
    name = get_value(hub, "singleuser.image.name")
    if not name:
        return []
    tag = get_value(hub, "singleuser.image.tag")
    problem = _image_problem(f"{name}:{tag}" if tag else name)
    return [f"jupyterhub.singleuser.image: {problem}"] if problem else []


def _image_problem(image: Any) -> str | None:
    """Why ``image`` is not pinned, or None. Pinned: a digest, or a tag other than 'latest'."""
    if not isinstance(image, str) or not image:
        return f"image must be a non-empty string, got {image!r}"
    if "@sha256:" in image:
        return None
    last = image.rsplit("/", 1)[-1]
    if ":" not in last:
        return f"image {image!r} is not pinned: add an explicit version tag (not 'latest')"
    if last.rsplit(":", 1)[1] == "latest":
        return f"image {image!r} uses the moving tag 'latest': pin a version"
    return None


def _overrides(profile: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(where, override) for the profile's own override and each option choice's override."""
    yield "kubespawner_override", profile.get("kubespawner_override") or {}
    for option_name, option in (profile.get("profile_options") or {}).items():
        for choice_name, choice in ((option or {}).get("choices") or {}).items():
            where = f"profile_options.{option_name}.choices.{choice_name}.kubespawner_override"
            yield where, (choice or {}).get("kubespawner_override") or {}


def _name(profile: dict[str, Any], index: int) -> str:
    slug = profile.get("slug")
    return f"profile {slug!r}" if slug else f"profile #{index}"


def _check_profile(
    profile: dict[str, Any], index: int, *, base: dict[str, Any], traits: set[str], slugs: list[Any]
) -> list[str]:
    name = _name(profile, index)
    problems = [f"{name}: {p}" for p in _check_identity(profile, profile.get("slug"), slugs)]
    for where, override in _overrides(profile):
        problems += [f"{name}: {where}.{p}" for p in _check_override(override, base=base, traits=traits)]
    problems += [f"{name}: {p}" for p in _check_options(profile)]
    return problems


def _check_identity(profile: dict[str, Any], slug: Any, slugs: list[Any]) -> list[str]:
    problems = []
    for key in ("display_name", "slug", "description"):
        if not isinstance(profile.get(key), str) or not profile.get(key):
            problems.append(f"key '{key}' is missing: every profile needs a non-empty {key}")
    if isinstance(slug, str) and not SLUG.match(slug):
        problems.append(f"key 'slug': {slug!r} is not a lowercase DNS label (a-z, 0-9, '-')")
    if slug is not None and slugs.count(slug) > 1:
        problems.append(f"key 'slug': {slug!r} is used by {slugs.count(slug)} profiles; slugs must be unique")
    if "image" not in (profile.get("kubespawner_override") or {}):
        problems.append("key 'kubespawner_override.image' is missing: every profile sets its own pinned image")
    return problems


def _check_override(override: dict[str, Any], *, base: dict[str, Any], traits: set[str]) -> list[str]:
    if not isinstance(override, dict):
        return [f"must be a mapping of KubeSpawner traits, got {type(override).__name__}"]
    problems = []
    for key, value in override.items():
        if key not in traits:
            close = difflib.get_close_matches(key, sorted(traits), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            problems.append(f"{key}: not a KubeSpawner trait, KubeSpawner would silently ignore it{hint}")
        elif key == "image" and (problem := _image_problem(value)):
            problems.append(f"image: {problem}")
    if isinstance(override.get("tolerations"), list):
        missing = [t for t in base.get("tolerations", []) if t not in override["tolerations"]]
        if missing:
            keys = [t.get("key") for t in missing]
            problems.append(f"tolerations: the list replaces the chart defaults and must repeat them; missing {keys}")
    for key in ("volumes", "volume_mounts"):
        if isinstance(override.get(key), list):
            problems.append(
                f"{key}: a list replaces z2jh's {key} (the home volume); give a mapping keyed by volume name"
            )
    return problems


def _check_options(profile: dict[str, Any]) -> list[str]:
    problems = []
    for option_name, option in (profile.get("profile_options") or {}).items():
        choices = (option or {}).get("choices")
        where = f"profile_options.{option_name}"
        if not isinstance(choices, dict) or not choices:
            problems.append(f"{where}.choices: the option has no choices to resolve to")
            continue
        defaults = [c for c, spec in choices.items() if (spec or {}).get("default")]
        if len(defaults) > 1:
            problems.append(f"{where}.choices: {len(defaults)} choices are marked default ({defaults}); expected one")
        for choice_name, spec in choices.items():
            if not isinstance(spec, dict) or not spec.get("display_name"):
                problems.append(f"{where}.choices.{choice_name}: a choice needs a display_name")
    return problems


Variant = tuple[dict[str, str], dict[str, Any]]


def effective_variants(profile: dict[str, Any], base: dict[str, Any]) -> Iterator[Variant]:
    """(options, effective traits) for the default choices and for every other choice of every option."""
    options = profile.get("profile_options") or {}
    defaults = {name: default_choice(option) for name, option in options.items()}
    variants = [dict(defaults)]
    for name, option in options.items():
        variants += [defaults | {name: choice} for choice in option["choices"] if choice != defaults[name]]
    for selected in variants:
        traits = merge_overrides(base, profile.get("kubespawner_override") or {})
        for name, choice in selected.items():
            traits = merge_overrides(traits, options[name]["choices"][choice].get("kubespawner_override") or {})
        yield selected, traits


def _gpu_requests(traits: dict[str, Any]) -> dict[str, Any]:
    limits = traits.get("extra_resource_limits") or {}
    return {k: v for k, v in limits.items() if GPU_RESOURCE.match(str(k))}


def is_gpu_profile(profile: dict[str, Any]) -> bool:
    """Whether the profile, or any of its option choices, asks for an NVIDIA GPU or MIG resource."""
    return any(_gpu_requests(override) for _, override in _overrides(profile))


def _check_offered(
    values: dict[str, Any], profile: dict[str, Any], base: dict[str, Any], claims: set[str], chart: Path
) -> list[str]:
    """Checks of a profile as the hub offers it, for every choice: GPU settings, claims, Pod Security."""
    problems = []
    gpu = is_gpu_profile(profile)
    dataset_claim = get_value(fastsim_settings(values), "datasets.claimName")
    for options, traits in effective_variants(profile, base):
        label = "".join(f" option {name}={choice}" for name, choice in options.items())
        name = f"profile {profile.get('slug')!r}{label}"
        if gpu:
            problems += [f"{name}: {p}" for p in _check_gpu(traits, base)]
        problems += [f"{name}: {p}" for p in _check_claims(traits, claims, dataset_claim)]
        pod = pod_manifest(values, profile["slug"], options, chart=chart)
        problems += [f"{name}: pod: {p}" for p in restricted_problems(pod["spec"])]
    return problems


def _check_gpu(traits: dict[str, Any], base: dict[str, Any]) -> list[str]:
    problems = []
    requests = _gpu_requests(traits)
    if len(requests) != 1 or str(next(iter(requests.values()))) != "1":
        problems.append(f"extra_resource_limits: expected exactly one GPU resource with count '1', got {requests}")
    tolerations = traits.get("tolerations") or []
    if not any(t.get("key") == GPU_TAINT and t.get("effect") in (None, "NoSchedule") for t in tolerations):
        problems.append(f"tolerations: a GPU profile must tolerate the '{GPU_TAINT}' NoSchedule taint")
    missing = [t.get("key") for t in base.get("tolerations", []) if t not in tolerations]
    if missing:
        problems.append(f"tolerations: the chart's default tolerations {missing} are lost")
    caps = (traits.get("environment") or {}).get("NVIDIA_DRIVER_CAPABILITIES", "")
    if "compute" not in str(caps):
        problems.append("environment: NVIDIA_DRIVER_CAPABILITIES must include 'compute' (e.g. 'compute,utility')")
    if not _has_memory_shm(traits):
        problems.append("volumes: a GPU profile needs a memory-backed emptyDir mounted at /dev/shm")
    return problems


def _as_list(value: Any) -> list[dict[str, Any]]:
    """KubeSpawner's view of a list-or-dict trait: a dict's values sorted by key."""
    if isinstance(value, dict):
        return [v for _, v in sorted(value.items()) if isinstance(v, dict)]
    return [v for v in value or [] if isinstance(v, dict)]


def _has_memory_shm(traits: dict[str, Any]) -> bool:
    volumes = _as_list(traits.get("volumes"))
    memory = {v.get("name") for v in volumes if (v.get("emptyDir") or {}).get("medium") == "Memory"}
    mounts = _as_list(traits.get("volume_mounts"))
    return any(m.get("mountPath") == "/dev/shm" and m.get("name") in memory for m in mounts)


def chart_claims(values: dict[str, Any]) -> set[str]:
    """Claims a user pod may mount: those the fastsim-hub chart creates with these values, those listed in
    ``custom.fastsim.existingClaims``, and the per-user home claim template."""
    settings = fastsim_settings(values)
    claims = {"{pvc_name}", *(settings.get("existingClaims") or [])}
    datasets = settings.get("datasets") or {}
    if datasets.get("enabled"):
        claims.add(datasets.get("claimName"))
    if get_value(values, "sharedHome.create"):
        claims.add(get_value(values, "sharedHome.claimName"))
    return claims


def _check_claims(traits: dict[str, Any], claims: set[str], dataset_claim: str | None) -> list[str]:
    problems = []
    volumes = _as_list(traits.get("volumes"))
    for volume in volumes:
        claim = (volume.get("persistentVolumeClaim") or {}).get("claimName")
        if claim is not None and claim not in claims:
            problems.append(
                f"volumes.{volume.get('name')}: claim {claim!r} is not created by the chart with these values "
                f"(expected one of {sorted(claims)}; list a claim you made in custom.fastsim.existingClaims)"
            )
    dataset_volumes = {
        v.get("name") for v in volumes if (v.get("persistentVolumeClaim") or {}).get("claimName") == dataset_claim
    }
    for mount in _as_list(traits.get("volume_mounts")):
        if mount.get("name") in dataset_volumes and not mount.get("readOnly"):
            problems.append(f"volume_mounts.{mount.get('name')}: the shared dataset must be mounted readOnly: true")
    return problems


def restricted_problems(pod_spec: dict[str, Any]) -> list[str]:
    """Why a pod spec (camelCase, as the API takes it) fails Pod Security "restricted", or [].

    Covers the controls that pods of this platform could break: host namespaces, privileged containers,
    volume types (hostPath included), privilege escalation, running as non-root (and not as uid 0),
    seccomp RuntimeDefault/Localhost, capabilities (drop ALL, add at most NET_BIND_SERVICE).
    """
    problems = []
    pod_context = pod_spec.get("securityContext") or {}
    for key in ("hostNetwork", "hostPID", "hostIPC"):
        if pod_spec.get(key):
            problems.append(f"spec.{key} must not be true")
    for volume in pod_spec.get("volumes") or []:
        kinds = set(volume) - {"name"}
        if not kinds <= RESTRICTED_VOLUME_TYPES:
            problems.append(f"volume {volume.get('name')!r}: type {sorted(kinds)} is not allowed")
    containers = [("initContainers", c) for c in pod_spec.get("initContainers") or []]
    containers += [("containers", c) for c in pod_spec.get("containers") or []]
    for kind, container in containers:
        where = f"{kind}.{container.get('name')}.securityContext"
        context = container.get("securityContext") or {}
        if context.get("privileged"):
            problems.append(f"{where}.privileged must not be true")
        if context.get("allowPrivilegeEscalation") is not False:
            problems.append(f"{where}.allowPrivilegeEscalation must be false")
        if context.get("runAsNonRoot", pod_context.get("runAsNonRoot")) is not True:
            problems.append(f"{where}.runAsNonRoot must be true (on the container or the pod)")
        if context.get("runAsUser", pod_context.get("runAsUser")) == 0:
            problems.append(f"{where}.runAsUser must not be 0")
        seccomp = (context.get("seccompProfile") or pod_context.get("seccompProfile") or {}).get("type")
        if seccomp not in ("RuntimeDefault", "Localhost"):
            problems.append(f"{where}.seccompProfile.type must be RuntimeDefault or Localhost, got {seccomp!r}")
        capabilities = context.get("capabilities") or {}
        if "ALL" not in (capabilities.get("drop") or []):
            problems.append(f"{where}.capabilities.drop must include ALL")
        added = set(capabilities.get("add") or []) - {"NET_BIND_SERVICE"}
        if added:
            problems.append(f"{where}.capabilities.add may only hold NET_BIND_SERVICE, got {sorted(added)}")
    return problems


def _check_custom(values: dict[str, Any], profiles: list[dict[str, Any]]) -> list[str]:
    where = "jupyterhub.custom.fastsim"
    problems = []
    settings = fastsim_settings(values)
    slugs = {p.get("slug") for p in profiles}
    gpu = {p.get("slug") for p in profiles if is_gpu_profile(p)}
    listed = set(settings.get("gpuProfiles") or [])
    if listed != gpu:
        problems.append(f"{where}.gpuProfiles: lists {sorted(listed)} but the GPU profiles are {sorted(gpu)}")
    for key in ("profileGroups", "datasets.profiles"):
        for slug in get_value(settings, key) or []:
            if slug not in slugs:
                problems.append(f"{where}.{key}: no profile {slug!r}; expected one of {sorted(slugs)}")
    model = get_value(settings, "gpu.model")
    slices = get_value(settings, "gpu.migSlices") or []
    if slices and model not in MIG_SLICES:
        problems.append(f"{where}.gpu.model: {model!r} is not a MIG model; expected one of {sorted(MIG_SLICES)}")
    elif slices:
        for name in slices:
            if name not in MIG_SLICES[model]:
                problems.append(f"{where}.gpu.migSlices: {name!r} is not a MIG slice of {model}; "
                                f"expected one of {list(MIG_SLICES[model])}")
        for profile in profiles:
            if profile.get("slug") in gpu and "gpu" not in (profile.get("profile_options") or {}):
                slug = profile.get("slug")
                problems.append(f"profile {slug!r}: a GPU profile needs a 'gpu' option for the MIG slices")
    storage = get_value(hub_values(values), "singleuser.storage") or {}
    if storage.get("type") == "static":
        claim = get_value(storage, "static.pvcName")
        if claim not in chart_claims(values):
            problems.append(
                f"jupyterhub.singleuser.storage.static.pvcName: claim {claim!r} is not created by the chart "
                "(set sharedHome.create: true with the same claimName, or list it in custom.fastsim.existingClaims)"
            )
    return problems


def _check_hub_config(hub: dict[str, Any]) -> list[str]:
    """Trait names in ``jupyterhub.hub.config`` and the no-open-access rule."""
    problems = []
    config = get_value(hub, "hub.config", {}) or {}
    for class_name, settings in config.items():
        where = f"jupyterhub.hub.config.{class_name}"
        known = _trait_names(class_name)
        if known is None or not isinstance(settings, dict):
            continue
        for key in settings:
            if key not in known:
                close = difflib.get_close_matches(key, sorted(known), n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                problems.append(f"{where}.{key}: not a configurable trait of {class_name}{hint}")
    authenticator = get_value(config, "JupyterHub.authenticator_class")
    if authenticator is None or authenticator in OPEN_AUTHENTICATORS:
        problems.append(
            f"jupyterhub.hub.config.JupyterHub.authenticator_class: {authenticator!r} lets anyone in; "
            "expected a real authenticator such as generic-oauth"
        )
    for class_name, settings in config.items():
        if isinstance(settings, dict) and settings.get("allow_all") is True:
            problems.append(f"jupyterhub.hub.config.{class_name}.allow_all: true opens the hub to every user")
    return problems


def _trait_names(class_name: str) -> set[str] | None:
    """Configurable trait names of a known hub class, or None when unknown or its package is missing."""
    if class_name not in HUB_CLASSES:
        return None
    module_name, attribute = HUB_CLASSES[class_name]
    if importlib.util.find_spec(module_name.split(".")[0]) is None:
        return None
    cls = getattr(importlib.import_module(module_name), attribute)
    return set(cls.class_trait_names(config=True))


def hub_files_checksum(chart: Path) -> str:
    """sha256 of the chart's hub files: each path (relative to the chart) and a newline, then its bytes as
    stored (no newline translation), in sorted path order; templates/hub-files-configmap.yaml computes the
    same with helm's sha256sum."""
    files = (chart / HUB_FILES).rglob("*")
    paths = {path.relative_to(chart).as_posix(): path for path in files if path.is_file() and not _helm_ignored(path)}
    data = b"".join(f"{name}\n".encode() + paths[name].read_bytes() for name in sorted(paths))
    return hashlib.sha256(data).hexdigest()


def _helm_ignored(path: Path) -> bool:
    """What helm/fastsim-hub/.helmignore leaves out of the chart (Python caches)."""
    return "__pycache__" in path.parts or path.suffix == ".pyc"


def _check_checksum(hub: dict[str, Any], chart: Path) -> list[str]:
    expected = hub_files_checksum(chart)
    found = (get_value(hub, "hub.annotations") or {}).get(CHECKSUM_ANNOTATION)
    if found == expected:
        return []
    return [f'jupyterhub.hub.annotations["{CHECKSUM_ANNOTATION}"]: {found!r} is not the checksum of '
            f"{chart / HUB_FILES}; set it to {expected!r} so that the hub restarts when they change"]


def _schema_problems(schema: dict[str, Any], document: dict[str, Any], prefix: str) -> list[str]:
    jsonschema = require("jsonschema")  # installed with the hub extra (a JupyterHub dependency)
    problems = []
    for error in sorted(jsonschema.Draft7Validator(schema).iter_errors(document), key=lambda e: list(e.path)):
        where = ".".join(str(part) for part in (prefix, *error.path) if part) or "(top level)"
        problems.append(f"{where}: {error.message}")
    return problems


def check_chart_values(values: dict[str, Any], chart: Path) -> list[str]:
    """Validate the chart's own keys of ``values`` like ``helm install`` does: the chart's values.yaml
    defaults merged with ``values``, against the chart's values.schema.json."""
    import yaml

    defaults = yaml.safe_load((chart / "values.yaml").read_text()) or {}
    schema = json.loads((chart / "values.schema.json").read_text())
    return [f"chart value {p}" for p in _schema_problems(schema, coalesce(defaults, values), "")]


def z2jh_schema(chart: Path) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """(values schema, default values) of the z2jh chart that ``helm dependency update`` put in
    ``chart/charts/`` (an archive or a folder), or None when it has not run."""
    import yaml

    charts = chart / "charts"
    folder = charts / "jupyterhub"
    if (folder / "values.schema.json").is_file():
        schema = json.loads((folder / "values.schema.json").read_text())
        return schema, yaml.safe_load((folder / "values.yaml").read_text())
    for archive in sorted(charts.glob("jupyterhub-*.tgz")):
        with tarfile.open(archive) as tar:
            schema = json.load(tar.extractfile("jupyterhub/values.schema.json"))
            defaults = yaml.safe_load(tar.extractfile("jupyterhub/values.yaml"))
        return schema, defaults
    return None


def read_z2jh_schema(path: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """(schema, defaults) from a z2jh values schema file (values.schema.json, or the values.schema.yaml of
    the chart's repository) and the values.yaml next to it."""
    defaults_path = path.with_name("values.yaml")
    if not path.is_file() or not defaults_path.is_file():
        msg = f"--schema {str(path)!r}: expected a z2jh values schema file with the chart's values.yaml beside it"
        raise FastsimError(msg)
    return read_yaml(path), read_yaml(defaults_path)  # JSON is YAML


def check_z2jh_values(values: dict[str, Any], schema: dict[str, Any], defaults: dict[str, Any]) -> list[str]:
    """Validate the ``jupyterhub:`` values as helm validates a subchart's: merged over its defaults (and
    with the parent's ``global``), against its values schema. A misspelled key is an error."""
    merged = coalesce(defaults, hub_values(values))
    merged["global"] = coalesce(merged.get("global") or {}, values.get("global") or {})
    return [f"z2jh value {p}" for p in _schema_problems(schema, merged, "jupyterhub")]
