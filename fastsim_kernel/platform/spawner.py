"""The real KubeSpawner, offline: the profile form and the exact pod a user would get.

KubeSpawner is built with ``_mock=True`` and a throw-away kubeconfig pointing at 127.0.0.1 (written to a
temporary folder and named through ``$KUBECONFIG`` only while the spawner is created), configured with the
traits that the z2jh mapping derives from config.yaml. Nothing contacts a cluster.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace
from typing import Any, TypeVar

from fastsim_kernel._extras import require
from fastsim_kernel.errors import FastsimError
from fastsim_kernel.platform.values import find_profile, hub_values
from fastsim_kernel.platform.z2jh import spawner_traits

T = TypeVar("T")

DUMMY_KUBECONFIG = """\
apiVersion: v1
kind: Config
clusters:
- name: offline
  cluster: {server: "https://127.0.0.1:6443"}
users:
- name: offline
  user: {token: offline}
contexts:
- name: offline
  context: {cluster: offline, user: offline, namespace: fastsim}
current-context: offline
"""


@contextlib.contextmanager
def offline_kubeconfig() -> Iterator[Path]:
    """Point ``$KUBECONFIG`` at a dummy config for 127.0.0.1 for the duration of the block.

    kubernetes_asyncio copies ``$KUBECONFIG`` into ``kube_config.KUBE_CONFIG_DEFAULT_LOCATION`` when it is
    first imported, so that copy is pointed at the dummy too (and both are restored afterwards).
    """
    from kubernetes_asyncio.config import kube_config

    previous_env = os.environ.get("KUBECONFIG")
    previous_default = kube_config.KUBE_CONFIG_DEFAULT_LOCATION
    with tempfile.TemporaryDirectory(prefix="fastsim-kubeconfig-") as folder:
        path = Path(folder) / "config"
        path.write_text(DUMMY_KUBECONFIG)
        os.environ["KUBECONFIG"] = str(path)
        kube_config.KUBE_CONFIG_DEFAULT_LOCATION = str(path)
        try:
            yield path
        finally:
            kube_config.KUBE_CONFIG_DEFAULT_LOCATION = previous_default
            if previous_env is None:
                os.environ.pop("KUBECONFIG", None)
            else:
                os.environ["KUBECONFIG"] = previous_env


def _make_spawner(values: dict[str, Any], *, user: str, namespace: str, release: str = "fastsim-hub"):
    """A KubeSpawner configured like the z2jh hub would configure it. Call inside a running event loop."""
    require("kubespawner")
    from kubespawner import KubeSpawner
    from traitlets.config import Config

    config = Config()
    for trait, value in spawner_traits(hub_values(values), release=release).items():
        config.KubeSpawner[trait] = value
    config.KubeSpawner.namespace = namespace
    hub_user = SimpleNamespace(name=user, id=1, url=f"/user/{user}/")
    with offline_kubeconfig():
        return KubeSpawner(_mock=True, user=hub_user, config=config)


async def _spawner(values: dict[str, Any], *, user: str, namespace: str, release: str = "fastsim-hub"):
    """``_make_spawner``, then one turn of the loop so that KubeSpawner's client-closing task starts
    (it closes the shared API client's HTTP session when ``asyncio.run`` cancels it at the end)."""
    spawner = _make_spawner(values, user=user, namespace=namespace, release=release)
    await asyncio.sleep(0)
    return spawner


def _run(make_coroutine: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine to completion with its own event loop; from a thread whose loop is already running
    (a notebook, a hub), do it in a short-lived worker thread instead of failing."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make_coroutine())
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(make_coroutine())).result()


def render_options_form(values: dict[str, Any], *, user: str = "jovyan") -> str:
    """The HTML of KubeSpawner's profile form for the profiles in ``values`` (its own Jinja template)."""

    async def render() -> str:
        spawner = await _spawner(values, user=user, namespace="fastsim")
        form = spawner.options_form
        if callable(form):  # a callable profile_list: rendered per user
            form = await form(spawner)
        return form

    return _run(render)


def _user_options(values: dict[str, Any], profile_slug: str, options: dict[str, str]) -> dict[str, str]:
    """KubeSpawner's user_options for a profile and option choices, checked against config.yaml."""
    profile = find_profile(values, profile_slug)
    declared = profile.get("profile_options") or {}
    for name, choice in options.items():
        if name not in declared:
            msg = f"profile {profile_slug!r} has no option {name!r}; expected one of {sorted(declared)}"
            raise FastsimError(msg)
        choices = declared[name].get("choices") or {}
        if choice not in choices:
            msg = f"profile {profile_slug!r} option {name!r}: no choice {choice!r}; expected one of {sorted(choices)}"
            raise FastsimError(msg)
    return {"profile": profile_slug, **options}


def pod_manifest(
    values: dict[str, Any],
    profile_slug: str,
    options: dict[str, str] | None = None,
    user: str = "jovyan",
    *,
    namespace: str = "fastsim",
    release: str = "fastsim-hub",
) -> dict[str, Any]:
    """The pod the real KubeSpawner creates for ``user`` choosing ``profile_slug`` and ``options``.

    ``options`` maps profile option names to choice keys (e.g. ``{"gpu": "mig-1g-10gb"}``); missing options
    take the profile's default choice; ``namespace`` and ``release`` are those of the Helm install (default
    as in docs/kubernetes.md). Returns the manifest as plain JSON-able dicts (camelCase keys).
    """
    user_options = _user_options(values, profile_slug, dict(options or {}))

    async def build() -> dict[str, Any]:
        from kubernetes_asyncio.client import ApiClient

        spawner = await _spawner(values, user=user, namespace=namespace, release=release)
        spawner.user_options = user_options
        await spawner.load_user_options()
        pod = await spawner.get_pod_manifest()
        async with ApiClient() as client:
            return client.sanitize_for_serialization(pod)

    return _run(build)
