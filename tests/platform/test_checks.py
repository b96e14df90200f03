"""Broken configs are rejected with one clear line naming the profile and the key."""

from __future__ import annotations

import copy

import pytest

from fastsim_kernel.errors import FastsimError
from fastsim_kernel.platform import check, check_or_raise, pod_manifest


def profile(values: dict, slug: str) -> dict:
    return next(p for p in values["jupyterhub"]["singleuser"]["profileList"] if p["slug"] == slug)


def broken(values: dict, slug: str, edit) -> list[str]:
    """check() of a copy of ``values`` after ``edit(profile)`` on the profile ``slug``."""
    changed = copy.deepcopy(values)
    edit(profile(changed, slug))
    return check(changed)


def test_shipped_config_is_valid(values):
    assert check(values) == []
    check_or_raise(values)


def test_misspelt_override_key(values):
    def edit(p):
        p["kubespawner_override"]["extra_resource_limit"] = {"nvidia.com/gpu": "1"}

    assert broken(values, "ml-cpu", edit) == [
        "profile 'ml-cpu': kubespawner_override.extra_resource_limit: not a KubeSpawner trait, KubeSpawner "
        "would silently ignore it (did you mean 'extra_resource_limits'?)"
    ]


def test_misspelt_key_in_an_option_choice(values):
    def edit(p):
        p["profile_options"]["gpu"]["choices"]["full"]["kubespawner_override"]["node_selectors"] = {}

    (problem,) = broken(values, "ml-gpu", edit)
    assert problem.startswith("profile 'ml-gpu': profile_options.gpu.choices.full.kubespawner_override.node_selectors")
    assert "did you mean 'node_selector'?" in problem


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        ("ghcr.io/fastsim-hub/fastsim", "is not pinned"),
        ("ghcr.io/fastsim-hub/fastsim:latest", "moving tag 'latest'"),
        ("localhost:5000/fastsim", "is not pinned"),
    ],
)
def test_unpinned_image(values, image, expected):
    def edit(p):
        p["kubespawner_override"]["image"] = image

    (problem,) = broken(values, "fastsim-ml-gpu", edit)
    assert problem.startswith("profile 'fastsim-ml-gpu': kubespawner_override.image: ")
    assert expected in problem


def test_digest_and_registry_port_count_as_pinned(values):
    def edit(p):
        p["kubespawner_override"]["image"] = "localhost:5000/fastsim@sha256:" + "a" * 64

    assert broken(values, "terminal", edit) == []


def test_unpinned_default_image(values):
    changed = copy.deepcopy(values)
    changed["jupyterhub"]["singleuser"]["image"]["tag"] = "latest"
    assert check(changed) == [
        "jupyterhub.singleuser.image: image 'ghcr.io/fastsim-hub/standard:latest' uses the moving tag 'latest': "
        "pin a version"
    ]


def test_gpu_profile_without_tolerations(values):
    def edit(p):
        del p["kubespawner_override"]["tolerations"]

    problems = broken(values, "fastsim-ml-gpu", edit)
    assert len(problems) == 3  # one per GPU option choice
    assert problems[0] == (
        "profile 'fastsim-ml-gpu' option gpu=full: tolerations: a GPU profile must tolerate the "
        "'nvidia.com/gpu' NoSchedule taint"
    )


def test_tolerations_that_drop_the_chart_defaults(values):
    def edit(p):
        gpu_only = {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}
        p["kubespawner_override"]["tolerations"] = [gpu_only]

    assert broken(values, "ml-gpu", edit) == [
        "profile 'ml-gpu': kubespawner_override.tolerations: the list replaces the chart defaults and must repeat "
        "them; missing ['hub.jupyter.org/dedicated', 'hub.jupyter.org_dedicated']"
    ]


def test_option_without_choices(values):
    def edit(p):
        p["profile_options"]["gpu"]["choices"] = {}

    problems = broken(values, "ml-gpu", edit)
    assert "profile 'ml-gpu': profile_options.gpu.choices: the option has no choices to resolve to" in problems


def test_option_pointing_at_a_missing_choice(values):
    with pytest.raises(FastsimError, match=r"profile 'ml-gpu' option 'gpu': no choice 'mig-7g'; expected one of \["):
        pod_manifest(values, "ml-gpu", {"gpu": "mig-7g"})
    with pytest.raises(FastsimError, match=r"profile 'ml-cpu' has no option 'gpu'; expected one of \[\]"):
        pod_manifest(values, "ml-cpu", {"gpu": "full"})


def test_two_default_choices(values):
    def edit(p):
        p["profile_options"]["gpu"]["choices"]["mig-1g-10gb"]["default"] = True

    (problem,) = broken(values, "ml-gpu", edit)
    assert "2 choices are marked default (['full', 'mig-1g-10gb'])" in problem


def test_gpu_choice_asking_for_two_gpus(values):
    def edit(p):
        p["profile_options"]["gpu"]["choices"]["full"]["kubespawner_override"]["extra_resource_limits"] = {
            "nvidia.com/gpu": "2"
        }

    (problem,) = broken(values, "ml-gpu", edit)
    assert problem.startswith("profile 'ml-gpu' option gpu=full: extra_resource_limits: expected exactly one GPU")


def test_gpu_profile_without_placement_env_or_shm(values):
    def edit(p):
        override = p["kubespawner_override"]
        del override["node_selector"]
        del override["environment"]
        override["volumes"] = override["volumes"][:2]
        for choice in p["profile_options"]["gpu"]["choices"].values():
            choice["kubespawner_override"].pop("node_selector", None)

    problems = broken(values, "ml-gpu", edit)
    keys = sorted({problem.split(": ")[1] for problem in problems})
    assert keys == ["environment", "node_selector", "volumes"]


def test_volumes_that_drop_the_home_volume(values):
    def edit(p):
        p["kubespawner_override"]["volumes"] = p["kubespawner_override"]["volumes"][1:]

    assert broken(values, "ml-cpu", edit) == [
        "profile 'ml-cpu': kubespawner_override.volumes: the list replaces the home volume; it must repeat "
        "['volume-{user_server}']"
    ]


def test_writable_dataset_mount(values):
    def edit(p):
        p["kubespawner_override"]["volume_mounts"] = [dict(m) for m in p["kubespawner_override"]["volume_mounts"]]
        p["kubespawner_override"]["volume_mounts"][1].pop("readOnly")

    assert broken(values, "ml-cpu", edit) == [
        "profile 'ml-cpu': kubespawner_override.volume_mounts: the shared dataset 'datasets' must be mounted "
        "readOnly: true"
    ]


def test_identity_problems(values):
    changed = copy.deepcopy(values)
    profiles = changed["jupyterhub"]["singleuser"]["profileList"]
    profiles[1]["slug"] = "standard-cpu"
    del profiles[4]["description"]
    problems = check(changed)
    assert "profile 'standard-cpu': key 'slug': 'standard-cpu' is used by 2 profiles; slugs must be unique" in problems
    assert "profile 'terminal': key 'description' is missing: every profile needs a non-empty description" in problems


def test_custom_settings_must_match_the_profiles(values):
    changed = copy.deepcopy(values)
    changed["jupyterhub"]["custom"]["fastsim"]["gpuProfiles"] = ["ml-gpu"]
    changed["jupyterhub"]["custom"]["fastsim"]["profileGroups"]["gpu-xl"] = ["big"]
    assert check(changed) == [
        "jupyterhub.custom.fastsim.gpuProfiles: lists ['ml-gpu'] but the GPU profiles are "
        "['fastsim-ml-gpu', 'ml-gpu']",
        "jupyterhub.custom.fastsim.profileGroups: no profile 'gpu-xl'; expected one of "
        "['fastsim-ml-gpu', 'ml-cpu', 'ml-gpu', 'standard-cpu', 'terminal']",
    ]


def test_empty_profile_list(values):
    changed = copy.deepcopy(values)
    changed["jupyterhub"]["singleuser"]["profileList"] = []
    assert check(changed) == ["jupyterhub.singleuser.profileList is empty: define at least one profile"]


def test_check_or_raise_joins_all_problems(values):
    changed = copy.deepcopy(values)
    profile(changed, "terminal")["kubespawner_override"]["image"] = "x/terminal"
    profile(changed, "ml-cpu")["kubespawner_override"]["cpu_limits"] = 4
    with pytest.raises(FastsimError) as caught:
        check_or_raise(changed)
    message = str(caught.value)
    assert "\n" not in message
    assert "profile 'ml-cpu': kubespawner_override.cpu_limits" in message
    assert "profile 'terminal': kubespawner_override.image" in message


def test_misspelt_hub_config_trait(values):
    pytest.importorskip("oauthenticator")
    changed = copy.deepcopy(values)
    oauth = changed["jupyterhub"]["hub"]["config"]["GenericOAuthenticator"]
    oauth["allowed_group"] = oauth.pop("allowed_groups")
    assert check(changed) == [
        "jupyterhub.hub.config.GenericOAuthenticator.allowed_group: not a configurable trait of "
        "GenericOAuthenticator (did you mean 'allowed_groups'?)"
    ]


@pytest.mark.parametrize("authenticator", ["dummy", None])
def test_open_access_is_refused(values, authenticator):
    changed = copy.deepcopy(values)
    hub_config = changed["jupyterhub"]["hub"]["config"]
    hub_config["JupyterHub"]["authenticator_class"] = authenticator
    hub_config["GenericOAuthenticator"]["allow_all"] = True
    problems = check(changed)
    assert problems[0].startswith(f"jupyterhub.hub.config.JupyterHub.authenticator_class: {authenticator!r} lets")
    assert problems[1] == "jupyterhub.hub.config.GenericOAuthenticator.allow_all: true opens the hub to every user"
