"""Every profile and option choice -> z2jh 4.4's configuration and the chart's hub files -> the real
KubeSpawner's pod: strictly valid, Pod Security "restricted", and equal, field by field, to pods written here
by hand from config.yaml and z2jh's hub configuration (not from our mapping)."""

from __future__ import annotations

import copy

import kubernetes_validate
import pytest

from fastsim_kernel.platform import pod_manifest, profile_list
from fastsim_kernel.platform.checks import restricted_problems

from .conftest import CONFIG, K8S_VERSION

GiB = 2**30
MiB = 2**20
DEFAULT_TOLERATIONS = [
    {"effect": "NoSchedule", "key": key, "operator": "Equal", "value": "user"}
    for key in ("hub.jupyter.org/dedicated", "hub.jupyter.org_dedicated")
]
GPU_TOLERATION = {"effect": "NoSchedule", "key": "nvidia.com/gpu", "operator": "Exists"}
RESTRICTED_CONTAINER = {
    "runAsUser": 1000,  # z2jh singleuser.uid
    "allowPrivilegeEscalation": False,  # z2jh singleuser.allowPrivilegeEscalation
    "runAsNonRoot": True,  # config.yaml hub.config.KubeSpawner.container_security_context
    "capabilities": {"drop": ["ALL"]},
    "seccompProfile": {"type": "RuntimeDefault"},
}
IMAGES = {
    "standard-cpu": "ghcr.io/fastsim-hub/standard:0.1.0",
    "ml-cpu": "ghcr.io/fastsim-hub/ml-cpu:0.1.0",
    "ml-gpu": "ghcr.io/fastsim-hub/ml-gpu:0.1.0",
    "fastsim-ml-gpu": "ghcr.io/fastsim-hub/fastsim:0.1.0",
    "terminal": "ghcr.io/fastsim-hub/terminal:0.1.0",
}
GPU = {"ml-gpu", "fastsim-ml-gpu"}
# config.yaml: custom.fastsim.gpu.migSlices [1g.10gb, 3g.40gb] on an A100-80GB, added by the hub file
GPU_CHOICES = {
    "full": "nvidia.com/gpu",
    "mig-1g-10gb": "nvidia.com/mig-1g.10gb",
    "mig-3g-40gb": "nvidia.com/mig-3g.40gb",
}
VARIANTS = [(slug, {}) for slug in IMAGES] + [
    (slug, {"gpu": choice}) for slug in sorted(GPU) for choice in GPU_CHOICES if choice != "full"
]


def expected_fastsim_gpu_pod() -> dict:
    """The pod for user ada on "fastsim ml-gpu" with one full GPU, written from config.yaml and z2jh 4.4.0."""
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": "jupyter-ada",
            "labels": {
                # KubeSpawner's own
                "component": "singleuser-server",
                "app.kubernetes.io/component": "singleuser-server",
                "hub.jupyter.org/username": "ada",
                "hub.jupyter.org/servername": "",
                # z2jh common_labels (jupyterhub_config.py), release "fastsim-hub", chart jupyterhub-4.4.0
                "app": "jupyterhub",
                "app.kubernetes.io/name": "jupyterhub",
                "release": "fastsim-hub",
                "app.kubernetes.io/instance": "fastsim-hub",
                "chart": "jupyterhub-4.4.0",
                "helm.sh/chart": "jupyterhub-4.4.0",
                "app.kubernetes.io/managed-by": "kubespawner",
                # z2jh singleuser.extraLabels default
                "hub.jupyter.org/network-access-hub": "true",
            },
        },
        "spec": {
            "automountServiceAccountToken": False,
            "schedulerName": "fastsim-hub-user-scheduler",  # scheduling.userScheduler.enabled
            "restartPolicy": "OnFailure",
            "imagePullSecrets": [],
            "securityContext": {"fsGroup": 100, "runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
            "affinity": {
                "nodeAffinity": {
                    "preferredDuringSchedulingIgnoredDuringExecution": [
                        {
                            "weight": 100,
                            "preference": {
                                "matchExpressions": [
                                    {"key": "hub.jupyter.org/node-purpose", "operator": "In", "values": ["user"]}
                                ]
                            },
                        }
                    ]
                }
            },
            "tolerations": [*DEFAULT_TOLERATIONS, GPU_TOLERATION],
            # sorted by their keys: "dshm" (the profile's), "volume-{user_server}" (z2jh's home)
            "volumes": [
                {"name": "dshm", "emptyDir": {"medium": "Memory", "sizeLimit": "8Gi"}},
                {"name": "volume-ada", "persistentVolumeClaim": {"claimName": "claim-ada"}},
            ],
            "containers": [
                {
                    "name": "notebook",
                    "image": "ghcr.io/fastsim-hub/fastsim:0.1.0",
                    "args": ["jupyterhub-singleuser"],
                    "ports": [{"containerPort": 8888, "name": "notebook-port"}],
                    "resources": {
                        "limits": {"cpu": 8, "memory": 32 * GiB, "nvidia.com/gpu": "1"},
                        "requests": {"cpu": 4, "memory": 16 * GiB},
                    },
                    "securityContext": RESTRICTED_CONTAINER,
                    "volumeMounts": [
                        {"mountPath": "/dev/shm", "name": "dshm"},
                        {"mountPath": "/home/jovyan", "name": "volume-ada"},
                    ],
                    "lifecycle": {
                        "postStart": {
                            "exec": {
                                "command": [
                                    "sh",
                                    "-c",
                                    'python -m fastsim_kernel.workspace /opt/fastsim/notebooks "$HOME/notebooks"',
                                ]
                            }
                        }
                    },
                }
            ],
        },
    }


EXPECTED_ENV = {
    "JUPYTERHUB_USER": "ada",
    "JUPYTERHUB_DEFAULT_URL": "/lab/tree/notebooks",
    "NVIDIA_DRIVER_CAPABILITIES": "compute,utility",
    "TF_FORCE_GPU_ALLOW_GROWTH": "true",
    "CPU_LIMIT": "8.0",
    "MEM_LIMIT": str(32 * GiB),
}


@pytest.fixture(scope="module")
def pods(values) -> dict:
    """Every variant's pod, rendered once for the module."""
    return {(slug, tuple(sorted(o.items()))): pod_manifest(values, slug, o, user="ada") for slug, o in VARIANTS}


def pod_for(pods, slug, options):
    return pods[(slug, tuple(sorted(options.items())))]


def env_of(container: dict) -> dict:
    return {e["name"]: e.get("value") for e in container["env"]}


def test_variants_cover_every_profile_and_choice(values):
    assert {p["slug"] for p in profile_list(values)} == set(IMAGES)
    assert len(VARIANTS) == 9


def test_fastsim_gpu_pod_field_by_field(pods):
    pod = pod_for(pods, "fastsim-ml-gpu", {})
    expected = expected_fastsim_gpu_pod()
    assert pod["metadata"]["name"] == expected["metadata"]["name"]
    assert pod["metadata"]["labels"] == expected["metadata"]["labels"]
    spec, container = pod["spec"], pod["spec"]["containers"][0]
    for key, value in expected["spec"].items():
        if key != "containers":
            assert spec[key] == value, key
    for key, value in expected["spec"]["containers"][0].items():
        assert container[key] == value, key
    assert "nodeSelector" not in spec, "the GPU request places the pod; no GPU Operator label is needed"
    assert "runtimeClassName" not in spec
    env = env_of(container)
    assert {name: env.get(name) for name in EXPECTED_ENV} == EXPECTED_ENV
    assert "FASTSIM_DATA_DIR" not in env, "datasets are off by default"


@pytest.mark.parametrize(
    ("slug", "choice", "cpu", "memory"),
    [
        # 1/7 and 3/7 of the full-GPU profile (4-8 cores, 16-32 GiB), CPU to 0.1 core, memory down to MiB
        ("ml-gpu", "mig-1g-10gb", (0.6, 1.1), (2340 * MiB, 4681 * MiB)),
        ("fastsim-ml-gpu", "mig-3g-40gb", (1.7, 3.4), (7021 * MiB, 14043 * MiB)),
    ],
)
def test_mig_slice_pods(pods, slug, choice, cpu, memory):
    spec = pod_for(pods, slug, {"gpu": choice})["spec"]
    resources = spec["containers"][0]["resources"]
    assert resources["limits"] == {"cpu": cpu[1], "memory": memory[1], GPU_CHOICES[choice]: "1"}
    assert resources["requests"] == {"cpu": cpu[0], "memory": memory[0]}
    assert spec["tolerations"] == [*DEFAULT_TOLERATIONS, GPU_TOLERATION]
    assert "nodeSelector" not in spec


@pytest.mark.parametrize(("slug", "options"), VARIANTS)
def test_pod_is_strictly_valid_and_restricted(pods, slug, options):
    pod = pod_for(pods, slug, options)
    assert kubernetes_validate.validate(pod, K8S_VERSION, strict=True) == K8S_VERSION
    assert restricted_problems(pod["spec"]) == []
    container = pod["spec"]["containers"][0]
    assert container["image"] == IMAGES[slug]
    assert container["securityContext"] == RESTRICTED_CONTAINER
    assert pod["spec"]["schedulerName"] == "fastsim-hub-user-scheduler"
    assert pod["metadata"]["labels"]["helm.sh/chart"] == "jupyterhub-4.4.0"
    gpu_limits = {k for k in container["resources"]["limits"] if k.startswith("nvidia.com/")}
    assert gpu_limits == ({GPU_CHOICES[options.get("gpu", "full")]} if slug in GPU else set())
    assert (GPU_TOLERATION in pod["spec"]["tolerations"]) == (slug in GPU)
    assert pod["spec"]["tolerations"][:2] == DEFAULT_TOLERATIONS
    volumes = {v["name"] for v in pod["spec"]["volumes"]}
    extra = {"dshm"} if slug in GPU else {"fastsim-config"} if slug == "terminal" else set()
    assert volumes == {"volume-ada", *extra}


def test_terminal_pod_submits_jobs_with_its_own_account(pods):
    pod = pod_for(pods, "terminal", {})
    assert pod["spec"]["serviceAccountName"] == "fastsim-job-submitter"
    assert pod["spec"]["automountServiceAccountToken"] is True
    assert pod["metadata"]["labels"]["fastsim-hub/kube-api-access"] == "true"
    env = env_of(pod["spec"]["containers"][0])
    assert env["FASTSIM_CONFIG"] == "/etc/fastsim/config.yaml"
    mount = next(m for m in pod["spec"]["containers"][0]["volumeMounts"] if m["name"] == "fastsim-config")
    assert (mount["mountPath"], mount["readOnly"]) == ("/etc/fastsim", True)
    volume = next(v for v in pod["spec"]["volumes"] if v["name"] == "fastsim-config")
    assert volume["configMap"]["name"] == "fastsim-jobs-config"  # made by the chart (test_helm.py)
    for slug in IMAGES.keys() - {"terminal"}:
        spec = pod_for(pods, slug, {})["spec"]
        assert "serviceAccountName" not in spec
        assert spec["automountServiceAccountToken"] is False


def enabled(values: dict, edit) -> dict:
    changed = copy.deepcopy(values)
    edit(changed["jupyterhub"])
    return changed


def test_datasets_switched_on_mount_read_only_in_the_ml_profiles(values):
    def edit(hub):
        hub["custom"]["fastsim"]["datasets"]["enabled"] = True

    changed = enabled(values, edit)
    for slug in IMAGES:
        spec = pod_manifest(changed, slug, user="ada")["spec"]
        volumes = {v["name"]: v for v in spec["volumes"]}
        mounts = {m["name"]: m for m in spec["containers"][0]["volumeMounts"]}
        env = env_of(spec["containers"][0])
        if slug in {"ml-cpu", "ml-gpu", "fastsim-ml-gpu"}:
            assert volumes["datasets"] == {
                "name": "datasets", "persistentVolumeClaim": {"claimName": "fastsim-datasets", "readOnly": True}
            }
            assert mounts["datasets"] == {"name": "datasets", "mountPath": "/datasets", "readOnly": True}
            assert env["FASTSIM_DATA_DIR"] == "/datasets"
            assert "volume-ada" in volumes, "the dict merges with z2jh's home volume"
        else:
            assert "datasets" not in volumes
            assert "FASTSIM_DATA_DIR" not in env


def test_runtime_class_and_pull_secrets_from_the_values(values):
    def edit(hub):
        hub["custom"]["fastsim"]["gpu"]["runtimeClassName"] = "nvidia"
        hub["imagePullSecrets"] = ["ghcr-fastsim"]

    changed = enabled(values, edit)
    gpu = pod_manifest(changed, "ml-gpu", {"gpu": "mig-3g-40gb"})["spec"]
    cpu = pod_manifest(changed, "ml-cpu")["spec"]
    assert gpu["runtimeClassName"] == "nvidia"
    assert "runtimeClassName" not in cpu
    assert gpu["imagePullSecrets"] == cpu["imagePullSecrets"] == [{"name": "ghcr-fastsim"}]


def test_shared_home_is_the_static_claim(values):
    def edit(hub):
        hub["singleuser"]["storage"] = {"type": "static", "static": {"pvcName": "fastsim-home"}}

    spec = pod_manifest(enabled(values, edit), "ml-gpu", user="ada")["spec"]
    assert {"name": "home", "persistentVolumeClaim": {"claimName": "fastsim-home"}} in spec["volumes"]
    home = next(m for m in spec["containers"][0]["volumeMounts"] if m["name"] == "home")
    assert home == {"name": "home", "mountPath": "/home/jovyan", "subPath": "ada"}


def test_threads_may_render_pods_at_once(values, tmp_path):
    """The first spawner of a process loads KubeSpawner's client configuration from a dummy kubeconfig;
    eight threads doing it at once in a fresh interpreter all succeed and leave $KUBECONFIG alone."""
    import subprocess
    import sys

    script = (
        "import os, concurrent.futures as f\n"
        "from fastsim_kernel.platform import load_values, pod_manifest\n"
        f"values = load_values({str(CONFIG)!r})\n"
        "os.environ['KUBECONFIG'] = '/nonexistent/kubeconfig'\n"
        "with f.ThreadPoolExecutor(8) as pool:\n"
        "    pods = list(pool.map(lambda i: pod_manifest(values, 'terminal', user=f'u{i}'), range(8)))\n"
        "assert sorted(p['metadata']['name'] for p in pods) == [f'jupyter-u{i}' for i in range(8)]\n"
        "assert os.environ['KUBECONFIG'] == '/nonexistent/kubeconfig'\n"
        "print('ok')\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "ok"

