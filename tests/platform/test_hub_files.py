"""The hub's extra configuration files (helm/fastsim-hub/files/hub): group-restricted profiles and the GPU
culler, run the way z2jh runs them (exec'd with ``c``, importing ``z2jh.get_config``)."""

from __future__ import annotations

import asyncio
import importlib.util
import sys
import types
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
from traitlets.config import Config

from fastsim_kernel.platform.spawner import _spawner
from fastsim_kernel.platform.values import get_value, hub_values

from .conftest import CHART

HUB_FILES = CHART / "files" / "hub"


@pytest.fixture
def run_hub_file(values, monkeypatch):
    """exec one hub file like z2jh's jupyterhub_config.py does; returns the resulting Config ``c``.

    ``z2jh.get_config`` is provided by a stand-in module with z2jh's signature that reads the
    ``jupyterhub`` values of config.yaml (z2jh's own reads the same values from a mounted Secret).
    """
    hub = hub_values(values)
    z2jh = types.ModuleType("z2jh")
    z2jh.get_config = lambda key, default=None: get_value(hub, key, default)
    monkeypatch.setitem(sys.modules, "z2jh", z2jh)

    def run(name: str, c: Config | None = None) -> Config:
        c = c or Config()
        c.JupyterHub.services = []  # z2jh initialises both lists before running the files
        c.JupyterHub.load_roles = []
        source = (HUB_FILES / name).read_text()
        exec(compile(source, name, "exec"), {"c": c, "__name__": "jupyterhub_config"})
        return c

    return run


def load_culler():
    path = HUB_FILES / "services" / "fastsim_gpu_culler.py"
    spec = importlib.util.spec_from_file_location("fastsim_gpu_culler", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_profile_filter_by_group(run_hub_file, values):
    profiles_for = run_hub_file("fastsim_profiles.py").KubeSpawner.profile_list
    assert callable(profiles_for)

    def slugs(*groups):
        spawner = SimpleNamespace(user=SimpleNamespace(groups=[SimpleNamespace(name=g) for g in groups]))
        return [p["slug"] for p in profiles_for(spawner)]

    assert slugs("fastsim-users") == ["standard-cpu", "ml-cpu", "terminal"]
    assert slugs("fastsim-users", "fastsim-gpu") == ["standard-cpu", "ml-cpu", "ml-gpu", "fastsim-ml-gpu", "terminal"]


def test_real_kubespawner_refuses_a_restricted_profile(run_hub_file, values):
    """KubeSpawner evaluates the callable for the form and again when validating a spawn request."""
    profiles_for = run_hub_file("fastsim_profiles.py").KubeSpawner.profile_list

    async def attempt(groups):
        spawner = await _spawner(values, user="ada", namespace="fastsim")
        spawner.user.groups = [SimpleNamespace(name=g) for g in groups]
        spawner.profile_list = profiles_for
        form = await spawner.options_form(spawner)
        spawner.user_options = {"profile": "fastsim-ml-gpu"}
        try:
            await spawner.load_user_options()
        except ValueError as err:
            return form, str(err)
        return form, spawner.extra_resource_limits

    form, outcome = asyncio.run(attempt(["fastsim-users"]))
    assert "fastsim ml-gpu" not in form
    assert "standard (cpu)" in form
    assert outcome.startswith("No such profile: fastsim-ml-gpu. Options include: standard-cpu, ml-cpu, terminal")
    form, outcome = asyncio.run(attempt(["fastsim-users", "fastsim-gpu"]))
    assert "fastsim ml-gpu" in form
    assert outcome == {"nvidia.com/gpu": "1"}


def test_gpu_cull_service_and_role(run_hub_file, values):
    c = run_hub_file("fastsim_gpu_cull.py")
    (service,) = c.JupyterHub.services
    assert service["name"] == "fastsim-gpu-culler"
    assert service["command"][1] == "/usr/local/etc/jupyterhub/jupyterhub_config.d/fastsim_gpu_culler"
    assert service["command"][2:] == [
        "--url=http://localhost:8081/hub/api",  # the hub's own port in its pod, as z2jh's culler does
        "--timeout=3600",
        "--every=300",
        "--max-age=86400",
        "--profiles=ml-gpu,fastsim-ml-gpu",
    ]
    (role,) = c.JupyterHub.load_roles
    assert role == {
        "name": "fastsim-gpu-culler",
        "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
        "services": ["fastsim-gpu-culler"],
    }
    gpu_timeout = get_value(values, "jupyterhub.custom.fastsim.gpuCull.timeout")
    assert gpu_timeout < get_value(values, "jupyterhub.cull.timeout")


def server(profile, *, idle_minutes, ready=True):
    last = datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc) - timedelta(minutes=idle_minutes)
    return {
        "ready": ready,
        "user_options": {"profile": profile} if profile else {},
        "last_activity": last.isoformat().replace("+00:00", "Z"),
        "started": None,
    }


def test_culler_picks_idle_gpu_servers_only():
    culler = load_culler()
    now = datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc)
    users = [
        {"name": "ada", "servers": {"": server("ml-gpu", idle_minutes=90)}},
        {"name": "bob", "servers": {"": server("ml-gpu", idle_minutes=30)}},
        {"name": "cy", "servers": {"": server("ml-cpu", idle_minutes=600)}},
        {"name": "di", "servers": {"big": server("fastsim-ml-gpu", idle_minutes=61), "": server(None, idle_minutes=9)}},
        {"name": "ed", "servers": {"": server("fastsim-ml-gpu", idle_minutes=500, ready=False)}},
        {"name": "fay", "servers": {}},
    ]
    stale = culler.servers_to_cull(users, profiles={"ml-gpu", "fastsim-ml-gpu"}, timeout=3600, now=now)
    assert stale == [("ada", ""), ("di", "big")]


def test_gpu_culler_url_follows_the_hub_port_and_base_url(run_hub_file):
    c = Config()
    c.JupyterHub.hub_bind_url = "http://:9999"
    c.JupyterHub.base_url = "/fastsim/"
    (service,) = run_hub_file("fastsim_gpu_cull.py", c).JupyterHub.services
    assert service["command"][2] == "--url=http://localhost:9999/fastsim/hub/api"


def test_culler_stops_gpu_servers_past_their_maximum_age():
    culler = load_culler()
    now = datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc)
    busy_since_morning = {
        "ready": True,
        "user_options": {"profile": "ml-gpu"},
        "last_activity": "2026-01-01T11:59:00Z",
        "started": "2026-01-01T02:00:00Z",
    }
    busy_for_an_hour = dict(busy_since_morning, started="2026-01-01T11:00:00Z")
    users = [{"name": "ada", "servers": {"": busy_since_morning}}, {"name": "bob", "servers": {"": busy_for_an_hour}}]
    assert culler.servers_to_cull(users, profiles={"ml-gpu"}, timeout=3600, now=now, max_age=8 * 3600) == [("ada", "")]
    assert culler.servers_to_cull(users, profiles={"ml-gpu"}, timeout=3600, now=now, max_age=0) == []


def test_culler_falls_back_to_start_time_and_quotes_paths():
    culler = load_culler()
    now = datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc)
    entry = {
        "ready": True,
        "user_options": {"profile": "ml-gpu"},
        "last_activity": None,
        "started": "2026-01-01T09:00:00.000000+00:00",
    }
    users = [{"name": "ada", "servers": {"": entry}}]
    assert culler.servers_to_cull(users, profiles={"ml-gpu"}, timeout=3600, now=now) == [("ada", "")]
    assert culler.server_path("ada", "") == "/users/ada/server"
    assert culler.server_path("a@b.org", "gpu run") == "/users/a%40b.org/servers/gpu%20run"
    args = culler.parse_args(["--timeout=1800", "--profiles=ml-gpu,fastsim-ml-gpu"])
    assert (args.timeout, args.every, args.profiles) == (1800, 300, "ml-gpu,fastsim-ml-gpu")


def test_hub_config_builds_the_real_authenticator(values):
    """hub.config is applied like z2jh does (c[Class].update(...)); JupyterHub resolves the authenticator
    entry point and GenericOAuthenticator accepts every value, with no open access."""
    pytest.importorskip("oauthenticator")
    from jupyterhub.app import JupyterHub
    from oauthenticator.generic import GenericOAuthenticator

    c = Config()
    for class_name, settings in get_value(hub_values(values), "hub.config").items():
        c[class_name].update(settings)
    assert JupyterHub(config=c).authenticator_class is GenericOAuthenticator
    authenticator = GenericOAuthenticator(config=c)
    assert authenticator.allow_all is False
    assert authenticator.allowed_groups == {"fastsim-users"}
    assert authenticator.admin_groups == {"fastsim-admins"}
    assert authenticator.manage_groups is True
    assert authenticator.auth_state_groups_key == "oauth_user.groups"
    # groups refresh before every spawn, from the tokens kept in the encrypted auth state
    assert authenticator.enable_auth_state is True
    assert authenticator.refresh_pre_spawn is True
    assert authenticator.auth_refresh_age == 300
    assert authenticator.token_url.endswith("/protocol/openid-connect/token")
