"""config.yaml is found, read and exposed as z2jh's profile list."""

from __future__ import annotations

from pathlib import Path

import pytest

from fastsim_kernel.errors import FastsimError
from fastsim_kernel.platform import find_config, load_values, profile_list
from fastsim_kernel.platform.values import fastsim_settings, get_value, hub_values

from .conftest import CONFIG

SLUGS = ["standard-cpu", "ml-cpu", "ml-gpu", "fastsim-ml-gpu", "terminal"]
NAMES = ["standard (cpu)", "ml-cpu", "ml-gpu", "fastsim ml-gpu", "terminal"]


def test_five_profiles_in_order(values):
    profiles = profile_list(values)
    assert [p["slug"] for p in profiles] == SLUGS
    assert [p["display_name"] for p in profiles] == NAMES
    assert [p["slug"] for p in profiles if p.get("default")] == ["standard-cpu"]


def test_find_config_searches_upwards(tmp_path, monkeypatch):
    (tmp_path / "config.yaml").write_text(CONFIG.read_text())
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)
    monkeypatch.delenv("FASTSIM_CONFIG", raising=False)
    monkeypatch.chdir(nested)
    assert find_config() == tmp_path / "config.yaml"
    assert [p["slug"] for p in profile_list(load_values())] == SLUGS


def test_env_variable_wins(tmp_path, monkeypatch):
    other = tmp_path / "elsewhere.yaml"
    other.write_text(CONFIG.read_text())
    monkeypatch.setenv("FASTSIM_CONFIG", str(other))
    assert find_config() == other


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(FastsimError, match=r"nope\.yaml' does not exist"):
        load_values(tmp_path / "nope.yaml")
    with pytest.raises(FastsimError, match=r"config '.*' is a folder \(expected a z2jh values file"):
        load_values(tmp_path)


def test_no_config_anywhere(tmp_path, monkeypatch):
    monkeypatch.delenv("FASTSIM_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    if any((folder / "config.yaml").is_file() for folder in (Path(tmp_path), *Path(tmp_path).parents)):
        pytest.skip("a config.yaml exists above the temporary folder")
    with pytest.raises(FastsimError, match="FASTSIM_CONFIG"):
        find_config()


def test_values_without_the_subchart_key_are_rejected(tmp_path):
    path = tmp_path / "flat.yaml"
    path.write_text("singleuser:\n  profileList: []\n")
    with pytest.raises(FastsimError, match=r"no 'jupyterhub\.singleuser' mapping"):
        load_values(path)


def test_invalid_yaml(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("jupyterhub: [unclosed\n")
    with pytest.raises(FastsimError, match="not valid YAML"):
        load_values(path)


def test_config_that_is_not_utf8_names_the_file(tmp_path):
    """The hub's jupyterhub_config.py and every command read config.yaml here: a Latin-1 file is one error."""
    path = tmp_path / "latin1.yaml"
    path.write_bytes("jupyterhub:\n  singleuser: {}\n# Jos\xe9\n".encode("latin-1"))
    with pytest.raises(FastsimError, match=f"{path}: not UTF-8 text"):
        load_values(path)


def test_get_value_and_settings(values):
    hub = hub_values(values)
    assert get_value(hub, "singleuser.image.tag") == "0.1.0"
    assert get_value(hub, "singleuser.no.such.key", "x") == "x"
    settings = fastsim_settings(values)
    assert settings["gpuProfiles"] == ["ml-gpu", "fastsim-ml-gpu"]
    assert settings["gpuCull"]["timeout"] < get_value(hub, "cull.timeout")


def test_hub_values_is_a_copy(values):
    hub = hub_values(values)
    hub["singleuser"]["profileList"].clear()
    assert len(profile_list(values)) == 5


def test_yaml_aliases_are_not_shared(values):
    """config.yaml reuses blocks through anchors; editing one profile must not edit another."""
    ml_gpu, fastsim = profile_list(values)[2:4]
    assert ml_gpu["profile_options"] == fastsim["profile_options"]
    assert ml_gpu["profile_options"] is not fastsim["profile_options"]
    assert ml_gpu["kubespawner_override"]["tolerations"] is not fastsim["kubespawner_override"]["tolerations"]
