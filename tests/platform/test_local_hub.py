"""The real local hub end to end over HTTP: login, the five profiles on KubeSpawner's form, a spawn, stop."""

from __future__ import annotations

import html
import json
import re
import time

import pytest
import requests

from fastsim_kernel.platform import load_values, profile_list
from tests.helpers import wait_for
from tests.platform._hub_helpers import (
    ADMIN_PASSWORD,
    PASSWORD,
    Hub,
    login,
    running_hub,
    server_model,
    server_processes,
    xsrf_token,
)

USER = "alice"
ADMIN = "root-of-all"
SERVER_TIMEOUT = 90.0
NOTIFICATION = "@jupyterlab/apputils-extension:notification"


@pytest.fixture(scope="module")
def profiles() -> list[dict]:
    return profile_list(load_values())


@pytest.fixture(scope="module")
def hub(tmp_path_factory) -> Hub:
    with running_hub(tmp_path_factory.mktemp("hub") / "state", admin_user=ADMIN) as running:
        yield running


def test_how_to_log_in_is_printed_below_the_start_up_log(hub):
    log = wait_for(lambda: "fastsim hub is up" in hub.log_text() and hub.log_text(), timeout=30, what="the banner")
    banner = f"fastsim hub is up: open {hub.url}/ and log in with any user name and the password in $FASTSIM_HUB_"
    assert log.index("JupyterHub is now running") < log.index(banner)
    assert f"admin {ADMIN} logs in with the password in $FASTSIM_HUB_ADMIN_PASSWORD" in log


@pytest.mark.parametrize(("user", "password"), [("mallory", "not-the-password"), ("../etc", None)])
def test_wrong_password_or_odd_name_is_refused(hub, user, password):
    session = requests.Session()
    reply = login(session, hub.url, user, password or PASSWORD)
    assert reply.status_code == 403
    assert "Invalid username or password" in reply.text
    assert session.get(f"{hub.url}/hub/api/user", timeout=10).status_code == 403


def test_spawn_form_lists_the_profiles_then_spawns_the_chosen_one(hub, profiles):
    session = requests.Session()
    t0 = time.perf_counter()
    landed = login(session, hub.url, USER)
    assert landed.status_code == 200
    form = session.get(f"{hub.url}/hub/spawn", timeout=10)
    t_form = time.perf_counter()
    slugs = re.findall(r'<input type="radio"\s+name="profile"\s+id="profile-item-([^"]+)"', form.text)
    assert slugs == [p["slug"] for p in profiles]
    assert len(slugs) == 5
    for profile in profiles:
        assert f"<h3>{profile['display_name']}</h3>" in form.text
    assert 'name="profile-option-fastsim-ml-gpu--gpu"' in form.text

    choice = {"profile": "fastsim-ml-gpu", "profile-option-fastsim-ml-gpu--gpu": "full"}
    started = session.post(f"{hub.url}/hub/spawn", data={**choice, "_xsrf": xsrf_token(form.text)},
                           timeout=30)
    assert started.status_code == 200
    model = wait_for(lambda: server_model(session, hub.url, USER).get("ready") and
                     server_model(session, hub.url, USER), timeout=SERVER_TIMEOUT, what="the server")
    t_ready = time.perf_counter()
    print(f"login->form {t_form - t0:.2f} s, form->server ready {t_ready - t_form:.2f} s")
    assert model["user_options"] == {"profile": "fastsim-ml-gpu", "gpu": "full"}

    (server,) = server_processes(hub)
    env = server.environ()
    assert env["FASTSIM_PROFILE"] == "fastsim-ml-gpu"
    assert json.loads(env["FASTSIM_PROFILE_OPTIONS"]) == {"gpu": "full"}
    assert env["NVIDIA_DRIVER_CAPABILITIES"] == "compute,utility"
    assert env["JUPYTERHUB_DEFAULT_URL"] == "/lab/tree/notebooks"
    home = hub.state_dir / "users" / USER
    assert server.cwd() == str(home)
    assert env["HOME"] == str(home)
    assert "--allow-root" in server.cmdline() or server.uids().real != 0
    assert "not applied locally: cpu_guarantee, cpu_limit, extra_resource_limits" in hub.log_text()

    # The server answers through the proxy after the OAuth hand-over, and offers the fastsim kernel.
    lab = session.get(f"{hub.url}/user/{USER}/lab", timeout=30)
    assert lab.status_code == 200
    assert lab.url == f"{hub.url}/user/{USER}/lab"
    assert "JupyterLab" in lab.text
    specs = session.get(f"{hub.url}/user/{USER}/api/kernelspecs", timeout=30)
    assert specs.status_code == 200
    assert specs.json()["kernelspecs"]["fastsim"]["spec"]["display_name"] == "fastsim"
    news = session.get(f"{hub.url}/user/{USER}/lab/api/settings/{NOTIFICATION}", timeout=30)
    assert news.status_code == 200
    assert news.json()["schema"]["properties"]["fetchNews"]["default"] == "false"
    contents = session.get(f"{hub.url}/user/{USER}/api/contents/notebooks", timeout=30)
    assert contents.status_code == 200
    assert contents.json()["type"] == "directory"
    assert (hub.state_dir / ".gitignore").read_text().splitlines()[-1] == "*"


def test_unknown_profile_is_refused_with_the_valid_slugs(hub):
    session = requests.Session()
    login(session, hub.url, "bob")
    form = session.get(f"{hub.url}/hub/spawn", timeout=10)
    reply = session.post(f"{hub.url}/hub/spawn", data={"profile": "gpu-please", "_xsrf": xsrf_token(form.text)},
                         timeout=30)
    assert "no profile with slug 'gpu-please'; expected one of: standard-cpu, ml-cpu" in html.unescape(reply.text)
    assert server_model(session, hub.url, "bob") == {}


def test_admin_needs_the_admin_password(hub):
    as_admin = requests.Session()
    login(as_admin, hub.url, ADMIN, ADMIN_PASSWORD)
    assert as_admin.get(f"{hub.url}/hub/admin", timeout=10).status_code == 200
    refused = login(requests.Session(), hub.url, ADMIN)  # the shared user password is not enough
    assert refused.status_code == 403
    user = requests.Session()
    login(user, hub.url, "dave")
    assert user.get(f"{hub.url}/hub/admin", timeout=10).status_code == 403


def test_stopping_the_server_ends_its_process(hub):
    session = requests.Session()
    login(session, hub.url, USER)
    (server,) = server_processes(hub)
    headers = {"X-XSRFToken": xsrf_token(session.get(f"{hub.url}/hub/home", timeout=10).text)}
    reply = session.delete(f"{hub.url}/hub/api/users/{USER}/server", headers=headers, timeout=30)
    assert reply.status_code in (202, 204)
    server.wait(timeout=30)  # raises psutil.TimeoutExpired if the process outlives the stop
    assert not server.is_running()
    wait_for(lambda: server_model(session, hub.url, USER) == {}, timeout=30, what="the server to stop")
