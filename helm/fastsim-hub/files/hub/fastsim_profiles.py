"""Offer restricted profiles only to members of the JupyterHub groups named in config.yaml.

Run by z2jh's jupyterhub_config.py (it executes every *.py in jupyterhub_config.d, with ``c`` defined).
``custom.fastsim.profileGroups`` maps a profile slug to the groups allowed to use it; profiles not listed
there are open to every user. The groups come from the identity provider (GenericOAuthenticator with
``manage_groups``). KubeSpawner calls the resulting callable both to render the form and to validate a
spawn request, so a restricted profile cannot be started through the REST API either.
"""

from z2jh import get_config

c = globals()["c"]  # the traitlets Config of jupyterhub_config.py, which executes this file


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


_limits = get_config("custom.fastsim.profileGroups", {}) or {}
_profiles = get_config("singleuser.profileList", []) or []
if _limits and _profiles:
    c.KubeSpawner.profile_list = make_profile_filter(_profiles, _limits)
