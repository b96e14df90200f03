"""The local hub's parts without a running hub: form fields, profile resolution, settings, set-up steps."""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys

import pytest

from fastsim_kernel.cli import main
from fastsim_kernel.errors import FastsimError
from fastsim_kernel.platform import load_values
from fastsim_kernel.platform.local.choice import merge_overrides, options_from_form, resolve_choice
from fastsim_kernel.platform.local.launcher import find_proxy, install_kernel, write_lab_overrides
from fastsim_kernel.platform.local.settings import (
    HubSettings,
    read_or_create_secret,
    resolve_password,
)
from fastsim_kernel.platform.spawner import offered_profiles


@pytest.fixture(scope="module")
def profiles() -> list[dict]:
    return offered_profiles(load_values())  # as the hub offers them: the MIG choices come from the hub files


def test_form_fields_become_user_options_of_the_chosen_profile_only():
    form = {
        "profile": ["ml-gpu"],
        "profile-option-ml-gpu--gpu": ["mig-1g-10gb"],
        "profile-option-fastsim-ml-gpu--gpu": ["full"],
        "_xsrf": ["token"],
    }
    assert options_from_form(form) == {"profile": "ml-gpu", "gpu": "mig-1g-10gb"}
    assert options_from_form({}) == {}


def test_no_choice_gives_the_default_profile(profiles):
    choice = resolve_choice(profiles, {})
    assert choice.slug == "standard-cpu"
    assert choice.options == {}
    assert choice.overrides["image"] == "ghcr.io/fastsim-hub/standard:0.1.0"


def test_option_overrides_merge_into_the_profile_overrides(profiles):
    default = resolve_choice(profiles, {"profile": "fastsim-ml-gpu"})
    assert default.options == {"gpu": "full"}
    assert default.overrides["extra_resource_limits"] == {"nvidia.com/gpu": "1"}
    mig = resolve_choice(profiles, {"profile": "fastsim-ml-gpu", "gpu": "mig-1g-10gb"})
    assert mig.display_name == "fastsim ml-gpu"
    assert mig.overrides["extra_resource_limits"] == {"nvidia.com/mig-1g.10gb": "1"}
    assert "node_selector" not in mig.overrides  # the GPU request places the pod
    assert mig.overrides["environment"]["NVIDIA_DRIVER_CAPABILITIES"] == "compute,utility"
    assert mig.overrides["default_url"] == "/lab/tree/notebooks"


def test_bad_slug_and_bad_choice_name_the_valid_ones(profiles):
    with pytest.raises(FastsimError, match=r"no profile with slug 'gpu'; expected one of: standard-cpu, ml-cpu"):
        resolve_choice(profiles, {"profile": "gpu"})
    with pytest.raises(FastsimError, match=r"option 'gpu' has no choice 'two'; expected one of: full, mig-1g-10gb"):
        resolve_choice(profiles, {"profile": "ml-gpu", "gpu": "two"})
    with pytest.raises(FastsimError, match="free-text choices are not supported locally"):
        resolve_choice(profiles, {"profile": "ml-gpu", "gpu--unlisted-choice": "nvidia.com/gpu: 8"})
    with pytest.raises(FastsimError, match="profile list is empty"):
        resolve_choice([], {})


def test_merge_overrides_like_kubespawner():
    base = {"environment": {"A": "1", "B": "2"}, "tolerations": [1, 2], "image": "x"}
    top = {"environment": {"B": "3", "A": None}, "tolerations": [3], "image": None}
    # only a None inside a dict deletes; at the top it sets the trait to None (tests/platform/test_profiles.py)
    assert merge_overrides(base, top) == {"environment": {"B": "3"}, "tolerations": [3], "image": None}
    assert base["environment"] == {"A": "1", "B": "2"}  # inputs untouched


def test_password_from_argument_environment_or_generated(monkeypatch):
    monkeypatch.delenv("FASTSIM_HUB_PASSWORD", raising=False)
    assert resolve_password("correct-horse") == ("correct-horse", False)
    generated, was_generated = resolve_password(None)
    assert was_generated
    assert len(generated) == 16
    assert generated != resolve_password(None)[0]
    monkeypatch.setenv("FASTSIM_HUB_PASSWORD", "from-the-env")
    assert resolve_password(None) == ("from-the-env", False)
    with pytest.raises(FastsimError, match="at least 8 characters, got 5"):
        resolve_password("short")


def test_secret_is_private_and_stable(tmp_path):
    path = tmp_path / "proxy-token"
    secret = read_or_create_secret(path)
    assert len(secret) == 64
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert read_or_create_secret(path) == secret


def test_settings_round_trip_and_missing_env(tmp_path, monkeypatch):
    settings = HubSettings(port=8000, ip="127.0.0.1", hub_port=1, proxy_api_port=2, state_dir=str(tmp_path),
                           proxy_command="chp", python=sys.executable, config="/x/config.yaml")
    assert HubSettings.read(settings.write()) == settings
    monkeypatch.delenv("FASTSIM_HUB_SETTINGS", raising=False)
    with pytest.raises(FastsimError, match="start the local hub with `fastsim hub`"):
        HubSettings.read()


def test_proxy_is_found_in_tools_then_path(tmp_path, monkeypatch):
    proxy = tmp_path / ".tools" / "node_modules" / ".bin" / "configurable-http-proxy"
    proxy.parent.mkdir(parents=True)
    proxy.write_text("#!/bin/sh\n")
    proxy.chmod(0o755)
    assert find_proxy(roots=(tmp_path,)) == str(proxy)
    monkeypatch.setenv("PATH", str(proxy.parent))
    assert find_proxy(roots=(tmp_path / "elsewhere",)) == str(proxy)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(FastsimError, match=r"install-system-deps\.sh"):
        find_proxy(roots=(tmp_path / "elsewhere",))


def test_kernel_and_lab_settings_are_installed_idempotently(tmp_path):
    folder = install_kernel(tmp_path)
    spec = json.loads((folder / "kernel.json").read_text())
    assert folder.name == "fastsim"
    assert spec["display_name"] == "fastsim"
    assert spec["argv"][:3] == [sys.executable, "-m", "fastsim_kernel.platform.local.kernel"]
    assert spec["env"] == {"TF_CPP_MIN_LOG_LEVEL": "3"}
    assert install_kernel(tmp_path) == folder
    overrides = write_lab_overrides(tmp_path)
    assert overrides == tmp_path / "share/jupyter/lab/settings/overrides.d/fastsim-hub.json"
    notification = json.loads(overrides.read_text())["@jupyterlab/apputils-extension:notification"]
    assert notification == {"fetchNews": "false", "checkForUpdates": False}


def test_cli_refuses_a_short_password_and_a_missing_config(tmp_path, capsys):
    assert main(["hub", "--password", "short", "--state-dir", str(tmp_path)]) == 2
    assert capsys.readouterr().err.strip() == (
        "fastsim: error: the hub password must have at least 8 characters, got 5"
    )
    missing = tmp_path / "nope.yaml"
    assert main(["hub", "--password", "long-enough", "--config", str(missing)]) == 2
    assert "nope.yaml" in capsys.readouterr().err


def test_cli_refuses_a_port_in_use(tmp_path, capsys):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code = main(["hub", "--password", "long-enough", "--port", str(port), "--state-dir", str(tmp_path)])
    assert code == 2
    assert f"cannot listen on 127.0.0.1:{port}" in capsys.readouterr().err


def test_kernel_drops_tensorflows_start_up_lines_and_keeps_the_rest(capfd):
    from fastsim_kernel._quiet_tf import filtered_native_stderr

    with filtered_native_stderr():
        os.write(2, b"WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n")
        os.write(2, b"I0000 00:00:1.5 30407 port.cc:153] oneDNN custom operations are on. You may see ...\n")
        os.write(2, b"E0000 something real went wrong\n")
    assert capfd.readouterr().err == "E0000 something real went wrong\n"


def test_the_kernel_imports_tensorflow_without_start_up_lines():
    """A real kernel process: TensorFlow's import writes nothing to stderr, a real warning still does."""
    pytest.importorskip("tensorflow")
    code = ("from fastsim_kernel._quiet_tf import quiet_tensorflow_import; "
            "quiet_tensorflow_import(); import tensorflow; import keras; "
            "import warnings; warnings.warn('a real warning')")  # fmt: skip
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stderr.strip().endswith("UserWarning: a real warning")
    assert "oneDNN" not in result.stderr
    assert "absl::InitializeLog" not in result.stderr
