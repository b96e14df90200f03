"""Profiles of z2jh's ``singleuser.profileList``: finding one, choosing its options, merging its overrides.

The one implementation of KubeSpawner's rules, used by ``fastsim profiles``, the checks, the Jobs and the
local hub. KubeSpawner applies a profile's ``kubespawner_override`` and then each chosen option's override
(kubespawner 7.0.0, ``KubeSpawner._load_profile`` and ``_apply_overrides``): a dict merges into a trait that
holds a dict (recursively; ``None`` inside it deletes that key), any other value, ``None`` included, replaces
the trait.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from fastsim_kernel.errors import FastsimError

UNLISTED_SUFFIX = "--unlisted-choice"


def find_profile(profiles: list[dict[str, Any]], slug: str | None = None) -> dict[str, Any]:
    """The profile with ``slug``; without a slug, the one marked ``default`` (else the first), as KubeSpawner
    picks it. The error names the slug and lists the valid ones."""
    if not profiles:
        msg = "the profile list is empty: config.yaml must define jupyterhub.singleuser.profileList"
        raise FastsimError(msg)
    if not slug:
        return next((p for p in profiles if p.get("default")), profiles[0])
    for profile in profiles:
        if profile.get("slug") == slug:
            return profile
    valid = ", ".join(str(p.get("slug")) for p in profiles)
    msg = f"no profile with slug {slug!r}; expected one of: {valid}"
    raise FastsimError(msg)


def default_choice(option: dict[str, Any]) -> str:
    """The choice KubeSpawner takes when the user picks none: the one marked default, else the first."""
    choices = option.get("choices") or {}
    return next((name for name, spec in choices.items() if (spec or {}).get("default")), next(iter(choices)))


def merge_overrides(traits: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """``traits`` (trait name -> value) after KubeSpawner applies ``override``; the inputs are not changed."""
    merged = copy.deepcopy(traits)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            _update(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _update(target: dict[str, Any], update: dict[str, Any]) -> None:
    """kubespawner.utils.recursive_update: dicts merge, ``None`` deletes the key, the rest replaces."""
    for key, value in update.items():
        if isinstance(value, dict):
            if not isinstance(target.get(key), dict):
                target[key] = {}
            _update(target[key], value)
        elif value is None:
            target.pop(key, None)
        else:
            target[key] = copy.deepcopy(value)


@dataclass(frozen=True)
class ProfileChoice:
    """One resolved spawn request.

    slug: the profile's slug; display_name: its title on the form;
    options: option key -> chosen choice key (defaults filled in);
    overrides: the profile's ``kubespawner_override`` merged with those of the chosen choices.
    """

    slug: str
    display_name: str
    options: dict[str, str] = field(default_factory=dict)
    overrides: dict[str, Any] = field(default_factory=dict)


def resolve_choice(profiles: list[dict[str, Any]], user_options: dict[str, Any]) -> ProfileChoice:
    """Resolve ``user_options`` (``{"profile": slug, option: choice, ...}`` from the form or the REST API).

    Missing options take their default choice. Raises FastsimError naming a bad slug, option or choice and
    the valid ones. Free-text (unlisted) choices are not supported.
    """
    profile = find_profile(profiles, user_options.get("profile"))
    slug = profile.get("slug")
    declared = profile.get("profile_options") or {}
    unknown = sorted(set(user_options) - {"profile"} - set(declared) - {k + UNLISTED_SUFFIX for k in declared})
    if unknown:
        msg = f"profile {slug!r} has no option {unknown[0]!r}; expected one of {sorted(declared)}"
        raise FastsimError(msg)
    overrides = merge_overrides({}, profile.get("kubespawner_override") or {})
    chosen: dict[str, str] = {}
    for name, option in declared.items():
        if user_options.get(name + UNLISTED_SUFFIX):
            msg = f"profile {slug!r}: option {name!r}: free-text choices are not supported locally or offline"
            raise FastsimError(msg)
        choices = (option or {}).get("choices") or {}
        if not choices:
            msg = f"profile {slug!r}: option {name!r} has no choices"
            raise FastsimError(msg)
        wanted = user_options.get(name) or default_choice(option)
        if wanted not in choices:
            msg = f"profile {slug!r}: option {name!r} has no choice {wanted!r}; expected one of: {', '.join(choices)}"
            raise FastsimError(msg)
        chosen[name] = wanted
        overrides = merge_overrides(overrides, choices[wanted].get("kubespawner_override") or {})
    display_name = profile.get("display_name") or str(slug)
    return ProfileChoice(slug=str(slug), display_name=display_name, options=chosen, overrides=overrides)
