"""Find and read ``config.yaml``: the platform values shared by the Helm chart, the local hub and the tests.

Layout of the document (see the comments in config.yaml)::

    hubFiles, sharedHome, networkPolicy, imagePuller, jobs   # the fastsim-hub chart's own values
    jupyterhub:                                              # the zero-to-jupyterhub (z2jh) values
      singleuser: {profileList: [...], ...}
      custom: {fastsim: {...}}     # settings read by the hub files and the chart (GPU, datasets, culling)

The file is found, in order, at the ``path`` argument, at ``$FASTSIM_CONFIG``, or as ``config.yaml`` in the
current directory or the nearest parent that has one (so an installed package run from a checkout finds it).
"""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

from fastsim_kernel.errors import FastsimError

CONFIG_NAME = "config.yaml"
CONFIG_ENV = "FASTSIM_CONFIG"
SUBCHART_KEY = "jupyterhub"


def find_config(path: str | os.PathLike | None = None, *, start: str | os.PathLike | None = None) -> Path:
    """Locate the platform values file.

    ``path`` wins when given; then ``$FASTSIM_CONFIG``; then ``config.yaml`` in ``start`` (default: the
    current directory) or its nearest parent holding one.
    """
    if path is None:
        path = os.environ.get(CONFIG_ENV) or None
    if path is not None:
        found = Path(path)
        if not found.is_file():
            problem = "is a folder" if found.is_dir() else "does not exist"
            msg = f"platform config {str(found)!r} {problem} (expected a z2jh values file, e.g. config.yaml)"
            raise FastsimError(msg)
        return found
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / CONFIG_NAME
        if candidate.is_file():
            return candidate
    msg = (
        f"no {CONFIG_NAME} found in {str(here)!r} or its parents: "
        f"pass --config PATH or set {CONFIG_ENV}"
    )
    raise FastsimError(msg)


def load_values(path: str | os.PathLike | None = None) -> dict[str, Any]:
    """Read the whole values document (chart keys plus the ``jupyterhub`` sub-tree) as a dict.

    Raises FastsimError when the file is missing, is not UTF-8 YAML, or has no ``jupyterhub.singleuser`` mapping.
    """
    found = find_config(path)
    values = read_yaml(found)
    if not isinstance(values, dict):
        msg = f"{str(found)!r} must hold a mapping of values, got {type(values).__name__}"
        raise FastsimError(msg)
    hub = values.get(SUBCHART_KEY)
    if not isinstance(hub, dict) or not isinstance(hub.get("singleuser"), dict):
        msg = f"{str(found)!r} has no '{SUBCHART_KEY}.singleuser' mapping (the z2jh values must sit there)"
        raise FastsimError(msg)
    return unshare(values)


def read_yaml(path: str | os.PathLike) -> Any:
    """The YAML document in ``path``; FastsimError naming the file when it cannot be read, is not UTF-8 (as
    YAML files are) or is not YAML."""
    import yaml

    try:
        return yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as err:
        msg = f"cannot read {str(path)!r}: {err.strerror or err}"
        raise FastsimError(msg) from err
    except UnicodeDecodeError as err:
        msg = f"{path}: not UTF-8 text ({err.reason} at byte {err.start}); expected UTF-8 YAML"
        raise FastsimError(msg) from err
    except yaml.YAMLError as err:
        msg = f"{str(path)!r} is not valid YAML: {err}"
        raise FastsimError(msg) from err


def unshare(node: Any) -> Any:
    """A copy where YAML aliases (``*anchor``) no longer share one object, so editing one profile's
    tolerations or options never changes another's (``copy.deepcopy`` would keep the sharing)."""
    if isinstance(node, dict):
        return {key: unshare(value) for key, value in node.items()}
    if isinstance(node, list):
        return [unshare(value) for value in node]
    return node


def coalesce(defaults: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """``values`` over ``defaults`` as helm merges a chart's values.yaml under the user's values: mappings
    merge recursively, ``null`` removes a key, any other value replaces. Returns a new dict."""
    merged = copy.deepcopy(defaults)
    for key, value in values.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = coalesce(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def hub_values(values: dict[str, Any]) -> dict[str, Any]:
    """The z2jh values: the ``jupyterhub`` sub-tree of the document (a deep copy)."""
    hub = values.get(SUBCHART_KEY)
    if not isinstance(hub, dict):
        msg = f"values have no '{SUBCHART_KEY}' mapping; got keys {sorted(values)}"
        raise FastsimError(msg)
    return copy.deepcopy(hub)


def get_value(tree: dict[str, Any], dotted: str, default: Any = None) -> Any:
    """Look up ``"a.b.c"`` in nested dicts like z2jh's ``get_config``; ``default`` when any level is missing."""
    node: Any = tree
    for key in dotted.split("."):
        if not isinstance(node, dict) or key not in node:
            return default
        node = node[key]
    return copy.deepcopy(node)


def profile_list(values: dict[str, Any]) -> list[dict[str, Any]]:
    """The z2jh ``singleuser.profileList``: a list of KubeSpawner profile dicts, in the order shown."""
    profiles = get_value(hub_values(values), "singleuser.profileList", [])
    if not isinstance(profiles, list):
        msg = f"jupyterhub.singleuser.profileList must be a list of profiles, got {type(profiles).__name__}"
        raise FastsimError(msg)
    return profiles


def fastsim_settings(values: dict[str, Any]) -> dict[str, Any]:
    """The downstream settings in ``jupyterhub.custom.fastsim`` (GPU profiles, group limits, GPU culling)."""
    return get_value(hub_values(values), "custom.fastsim", {}) or {}
