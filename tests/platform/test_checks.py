"""Broken configs are rejected with one clear line naming the profile and the key."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from fastsim_kernel.errors import FastsimError
from fastsim_kernel.platform import check, check_or_raise, pod_manifest
from fastsim_kernel.platform.checks import check_z2jh_values, read_z2jh_schema, restricted_problems

Z2JH_SCHEMA = Path(__file__).resolve().parents[1] / "data" / "z2jh-4.4.0" / "values.schema.yaml"


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
    assert len(problems) == 3  # one per GPU option choice the hub offers: full and the two MIG slices
    assert [p.split(":")[0] for p in problems] == [
        f"profile 'fastsim-ml-gpu' option gpu={choice}" for choice in ("full", "mig-1g-10gb", "mig-3g-40gb")
    ]
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
    expected = "profile 'ml-gpu': option 'gpu' has no choice 'mig-7g'; expected one of: full, mig-1g-10gb, mig-3g-40gb"
    with pytest.raises(FastsimError, match=expected):
        pod_manifest(values, "ml-gpu", {"gpu": "mig-7g"})
    with pytest.raises(FastsimError, match=r"profile 'ml-cpu' has no option 'gpu'; expected one of \[\]"):
        pod_manifest(values, "ml-cpu", {"gpu": "full"})
    with pytest.raises(FastsimError, match=r"no profile with slug 'gpu-xl'; expected one of: standard-cpu, ml-cpu"):
        pod_manifest(values, "gpu-xl")


def test_two_default_choices(values):
    def edit(p):
        choices = p["profile_options"]["gpu"]["choices"]
        choices["two"] = {"display_name": "Two GPUs", "default": True, "kubespawner_override": {}}

    (problem,) = broken(values, "ml-gpu", edit)
    assert "2 choices are marked default (['full', 'two'])" in problem


def test_gpu_choice_asking_for_two_gpus(values):
    def edit(p):
        p["profile_options"]["gpu"]["choices"]["full"]["kubespawner_override"]["extra_resource_limits"] = {
            "nvidia.com/gpu": "2"
        }

    (problem,) = broken(values, "ml-gpu", edit)
    assert problem.startswith("profile 'ml-gpu' option gpu=full: extra_resource_limits: expected exactly one GPU")


def test_gpu_profile_without_env_or_shm(values):
    def edit(p):
        override = p["kubespawner_override"]
        del override["environment"]
        del override["volumes"]

    problems = broken(values, "ml-gpu", edit)
    assert sorted({problem.split(": ")[1] for problem in problems}) == ["environment", "volumes"]


def test_volume_lists_would_drop_the_home_volume(values):
    def edit(p):
        p["kubespawner_override"]["volumes"] = list(p["kubespawner_override"]["volumes"].values())

    assert broken(values, "ml-gpu", edit) == [
        "profile 'ml-gpu': kubespawner_override.volumes: a list replaces z2jh's volumes (the home volume); "
        "give a mapping keyed by volume name"
    ]


def test_mounting_a_claim_the_chart_does_not_create(values):
    """Datasets are off by default: a profile mounting the dataset claim would never start."""

    def edit(p):
        claim = {"claimName": "fastsim-datasets", "readOnly": True}
        p["kubespawner_override"]["volumes"] = {"data": {"name": "data", "persistentVolumeClaim": claim}}
        p["kubespawner_override"]["volume_mounts"] = {"data": {"name": "data", "mountPath": "/d", "readOnly": True}}

    assert broken(values, "ml-cpu", edit) == [
        "profile 'ml-cpu': volumes.data: claim 'fastsim-datasets' is not created by the chart with these values "
        "(expected one of ['{pvc_name}']; list a claim you made in custom.fastsim.existingClaims)"
    ]
    changed = copy.deepcopy(values)
    changed["jupyterhub"]["custom"]["fastsim"]["datasets"]["enabled"] = True
    edit(profile(changed, "ml-cpu"))
    assert check(changed) == []


def test_writable_dataset_mount(values):
    changed = copy.deepcopy(values)
    changed["jupyterhub"]["custom"]["fastsim"]["datasets"]["enabled"] = True
    override = profile(changed, "standard-cpu")["kubespawner_override"]
    override["volumes"] = {"s": {"name": "s", "persistentVolumeClaim": {"claimName": "fastsim-datasets"}}}
    override["volume_mounts"] = {"s": {"name": "s", "mountPath": "/samples"}}
    assert check(changed) == [
        "profile 'standard-cpu': volume_mounts.s: the shared dataset must be mounted readOnly: true"
    ]


def test_shared_home_claim_must_be_created(values):
    changed = copy.deepcopy(values)
    changed["jupyterhub"]["singleuser"]["storage"] = {"type": "static", "static": {"pvcName": "fastsim-home"}}
    (problem,) = check(changed)
    assert problem.startswith("jupyterhub.singleuser.storage.static.pvcName: claim 'fastsim-home' is not created")
    changed["sharedHome"]["create"] = True
    assert check(changed) == []


@pytest.mark.parametrize(
    ("model", "slices", "expected"),
    [
        ("A100-40GB", ["1g.10gb", "3g.40gb"], "'3g.40gb' is not a MIG slice of A100-40GB"),
        ("H200-141GB", ["1g.10gb"], "'1g.10gb' is not a MIG slice of H200-141GB"),
        ("T4", ["1g.10gb"], "gpu.model: 'T4' is not a MIG model"),
    ],
)
def test_mig_slices_must_exist_on_the_gpu_model(values, model, slices, expected):
    changed = copy.deepcopy(values)
    changed["jupyterhub"]["custom"]["fastsim"]["gpu"] = {"model": model, "migSlices": slices}
    problems = check(changed)
    assert len(problems) == 1
    assert expected in problems[0]


def test_h200_slices_are_offered(values):
    changed = copy.deepcopy(values)
    changed["jupyterhub"]["custom"]["fastsim"]["gpu"] = {"model": "H200-141GB", "migSlices": ["1g.18gb", "3g.71gb"]}
    assert check(changed) == []
    limits = pod_manifest(changed, "ml-gpu", {"gpu": "mig-3g-71gb"})["spec"]["containers"][0]["resources"]["limits"]
    assert limits["nvidia.com/mig-3g.71gb"] == "1"


def test_pods_must_pass_pod_security_restricted(values):
    changed = copy.deepcopy(values)
    del changed["jupyterhub"]["hub"]["config"]["KubeSpawner"]
    problems = check(changed)
    assert len(problems) == 9 * 3  # every profile and choice; no runAsNonRoot, seccomp, dropped capabilities
    assert problems[0] == (
        "profile 'standard-cpu': pod: containers.notebook.securityContext.runAsNonRoot must be true "
        "(on the container or the pod)"
    )


def test_iptables_metadata_block_is_not_restricted(values):
    changed = copy.deepcopy(values)
    changed["jupyterhub"]["singleuser"]["cloudMetadata"]["blockWithIptables"] = True
    problems = check(changed)
    expected = "initContainers.block-cloud-metadata.securityContext.privileged must not be true"
    assert f"profile 'terminal': pod: {expected}" in problems


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        (lambda s: s.update(hostNetwork=True), "spec.hostNetwork must not be true"),
        (lambda s: s["volumes"].append({"name": "h", "hostPath": {"path": "/"}}), "volume 'h': type ['hostPath']"),
        (lambda s: s["containers"][0]["securityContext"].pop("allowPrivilegeEscalation"), "allowPrivilegeEscalation"),
        (lambda s: s["containers"][0]["securityContext"].update(runAsUser=0), "runAsUser must not be 0"),
        (lambda s: s["securityContext"].pop("seccompProfile"), "seccompProfile.type must be RuntimeDefault"),
        (lambda s: s["containers"][0]["securityContext"]["capabilities"].update(add=["SYS_ADMIN"]), "SYS_ADMIN"),
    ],
)
def test_restricted_rules(edit, problem):
    """The Pod Security Standards' restricted controls, on a pod spec that passes them."""
    spec = {
        "securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
        "volumes": [{"name": "v", "emptyDir": {}}],
        "containers": [{"name": "c", "securityContext": {"allowPrivilegeEscalation": False,
                                                         "capabilities": {"drop": ["ALL"]}}}],
    }
    assert restricted_problems(spec) == []
    edit(spec)
    (found,) = restricted_problems(spec)
    assert problem in found


def test_hub_files_checksum(values):
    changed = copy.deepcopy(values)
    changed["jupyterhub"]["hub"]["annotations"]["fastsim-hub/hub-files-checksum"] = "0" * 64
    (problem,) = check(changed)
    right = values["jupyterhub"]["hub"]["annotations"]["fastsim-hub/hub-files-checksum"]
    assert problem.startswith('jupyterhub.hub.annotations["fastsim-hub/hub-files-checksum"]: ' + repr("0" * 64))
    assert problem.endswith(f"set it to {right!r} so that the hub restarts when they change")


def test_hub_files_checksum_follows_the_files(values, tmp_path):
    import shutil

    from .conftest import CHART

    chart = tmp_path / "fastsim-hub"
    shutil.copytree(CHART, chart, ignore=shutil.ignore_patterns("charts", "__pycache__"))
    assert check(values, chart=chart) == []
    with (chart / "files" / "hub" / "fastsim_profiles.py").open("a") as handle:
        handle.write("# changed\n")
    (problem,) = check(values, chart=chart)
    assert "is not the checksum of" in problem


def test_z2jh_schema_accepts_config_yaml_and_rejects_misspelt_keys(values):
    schema, defaults = read_z2jh_schema(Z2JH_SCHEMA)
    assert check_z2jh_values(values, schema, defaults) == []
    changed = copy.deepcopy(values)
    changed["jupyterhub"]["singleuser"]["startTimout"] = changed["jupyterhub"]["singleuser"].pop("startTimeout")
    changed["jupyterhub"]["cull"]["maxage"] = 3600
    assert check_z2jh_values(changed, schema, defaults) == [
        "z2jh value jupyterhub.cull: Additional properties are not allowed ('maxage' was unexpected)",
        "z2jh value jupyterhub.singleuser: Additional properties are not allowed ('startTimout' was unexpected)",
    ]


def test_z2jh_schema_sees_the_defaults_merged_as_helm_does(values):
    """A null in the values removes the key (as helm does), so the default must not come back."""
    schema, defaults = read_z2jh_schema(Z2JH_SCHEMA)
    changed = copy.deepcopy(values)
    changed["jupyterhub"]["singleuser"]["storage"]["capacity"] = 20
    (problem,) = check_z2jh_values(changed, schema, defaults)
    assert problem.startswith("z2jh value jupyterhub.singleuser.storage.capacity: 20 is not of type 'string'")


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
