"""Every profile and option choice -> the real KubeSpawner's pod -> a strictly valid Kubernetes Pod."""

from __future__ import annotations

import kubernetes_validate
import pytest

from fastsim_kernel.platform import pod_manifest, profile_list
from fastsim_kernel.platform.values import load_values

from .conftest import CONFIG, K8S_VERSION

DEFAULT_TOLERATIONS = [
    {"key": key, "operator": "Equal", "value": "user", "effect": "NoSchedule"}
    for key in ("hub.jupyter.org/dedicated", "hub.jupyter.org_dedicated")
]
GPU_TOLERATION = {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}
GPU_RESOURCE = {
    "full": "nvidia.com/gpu",
    "mig-1g-10gb": "nvidia.com/mig-1g.10gb",
    "mig-3g-40gb": "nvidia.com/mig-3g.40gb",
}
IMAGES = {
    "standard-cpu": "ghcr.io/fastsim-hub/standard:0.1.0",
    "ml-cpu": "ghcr.io/fastsim-hub/ml-cpu:0.1.0",
    "ml-gpu": "ghcr.io/fastsim-hub/ml-gpu:0.1.0",
    "fastsim-ml-gpu": "ghcr.io/fastsim-hub/fastsim:0.1.0",
    "terminal": "ghcr.io/fastsim-hub/terminal:0.1.0",
}
ML = {"ml-cpu", "ml-gpu", "fastsim-ml-gpu"}
GPU = {"ml-gpu", "fastsim-ml-gpu"}


def variants() -> list[tuple[str, dict[str, str]]]:
    """(slug, options) for each profile with default options, and each non-default option choice."""
    cases = []
    for profile in profile_list(load_values(CONFIG)):
        cases.append((profile["slug"], {}))
        for name, option in (profile.get("profile_options") or {}).items():
            cases += [(profile["slug"], {name: c}) for c, spec in option["choices"].items() if not spec.get("default")]
    return cases


VARIANTS = variants()


@pytest.fixture(scope="module")
def pods(values) -> dict:
    """Every variant's pod, rendered once for the module."""
    return {(slug, tuple(sorted(o.items()))): pod_manifest(values, slug, o, user="ada") for slug, o in VARIANTS}


def pod_for(pods, slug, options):
    return pods[(slug, tuple(sorted(options.items())))]


def test_variants_cover_every_profile_and_choice():
    assert len(VARIANTS) == 9
    assert {slug for slug, _ in VARIANTS} == set(IMAGES)


@pytest.mark.parametrize(("slug", "options"), VARIANTS)
def test_pod_is_strictly_valid(pods, slug, options):
    pod = pod_for(pods, slug, options)
    assert kubernetes_validate.validate(pod, K8S_VERSION, strict=True) == K8S_VERSION
    assert pod["kind"] == "Pod"
    assert pod["metadata"]["name"] == "jupyter-ada"


@pytest.mark.parametrize(("slug", "options"), VARIANTS)
def test_image_env_and_resources(pods, slug, options):
    container = pod_for(pods, slug, options)["spec"]["containers"][0]
    assert container["image"] == IMAGES[slug]
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert env["JUPYTERHUB_USER"] == "ada"
    assert env["FASTSIM_DATA_DIR"] == "/datasets"
    limits, requests = container["resources"]["limits"], container["resources"]["requests"]
    assert float(limits["cpu"]) >= float(requests["cpu"]) > 0
    assert int(limits["memory"]) >= int(requests["memory"]) > 0
    assert container["securityContext"] == {"runAsUser": 1000, "allowPrivilegeEscalation": False}


@pytest.mark.parametrize(("slug", "options"), VARIANTS)
def test_tolerations_keep_the_chart_defaults(pods, slug, options):
    tolerations = pod_for(pods, slug, options)["spec"]["tolerations"]
    assert tolerations[:2] == DEFAULT_TOLERATIONS
    assert (GPU_TOLERATION in tolerations) == (slug in GPU)


@pytest.mark.parametrize(("slug", "options"), VARIANTS)
def test_volumes(pods, slug, options):
    spec = pod_for(pods, slug, options)["spec"]
    volumes = {v["name"]: v for v in spec["volumes"]}
    mounts = {m["name"]: m for m in spec["containers"][0]["volumeMounts"]}
    assert volumes["volume-ada"]["persistentVolumeClaim"] == {"claimName": "claim-ada"}
    assert mounts["volume-ada"]["mountPath"] == "/home/jovyan"
    assert ("datasets" in volumes) == (slug in ML)
    if slug in ML:
        assert volumes["datasets"]["persistentVolumeClaim"] == {"claimName": "fastsim-datasets", "readOnly": True}
        assert mounts["datasets"] == {"name": "datasets", "mountPath": "/datasets", "readOnly": True}
    assert ("dshm" in volumes) == (slug in GPU)
    if slug in GPU:
        assert volumes["dshm"]["emptyDir"]["medium"] == "Memory"
        assert mounts["dshm"]["mountPath"] == "/dev/shm"


@pytest.mark.parametrize(("slug", "options"), [v for v in VARIANTS if v[0] in GPU])
def test_gpu_limits_placement_and_driver_env(pods, slug, options):
    spec = pod_for(pods, slug, options)["spec"]
    container = spec["containers"][0]
    choice = options.get("gpu", "full")
    gpu_limits = {k: v for k, v in container["resources"]["limits"].items() if k.startswith("nvidia.com/")}
    assert gpu_limits == {GPU_RESOURCE[choice]: "1"}
    assert spec["nodeSelector"]["nvidia.com/gpu.present"] == "true"
    assert ("nvidia.com/mig.strategy" in spec["nodeSelector"]) == choice.startswith("mig")
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert env["NVIDIA_DRIVER_CAPABILITIES"] == "compute,utility"


@pytest.mark.parametrize("slug", sorted(set(IMAGES) - GPU))
def test_cpu_pods_request_no_gpu_and_stay_off_gpu_nodes(pods, slug):
    spec = pod_for(pods, slug, {})["spec"]
    assert not [k for k in spec["containers"][0]["resources"]["limits"] if k.startswith("nvidia.com/")]
    assert "nodeSelector" not in spec or "nvidia.com/gpu.present" not in spec["nodeSelector"]


def test_fastsim_opens_on_the_notebooks(pods):
    container = pod_for(pods, "fastsim-ml-gpu", {})["spec"]["containers"][0]
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert env["JUPYTERHUB_DEFAULT_URL"] == "/lab/tree/notebooks"
    command = container["lifecycle"]["postStart"]["exec"]["command"]
    assert "/opt/fastsim/notebooks" in command[-1]


def test_terminal_may_reach_the_kube_api(pods):
    labels = pod_for(pods, "terminal", {})["metadata"]["labels"]
    assert labels["fastsim-hub/kube-api-access"] == "true"
    assert labels["component"] == "singleuser-server"
    assert "fastsim-hub/kube-api-access" not in pod_for(pods, "ml-gpu", {})["metadata"]["labels"]
