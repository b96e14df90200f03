"""The chart: helm lint --strict and helm template (z2jh replaced by a stub of the pinned version), every
rendered object strictly valid for Kubernetes, and wired to config.yaml."""

from __future__ import annotations

import copy
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


def render(helm: Path, chart: Path, *values_files: Path, sets: tuple[str, ...] = ()) -> list[dict]:
    """helm template of ``chart`` (release "hub", namespace "fastsim") with the values files; the objects."""
    args = ["template", "hub", str(chart), "--namespace", "fastsim", "--kube-version", f"{K8S_VERSION}.0"]
    for path in values_files:
        args += ["-f", str(path)]
    for setting in sets:
        args += ["--set", setting]
    result = run_helm(helm, *args)
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


@pytest.fixture
def rendered(helm, chart_with_stub) -> list[dict]:
    return render(helm, chart_with_stub, CONFIG)


def by_kind(docs: list[dict], kind: str) -> list[dict]:
    return [doc for doc in docs if doc["kind"] == kind]


def test_dependency_is_the_pinned_z2jh_chart():
    """z2jh 4.4.0: past 4.3.4 (JupyterHub CSRF fix) and 4.4.0 (DoS advisory); our mapping is of that tag."""
    from fastsim_kernel.platform.z2jh import Z2JH_VERSION

    chart = yaml.safe_load((CHART / "Chart.yaml").read_text())
    (dependency,) = chart["dependencies"]
    assert dependency["name"] == "jupyterhub"
    assert re.fullmatch(r"\d+\.\d+\.\d+", dependency["version"]), "pin an exact version, not a range"
    assert dependency["version"] == "4.4.0" == Z2JH_VERSION
    assert dependency["repository"] == "https://hub.jupyter.org/helm-chart/"


def test_hub_packages_match_the_z2jh_hub_image():
    """jupyterhub 5.5.0 and jupyterhub-kubespawner 7.0.0: images/hub/requirements.txt of z2jh 4.4.0."""
    from importlib.metadata import version

    assert (version("jupyterhub"), version("jupyterhub-kubespawner")) == ("5.5.0", "7.0.0")


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
    assert kinds == ["ConfigMap", "ConfigMap", "DaemonSet", "DaemonSet", "LimitRange", "Namespace", "NetworkPolicy",
                     "NetworkPolicy", "PersistentVolumeClaim", "ResourceQuota", "Role", "RoleBinding",
                     "ServiceAccount", "ServiceAccount"]
    for doc in rendered:
        assert kubernetes_validate.validate(doc, K8S_VERSION, strict=True) == K8S_VERSION


def test_hub_files_configmap(rendered, values):
    (configmap,) = [c for c in by_kind(rendered, "ConfigMap") if c["metadata"]["name"] == "fastsim-hub-files"]
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


def test_stale_hub_files_checksum_fails_the_install(helm, chart_with_stub, values):
    """helm computes the checksum of files/hub itself and refuses a config.yaml that carries another one:
    the hub pod's annotation changes with the files, so the hub restarts on `helm upgrade`."""
    from fastsim_kernel.platform.checks import hub_files_checksum

    annotation = "jupyterhub.hub.annotations.fastsim-hub/hub-files-checksum"
    args = ["template", "hub", str(chart_with_stub), "-f", str(CONFIG), "--set", f"{annotation}=stale"]
    result = run_helm(helm, *args)
    assert result.returncode != 0
    right = hub_files_checksum(chart_with_stub)
    assert f'is "stale", not the checksum of files/hub: set it to "{right}"' in result.stderr
    assert values["jupyterhub"]["hub"]["annotations"]["fastsim-hub/hub-files-checksum"] == right
    (chart_with_stub / "files" / "hub" / "fastsim_profiles.py").write_bytes(b"# changed, on Windows\r\n")  # bytes
    result = run_helm(helm, "template", "hub", str(chart_with_stub), "-f", str(CONFIG))
    assert result.returncode != 0
    assert f'set it to "{hub_files_checksum(chart_with_stub)}"' in result.stderr


def test_datasets_are_off_by_default_and_the_switch_creates_the_claim(helm, chart_with_stub, rendered, values):
    from fastsim_kernel.platform import pod_manifest

    claims = {doc["metadata"]["name"] for doc in by_kind(rendered, "PersistentVolumeClaim")}
    assert claims == {"fastsim-results"}
    on = render(helm, chart_with_stub, CONFIG, sets=("jupyterhub.custom.fastsim.datasets.enabled=true",))
    (claim,) = [d for d in by_kind(on, "PersistentVolumeClaim") if d["metadata"]["name"] != "fastsim-results"]
    assert claim["spec"]["accessModes"] == ["ReadOnlyMany"]
    assert claim["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"
    changed = copy.deepcopy(values)
    changed["jupyterhub"]["custom"]["fastsim"]["datasets"]["enabled"] = True
    pod = pod_manifest(changed, "ml-cpu")
    mounted = [v["persistentVolumeClaim"]["claimName"] for v in pod["spec"]["volumes"] if v["name"] == "datasets"]
    assert mounted == [claim["metadata"]["name"]]


def test_jobs_namespace_is_separate_and_restricted(rendered, values):
    from fastsim_kernel.platform.jobs import JobDefaults

    defaults = JobDefaults.from_values(values)
    (namespace,) = by_kind(rendered, "Namespace")
    assert namespace["metadata"]["name"] == defaults.namespace == "fastsim-jobs"
    labels = namespace["metadata"]["labels"]
    assert labels["pod-security.kubernetes.io/enforce"] == "restricted"
    accounts = {(a["metadata"]["namespace"], a["metadata"]["name"]): a for a in by_kind(rendered, "ServiceAccount")}
    runner = accounts[("fastsim-jobs", defaults.service_account)]
    assert runner["automountServiceAccountToken"] is False
    terminal = next(p for p in profile_list(values) if p["slug"] == "terminal")["kubespawner_override"]
    assert ("fastsim", terminal["service_account"]) in accounts  # the release namespace, release "hub"
    (role,) = by_kind(rendered, "Role")
    (binding,) = by_kind(rendered, "RoleBinding")
    assert role["metadata"]["namespace"] == binding["metadata"]["namespace"] == "fastsim-jobs"
    assert binding["subjects"] == [
        {"kind": "ServiceAccount", "name": terminal["service_account"], "namespace": "fastsim"}
    ]
    resources = {r for rule in role["rules"] for r in rule["resources"]}
    assert "secrets" not in resources
    assert "pods/exec" not in resources
    (results,) = by_kind(rendered, "PersistentVolumeClaim")
    assert (results["metadata"]["namespace"], results["metadata"]["name"]) == ("fastsim-jobs", defaults.results_claim)
    assert results["spec"]["accessModes"] == ["ReadWriteMany"]
    (quota,) = by_kind(rendered, "ResourceQuota")
    assert quota["spec"]["hard"]["requests.nvidia.com/gpu"] == "4"
    policy = next(p for p in by_kind(rendered, "NetworkPolicy") if p["metadata"]["namespace"] == "fastsim-jobs")
    assert policy["spec"]["policyTypes"] == ["Ingress", "Egress"]
    assert {port["port"] for rule in policy["spec"]["egress"] for port in rule["ports"]} == {53}


def test_terminal_gets_what_job_submission_needs(rendered, values):
    """The ConfigMap the terminal profile mounts as $FASTSIM_CONFIG gives the same Job settings as
    config.yaml, and carries no hub secrets."""
    from fastsim_kernel.platform.jobs import JobDefaults

    (configmap,) = [c for c in by_kind(rendered, "ConfigMap") if c["metadata"]["name"] == "fastsim-jobs-config"]
    reduced = yaml.safe_load(configmap["data"]["config.yaml"])
    assert JobDefaults.from_values(reduced) == JobDefaults.from_values(values)
    assert "hub" not in reduced["jupyterhub"]
    terminal = next(p for p in profile_list(values) if p["slug"] == "terminal")["kubespawner_override"]
    assert terminal["volumes"]["fastsim-config"]["configMap"]["name"] == configmap["metadata"]["name"]


def test_terminal_job_settings_follow_extra_tolerations_and_name_overrides(helm, chart_with_stub, values):
    """Values that change the Jobs (singleuser.extraTolerations; fullnameOverride names z2jh's pull Secret)
    reach the terminal's copy too."""
    from fastsim_kernel.platform.jobs import JobDefaults
    from fastsim_kernel.platform.values import coalesce

    toleration = "jupyterhub.singleuser.extraTolerations[0]"
    sets = (f"{toleration}.key=site", f"{toleration}.operator=Exists", "jupyterhub.imagePullSecret.create=true",
            "jupyterhub.fullnameOverride=lab")  # fmt: skip
    docs = render(helm, chart_with_stub, CONFIG, sets=sets)
    (configmap,) = [c for c in by_kind(docs, "ConfigMap") if c["metadata"]["name"] == "fastsim-jobs-config"]
    reduced = JobDefaults.from_values(yaml.safe_load(configmap["data"]["config.yaml"]))
    assert {"key": "site", "operator": "Exists"} in reduced.tolerations
    assert reduced.image_pull_secrets == ("lab-image-pull-secret",)
    same = {"singleuser": {"extraTolerations": [{"key": "site", "operator": "Exists"}]},
            "imagePullSecret": {"create": True}, "fullnameOverride": "lab"}  # fmt: skip
    assert reduced == JobDefaults.from_values(coalesce(values, {"jupyterhub": same}))


def test_image_pullers_split_cpu_and_gpu(helm, chart_with_stub, rendered, values):
    from fastsim_kernel.platform.checks import restricted_problems

    pullers = {ds["metadata"]["name"]: ds["spec"]["template"]["spec"] for ds in by_kind(rendered, "DaemonSet")}
    cpu, gpu = pullers["hub-fastsim-cpu-image-puller"], pullers["hub-fastsim-gpu-image-puller"]
    images = {p["slug"]: p["kubespawner_override"]["image"] for p in profile_list(values)}
    assert [c["image"] for c in gpu["initContainers"]] == [images["ml-gpu"], images["fastsim-ml-gpu"]]
    assert [c["image"] for c in cpu["initContainers"]] == [images["standard-cpu"], images["ml-cpu"], images["terminal"]]
    terms = gpu["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
    assert terms == [{"matchExpressions": values["imagePuller"]["gpuNodeAffinity"]}]
    assert "affinity" not in cpu
    assert "nodeSelector" not in cpu
    defaults = values["jupyterhub"]["scheduling"]["userPods"]["tolerations"]
    assert gpu["tolerations"][:2] == defaults
    assert gpu["tolerations"][2] == {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}
    assert cpu["tolerations"] == defaults
    assert values["jupyterhub"]["prePuller"]["pullProfileListImages"] is False
    for spec in (cpu, gpu):
        assert restricted_problems(spec) == []
        assert "imagePullSecrets" not in spec
    secrets = ("jupyterhub.imagePullSecrets[0]=org-registry", "jupyterhub.singleuser.image.pullSecrets[0]=team")
    with_secrets = render(helm, chart_with_stub, CONFIG, sets=secrets)
    for puller in by_kind(with_secrets, "DaemonSet"):
        assert puller["spec"]["template"]["spec"]["imagePullSecrets"] == [{"name": "org-registry"}, {"name": "team"}]
    created = ("jupyterhub.imagePullSecret.create=true",)  # z2jh's Secret, referenced by default
    for puller in by_kind(render(helm, chart_with_stub, CONFIG, sets=created), "DaemonSet"):
        assert puller["spec"]["template"]["spec"]["imagePullSecrets"] == [{"name": "image-pull-secret"}]
    renamed = (*created, "jupyterhub.fullnameOverride=lab")  # z2jh's get_name("image-pull-secret")
    for puller in by_kind(render(helm, chart_with_stub, CONFIG, sets=renamed), "DaemonSet"):
        assert puller["spec"]["template"]["spec"]["imagePullSecrets"] == [{"name": "lab-image-pull-secret"}]
    not_injected = (*created, "jupyterhub.imagePullSecret.automaticReferenceInjection=false")
    for puller in by_kind(render(helm, chart_with_stub, CONFIG, sets=not_injected), "DaemonSet"):
        assert "imagePullSecrets" not in puller["spec"]["template"]["spec"]


def test_network_policy_selects_the_real_terminal_pod(rendered, values):
    """The policy's selector matches the labels KubeSpawner puts on a terminal pod of the same release,
    and no other profile's pod."""
    from fastsim_kernel.platform import pod_manifest

    (policy,) = [p for p in by_kind(rendered, "NetworkPolicy") if p["metadata"]["name"].endswith("-kube-api")]
    selector = policy["spec"]["podSelector"]["matchLabels"]
    for profile in profile_list(values):
        labels = pod_manifest(values, profile["slug"], release="hub")["metadata"]["labels"]
        selected = all(labels.get(key) == value for key, value in selector.items())
        assert selected == (profile["slug"] == "terminal"), profile["slug"]


def test_network_policy_selects_the_terminal_profile(rendered, values):
    (policy,) = [p for p in by_kind(rendered, "NetworkPolicy") if p["metadata"]["name"].endswith("-kube-api")]
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
        ("jobs.results.size=lots", "at '/jobs/results/size': 'lots' does not match pattern"),
        ("jupyterhub.custom.fastsim.datasets.enable=true", "additional properties 'enable' not allowed"),
        ("networkPolicy.kubeApi.ports[0]=70000", "at '/networkPolicy/kubeApi/ports/0': maximum"),
        ("imagePuller.pauseImage=registry.k8s.io/pause", "at '/imagePuller/pauseImage'"),
    ],
)
def test_schema_rejects_bad_chart_values(helm, chart_with_stub, setting, message):
    result = run_helm(helm, "template", "hub", str(chart_with_stub), "-f", str(CONFIG), "--set", setting)
    assert result.returncode != 0
    assert message in result.stderr
