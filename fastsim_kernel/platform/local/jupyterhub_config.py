"""JupyterHub configuration of the local fastsim hub (loaded by ``jupyterhub -f``; start it with ``fastsim hub``).

The profiles and the spawn form come from config.yaml through ``fastsim_kernel.platform``, exactly as on
Kubernetes; everything else (ports, paths, admin) comes from the settings file written by the launcher, and
the passwords from the hub's environment.
"""

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from fastsim_kernel.platform import load_values, render_options_form
from fastsim_kernel.platform.local.settings import (
    ADMIN_PASSWORD_ENV,
    PASSWORD_ENV,
    HubSettings,
    read_or_create_secret,
)
from fastsim_kernel.platform.spawner import offered_profiles
from fastsim_kernel.platform.values import get_value, hub_values

c = get_config()  # noqa: F821 (provided by JupyterHub when it loads this file)
settings = HubSettings.read()
state = Path(settings.state_dir)
values = load_values(settings.config)

# Network: users open http://ip:port; the hub API and the proxy API use their own free ports.
c.JupyterHub.bind_url = f"http://{settings.ip}:{settings.port}/"
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = settings.hub_port
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{settings.proxy_api_port}"
c.ConfigurableHTTPProxy.command = [settings.proxy_command]
c.ConfigurableHTTPProxy.auth_token = read_or_create_secret(state / "proxy-token")
c.ConfigurableHTTPProxy.pid_file = str(state / "proxy.pid")

# State: database and cookie secret live in the state folder and survive restarts.
c.JupyterHub.db_url = f"sqlite:///{state / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(state / "cookie-secret")
c.JupyterHub.cleanup_servers = True
c.JupyterHub.cleanup_proxy = True

# Authentication: JupyterHub's shared-password authenticator; any user name, one password.
c.JupyterHub.authenticator_class = "shared-password"
c.SharedPasswordAuthenticator.user_password = os.environ[PASSWORD_ENV]
c.Authenticator.allow_all = True
# User names become folder names under the state folder: keep them to plain, short, lower-case names.
c.Authenticator.username_pattern = r"^[a-z0-9][a-z0-9._-]{0,31}$"
if settings.admin_user:
    c.Authenticator.admin_users = {settings.admin_user}
    c.SharedPasswordAuthenticator.admin_password = os.environ[ADMIN_PASSWORD_ENV]

# Servers: local processes with the Kubernetes profiles and KubeSpawner's form.
c.JupyterHub.spawner_class = "fastsim_kernel.platform.local.spawner.FastsimLocalSpawner"
c.FastsimLocalSpawner.profile_list = offered_profiles(values)  # as the Kubernetes hub offers them
# KubeSpawner renders its form with asyncio.run(); JupyterHub loads this file inside its event loop.
with ThreadPoolExecutor(max_workers=1) as pool:
    c.FastsimLocalSpawner.options_form = pool.submit(render_options_form, values).result()
c.FastsimLocalSpawner.home_dir_template = str(state / "users" / "{username}")
c.FastsimLocalSpawner.curated_notebooks = settings.notebooks or ""
c.Spawner.cmd = [settings.python, "-m", "jupyterhub.singleuser"]
c.Spawner.default_url = get_value(hub_values(values), "singleuser.defaultUrl", "/lab")
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 90
