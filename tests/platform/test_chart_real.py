"""`make test-chart`: the umbrella chart rendered with the REAL z2jh 4.4.0 subchart, every object strictly valid.

The subchart comes from the JupyterHub chart repository through `helm dependency update` (or from a chart
archive named by $FASTSIM_Z2JH_CHART, e.g. a mirrored jupyterhub-4.4.0.tgz). Where neither is reachable the
tests skip and say so: the offline tests (test_helm.py with a stub subchart, test_checks.py with z2jh's
schema) are what runs then.
"""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from .conftest import CHART, CONFIG, K8S_VERSION

EXAMPLES = sorted((CHART / "examples").glob("*.yaml"))


@pytest.fixture(scope="module")
def real_chart(helm, tmp_path_factory) -> Path:
    chart = tmp_path_factory.mktemp("real") / "fastsim-hub"
    shutil.copytree(CHART, chart, ignore=shutil.ignore_patterns("charts", "Chart.lock", "__pycache__"))
    archive = os.environ.get("FASTSIM_Z2JH_CHART")
    if archive:
        (chart / "charts").mkdir()
        shutil.copy(archive, chart / "charts")
        return chart
    command = [str(helm), "dependency", "update", str(chart)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        lines = [line.strip() for line in (result.stdout + result.stderr).splitlines() if line.strip()]
        reason = next((line for line in lines if "dial tcp" in line or "Get " in line), lines[0] if lines else "")
        pytest.skip(f"cannot reach the JupyterHub chart repository (https://hub.jupyter.org/helm-chart/), so the "
                    f"real z2jh chart was not rendered: {reason}")  # fmt: skip
    return chart


def render(helm: Path, chart: Path, *values: Path) -> list[dict]:
    args = [str(helm), "template", "hub", str(chart), "--namespace", "fastsim", "--kube-version", f"{K8S_VERSION}.0"]
    for path in values:
        args += ["-f", str(path)]
    result = subprocess.run(args, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


@pytest.mark.parametrize("example", [None, *EXAMPLES], ids=lambda p: p.stem if p else "config.yaml")
def test_real_chart_renders_strictly_valid_objects(helm, real_chart, example):
    docs = render(helm, real_chart, CONFIG, *([example] if example else []))
    for doc in docs:
        assert kubernetes_validate.validate(doc, K8S_VERSION, strict=True) == K8S_VERSION, doc["metadata"]["name"]
    kinds = {doc["kind"] for doc in docs}
    assert {"Deployment", "ConfigMap", "Secret", "NetworkPolicy"} <= kinds


def test_every_pod_of_the_release_passes_pod_security_restricted(helm, real_chart):
    """z2jh's hub, proxy, user scheduler, placeholders and pullers and ours: the hub namespace can enforce
    Pod Security "restricted" (user pods are checked in test_manifests.py)."""
    from fastsim_kernel.platform.checks import restricted_problems

    workloads = [d for d in render(helm, real_chart, CONFIG) if d["kind"] in ("Deployment", "DaemonSet", "StatefulSet")]
    assert len(workloads) >= 5
    for doc in workloads:
        assert restricted_problems(doc["spec"]["template"]["spec"]) == [], doc["metadata"]["name"]


def test_real_chart_agrees_with_our_mapping(helm, real_chart):
    """What z2jh's own templates render matches the names our pod mapping assumes."""
    from fastsim_kernel.platform import load_values
    from fastsim_kernel.platform.values import hub_values
    from fastsim_kernel.platform.z2jh import Z2JH_VERSION, spawner_traits

    docs = render(helm, real_chart, CONFIG)
    named = {(doc["kind"], doc["metadata"]["name"]): doc for doc in docs}
    traits = spawner_traits(hub_values(load_values(CONFIG)), release="hub")
    scheduler_config = named[("ConfigMap", "user-scheduler")]["data"]["config.yaml"]
    assert f"schedulerName: {traits['scheduler_name']}" in scheduler_config
    hub = named[("Deployment", "hub")]["spec"]["template"]
    annotation = "fastsim-hub/hub-files-checksum"
    ours = load_values(CONFIG)["jupyterhub"]["hub"]["annotations"][annotation]
    assert hub["metadata"]["annotations"][annotation] == ours
    secret = yaml.safe_load(base64.b64decode(named[("Secret", "hub")]["data"]["values.yaml"]))
    assert secret["Chart"]["Version"] == Z2JH_VERSION
    policy = named[("NetworkPolicy", "singleuser")]["spec"]["podSelector"]["matchLabels"]
    assert all(traits["common_labels"].get(k) == v or k == "component" for k, v in policy.items())
