"""The z2jh 4.4.0 mapping: chart values -> KubeSpawner traits.

The expectations are written by hand from z2jh's hub configuration at tag 4.4.0
(jupyterhub/files/hub/jupyterhub_config.py, https://github.com/jupyterhub/zero-to-jupyterhub-k8s), and the
defaults are compared with the chart's own values.yaml of that tag (tests/data/z2jh-4.4.0), not with our code.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from fastsim_kernel.platform.z2jh import CHART_DEFAULTS, hub_traits, spawner_traits

Z2JH_DATA = Path(__file__).resolve().parents[1] / "data" / "z2jh-4.4.0"
USER_TOLERATIONS = [
    {"key": "hub.jupyter.org/dedicated", "operator": "Equal", "value": "user", "effect": "NoSchedule"},
    {"key": "hub.jupyter.org_dedicated", "operator": "Equal", "value": "user", "effect": "NoSchedule"},
]
NODE_PURPOSE = {"matchExpressions": [{"key": "hub.jupyter.org/node-purpose", "operator": "In", "values": ["user"]}]}


def leaves(tree: dict, prefix: tuple = ()):
    for key, value in tree.items():
        if isinstance(value, dict) and value:
            yield from leaves(value, (*prefix, key))
        else:
            yield (*prefix, key), value


def test_defaults_are_those_of_the_z2jh_chart():
    chart = yaml.safe_load((Z2JH_DATA / "values.yaml").read_text())
    for path, ours in leaves(CHART_DEFAULTS):
        theirs = chart
        for key in path:
            theirs = theirs[key]
        if path[-1] == "tag":  # the repository's placeholder; the released chart has its own version
            assert (theirs, ours) == ("set-by-chartpress", "4.4.0"), path
        else:
            assert ours == theirs, path


def test_chart_defaults_alone():
    traits = spawner_traits({}, release="prod")
    assert traits["common_labels"] == {
        "app.kubernetes.io/name": "jupyterhub",
        "app": "jupyterhub",
        "app.kubernetes.io/instance": "prod",
        "release": "prod",
        "helm.sh/chart": "jupyterhub-4.4.0",
        "chart": "jupyterhub-4.4.0",
        "app.kubernetes.io/managed-by": "kubespawner",
    }
    assert traits["scheduler_name"] == "prod-user-scheduler"  # fullnameOverride "" -> "<release>-user-scheduler"
    assert traits["tolerations"] == USER_TOLERATIONS
    assert traits["node_affinity_preferred"] == [{"weight": 100, "preference": NODE_PURPOSE}]
    assert traits["node_affinity_required"] == []
    assert (traits["uid"], traits["fs_gid"], traits["start_timeout"], traits["mem_guarantee"]) == (1000, 100, 300, "1G")
    assert traits["cmd"] == "jupyterhub-singleuser"
    assert traits["allow_privilege_escalation"] is False
    assert traits["extra_labels"] == {"hub.jupyter.org/network-access-hub": "true"}
    assert traits["image"] == "quay.io/jupyterhub/k8s-singleuser-sample:4.4.0"
    assert "image_pull_secrets" not in traits
    assert "priority_class_name" not in traits
    assert "default_url" not in traits
    assert traits["storage_pvc_ensure"] is True
    assert (traits["storage_capacity"], traits["storage_access_modes"]) == ("10Gi", ["ReadWriteOnce"])
    # z2jh 4.x: volumes and mounts are dicts keyed by name, the home mount carries subPath (null by default)
    assert traits["volumes"] == {
        "volume-{user_server}": {"name": "volume-{user_server}", "persistentVolumeClaim": {"claimName": "{pvc_name}"}}
    }
    assert traits["volume_mounts"] == {
        "volume-{user_server}": {"mountPath": "/home/jovyan", "name": "volume-{user_server}", "subPath": None}
    }
    # cloudMetadata.blockWithIptables is true by default: a privileged iptables init container
    (init,) = traits["init_containers"]
    assert init == {
        "name": "block-cloud-metadata",
        "image": "quay.io/jupyterhub/k8s-network-tools:4.4.0",
        "command": ["iptables", "--append", "OUTPUT", "--protocol", "tcp", "--destination", "169.254.169.254",
                    "--destination-port", "80", "--jump", "DROP"],
        "securityContext": {"privileged": True, "runAsUser": 0, "capabilities": {"add": ["NET_ADMIN"]}},
        "resources": {},
    }


@pytest.mark.parametrize(
    ("values", "release", "scheduler", "files_secret"),
    [
        ({}, "prod", "prod-user-scheduler", "singleuser"),
        ({"fullnameOverride": "jh"}, "prod", "jh-user-scheduler", "jh-singleuser"),
        ({"fullnameOverride": None}, "prod", "prod-jupyterhub-user-scheduler", "prod-jupyterhub-singleuser"),
        ({"fullnameOverride": None}, "jupyterhub-prod", "jupyterhub-prod-user-scheduler", "jupyterhub-prod-singleuser"),
    ],
)
def test_resource_names_follow_fullname(values, release, scheduler, files_secret):
    files = {"singleuser": {"extraFiles": {"a": {"mountPath": "/etc/a", "stringData": "x"}}}}
    traits = spawner_traits({**values, **files}, release=release)
    assert traits["scheduler_name"] == scheduler
    assert traits["volumes"]["files"]["secret"]["secretName"] == files_secret


def test_user_scheduler_off_and_priority_on():
    traits = spawner_traits(
        {"scheduling": {"userScheduler": {"enabled": False}, "podPriority": {"enabled": True}}}, release="prod"
    )
    assert "scheduler_name" not in traits
    assert traits["priority_class_name"] == "prod-default-priority"


def test_image_pull_secrets_combine_three_sources():
    traits = spawner_traits(
        {
            "imagePullSecret": {"create": True},
            "imagePullSecrets": ["org-registry"],
            "singleuser": {"image": {"name": "r.example.org/img", "tag": "1", "pullSecrets": ["team-registry"]}},
        }
    )
    assert traits["image_pull_secrets"] == ["image-pull-secret", "org-registry", "team-registry"]
    no_injection = {"imagePullSecret": {"create": True, "automaticReferenceInjection": False}}
    assert "image_pull_secrets" not in spawner_traits(no_injection)


def test_extra_files_volumes_and_mounts_as_dicts():
    traits = spawner_traits(
        {
            "singleuser": {
                "extraFiles": {
                    "jupyter_config.json": {"mountPath": "/etc/jupyter/jupyter_config.json", "data": {}},
                    "motd": {"mountPath": "/etc/motd", "stringData": "hi", "mode": 0o444},
                },
                "storage": {
                    "extraVolumes": [{"name": "scratch", "emptyDir": {}}],
                    "extraVolumeMounts": [{"name": "scratch", "mountPath": "/scratch"}],
                },
            }
        }
    )
    assert traits["volumes"]["files"] == {
        "name": "files",
        "secret": {
            "secretName": "singleuser",
            "items": [
                {"key": "jupyter_config.json", "path": "jupyter_config.json"},
                {"key": "motd", "path": "motd", "mode": 0o444},
            ],
        },
    }
    assert traits["volume_mounts"]["0-files"] == {
        "mountPath": "/etc/jupyter/jupyter_config.json", "subPath": "jupyter_config.json", "name": "files"
    }
    assert traits["volume_mounts"]["1-files"]["subPath"] == "motd"
    assert traits["volumes"]["scratch"] == {"name": "scratch", "emptyDir": {}}
    assert traits["volume_mounts"]["0-scratch"] == {"name": "scratch", "mountPath": "/scratch"}
    dict_form = spawner_traits({"singleuser": {"storage": {"extraVolumes": {"x": {"name": "x", "emptyDir": {}}}}}})
    assert dict_form["volumes"]["x"] == {"name": "x", "emptyDir": {}}


def test_static_home_and_required_node_purpose():
    traits = spawner_traits(
        {
            "singleuser": {"storage": {"type": "static", "static": {"pvcName": "homes"}}},
            "scheduling": {"userPods": {"nodeAffinity": {"matchNodePurpose": "require"}}},
        }
    )
    assert traits["volumes"] == {"home": {"name": "home", "persistentVolumeClaim": {"claimName": "homes"}}}
    assert traits["volume_mounts"] == {"home": {"mountPath": "/home/jovyan", "name": "home", "subPath": "{username}"}}
    assert "storage_pvc_ensure" not in traits
    assert traits["node_affinity_required"] == [NODE_PURPOSE]
    assert traits["node_affinity_preferred"] == []


def test_storage_none_cmd_null_and_metadata_unblocked():
    traits = spawner_traits(
        {"singleuser": {"storage": {"type": "none"}, "cmd": None, "cloudMetadata": {"blockWithIptables": False}}}
    )
    assert traits["volumes"] == {}
    assert "cmd" not in traits  # helm drops a null value: KubeSpawner keeps its own default
    assert traits["init_containers"] == []


def test_camel_case_values_and_extra_tolerations():
    traits = spawner_traits(
        {
            "singleuser": {
                "image": {"name": "example.org/img", "tag": "1.2", "pullPolicy": "Always"},
                "cpu": {"limit": 3, "guarantee": 1},
                "extraEnv": {"A": "1"},
                "extraResource": {"limits": {"example.com/fpga": "1"}},
                "defaultUrl": "/lab",
                "serviceAccountName": "sa",
                "extraTolerations": [{"key": "x", "operator": "Exists"}],
                "extraPodConfig": {"runtimeClassName": "nvidia"},
            }
        }
    )
    assert (traits["image"], traits["image_pull_policy"]) == ("example.org/img:1.2", "Always")
    assert (traits["cpu_limit"], traits["cpu_guarantee"]) == (3, 1)
    assert traits["environment"] == {"A": "1"}
    assert traits["extra_resource_limits"] == {"example.com/fpga": "1"}
    assert traits["default_url"] == "/lab"
    assert traits["service_account"] == "sa"
    assert traits["tolerations"] == [*USER_TOLERATIONS, {"key": "x", "operator": "Exists"}]
    assert traits["extra_pod_config"] == {"runtimeClassName": "nvidia"}


def test_hub_config_sections_apply_with_traitlets_precedence():
    """z2jh puts singleuser.cmd/defaultUrl in c.Spawner and the rest in c.KubeSpawner, then updates both with
    hub.config; a KubeSpawner reads its own section over Spawner's whatever the order they were set in."""
    config = {
        "Spawner": {"default_url": "/tree", "mem_guarantee": "2G", "cpu_limit": 4},
        "KubeSpawner": {"uid": 2000, "cmd": ["jupyter-labhub"]},
        "JupyterHub": {"cookie_secret": "x"},
    }
    traits = hub_traits({"singleuser": {"defaultUrl": "/lab", "uid": 1001}, "hub": {"config": config}})
    assert traits["default_url"] == "/tree"  # both in c.Spawner: hub.config is applied later
    assert traits["mem_guarantee"] == "1G"  # z2jh's default singleuser.memory.guarantee, in c.KubeSpawner
    assert traits["cpu_limit"] == 4  # left unset by the mapping
    assert (traits["uid"], traits["cmd"]) == (2000, ["jupyter-labhub"])
    assert "cookie_secret" not in traits


def test_inputs_are_not_changed():
    hub = {"singleuser": {"memory": {"limit": "2G"}, "storage": {"extraVolumes": [{"name": "v", "emptyDir": {}}]}}}
    before = yaml.safe_dump(hub)
    spawner_traits(hub)["volumes"]["v"]["emptyDir"]["medium"] = "Memory"
    assert yaml.safe_dump(hub) == before
    assert CHART_DEFAULTS["singleuser"]["memory"] == {"limit": None, "guarantee": "1G"}
