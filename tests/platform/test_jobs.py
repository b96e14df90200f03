"""Kubernetes Job and Kubeflow Trainer v2 manifests for scaling out simulation and training."""

from __future__ import annotations

import subprocess

import kubernetes_validate
import pytest

from fastsim_kernel.errors import FastsimError
from fastsim_kernel.platform.jobs import JobDefaults, SimulateJob, TrainJob, simulate_job, train_job, training_runtime

from .conftest import K8S_VERSION

# TrainJob / ClusterTrainingRuntime fields of trainer.kubeflow.org/v1alpha1 used here (a CRD: no bundled schema)
TRAINJOB_SPEC_FIELDS = {"runtimeRef", "trainer", "initializer", "labels", "annotations", "suspend", "managedBy"}
TRAINER_FIELDS = {"image", "command", "args", "env", "numNodes", "resourcesPerNode", "numProcPerNode"}


@pytest.fixture(scope="module")
def defaults(values) -> JobDefaults:
    return JobDefaults.from_values(values)


def test_defaults_come_from_config_yaml(defaults):
    assert defaults.image == "ghcr.io/fastsim-hub/fastsim:0.1.0"
    assert defaults.datasets_claim == "fastsim-datasets"
    assert [t["key"] for t in defaults.tolerations] == ["hub.jupyter.org/dedicated", "hub.jupyter.org_dedicated"]
    assert defaults.gpu_node_selector == {"nvidia.com/gpu.present": "true"}


def test_simulate_job_is_a_valid_indexed_job(defaults):
    job = simulate_job(SimulateJob("g4-100k", n_showers=100_003, completions=10, parallelism=5), defaults)
    assert kubernetes_validate.validate(job, K8S_VERSION, strict=True) == K8S_VERSION
    spec = job["spec"]
    assert (spec["completionMode"], spec["completions"], spec["parallelism"]) == ("Indexed", 10, 5)
    assert spec["backoffLimitPerIndex"] == 2
    pod = spec["template"]["spec"]
    assert pod["restartPolicy"] == "Never"
    assert pod["securityContext"]["runAsNonRoot"] is True
    (container,) = pod["containers"]
    assert container["image"] == defaults.image
    env = {e["name"]: e["value"] for e in container["env"]}
    assert (env["BASE"], env["EXTRA"], env["SEED"]) == ("10000", "3", "0")
    mounts = {m["name"]: m for m in container["volumeMounts"]}
    assert mounts["datasets"]["readOnly"] is True
    assert mounts["results"]["mountPath"] == "/results"


@pytest.mark.parametrize(("index", "count", "seed"), [(0, 10001, 7), (2, 10001, 9), (3, 10000, 10), (9, 10000, 16)])
def test_each_index_simulates_its_share_with_its_own_seed(defaults, index, count, seed):
    """Run the container's real shell command (with `echo` in front of fastsim) for one completion index."""
    job = simulate_job(SimulateJob("g4-100k", n_showers=100_003, completions=10, seed=7, parallelism=2), defaults)
    container = job["spec"]["template"]["spec"]["containers"][0]
    script = container["command"][2].replace("mkdir -p /results/g4-100k && exec fastsim", "exec echo fastsim")
    env = {e["name"]: e["value"] for e in container["env"]}
    env |= {"JOB_COMPLETION_INDEX": str(index), "PATH": "/usr/bin:/bin"}
    out = subprocess.run(["/bin/sh", "-c", script], env=env, capture_output=True, text=True, check=True).stdout.split()
    assert out[:4] == ["fastsim", "simulate", "--n", str(count)]
    assert out[out.index("--seed") + 1] == str(seed)
    assert out[out.index("--out") + 1] == f"/results/g4-100k/part-{index}.h5"
    assert "--resume" in out


def test_shares_add_up():
    base, extra = divmod(100_003, 10)
    assert sum(base + (i < extra) for i in range(10)) == 100_003


@pytest.mark.parametrize(
    ("job", "message"),
    [
        (SimulateJob("G4", n_showers=10), "must be a lowercase DNS label"),
        (SimulateJob("g4-", n_showers=10), "must be a lowercase DNS label"),
        (SimulateJob("g4", n_showers=3, completions=4), r"parallelism \(4\) <= completions \(4\) <= n_showers \(3\)"),
        (SimulateJob("g4", n_showers=100, completions=2, parallelism=3), "need 1 <= parallelism"),
    ],
)
def test_bad_simulate_jobs(defaults, job, message):
    with pytest.raises(FastsimError, match=message):
        simulate_job(job, defaults)


def test_training_runtime_pod_template_is_a_valid_gpu_pod(defaults):
    runtime = training_runtime(defaults)
    assert runtime["apiVersion"] == "trainer.kubeflow.org/v1alpha1"
    assert runtime["kind"] == "ClusterTrainingRuntime"
    assert runtime["spec"]["mlPolicy"] == {"numNodes": 1}
    (node,) = runtime["spec"]["template"]["spec"]["replicatedJobs"]
    assert node["name"] == "node"
    assert node["template"]["metadata"]["labels"]["trainer.kubeflow.org/trainjob-ancestor-step"] == "trainer"
    pod_spec = node["template"]["spec"]["template"]["spec"]
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "template"}, "spec": pod_spec}
    assert kubernetes_validate.validate(pod, K8S_VERSION, strict=True) == K8S_VERSION
    keys = [t["key"] for t in pod_spec["tolerations"]]
    assert keys == ["hub.jupyter.org/dedicated", "hub.jupyter.org_dedicated", "nvidia.com/gpu"]
    assert pod_spec["nodeSelector"] == {"nvidia.com/gpu.present": "true"}
    (container,) = pod_spec["containers"]
    assert container["name"] == "node"
    assert {m["mountPath"] for m in container["volumeMounts"]} == {"/results", "/datasets", "/dev/shm"}


def test_train_job_structure(defaults):
    job = train_job(TrainJob("gan-fixed", data="/datasets/electrons_25.h5", epochs=30), defaults)
    assert (job["apiVersion"], job["kind"]) == ("trainer.kubeflow.org/v1alpha1", "TrainJob")
    assert job["metadata"] == {"name": "gan-fixed", "namespace": "fastsim"}
    assert set(job["spec"]) <= TRAINJOB_SPEC_FIELDS
    assert job["spec"]["runtimeRef"] == {
        "apiGroup": "trainer.kubeflow.org",
        "kind": "ClusterTrainingRuntime",
        "name": training_runtime(defaults)["metadata"]["name"],
    }
    trainer = job["spec"]["trainer"]
    assert set(trainer) <= TRAINER_FIELDS
    assert trainer["numNodes"] == 1
    assert trainer["resourcesPerNode"]["limits"]["nvidia.com/gpu"] == "1"
    command = trainer["command"]
    assert command[:2] == ["fastsim", "train"]
    assert command[command.index("--data") + 1] == "/datasets/electrons_25.h5"
    assert command[command.index("--epochs") + 1] == "30"
    assert command[command.index("--out") + 1] == "/results/gan-fixed"
    # the resources are a valid core ResourceRequirements (checked inside a container of a Pod)
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "resources"},
        "spec": {"containers": [{"name": "c", "image": trainer["image"], "resources": trainer["resourcesPerNode"]}]},
    }
    assert kubernetes_validate.validate(pod, K8S_VERSION, strict=True) == K8S_VERSION


def test_train_job_on_a_mig_slice(defaults):
    job = train_job(TrainJob("gan-mig", data="/datasets/x.h5", gpu_resource="nvidia.com/mig-3g.40gb"), defaults)
    limits = job["spec"]["trainer"]["resourcesPerNode"]["limits"]
    assert limits["nvidia.com/mig-3g.40gb"] == "1"
    assert "nvidia.com/gpu" not in limits
    with pytest.raises(FastsimError, match=r"expected model fixed\|variable and epochs >= 1, got .huge."):
        train_job(TrainJob("gan", data="/datasets/x.h5", model="huge"), defaults)
