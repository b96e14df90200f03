"""The per-platform example values (helm/fastsim-hub/examples/), each layered over config.yaml as
`helm -f config.yaml -f examples/<platform>.yaml` layers them: valid for our checks, the chart's schema and
z2jh's schema; the chart renders to strictly valid objects; the pods carry the platform's settings."""

from __future__ import annotations

from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from fastsim_kernel.platform import check, load_values, pod_manifest
from fastsim_kernel.platform.checks import check_chart_values, check_z2jh_values, read_z2jh_schema
from fastsim_kernel.platform.spawner import offered_profiles
from fastsim_kernel.platform.values import coalesce

from .conftest import CHART, CONFIG, K8S_VERSION
from .test_helm import by_kind, render

EXAMPLES = CHART / "examples"
Z2JH_SCHEMA = Path(__file__).resolve().parents[1] / "data" / "z2jh-4.4.0" / "values.schema.yaml"
# platform -> (storage class of the shared home, MIG resources offered on ml-gpu, GPU runtime class)
PLATFORMS = {
    "onprem-gpu-operator": (
        "rook-cephfs", ["nvidia.com/mig-1g.10gb", "nvidia.com/mig-2g.20gb", "nvidia.com/mig-3g.40gb"], "nvidia"
    ),
    "eks": ("efs-sc", [], None),
    "gke": ("standard-rwx", [], None),
}


def layered(name: str) -> dict:
    return coalesce(load_values(CONFIG), yaml.safe_load((EXAMPLES / f"{name}.yaml").read_text()))


def test_every_example_is_tested():
    assert sorted(path.stem for path in EXAMPLES.glob("*.yaml")) == sorted(PLATFORMS)


@pytest.mark.parametrize("name", sorted(PLATFORMS))
def test_example_passes_every_check(name):
    values = layered(name)
    assert check(values) == []
    assert check_chart_values(values, CHART) == []
    assert check_z2jh_values(values, *read_z2jh_schema(Z2JH_SCHEMA)) == []


@pytest.mark.parametrize("name", sorted(PLATFORMS))
def test_example_renders_and_its_pods_carry_the_platform(helm, chart_with_stub, name):
    storage_class, mig, runtime_class = PLATFORMS[name]
    docs = render(helm, chart_with_stub, CONFIG, EXAMPLES / f"{name}.yaml")
    for doc in docs:
        assert kubernetes_validate.validate(doc, K8S_VERSION, strict=True) == K8S_VERSION
    claims = {doc["metadata"]["name"]: doc["spec"] for doc in by_kind(docs, "PersistentVolumeClaim")}
    assert set(claims) == {"fastsim-home", "fastsim-datasets", "fastsim-results"}
    home = {"accessModes": ["ReadWriteMany"], "storageClassName": storage_class}
    assert claims["fastsim-home"] == {**home, "resources": {"requests": {"storage": "1Ti"}}}
    assert claims["fastsim-datasets"]["storageClassName"] == storage_class
    values = layered(name)
    pod = pod_manifest(values, "ml-gpu", user="ada")
    volumes = {v["name"]: v for v in pod["spec"]["volumes"]}
    assert volumes["home"]["persistentVolumeClaim"] == {"claimName": "fastsim-home"}
    assert volumes["datasets"]["persistentVolumeClaim"] == {"claimName": "fastsim-datasets", "readOnly": True}
    assert pod["spec"].get("runtimeClassName") == runtime_class
    assert "nodeSelector" not in pod["spec"]
    ml_gpu = next(p for p in offered_profiles(values) if p["slug"] == "ml-gpu")
    choices = sorted(set(ml_gpu["profile_options"]["gpu"]["choices"]) - {"full"})
    offered = []
    for choice in choices:
        limits = pod_manifest(values, "ml-gpu", {"gpu": choice})["spec"]["containers"][0]["resources"]["limits"]
        offered += [key for key in limits if key.startswith("nvidia.com/")]
    assert offered == mig
