"""Validate config.yaml before it reaches a cluster: each problem is one line naming the profile and the key.

What is checked, and why (each is a frequent failure of public deployments):

- every ``kubespawner_override`` key, in profiles and option choices, is a real KubeSpawner trait
  (KubeSpawner silently ignores unknown keys);
- every profile option has choices, exactly one default at most, and every choice carries an override;
- every image is pinned to a tag other than ``latest`` (or a digest);
- an override of ``tolerations`` keeps the chart's default tolerations (lists replace, they do not merge),
  and an override of ``volumes``/``volume_mounts`` keeps the home volume;
- every GPU profile, for every choice: asks for exactly one GPU resource, tolerates the ``nvidia.com/gpu``
  taint, is placed on GPU nodes, sets ``NVIDIA_DRIVER_CAPABILITIES`` and mounts a memory-backed /dev/shm;
- mounts of the shared dataset volume are read-only;
- ``custom.fastsim`` names only existing profiles and lists exactly the GPU profiles;
- ``hub.config`` sets only real traits of the classes it names (where their package is installed), the
  authenticator is a real one and ``allow_all`` is not switched on (no open access).
"""

from __future__ import annotations

import copy
import difflib
import importlib
import importlib.util
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fastsim_kernel._extras import require
from fastsim_kernel.errors import FastsimError
from fastsim_kernel.platform.values import fastsim_settings, get_value, hub_values, profile_list
from fastsim_kernel.platform.z2jh import spawner_traits

GPU_RESOURCE = re.compile(r"^nvidia\.com/(gpu|mig-[0-9a-z.]+)$")
SLUG = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
GPU_TAINT = "nvidia.com/gpu"
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


def check(values: dict[str, Any]) -> list[str]:
    """All problems found in ``values`` (the whole config.yaml document); an empty list means valid."""
    problems: list[str] = []
    try:
        profiles = profile_list(values)
    except FastsimError as err:
        return [str(err)]
    if not profiles:
        return ["jupyterhub.singleuser.profileList is empty: define at least one profile"]
    base = spawner_traits(hub_values(values))
    traits = kubespawner_traits()
    problems += _check_default_image(values)
    slugs = [p.get("slug") for p in profiles]
    for index, profile in enumerate(profiles):
        problems += _check_profile(profile, index, base=base, traits=traits, slugs=slugs)
    problems += _check_custom(values, profiles)
    problems += _check_hub_config(values)
    return problems


def check_or_raise(values: dict[str, Any]) -> None:
    """Raise one FastsimError listing every problem (separated by '; ') when ``check`` finds any."""
    problems = check(values)
    if problems:
        raise FastsimError("; ".join(problems))


def _check_default_image(values: dict[str, Any]) -> list[str]:
    hub = hub_values(values)
    name = get_value(hub, "singleuser.image.name")
    if not name:
        return []
    tag = get_value(hub, "singleuser.image.tag")
    image = f"{name}:{tag}" if tag else name
    problem = _image_problem(image)
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


def _check_profile(
    profile: dict[str, Any], index: int, *, base: dict[str, Any], traits: set[str], slugs: list[Any]
) -> list[str]:
    slug = profile.get("slug")
    name = f"profile {slug!r}" if slug else f"profile #{index}"
    problems = [f"{name}: {p}" for p in _check_identity(profile, slug, slugs)]
    for where, override in _overrides(profile):
        problems += [f"{name}: {where}.{p}" for p in _check_override(override, base=base, traits=traits)]
    problems += [f"{name}: {p}" for p in _check_options(profile)]
    if not problems and is_gpu_profile(profile):
        for choice_label, effective in effective_variants(profile, base):
            problems += [f"{name}{choice_label}: {p}" for p in _check_gpu(effective, base)]
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
    problems = []
    if not isinstance(override, dict):
        return [f"must be a mapping of KubeSpawner traits, got {type(override).__name__}"]
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
            names = {v.get("name") for v in override[key] if isinstance(v, dict)}
            lost = sorted({v["name"] for v in base.get(key, [])} - names)
            if lost:
                problems.append(f"{key}: the list replaces the home volume; it must repeat {lost}")
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


def _apply(target: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """KubeSpawner's override rule: a dict merges into a dict trait (None deletes a key); others replace."""
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge_dict(target[key], value)
        else:
            target[key] = copy.deepcopy(value)
    return target


def _merge_dict(target: dict[str, Any], update: dict[str, Any]) -> None:
    for key, value in update.items():
        if value is None:
            target.pop(key, None)
        elif isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge_dict(target[key], value)
        else:
            target[key] = copy.deepcopy(value)


def effective_variants(profile: dict[str, Any], base: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(label, effective traits) for every choice of every option (others at their default), or the profile."""
    options = profile.get("profile_options") or {}
    defaults = {name: _default_choice(option) for name, option in options.items()}
    variants = [(name, choice) for name, option in options.items() for choice in option["choices"]] or [None]
    for variant in variants:
        selected = dict(defaults)
        label = ""
        if variant is not None:
            selected[variant[0]] = variant[1]
            label = f" option {variant[0]}={variant[1]}"
        traits = _apply(copy.deepcopy(base), profile.get("kubespawner_override") or {})
        for name, choice in selected.items():
            _apply(traits, options[name]["choices"][choice].get("kubespawner_override") or {})
        yield label, traits


def _default_choice(option: dict[str, Any]) -> str:
    choices = option["choices"]
    return next((name for name, spec in choices.items() if (spec or {}).get("default")), next(iter(choices)))


def _gpu_requests(traits: dict[str, Any]) -> dict[str, Any]:
    limits = traits.get("extra_resource_limits") or {}
    return {k: v for k, v in limits.items() if GPU_RESOURCE.match(str(k))}


def is_gpu_profile(profile: dict[str, Any]) -> bool:
    """Whether the profile, or any of its option choices, asks for an NVIDIA GPU or MIG resource."""
    return any(_gpu_requests(override) for _, override in _overrides(profile))


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
    if not traits.get("node_selector") and not traits.get("node_affinity_required"):
        problems.append("node_selector: a GPU profile must be placed on GPU nodes (node_selector or required affinity)")
    caps = (traits.get("environment") or {}).get("NVIDIA_DRIVER_CAPABILITIES", "")
    if "compute" not in str(caps):
        problems.append("environment: NVIDIA_DRIVER_CAPABILITIES must include 'compute' (e.g. 'compute,utility')")
    if not _has_memory_shm(traits):
        problems.append("volumes: a GPU profile needs a memory-backed emptyDir mounted at /dev/shm")
    return problems


def _has_memory_shm(traits: dict[str, Any]) -> bool:
    volumes = _as_list(traits.get("volumes"))
    memory = {v.get("name") for v in volumes if (v.get("emptyDir") or {}).get("medium") == "Memory"}
    mounts = _as_list(traits.get("volume_mounts"))
    return any(m.get("mountPath") == "/dev/shm" and m.get("name") in memory for m in mounts)


def _as_list(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, dict):
        return [v for _, v in sorted(value.items()) if isinstance(v, dict)]
    return [v for v in value or [] if isinstance(v, dict)]


def _check_custom(values: dict[str, Any], profiles: list[dict[str, Any]]) -> list[str]:
    problems = []
    settings = fastsim_settings(values)
    slugs = {p.get("slug") for p in profiles}
    gpu = {p.get("slug") for p in profiles if is_gpu_profile(p)}
    listed = set(settings.get("gpuProfiles") or [])
    if listed != gpu:
        problems.append(
            f"jupyterhub.custom.fastsim.gpuProfiles: lists {sorted(listed)} but the GPU profiles are {sorted(gpu)}"
        )
    for slug in settings.get("profileGroups") or {}:
        if slug not in slugs:
            where = "jupyterhub.custom.fastsim.profileGroups"
            problems.append(f"{where}: no profile {slug!r}; expected one of {sorted(slugs)}")
    claim = get_value(values, "datasets.claimName")
    for profile in profiles:
        problems += _check_dataset_readonly(profile, claim)
    return problems


def _check_hub_config(values: dict[str, Any]) -> list[str]:
    """Trait names in ``jupyterhub.hub.config`` and the no-open-access rule."""
    problems = []
    config = get_value(hub_values(values), "hub.config", {}) or {}
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


def check_chart_values(values: dict[str, Any], chart: Path) -> list[str]:
    """Validate the chart's own keys of ``values`` like ``helm install`` does: the chart's values.yaml
    defaults merged with ``values``, against the chart's values.schema.json."""
    import json

    import yaml

    from fastsim_kernel.platform.z2jh import _merge

    jsonschema = require("jsonschema")  # installed with the hub extra (a JupyterHub dependency)

    defaults = yaml.safe_load((chart / "values.yaml").read_text()) or {}
    schema = json.loads((chart / "values.schema.json").read_text())
    merged = _merge(copy.deepcopy(defaults), copy.deepcopy(values))
    problems = []
    for error in sorted(jsonschema.Draft7Validator(schema).iter_errors(merged), key=lambda e: list(e.path)):
        where = ".".join(str(part) for part in error.path) or "(top level)"
        problems.append(f"chart value {where}: {error.message}")
    return problems


def _check_dataset_readonly(profile: dict[str, Any], claim: str | None) -> list[str]:
    problems: list[str] = []
    if not claim:
        return problems
    for where, override in _overrides(profile):
        volumes = _as_list(override.get("volumes"))
        names = {v.get("name") for v in volumes if (v.get("persistentVolumeClaim") or {}).get("claimName") == claim}
        for mount in _as_list(override.get("volume_mounts")):
            if mount.get("name") in names and not mount.get("readOnly"):
                problems.append(
                    f"profile {profile.get('slug')!r}: {where}.volume_mounts: the shared dataset "
                    f"{mount.get('name')!r} must be mounted readOnly: true"
                )
    return problems
