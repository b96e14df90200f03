"""The z2jh singleuser mapping: chart values -> KubeSpawner traits."""

from __future__ import annotations

from fastsim_kernel.platform.values import hub_values
from fastsim_kernel.platform.z2jh import CHART_DEFAULTS, spawner_traits, with_defaults

DEFAULT_TOLERATIONS = CHART_DEFAULTS["scheduling"]["userPods"]["tolerations"]


def test_defaults_fill_unset_values():
    traits = spawner_traits({"singleuser": {}})
    assert traits["tolerations"] == DEFAULT_TOLERATIONS
    assert traits["uid"] == 1000
    assert traits["fs_gid"] == 100
    assert traits["mem_guarantee"] == "1G"
    assert traits["cmd"] == "jupyterhub-singleuser"
    assert traits["allow_privilege_escalation"] is False
    assert traits["volumes"] == [{"name": "volume-{user_server}", "persistentVolumeClaim": {"claimName": "{pvc_name}"}}]
    assert traits["volume_mounts"] == [{"name": "volume-{user_server}", "mountPath": "/home/jovyan"}]
    assert traits["storage_pvc_ensure"] is True
    assert traits["storage_capacity"] == "10Gi"
    assert "image" not in traits
    assert traits["node_affinity_preferred"][0]["weight"] == 100


def test_camel_case_keys_map_to_traits():
    traits = spawner_traits(
        {
            "singleuser": {
                "image": {"name": "example.org/img", "tag": "1.2"},
                "cpu": {"limit": 3, "guarantee": 1},
                "memory": {"limit": "8G", "guarantee": "2G"},
                "extraEnv": {"A": "1"},
                "extraResource": {"limits": {"example.com/fpga": "1"}},
                "defaultUrl": "/lab",
                "startTimeout": 600,
                "nodeSelector": {"pool": "users"},
                "extraTolerations": [{"key": "x", "operator": "Exists"}],
                "storage": {"capacity": "5Gi", "extraVolumes": [{"name": "v", "emptyDir": {}}]},
            }
        }
    )
    assert traits["image"] == "example.org/img:1.2"
    assert (traits["cpu_limit"], traits["cpu_guarantee"]) == (3, 1)
    assert (traits["mem_limit"], traits["mem_guarantee"]) == ("8G", "2G")
    assert traits["environment"] == {"A": "1"}
    assert traits["extra_resource_limits"] == {"example.com/fpga": "1"}
    assert traits["default_url"] == "/lab"
    assert traits["start_timeout"] == 600
    assert traits["node_selector"] == {"pool": "users"}
    assert traits["tolerations"] == [*DEFAULT_TOLERATIONS, {"key": "x", "operator": "Exists"}]
    assert traits["storage_capacity"] == "5Gi"
    assert [v["name"] for v in traits["volumes"]] == ["volume-{user_server}", "v"]


def test_static_storage_and_required_node_purpose():
    traits = spawner_traits(
        {
            "singleuser": {"storage": {"type": "static", "static": {"pvcName": "homes"}}},
            "scheduling": {"userPods": {"nodeAffinity": {"matchNodePurpose": "require"}}},
        }
    )
    assert traits["volumes"] == [{"name": "home", "persistentVolumeClaim": {"claimName": "homes"}}]
    assert traits["volume_mounts"][0]["subPath"] == "{username}"
    assert traits["node_affinity_required"][0]["matchExpressions"][0]["key"] == "hub.jupyter.org/node-purpose"
    assert "node_affinity_preferred" not in traits


def test_storage_none_has_no_home_volume():
    traits = spawner_traits({"singleuser": {"storage": {"type": "none"}}})
    assert traits["volumes"] == []
    assert "storage_pvc_ensure" not in traits


def test_with_defaults_does_not_touch_inputs():
    hub = {"singleuser": {"memory": {"limit": "2G"}}}
    merged = with_defaults(hub)
    assert merged["singleuser"]["memory"] == {"guarantee": "1G", "limit": "2G"}
    assert hub == {"singleuser": {"memory": {"limit": "2G"}}}
    assert "limit" not in CHART_DEFAULTS["singleuser"]["memory"]


def test_common_labels_name_the_release():
    traits = spawner_traits({"singleuser": {}}, release="prod")
    assert traits["common_labels"]["release"] == "prod"
    assert traits["common_labels"]["app.kubernetes.io/instance"] == "prod"
    assert traits["common_labels"]["app"] == "jupyterhub"
    assert spawner_traits({"singleuser": {}, "nameOverride": "hub"})["common_labels"]["app"] == "hub"


def test_config_yaml_mapping(values):
    traits = spawner_traits(hub_values(values))
    assert traits["image"] == "ghcr.io/fastsim-hub/standard:0.1.0"
    assert traits["tolerations"] == DEFAULT_TOLERATIONS
    assert traits["start_timeout"] == 900
    assert traits["environment"]["FASTSIM_DATA_DIR"] == "/datasets"
    assert len(traits["profile_list"]) == 5
