"""The one implementation of KubeSpawner's profile rules (fastsim_kernel.platform.profiles), against the real
KubeSpawner 7.0.0 applying the same overrides."""

from __future__ import annotations

import asyncio
import copy

import pytest

from fastsim_kernel.errors import FastsimError
from fastsim_kernel.platform.profiles import default_choice, find_profile, merge_overrides, resolve_choice
from fastsim_kernel.platform.spawner import _spawner

BASE = {
    "environment": {"A": "1", "B": "2"},
    "node_selector": {"pool": "users", "zone": "a"},
    "tolerations": [{"key": "x", "operator": "Exists"}],
    "extra_resource_limits": {},
    "cpu_limit": 2.0,
}
OVERRIDES = [
    {"environment": {"B": "3", "A": None}},  # a dict merges; None inside it deletes
    {"tolerations": [{"key": "y", "operator": "Exists"}]},  # a list replaces
    {"cpu_limit": None},  # None at the top replaces the trait (it does not delete it)
    {"extra_resource_limits": {"nvidia.com/gpu": "1"}, "cpu_limit": 8.0},
    {"environment": {"C": "4"}, "node_selector": {"zone": None, "gpu": "yes"}},
]


@pytest.mark.parametrize("override", OVERRIDES)
def test_merge_overrides_is_what_kubespawner_does(values, override):
    async def real() -> dict:
        spawner = await _spawner(values, user="ada", namespace="fastsim")
        for trait, value in copy.deepcopy(BASE).items():
            setattr(spawner, trait, value)
        spawner._apply_overrides(copy.deepcopy(override))  # the rule under comparison
        return {trait: getattr(spawner, trait) for trait in BASE}

    assert merge_overrides(BASE, override) == asyncio.run(real())
    assert BASE["environment"] == {"A": "1", "B": "2"}  # inputs untouched


def test_find_profile_and_default_choice():
    profiles = [{"slug": "a"}, {"slug": "b", "default": True}]
    assert find_profile(profiles)["slug"] == "b"
    assert find_profile(profiles[:1])["slug"] == "a"
    assert find_profile(profiles, "a") is profiles[0]
    with pytest.raises(FastsimError, match="no profile with slug 'c'; expected one of: a, b"):
        find_profile(profiles, "c")
    with pytest.raises(FastsimError, match="profile list is empty"):
        find_profile([])
    assert default_choice({"choices": {"x": {}, "y": {"default": True}}}) == "y"
    assert default_choice({"choices": {"x": {}, "y": {}}}) == "x"


def test_resolve_choice_applies_the_profile_then_the_choice():
    profile = {
        "slug": "gpu",
        "display_name": "GPU",
        "kubespawner_override": {"environment": {"A": "1"}, "cpu_limit": 8},
        "profile_options": {
            "gpu": {"choices": {"full": {"default": True, "kubespawner_override": {"cpu_limit": 4}},
                                "half": {"kubespawner_override": {"environment": {"A": None, "B": "2"}}}}},
        },
    }
    default = resolve_choice([profile], {"profile": "gpu"})
    assert (default.options, default.overrides) == ({"gpu": "full"}, {"environment": {"A": "1"}, "cpu_limit": 4})
    half = resolve_choice([profile], {"profile": "gpu", "gpu": "half"})
    assert half.overrides == {"environment": {"B": "2"}, "cpu_limit": 8}
    with pytest.raises(FastsimError, match="profile 'gpu' has no option 'mig'; expected one of \\['gpu'\\]"):
        resolve_choice([profile], {"profile": "gpu", "mig": "x"})
