"""Start the local hub: prepare the state folder, the kernel and JupyterLab settings, then run JupyterHub.

``launch(options)`` is what ``fastsim hub`` calls. It replaces the current process with JupyterHub, so
Ctrl-C or SIGTERM reach JupyterHub directly, which then stops the user servers and the proxy.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from fastsim_kernel._atomic import atomic_path
from fastsim_kernel._extras import require
from fastsim_kernel.errors import FastsimError
from fastsim_kernel.platform.local.settings import (
    ADMIN_PASSWORD_ENV,
    MIN_ADMIN_PASSWORD,
    PASSWORD_ENV,
    SETTINGS_ENV,
    HubSettings,
    resolve_password,
)

PROXY = "configurable-http-proxy"
KERNEL_NAME = "fastsim"
#: The kernel's environment: no TensorFlow C++ log lines in the notebooks. Level 3 also hides the ERROR-level
#: lines of fallbacks that change nothing (grappler's "remapper failed" when training the variable-angle
#: model, "oneDNN supports DT_INT32 only ..."); real failures still raise Python exceptions, and Python
#: warnings still show. Its start-up lines ignore the level: see ``platform/local/kernel.py``.
KERNEL_ENV = {"TF_CPP_MIN_LOG_LEVEL": "3"}
LAB_OVERRIDES = {
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False},
}


@dataclass(frozen=True)
class LaunchOptions:
    """What the user chooses on ``fastsim hub`` (defaults as documented there).

    port/ip: where users connect; config: config.yaml (None: $FASTSIM_CONFIG, else the nearest config.yaml
    from the current folder up); password: the shared
    user password (None: FASTSIM_HUB_PASSWORD or a generated one); state_dir: hub state and homes;
    admin_user: one admin, who logs in with FASTSIM_HUB_ADMIN_PASSWORD (or a generated one).
    """

    port: int = 8000
    ip: str = "127.0.0.1"
    config: Path | None = None
    password: str | None = None
    state_dir: Path = Path(".hub")
    admin_user: str | None = None


def repo_root() -> Path:
    """The checkout this package runs from (the folder holding fastsim_kernel/)."""
    return Path(__file__).resolve().parents[3]


def find_proxy(*, roots: tuple[Path, ...] | None = None) -> str:
    """configurable-http-proxy from ``<root>/.tools`` (the checkout, then the current folder), else PATH."""
    for root in roots or (repo_root(), Path.cwd()):
        candidate = root / ".tools" / "node_modules" / ".bin" / PROXY
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    found = shutil.which(PROXY)
    if found:
        return found
    msg = f"{PROXY} not found in .tools/ or on PATH: run `bash scripts/install-system-deps.sh`"
    raise FastsimError(msg)


def free_port(ip: str = "127.0.0.1") -> int:
    """A TCP port that is free on ``ip`` right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((ip, 0))
        return int(sock.getsockname()[1])


def check_port_free(ip: str, port: int) -> None:
    """Raise FastsimError unless ``ip:port`` can be listened on now."""
    if not 0 < port < 65536:
        msg = f"port {port} is out of range; expected 1-65535"
        raise FastsimError(msg)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((ip, port))
        except OSError as err:
            msg = f"cannot listen on {ip}:{port} ({err.strerror}); pass another --port or --ip"
            raise FastsimError(msg) from err


def kernel_spec() -> dict:
    """The "fastsim" kernel spec: this interpreter running ``fastsim_kernel.platform.local.kernel``."""
    return {
        "argv": [sys.executable, "-m", "fastsim_kernel.platform.local.kernel", "-f", "{connection_file}"],
        "display_name": KERNEL_NAME,
        "language": "python",
        "env": KERNEL_ENV,
        "metadata": {"debugger": True},
    }


def install_kernel(prefix: Path) -> Path:
    """Register the kernel "fastsim" (``kernel_spec()``) under ``prefix`` (idempotent); return its folder."""
    folder = prefix / "share" / "jupyter" / "kernels" / KERNEL_NAME
    text = json.dumps(kernel_spec(), indent=1) + "\n"
    spec = folder / "kernel.json"
    if not spec.exists() or spec.read_text(encoding="utf-8") != text:
        folder.mkdir(parents=True, exist_ok=True)
        with atomic_path(spec) as tmp:
            tmp.write_text(text, encoding="utf-8")
    return folder


def write_lab_overrides(prefix: Path) -> Path:
    """Turn off JupyterLab's news and update prompts for every server run from ``prefix``."""
    path = prefix / "share" / "jupyter" / "lab" / "settings" / "overrides.d" / "fastsim-hub.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(LAB_OVERRIDES, indent=2) + "\n"
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
    return path


def prepare(options: LaunchOptions) -> HubSettings:
    """Check the inputs, create the state folder, install the kernel and Lab settings; return the settings."""
    require("jupyterhub")
    from fastsim_kernel.platform.values import find_config, load_values

    config = find_config(options.config).resolve()  # before the hub changes folder
    load_values(config)  # a config that is not UTF-8 YAML with profiles: one line now, not a failed hub later
    check_port_free(options.ip, options.port)
    state = Path(options.state_dir).resolve()
    (state / "users").mkdir(parents=True, exist_ok=True)
    ignore = state / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# local hub state: database, secrets, user homes\n*\n", encoding="utf-8")
    install_kernel(Path(sys.prefix))
    write_lab_overrides(Path(sys.prefix))
    notebooks = repo_root() / "notebooks"
    return HubSettings(
        port=options.port, ip=options.ip, hub_port=free_port(), proxy_api_port=free_port(),
        state_dir=str(state), proxy_command=find_proxy(), python=sys.executable,
        config=str(config),
        notebooks=str(notebooks) if notebooks.is_dir() else None, admin_user=options.admin_user,
    )


def hub_environment(settings: HubSettings, password: str, admin_password: str | None) -> dict[str, str]:
    """The environment JupyterHub runs with: ours plus the settings file and the passwords."""
    env = dict(os.environ)
    env[SETTINGS_ENV] = str(settings.write())
    env[PASSWORD_ENV] = password
    if admin_password:
        env[ADMIN_PASSWORD_ENV] = admin_password
    bin_dir = str(Path(sys.executable).parent)  # jupyterhub-singleuser and friends, without activating
    env["PATH"] = os.pathsep.join([bin_dir, env.get("PATH", "")])
    return env


def launch(options: LaunchOptions) -> None:
    """Prepare everything, replace this process with JupyterHub, and print how to log in once it answers."""
    password, generated = resolve_password(options.password)
    admin_password, admin_generated = None, False
    if options.admin_user:
        admin_password, admin_generated = resolve_password(
            None, env_name=ADMIN_PASSWORD_ENV, minimum=MIN_ADMIN_PASSWORD
        )
        if admin_password == password:
            msg = f"{ADMIN_PASSWORD_ENV} must differ from the user password"
            raise FastsimError(msg)
    settings = prepare(options)
    env = hub_environment(settings, password, admin_password)
    url = f"http://{settings.ip}:{settings.port}/"
    lines = [f"fastsim hub is up: open {url} and log in with any user name and "
             + (f"the password {password}" if generated else f"the password in ${PASSWORD_ENV}")]  # fmt: skip
    if options.admin_user:
        secret = admin_password if admin_generated else f"the password in ${ADMIN_PASSWORD_ENV}"
        lines.append(f"fastsim hub: admin {options.admin_user} logs in with {secret}")
    lines.append('fastsim hub: pick "fastsim ml-gpu" and open notebooks/01_geant4_showers.ipynb; Ctrl-C stops it')
    print(f"fastsim hub: starting JupyterHub on {url}; how to log in follows once it answers", flush=True)
    local = "127.0.0.1" if settings.ip in ("0.0.0.0", "") else settings.ip
    announce_when_up(f"http://{local}:{settings.port}/hub/login", lines)
    config = Path(__file__).with_name("jupyterhub_config.py")
    argv = [sys.executable, "-m", "jupyterhub", "-f", str(config)]
    os.chdir(settings.state_dir)
    os.execve(sys.executable, argv, env)


def announce_when_up(url: str, lines: list[str], *, timeout: float = 180.0) -> None:
    """Start a watcher that prints ``lines`` once ``url`` answers, below JupyterHub's start-up log, then exits.

    The watcher is a grandchild (double fork): JupyterHub, which replaces this process, never has to reap it.
    """
    child = os.fork()
    if child:
        os.waitpid(child, 0)
        return
    if os.fork():
        os._exit(0)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(url, timeout=2):
                    print("\n".join(lines), flush=True)
                    return
            except OSError:
                time.sleep(0.5)
        print(f"fastsim hub: {url} did not answer within {timeout:.0f} s: see the log above", file=sys.stderr)
    finally:
        os._exit(0)
