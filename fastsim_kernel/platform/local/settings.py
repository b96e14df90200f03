"""Settings of the local hub: one dataclass, written to the state folder and read back by the hub config.

The launcher (``fastsim hub``) resolves every path and port, writes them to ``<state_dir>/hub-settings.json``
and points ``FASTSIM_HUB_SETTINGS`` at that file; ``jupyterhub_config.py`` reads it back. Passwords never go
to disk: they travel in the hub process's environment only (``FASTSIM_HUB_PASSWORD``,
``FASTSIM_HUB_ADMIN_PASSWORD``), which JupyterHub does not pass on to user servers.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import asdict, dataclass
from pathlib import Path

from fastsim_kernel.errors import FastsimError

SETTINGS_ENV = "FASTSIM_HUB_SETTINGS"
PASSWORD_ENV = "FASTSIM_HUB_PASSWORD"
ADMIN_PASSWORD_ENV = "FASTSIM_HUB_ADMIN_PASSWORD"
MIN_PASSWORD = 8
MIN_ADMIN_PASSWORD = 32


@dataclass(frozen=True)
class HubSettings:
    """Everything the hub config needs, as plain values (all paths absolute).

    port/ip: where the proxy listens (the URL users open); hub_port/proxy_api_port: internal ports;
    config: the z2jh values file (config.yaml); state_dir: sqlite database,
    cookie secret, proxy token and the users' home folders; proxy_command: configurable-http-proxy;
    notebooks: curated notebooks copied into each new home (None: none); admin_user: the one admin
    (None: no admin); python: the interpreter that runs the user servers.
    """

    port: int
    ip: str
    hub_port: int
    proxy_api_port: int
    state_dir: str
    proxy_command: str
    python: str
    config: str
    notebooks: str | None = None
    admin_user: str | None = None

    def write(self) -> Path:
        """Write the settings to ``<state_dir>/hub-settings.json`` and return that path."""
        path = Path(self.state_dir) / "hub-settings.json"
        path.write_text(json.dumps(asdict(self), indent=2) + "\n", encoding="utf-8")
        return path

    @classmethod
    def read(cls, path: str | os.PathLike[str] | None = None) -> HubSettings:
        """Read settings from ``path`` (default: the file named by ``FASTSIM_HUB_SETTINGS``)."""
        path = path or os.environ.get(SETTINGS_ENV)
        if not path:
            msg = f"{SETTINGS_ENV} is not set: start the local hub with `fastsim hub`"
            raise FastsimError(msg)
        return cls(**json.loads(Path(path).read_text(encoding="utf-8")))


def check_password(password: str, *, name: str = "hub password", minimum: int = MIN_PASSWORD) -> str:
    """Return ``password`` if it has at least ``minimum`` characters, else raise FastsimError."""
    if len(password) < minimum:
        msg = f"the {name} must have at least {minimum} characters, got {len(password)}"
        raise FastsimError(msg)
    return password


def resolve_password(explicit: str | None, *, env_name: str = PASSWORD_ENV,
                     minimum: int = MIN_PASSWORD) -> tuple[str, bool]:
    """The password from ``explicit``, else from the environment, else a new random one.

    Returns (password, generated). A generated password is url-safe and ``max(minimum, 16)`` characters.
    """
    given = explicit or os.environ.get(env_name)
    if given:
        return check_password(given, minimum=minimum), False
    return secrets.token_urlsafe(max(minimum, 16))[: max(minimum, 16)], True


def read_or_create_secret(path: Path, *, nbytes: int = 32) -> str:
    """A hex secret kept in ``path`` (mode 0600), created on first use."""
    if path.exists():
        return path.read_text(encoding="ascii").strip()
    secret = secrets.token_hex(nbytes)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(secret + "\n")
    return secret
