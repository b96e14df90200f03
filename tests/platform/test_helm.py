"""The chart: helm lint --strict and helm template (z2jh replaced by a stub of the pinned version), every
rendered object strictly valid for Kubernetes, and wired to config.yaml."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from fastsim_kernel.platform import profile_list

from .conftest import CHART, CONFIG, K8S_VERSION


def run_helm(helm: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(helm), *args], capture_output=True, text=True, check=False)


@pytest.fixture
def rendered(helm, chart_with_stub) -> list[dict]:
    result = run_helm(
        helm, "template", "hub", str(chart_with_stub), "-f", str(CONFIG), "--kube-version", f"{K8S_VERSION}.0"
    )
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def by_kind(docs: list[dict], kind: str) -> list[dict]:
    return [doc for doc in docs if doc["kind"] == kind]


def test_dependency_is_the_pinned_z2jh_chart():
    chart = yaml.safe_load((CHART / "Chart.yaml").read_text())
    (dependency,) = chart["dependencies"]
    assert dependency["name"] == "jupyterhub"
    assert re.fullmatch(r"\d+\.\d+\.\d+", dependency["version"]), "pin an exact version, not a range"
    assert dependency["version"].startswith("4.")
    assert dependency["repository"] == "https://hub.jupyter.org/helm-chart/"


def test_lint_strict_with_config_yaml(helm, chart_with_stub):
    result = run_helm(helm, "lint", "--strict", str(chart_with_stub), "-f", str(CONFIG))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 chart(s) linted, 0 chart(s) failed" in result.stdout
    assert "[WARNING]" not in result.stdout
    assert "[ERROR]" not in result.stdout


def test_lint_strict_with_chart_defaults(helm, chart_with_stub):
    result = run_helm(helm, "lint", "--strict", str(chart_with_stub))
    assert result.returncode == 0, result.stdout + result.stderr


def test_template_needs_the_dependency(helm, tmp_path):
    """Without charts/jupyterhub helm refuses to render: the stub is what makes offline rendering possible."""
    import shutil

    copy = tmp_path / "bare"
    shutil.copytree(CHART, copy, ignore=shutil.ignore_patterns("charts", "Chart.lock"))
    result = run_helm(helm, "template", "hub", str(copy), "-f", str(CONFIG))
    assert result.returncode != 0
    assert "jupyterhub" in result.stderr


def test_rendered_objects_are_strictly_valid(rendered):
    kinds = sorted(doc["kind"] for doc in rendered)
    assert kinds == ["ConfigMap", "DaemonSet", "DaemonSet", "NetworkPolicy", "PersistentVolumeClaim"]
    for doc in rendered:
        assert kubernetes_validate.validate(doc, K8S_VERSION, strict=True) == K8S_VERSION


def test_hub_files_configmap(rendered, values):
    (configmap,) = by_kind(rendered, "ConfigMap")
    files = CHART / "files" / "hub"
    assert configmap["metadata"]["name"] == values["hubFiles"]["configMapName"]
    assert set(configmap["data"]) == {"fastsim_profiles.py", "fastsim_gpu_cull.py", "fastsim_gpu_culler"}
    assert configmap["data"]["fastsim_profiles.py"] == (files / "fastsim_profiles.py").read_text()
    culler = (files / "services" / "fastsim_gpu_culler.py").read_text()
    assert configmap["data"]["fastsim_gpu_culler"].strip() == culler.strip()
    (volume,) = [v for v in values["jupyterhub"]["hub"]["extraVolumes"] if "configMap" in v]
    assert volume["configMap"]["name"] == configmap["metadata"]["name"]
    (mount,) = values["jupyterhub"]["hub"]["extraVolumeMounts"]
    assert mount["mountPath"] == "/usr/local/etc/jupyterhub/jupyterhub_config.d"


def test_dataset_claim_matches_the_profiles(rendered, values):
    (claim,) = by_kind(rendered, "PersistentVolumeClaim")
    assert claim["spec"]["accessModes"] == ["ReadOnlyMany"]
    assert claim["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"
    name = claim["metadata"]["name"]
    ml = [p for p in profile_list(values) if p["slug"] in {"ml-cpu", "ml-gpu", "fastsim-ml-gpu"}]
    for profile in ml:
        volumes = profile["kubespawner_override"]["volumes"]
        claims = [v["persistentVolumeClaim"]["claimName"] for v in volumes if "persistentVolumeClaim" in v]
        assert name in claims


def test_image_pullers_split_cpu_and_gpu(rendered, values):
    pullers = {ds["metadata"]["name"]: ds["spec"]["template"]["spec"] for ds in by_kind(rendered, "DaemonSet")}
    cpu, gpu = pullers["hub-fastsim-cpu-image-puller"], pullers["hub-fastsim-gpu-image-puller"]
    images = {p["slug"]: p["kubespawner_override"]["image"] for p in profile_list(values)}
    assert [c["image"] for c in gpu["initContainers"]] == [images["ml-gpu"], images["fastsim-ml-gpu"]]
    assert [c["image"] for c in cpu["initContainers"]] == [images["standard-cpu"], images["ml-cpu"], images["terminal"]]
    assert gpu["nodeSelector"] == {"nvidia.com/gpu.present": "true"}
    for profile in profile_list(values):
        if profile["slug"] in values["jupyterhub"]["custom"]["fastsim"]["gpuProfiles"]:
            assert profile["kubespawner_override"]["node_selector"] == gpu["nodeSelector"]
    assert "nodeSelector" not in cpu
    defaults = values["jupyterhub"]["scheduling"]["userPods"]["tolerations"]
    assert gpu["tolerations"][:2] == defaults
    assert gpu["tolerations"][2] == {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}
    assert cpu["tolerations"] == defaults
    assert values["jupyterhub"]["prePuller"]["pullProfileListImages"] is False


def test_network_policy_selects_the_real_terminal_pod(rendered, values):
    """The policy's selector matches the labels KubeSpawner puts on a terminal pod of the same release,
    and no other profile's pod."""
    from fastsim_kernel.platform import pod_manifest

    (policy,) = by_kind(rendered, "NetworkPolicy")
    selector = policy["spec"]["podSelector"]["matchLabels"]
    for profile in profile_list(values):
        labels = pod_manifest(values, profile["slug"], release="hub")["metadata"]["labels"]
        selected = all(labels.get(key) == value for key, value in selector.items())
        assert selected == (profile["slug"] == "terminal"), profile["slug"]


def test_network_policy_selects_the_terminal_profile(rendered, values):
    (policy,) = by_kind(rendered, "NetworkPolicy")
    selector = policy["spec"]["podSelector"]["matchLabels"]
    terminal = next(p for p in profile_list(values) if p["slug"] == "terminal")
    label = "fastsim-hub/kube-api-access"
    assert selector[label] == terminal["kubespawner_override"]["extra_labels"][label]
    assert selector["component"] == "singleuser-server"
    assert selector["release"] == "hub"
    assert policy["spec"]["policyTypes"] == ["Egress"]
    assert [p["port"] for p in policy["spec"]["egress"][0]["ports"]] == [443, 6443]


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("dataset.enabled=true", "additional properties 'dataset' not allowed"),
        ("datasets.size=lots", "at '/datasets/size': 'lots' does not match pattern"),
        ("networkPolicy.kubeApi.ports[0]=70000", "at '/networkPolicy/kubeApi/ports/0': maximum"),
        ("imagePuller.pauseImage=registry.k8s.io/pause", "at '/imagePuller/pauseImage'"),
    ],
)
def test_schema_rejects_bad_chart_values(helm, chart_with_stub, setting, message):
    result = run_helm(helm, "template", "hub", str(chart_with_stub), "-f", str(CONFIG), "--set", setting)
    assert result.returncode != 0
    assert message in result.stderr
