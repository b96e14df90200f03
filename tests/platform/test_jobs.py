"""Kubernetes Job and Kubeflow Trainer v2 manifests for scaling out simulation and training."""

from __future__ import annotations

import subprocess

import kubernetes_validate
import pytest

from fastsim_kernel.errors import FastsimError
from fastsim_kernel.platform.checks import restricted_problems
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
    assert defaults.namespace == "fastsim-jobs"  # config.yaml jobs.namespace: never the hub's namespace
    assert defaults.service_account == "fastsim-job-runner"
    assert defaults.results_claim == "fastsim-results"
    assert defaults.datasets_claim is None
    assert [t["key"] for t in defaults.tolerations] == ["hub.jupyter.org/dedicated", "hub.jupyter.org_dedicated"]
    assert defaults.image_pull_secrets == ()
    assert defaults.gpu_runtime_class is None


def test_defaults_follow_the_values(values):
    import copy

    changed = copy.deepcopy(values)
    changed["jobs"]["namespace"] = "hep-jobs"
    changed["jobs"]["datasetsClaimName"] = "samples"
    changed["jupyterhub"]["imagePullSecrets"] = ["ghcr"]
    changed["jupyterhub"]["custom"]["fastsim"]["gpu"]["runtimeClassName"] = "nvidia"
    defaults = JobDefaults.from_values(changed)
    assert (defaults.namespace, defaults.datasets_claim) == ("hep-jobs", "samples")
    assert (defaults.image_pull_secrets, defaults.gpu_runtime_class) == (("ghcr",), "nvidia")
    runtime = training_runtime(defaults)["spec"]["template"]["spec"]["replicatedJobs"][0]
    pod_spec = runtime["template"]["spec"]["template"]["spec"]
    assert pod_spec["runtimeClassName"] == "nvidia"
    assert pod_spec["imagePullSecrets"] == [{"name": "ghcr"}]
    job = simulate_job(SimulateJob("g4", n_showers=10, completions=2, parallelism=2), defaults)
    assert job["metadata"]["namespace"] == "hep-jobs"
    assert "runtimeClassName" not in job["spec"]["template"]["spec"]  # CPU pods keep the default runtime
    claims = {v["persistentVolumeClaim"]["claimName"] for v in job["spec"]["template"]["spec"]["volumes"]}
    assert claims == {"fastsim-results", "samples"}


def test_simulate_job_is_a_valid_indexed_job(defaults):
    job = simulate_job(SimulateJob("g4-100k", n_showers=100_003, completions=10, parallelism=5), defaults)
    assert kubernetes_validate.validate(job, K8S_VERSION, strict=True) == K8S_VERSION
    spec = job["spec"]
    assert (spec["completionMode"], spec["completions"], spec["parallelism"]) == ("Indexed", 10, 5)
    assert spec["backoffLimitPerIndex"] == 2
    assert job["metadata"]["namespace"] == "fastsim-jobs"
    pod = spec["template"]["spec"]
    assert pod["restartPolicy"] == "Never"
    assert restricted_problems(pod) == []
    assert (pod["serviceAccountName"], pod["automountServiceAccountToken"]) == ("fastsim-job-runner", False)
    (container,) = pod["containers"]
    assert container["image"] == defaults.image
    env = {e["name"]: e["value"] for e in container["env"]}
    assert (env["BASE"], env["EXTRA"], env["SEED"]) == ("10000", "3", "0")
    mounts = {m["name"]: m for m in container["volumeMounts"]}
    assert set(mounts) == {"results"}  # no dataset claim in the jobs namespace by default
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


def test_every_shower_is_simulated_exactly_once(defaults):
    """Run the container's real shell command for every index: the counts add up to n_showers, each
    index differs from the others by at most one shower, and the seeds never repeat."""
    job = simulate_job(SimulateJob("g4-7", n_showers=7, completions=3, parallelism=3, seed=100), defaults)
    container = job["spec"]["template"]["spec"]["containers"][0]
    script = container["command"][2].replace("mkdir -p /results/g4-7 && exec fastsim", "exec echo fastsim")
    env = {e["name"]: e["value"] for e in container["env"]} | {"PATH": "/usr/bin:/bin"}
    counts, seeds = [], []
    for index in range(3):
        run_env = env | {"JOB_COMPLETION_INDEX": str(index)}
        out = subprocess.run(["/bin/sh", "-c", script], env=run_env, capture_output=True, text=True, check=True)
        words = out.stdout.split()
        counts.append(int(words[words.index("--n") + 1]))
        seeds.append(int(words[words.index("--seed") + 1]))
    assert counts == [3, 2, 2]
    assert seeds == [100, 101, 102]


@pytest.mark.parametrize(
    ("job", "message"),
    [
        (SimulateJob("G4", n_showers=10), "must be a lowercase DNS label"),
        (SimulateJob("g4-", n_showers=10), "must be a lowercase DNS label"),
        (SimulateJob("g4", n_showers=3, completions=4), r"parallelism \(4\) <= completions \(4\) <= n_showers \(3\)"),
        (SimulateJob("g4", n_showers=100, completions=2, parallelism=3), "need 1 <= parallelism"),
        (SimulateJob("g4", n_showers=10, energy="x"), "energy 'x' is not a value or a LOW:HIGH range in GeV"),
        (SimulateJob("g4", n_showers=10, theta="0:90"), "theta 0:90 degrees must lie strictly between 0 and 180"),
        (SimulateJob("g4", n_showers=10, grid="10x10x10"), "10x10x10"),
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
    assert restricted_problems(pod_spec) == []
    keys = [t["key"] for t in pod_spec["tolerations"]]
    assert keys == ["hub.jupyter.org/dedicated", "hub.jupyter.org_dedicated", "nvidia.com/gpu"]
    assert "nodeSelector" not in pod_spec, "the TrainJob's GPU request places the pod"
    (container,) = pod_spec["containers"]
    assert container["name"] == "node"
    assert {m["mountPath"] for m in container["volumeMounts"]} == {"/results", "/dev/shm"}


def test_train_job_structure(defaults):
    job = train_job(TrainJob("gan-fixed", data="/datasets/electrons_25.h5", epochs=30), defaults)
    assert (job["apiVersion"], job["kind"]) == ("trainer.kubeflow.org/v1alpha1", "TrainJob")
    assert job["metadata"] == {"name": "gan-fixed", "namespace": "fastsim-jobs"}
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
    with pytest.raises(FastsimError, match=r"GPU resource 'nvidia\.com/a100'; expected nvidia\.com/gpu or"):
        train_job(TrainJob("gan", data="/datasets/x.h5", gpu_resource="nvidia.com/a100"), defaults)


def test_cli_parallelism_zero_is_refused_not_taken_for_the_default(capsys):
    from fastsim_kernel.cli import main

    from .conftest import CONFIG

    argv = ["profiles", "job", "simulate", "--config", str(CONFIG), "--name", "g4", "--n", "10", "--parallelism", "0"]
    assert main(argv) == 2
    assert "need 1 <= parallelism (0) <= completions (4)" in capsys.readouterr().err


def test_hub_config_kubespawner_tolerations_and_pull_secrets_reach_the_jobs(values):
    """A site that sets them in hub.config.KubeSpawner (not in singleuser/scheduling) gets them on Jobs too."""
    import copy

    changed = copy.deepcopy(values)
    site_toleration = {"key": "site.org/batch", "operator": "Exists", "effect": "NoSchedule"}
    changed["jupyterhub"].setdefault("hub", {}).setdefault("config", {})["KubeSpawner"] = {
        "tolerations": [site_toleration],
        "image_pull_secrets": [{"name": "site-registry"}],
    }
    defaults = JobDefaults.from_values(changed)
    assert list(defaults.tolerations) == [site_toleration]  # KubeSpawner's section replaces the mapped value
    assert defaults.image_pull_secrets == ("site-registry",)
    job = simulate_job(SimulateJob("g4", n_showers=10, completions=2, parallelism=2), defaults)
    assert site_toleration in job["spec"]["template"]["spec"]["tolerations"]
    assert job["spec"]["template"]["spec"]["imagePullSecrets"] == [{"name": "site-registry"}]


@pytest.mark.parametrize(("secrets", "expected"), [("site-registry", ("site-registry",)), (None, ())])
def test_a_single_pull_secret_name_or_null_in_hub_config(values, secrets, expected):
    """KubeSpawner accepts one name as a string (deprecated) and null; Jobs must not split it into letters."""
    import copy

    changed = copy.deepcopy(values)
    changed["jupyterhub"].setdefault("hub", {}).setdefault("config", {})["KubeSpawner"] = {
        "image_pull_secrets": secrets,
        "tolerations": None,
    }
    defaults = JobDefaults.from_values(changed)
    assert defaults.image_pull_secrets == expected
    assert defaults.tolerations == ()
