"""Kubernetes manifests for heavy work that outgrows a notebook server.

- ``simulate_job``: an Indexed ``batch/v1`` Job; each of ``completions`` pods simulates its share of the
  showers with its own seed (base seed + completion index) into ``<output>/<name>/part-<index>.h5``, so
  the parts can be read together and a failed index is simply retried (``backoffLimitPerIndex``).
- ``training_runtime`` and ``train_job``: Kubeflow Trainer v2 (``trainer.kubeflow.org/v1alpha1``): a
  ClusterTrainingRuntime holding the GPU pod template (tolerations, placement, volumes, /dev/shm) and a
  TrainJob that runs ``fastsim train`` on one GPU node through it.

Images, the dataset claim and the user-pod tolerations come from config.yaml (``JobDefaults.from_values``),
so the jobs run the same software, on the same nodes, as the notebook profiles.
"""

from __future__ import annotations

import copy
import re
import shlex
from dataclasses import dataclass, field
from typing import Any

from fastsim_kernel.errors import FastsimError
from fastsim_kernel.platform.values import find_profile, get_value, hub_values
from fastsim_kernel.platform.z2jh import spawner_traits

TRAINER_API = "trainer.kubeflow.org/v1alpha1"
JOB_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]{0,50}[a-z0-9])?$")
GPU_TOLERATION = {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}


@dataclass(frozen=True)
class JobDefaults:
    """What jobs share with the notebook profiles.

    image: the fastsim image; datasets_claim: the read-only dataset claim (None: not mounted);
    results_claim: a ReadWriteMany claim for outputs; tolerations: those of every user pod;
    gpu_node_selector: where GPU pods go; namespace: where jobs run.
    """

    image: str
    datasets_claim: str | None = "fastsim-datasets"
    results_claim: str = "fastsim-results"
    tolerations: tuple[dict[str, Any], ...] = ()
    gpu_node_selector: dict[str, str] = field(default_factory=lambda: {"nvidia.com/gpu.present": "true"})
    namespace: str = "fastsim"

    @classmethod
    def from_values(cls, values: dict[str, Any], *, profile: str = "fastsim-ml-gpu", **overrides: Any) -> JobDefaults:
        """Defaults from config.yaml: the image of ``profile``, the dataset claim, user-pod tolerations."""
        override = find_profile(values, profile).get("kubespawner_override") or {}
        claim = get_value(values, "datasets.claimName") if get_value(values, "datasets.enabled") else None
        tolerations = tuple(spawner_traits(hub_values(values)).get("tolerations", []))
        selector = get_value(values, "imagePuller.gpuNodeSelector") or {"nvidia.com/gpu.present": "true"}
        settings = {"image": override["image"], "datasets_claim": claim, "tolerations": tolerations,
                    "gpu_node_selector": dict(selector)}  # fmt: skip
        settings.update(overrides)
        return cls(**settings)


@dataclass(frozen=True)
class SimulateJob:
    """A sharded Geant4 simulation: ``n_showers`` split over ``completions`` pods, ``parallelism`` at once."""

    name: str
    n_showers: int
    completions: int = 4
    parallelism: int = 4
    energy: str = "10:200"
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


SECURITY = {"runAsNonRoot": True, "runAsUser": 1000, "runAsGroup": 100, "fsGroup": 100}
CONTAINER_SECURITY = {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}


def simulate_job(job: SimulateJob, defaults: JobDefaults) -> dict[str, Any]:
    """The Indexed Job manifest (``batch/v1``) for ``job``."""
    _check_name(job.name)
    if job.n_showers < job.completions or job.completions < 1 or not 1 <= job.parallelism <= job.completions:
        msg = (
            f"simulate job {job.name!r}: need 1 <= parallelism ({job.parallelism}) <= completions "
            f"({job.completions}) <= n_showers ({job.n_showers})"
        )
        raise FastsimError(msg)
    base, extra = divmod(job.n_showers, job.completions)
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
                "spec": {
                    "restartPolicy": "Never",
                    "securityContext": dict(SECURITY),
                    "tolerations": [copy.deepcopy(t) for t in defaults.tolerations],
                    "containers": [container],
                    "volumes": volumes,
                },
            },
        },
    }


def training_runtime(defaults: JobDefaults, *, name: str = "fastsim-keras") -> dict[str, Any]:
    """A Kubeflow Trainer v2 ClusterTrainingRuntime: one GPU node running the fastsim image."""
    volumes, mounts = _volumes(defaults, shm=True)
    pod_spec = {
        "restartPolicy": "OnFailure",
        "securityContext": dict(SECURITY),
        "nodeSelector": dict(defaults.gpu_node_selector),
        "tolerations": [copy.deepcopy(t) for t in defaults.tolerations] + [dict(GPU_TOLERATION)],
        "containers": [
            {
                "name": "node",
                "image": defaults.image,
                "env": [{"name": "NVIDIA_DRIVER_CAPABILITIES", "value": "compute,utility"}],
                "volumeMounts": mounts,
                "securityContext": copy.deepcopy(CONTAINER_SECURITY),
            }
        ],
        "volumes": volumes,
    }
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
