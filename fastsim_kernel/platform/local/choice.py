"""The profile a user picked on the spawn form, resolved against the z2jh ``profileList``.

The form is KubeSpawner's, so its fields follow KubeSpawner's naming: ``profile`` holds the profile slug and
``profile-option-<slug>--<option>`` holds the choice for each of that profile's options. This module turns
those fields into a :class:`ProfileChoice`: the profile, the chosen option keys and the merged
``kubespawner_override`` (the profile's, then each chosen option's), merged the way KubeSpawner merges them:
dicts recursively, every other value replaced, ``None`` deleting a key.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from fastsim_kernel.errors import FastsimError

UNLISTED_SUFFIX = "--unlisted-choice"


@dataclass(frozen=True)
class ProfileChoice:
    """One resolved spawn request.

    slug: the profile's slug; display_name: its title on the form;
    options: option key -> chosen choice key (defaults filled in);
    overrides: the merged ``kubespawner_override`` of the profile and its chosen choices.
    """

    slug: str
    display_name: str
    options: dict[str, str] = field(default_factory=dict)
    overrides: dict[str, Any] = field(default_factory=dict)


def options_from_form(formdata: dict[str, list[str]]) -> dict[str, str]:
    """Turn KubeSpawner form fields (each a list of strings) into ``user_options``.

    ``{"profile": ["ml-gpu"], "profile-option-ml-gpu--gpu": ["mig"]}`` gives
    ``{"profile": "ml-gpu", "gpu": "mig"}``. Fields of other profiles and unknown fields are dropped.
    """
    slug = (formdata.get("profile") or [""])[0]
    if not slug:
        return {}
    prefix = f"profile-option-{slug}--"
    options = {key[len(prefix) :]: values[0] for key, values in formdata.items() if key.startswith(prefix)}
    return {"profile": slug, **options}


def merge_overrides(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """Return ``base`` updated by ``extra``: dicts merge recursively, ``None`` deletes, the rest replaces."""
    merged = copy.deepcopy(base)
    for key, value in extra.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge_overrides(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def find_profile(profile_list: list[dict[str, Any]], slug: str | None) -> dict[str, Any]:
    """The profile with ``slug``; with no slug, the one marked ``default`` (else the first)."""
    if not profile_list:
        msg = "the profile list is empty: config.yaml must define singleuser.profileList"
        raise FastsimError(msg)
    if not slug:
        return next((p for p in profile_list if p.get("default")), profile_list[0])
    for profile in profile_list:
        if profile.get("slug") == slug:
            return profile
    valid = ", ".join(str(p.get("slug")) for p in profile_list)
    msg = f"no profile with slug {slug!r}; expected one of: {valid}"
    raise FastsimError(msg)


def _pick_choice(profile: dict[str, Any], key: str, option: dict[str, Any], wanted: str | None) -> str:
    choices = option.get("choices") or {}
    if not choices:
        msg = f"profile {profile['slug']!r}: option {key!r} has no choices"
        raise FastsimError(msg)
    if not wanted:
        return next((k for k, c in choices.items() if c.get("default")), next(iter(choices)))
    if wanted not in choices:
        msg = f"profile {profile['slug']!r}: option {key!r} has no choice {wanted!r}; expected one of: "
        raise FastsimError(msg + ", ".join(choices))
    return wanted


def resolve_choice(profile_list: list[dict[str, Any]], user_options: dict[str, Any]) -> ProfileChoice:
    """Resolve ``user_options`` (from the form or the REST API) into a :class:`ProfileChoice`.

    Raises FastsimError naming the bad slug or choice and the valid ones. Unlisted (free-text) choices are
    not supported by the local hub.
    """
    profile = find_profile(profile_list, user_options.get("profile"))
    overrides = merge_overrides({}, profile.get("kubespawner_override") or {})
    chosen: dict[str, str] = {}
    for key, option in (profile.get("profile_options") or {}).items():
        if user_options.get(key + UNLISTED_SUFFIX):
            msg = f"profile {profile['slug']!r}: option {key!r}: free-text choices are not supported locally"
            raise FastsimError(msg)
        chosen[key] = _pick_choice(profile, key, option, user_options.get(key))
        choice_override = option["choices"][chosen[key]].get("kubespawner_override") or {}
        overrides = merge_overrides(overrides, choice_override)
    return ProfileChoice(
        slug=profile["slug"], display_name=profile.get("display_name", profile["slug"]),
        options=chosen, overrides=overrides,
    )
