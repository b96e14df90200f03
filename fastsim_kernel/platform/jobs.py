"""Kubernetes manifests for heavy work that outgrows a notebook server.

- ``simulate_job``: an Indexed ``batch/v1`` Job; each of ``completions`` pods simulates its share of the
  showers with its own seed (base seed + completion index) into ``<output>/<name>/part-<index>.h5``, so
  the parts can be read together and a failed index is simply retried (``backoffLimitPerIndex``).
- ``training_runtime`` and ``train_job``: Kubeflow Trainer v2 (``trainer.kubeflow.org/v1alpha1``): a
  ClusterTrainingRuntime holding the GPU pod template (tolerations, placement, volumes, /dev/shm) and a
  TrainJob that runs ``fastsim train`` on one GPU node through it.

Images, pull secrets, tolerations and the GPU runtime class come from config.yaml
(``JobDefaults.from_values``), so the jobs run the same software, on the same nodes, as the notebook profiles.
They run in the jobs namespace the chart creates (``jobs.namespace``: Pod Security "restricted", a quota,
the ``jobs.results`` claim, a service account without API token), never in the hub's namespace, and pass Pod
Security "restricted" themselves. A GPU pod is placed by its GPU resource request, not by a node label.
"""

from __future__ import annotations

import copy
import re
import shlex
from dataclasses import dataclass
from typing import Any

from fastsim_kernel.errors import FastsimError
from fastsim_kernel.platform.checks import GPU_RESOURCE
from fastsim_kernel.platform.profiles import find_profile
from fastsim_kernel.platform.values import fastsim_settings, get_value, hub_values, profile_list
from fastsim_kernel.platform.z2jh import hub_traits

TRAINER_API = "trainer.kubeflow.org/v1alpha1"
JOB_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]{0,50}[a-z0-9])?$")
GPU_TOLERATION = {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}


@dataclass(frozen=True)
class JobDefaults:
    """What jobs share with the notebook profiles and the chart.

    image: the fastsim image; namespace: the jobs namespace; service_account: the Job pods' account;
    results_claim: the ReadWriteMany claim for outputs (in the jobs namespace); datasets_claim: a claim
    with the samples in the jobs namespace (None: not mounted); tolerations: those of every user pod;
    image_pull_secrets: as user pods get them (both after ``hub.config.KubeSpawner``, as for user pods);
    gpu_runtime_class: RuntimeClass of GPU pods (None: default).
    """

    image: str
    namespace: str = "fastsim-jobs"
    service_account: str = "fastsim-job-runner"
    results_claim: str = "fastsim-results"
    datasets_claim: str | None = None
    tolerations: tuple[dict[str, Any], ...] = ()
    image_pull_secrets: tuple[str, ...] = ()
    gpu_runtime_class: str | None = None

    @classmethod
    def from_values(cls, values: dict[str, Any], *, profile: str = "fastsim-ml-gpu", **overrides: Any) -> JobDefaults:
        """Defaults from config.yaml: the image of ``profile``, the ``jobs:`` chart values, user-pod settings."""
        override = find_profile(profile_list(values), profile).get("kubespawner_override") or {}
        traits = hub_traits(hub_values(values))  # z2jh's mapping, then hub.config, as the user pods get it
        secrets = traits.get("image_pull_secrets") or []
        if isinstance(secrets, str):  # KubeSpawner still takes one name as a string (deprecated)
            secrets = [secrets]
        secrets = [s if isinstance(s, str) else s["name"] for s in secrets]
        settings = {
            "image": override["image"],
            "namespace": get_value(values, "jobs.namespace", cls.namespace),
            "service_account": get_value(values, "jobs.runnerServiceAccount", cls.service_account),
            "results_claim": get_value(values, "jobs.results.claimName", cls.results_claim),
            "datasets_claim": get_value(values, "jobs.datasetsClaimName") or None,
            "tolerations": tuple(traits.get("tolerations") or []),
            "image_pull_secrets": tuple(secrets),
            "gpu_runtime_class": get_value(fastsim_settings(values), "gpu.runtimeClassName") or None,
        }
        settings.update(overrides)
        return cls(**settings)


@dataclass(frozen=True)
class SimulateJob:
    """A sharded Geant4 simulation: ``n_showers`` split over ``completions`` pods, ``parallelism`` at once."""

    name: str
    n_showers: int
    completions: int = 4
    parallelism: int = 4
    energy: str = "10:100"
    theta: str = "60:120"
    grid: str = "25x25x25"
    seed: int = 0
    cpu: str = "2"
    memory: str = "4Gi"
    retries_per_index: int = 2


@dataclass(frozen=True)
class TrainJob:
    """One ``fastsim train`` run on a GPU node: ``data`` is a path inside the pod (e.g. under /datasets)."""

    name: str
    data: str
    model: str = "fixed"
    epochs: int = 60
    gpu_resource: str = "nvidia.com/gpu"
    cpu: str = "8"
    memory: str = "32Gi"
    extra_args: tuple[str, ...] = ()


def _check_name(name: str) -> None:
    """Job names become pod name prefixes: a DNS label short enough for the index suffixes."""
    if not JOB_NAME.match(name):
        msg = f"job name {name!r} must be a lowercase DNS label of at most 52 characters (a-z, 0-9, '-')"
        raise FastsimError(msg)


def _volumes(defaults: JobDefaults, *, shm: bool) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    volumes = [{"name": "results", "persistentVolumeClaim": {"claimName": defaults.results_claim}}]
    mounts = [{"name": "results", "mountPath": "/results"}]
    if defaults.datasets_claim:
        volumes.append(
            {"name": "datasets", "persistentVolumeClaim": {"claimName": defaults.datasets_claim, "readOnly": True}}
        )
        mounts.append({"name": "datasets", "mountPath": "/datasets", "readOnly": True})
    if shm:
        volumes.append({"name": "dshm", "emptyDir": {"medium": "Memory", "sizeLimit": "8Gi"}})
        mounts.append({"name": "dshm", "mountPath": "/dev/shm"})
    return volumes, mounts


# Pod Security "restricted" (https://kubernetes.io/docs/concepts/security/pod-security-standards/), the
# uid/gid of the images' user (1000, group 100, as in the notebook pods).
SECURITY = {"runAsNonRoot": True, "runAsUser": 1000, "runAsGroup": 100, "fsGroup": 100,
            "seccompProfile": {"type": "RuntimeDefault"}}
CONTAINER_SECURITY = {"allowPrivilegeEscalation": False, "runAsNonRoot": True, "capabilities": {"drop": ["ALL"]},
                      "seccompProfile": {"type": "RuntimeDefault"}}


def _pod_spec(defaults: JobDefaults, *, restart: str, containers: list[dict[str, Any]], volumes: list[dict[str, Any]],
              gpu: bool) -> dict[str, Any]:
    """The pod spec both kinds of Job share: the jobs' service account without token, restricted security,
    user-pod tolerations (plus the GPU taint and runtime class for GPU pods), pull secrets."""
    spec: dict[str, Any] = {
        "restartPolicy": restart,
        "serviceAccountName": defaults.service_account,
        "automountServiceAccountToken": False,
        "securityContext": copy.deepcopy(SECURITY),
        "tolerations": [copy.deepcopy(t) for t in defaults.tolerations] + ([dict(GPU_TOLERATION)] if gpu else []),
        "containers": containers,
        "volumes": volumes,
    }
    if defaults.image_pull_secrets:
        spec["imagePullSecrets"] = [{"name": name} for name in defaults.image_pull_secrets]
    if gpu and defaults.gpu_runtime_class:
        spec["runtimeClassName"] = defaults.gpu_runtime_class
    return spec


def simulate_job(job: SimulateJob, defaults: JobDefaults) -> dict[str, Any]:
    """The Indexed Job manifest (``batch/v1``) for ``job``."""
    _check_name(job.name)
    if job.n_showers < job.completions or job.completions < 1 or not 1 <= job.parallelism <= job.completions:
        msg = (
            f"simulate job {job.name!r}: need 1 <= parallelism ({job.parallelism}) <= completions "
            f"({job.completions}) <= n_showers ({job.n_showers})"
        )
        raise FastsimError(msg)
    from fastsim_kernel.g4.config import GunConfig, parse_grid

    GunConfig(energy_gev=job.energy, theta_deg=job.theta)  # refused here, not in every pod once scheduled
    parse_grid(job.grid)
    base, extra = divmod(job.n_showers, job.completions)  # the first `extra` indexes simulate one more
    out = f"/results/{job.name}"
    # index i simulates base (+1 for the first `extra` indexes) showers with seed SEED + i
    script = (
        f'mkdir -p {out} && exec fastsim simulate --n "$((BASE + (JOB_COMPLETION_INDEX < EXTRA)))" '
        f'--seed "$((SEED + JOB_COMPLETION_INDEX))" --out "{out}/part-$JOB_COMPLETION_INDEX.h5" '
        f"--energy {shlex.quote(job.energy)} --theta {shlex.quote(job.theta)} --grid {shlex.quote(job.grid)} "
        f"--workers {int(float(job.cpu)) or 1} --resume --quiet"
    )
    volumes, mounts = _volumes(defaults, shm=False)
    container = {
        "name": "simulate",
        "image": defaults.image,
        "command": ["/bin/sh", "-c", script],
        "env": [
            {"name": "BASE", "value": str(base)},
            {"name": "EXTRA", "value": str(extra)},
            {"name": "SEED", "value": str(job.seed)},
        ],
        "resources": {
            "requests": {"cpu": job.cpu, "memory": job.memory},
            "limits": {"cpu": job.cpu, "memory": job.memory},
        },
        "volumeMounts": mounts,
        "securityContext": copy.deepcopy(CONTAINER_SECURITY),
    }
    labels = {"app.kubernetes.io/name": "fastsim-simulate", "app.kubernetes.io/instance": job.name}
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": job.name, "namespace": defaults.namespace, "labels": dict(labels)},
        "spec": {
            "completionMode": "Indexed",
            "completions": job.completions,
            "parallelism": job.parallelism,
            "backoffLimitPerIndex": job.retries_per_index,
            "ttlSecondsAfterFinished": 7 * 24 * 3600,
            "template": {
                "metadata": {"labels": labels},
                "spec": _pod_spec(defaults, restart="Never", containers=[container], volumes=volumes, gpu=False),
            },
        },
    }


def training_runtime(defaults: JobDefaults, *, name: str = "fastsim-keras") -> dict[str, Any]:
    """A Kubeflow Trainer v2 ClusterTrainingRuntime: one GPU node running the fastsim image."""
    volumes, mounts = _volumes(defaults, shm=True)
    container = {
        "name": "node",
        "image": defaults.image,
        "env": [{"name": "NVIDIA_DRIVER_CAPABILITIES", "value": "compute,utility"}],
        "volumeMounts": mounts,
        "securityContext": copy.deepcopy(CONTAINER_SECURITY),
    }
    pod_spec = _pod_spec(defaults, restart="OnFailure", containers=[container], volumes=volumes, gpu=True)
    node_job = {
        "name": "node",
        "template": {
            "metadata": {"labels": {"trainer.kubeflow.org/trainjob-ancestor-step": "trainer"}},
            "spec": {"template": {"spec": pod_spec}},
        },
    }
    return {
        "apiVersion": TRAINER_API,
        "kind": "ClusterTrainingRuntime",
        "metadata": {"name": name, "labels": {"trainer.kubeflow.org/framework": "keras"}},
        "spec": {"mlPolicy": {"numNodes": 1}, "template": {"spec": {"replicatedJobs": [node_job]}}},
    }


def train_job(job: TrainJob, defaults: JobDefaults, *, runtime: str = "fastsim-keras") -> dict[str, Any]:
    """A Kubeflow Trainer v2 TrainJob running ``fastsim train`` through ``runtime`` on one GPU."""
    _check_name(job.name)
    if job.model not in ("fixed", "variable") or job.epochs < 1:
        msg = f"train job {job.name!r}: expected model fixed|variable and epochs >= 1, got {job.model!r}, {job.epochs}"
        raise FastsimError(msg)
    if not GPU_RESOURCE.match(job.gpu_resource):
        expected = "nvidia.com/gpu or nvidia.com/mig-SLICE"
        msg = f"train job {job.name!r}: GPU resource {job.gpu_resource!r}; expected {expected}"
        raise FastsimError(msg)
    command = ["fastsim", "train", "--data", job.data, "--model", job.model, "--epochs", str(job.epochs),
               "--out", f"/results/{job.name}", "--resume", "--quiet", *job.extra_args]  # fmt: skip
    return {
        "apiVersion": TRAINER_API,
        "kind": "TrainJob",
        "metadata": {"name": job.name, "namespace": defaults.namespace},
        "spec": {
            "runtimeRef": {"apiGroup": "trainer.kubeflow.org", "kind": "ClusterTrainingRuntime", "name": runtime},
            "trainer": {
                "image": defaults.image,
                "command": command,
                "numNodes": 1,
                "resourcesPerNode": {
                    "requests": {"cpu": job.cpu, "memory": job.memory},
                    "limits": {"cpu": job.cpu, "memory": job.memory, job.gpu_resource: "1"},
                },
            },
        },
    }
