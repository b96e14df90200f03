"""The profile a user picked on the spawn form, resolved against the z2jh ``profileList``.

The form is KubeSpawner's, so its fields follow KubeSpawner's naming: ``profile`` holds the profile slug and
``profile-option-<slug>--<option>`` holds the choice for each of that profile's options. This module turns
those fields into ``user_options``; ``fastsim_kernel.platform.profiles`` resolves them into a
:class:`ProfileChoice` with KubeSpawner's override rules (the one implementation, shared with Kubernetes).
"""

from __future__ import annotations

from fastsim_kernel.platform.profiles import ProfileChoice, find_profile, merge_overrides, resolve_choice

__all__ = ["ProfileChoice", "find_profile", "merge_overrides", "options_from_form", "resolve_choice"]


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
