"""The real KubeSpawner, offline, configured as the z2jh 4.4 hub configures it: the form and the exact pod.

The configuration is built in z2jh's order (``fastsim_kernel.platform.z2jh``): the singleuser mapping, then
``hub.config``, then the chart's hub files (helm/fastsim-hub/files/hub/*.py, run like z2jh runs the files of
``jupyterhub_config.d``, with a ``z2jh.get_config`` that reads the same values). KubeSpawner is built with
``_mock=True``; nothing contacts a cluster.

KubeSpawner loads the Kubernetes client configuration once per process, from ``$KUBECONFIG``. The first
spawner built here points it at a throw-away kubeconfig for 127.0.0.1, under a lock, so callers may be
threads; ``$KUBECONFIG`` is restored at once.
"""

from __future__ import annotations

import asyncio
import builtins
import contextlib
import os
import tempfile
import threading
import types
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace
from typing import Any, TypeVar

from fastsim_kernel._extras import require
from fastsim_kernel.errors import FastsimError
from fastsim_kernel.platform.profiles import resolve_choice
from fastsim_kernel.platform.values import get_value, hub_values, profile_list
from fastsim_kernel.platform.z2jh import hub_traits, with_defaults

T = TypeVar("T")

# The chart of this checkout (an editable install); other callers pass ``chart``.
DEFAULT_CHART = Path(__file__).resolve().parents[2] / "helm" / "fastsim-hub"
HUB_FILES = Path("files") / "hub"
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
_CLIENT_CONFIG_LOCK = threading.Lock()


@contextlib.contextmanager
def _dummy_kubeconfig() -> Iterator[Path]:
    """``$KUBECONFIG`` (and kubernetes_asyncio's copy of it, taken at import) pointing at the dummy config."""
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


def _new_spawner(**kwargs):
    """``KubeSpawner(_mock=True, **kwargs)``. The first one in the process loads KubeSpawner's client
    configuration (cached from then on) from the dummy kubeconfig, under a lock so that threads can call."""
    from kubespawner import KubeSpawner
    from kubespawner.clients import load_config

    with _CLIENT_CONFIG_LOCK:
        if load_config.cache_info().currsize:
            return KubeSpawner(_mock=True, **kwargs)
        with _dummy_kubeconfig():
            return KubeSpawner(_mock=True, **kwargs)


def hub_file_traits(values: dict[str, Any], chart: Path) -> dict[str, Any]:
    """The KubeSpawner settings the chart's hub files make, run as z2jh runs them (sorted, with ``c``)."""
    from traitlets.config import Config

    folder = chart / HUB_FILES
    if not folder.is_dir():
        msg = f"chart {str(chart)!r} has no {HUB_FILES}/ (expected the fastsim-hub chart; pass --chart DIR)"
        raise FastsimError(msg)
    full = with_defaults(hub_values(values))
    z2jh = types.ModuleType("z2jh")
    z2jh.get_config = lambda key, default=None: get_value(full, key, default)

    def importer(name, *args, **kwargs):  # `from z2jh import get_config` gets the stand-in, no sys.modules edit
        return z2jh if name == "z2jh" else builtins.__import__(name, *args, **kwargs)

    c = Config()
    c.JupyterHub.services = []
    c.JupyterHub.load_roles = []
    c.JupyterHub.hub_bind_url = "http://:8081"
    isolated_builtins = {**vars(builtins), "__import__": importer}
    for path in sorted(folder.glob("*.py")):
        namespace = {"c": c, "__name__": "jupyterhub_config", "__builtins__": isolated_builtins}
        exec(compile(path.read_text(), path.name, "exec"), namespace)
    return dict(c.KubeSpawner)


def all_groups(values: dict[str, Any]) -> list[str]:
    """Every group config.yaml restricts a profile to (a user in all of them sees every profile)."""
    limits = get_value(hub_values(values), "custom.fastsim.profileGroups") or {}
    return sorted({group for allowed in limits.values() for group in allowed})


def offered_profiles(values: dict[str, Any], chart: Path = DEFAULT_CHART, groups: list[str] | None = None):
    """The profile list the hub offers a user in ``groups`` (None: every group), after the hub files ran."""
    profiles = hub_file_traits(values, chart).get("profile_list", profile_list(values))
    if callable(profiles):
        names = all_groups(values) if groups is None else groups
        user = SimpleNamespace(groups=[SimpleNamespace(name=name) for name in names])
        profiles = profiles(SimpleNamespace(user=user))
    return profiles


def _make_spawner(values: dict[str, Any], *, user: str, namespace: str, release: str, chart: Path,
                  groups: list[str] | None):  # fmt: skip
    """A KubeSpawner configured like the z2jh hub would configure it. Call inside a running event loop.

    ``groups``: the user's JupyterHub groups (None: every group that config.yaml restricts profiles to)."""
    require("kubespawner")
    from traitlets.config import Config

    hub = hub_values(values)
    traits = hub_traits(hub, release=release)
    traits.update(hub_file_traits(values, chart))
    config = Config()
    for trait, value in traits.items():
        config.KubeSpawner[trait] = value
    config.KubeSpawner.namespace = namespace
    groups = all_groups(values) if groups is None else groups
    hub_user = SimpleNamespace(name=user, id=1, url=f"/user/{user}/", groups=[SimpleNamespace(name=g) for g in groups])
    return _new_spawner(user=hub_user, config=config)


async def _spawner(values: dict[str, Any], *, user: str, namespace: str, release: str = "fastsim-hub",
                   chart: Path = DEFAULT_CHART, groups: list[str] | None = None):  # fmt: skip
    """``_make_spawner``, then one turn of the loop so that KubeSpawner's client-closing task starts
    (it closes the shared API client's HTTP session when ``asyncio.run`` cancels it at the end)."""
    spawner = _make_spawner(values, user=user, namespace=namespace, release=release, chart=chart, groups=groups)
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


def render_options_form(values: dict[str, Any], *, user: str = "jovyan", chart: Path = DEFAULT_CHART,
                        groups: list[str] | None = None) -> str:  # fmt: skip
    """The HTML of KubeSpawner's profile form for the profiles in ``values`` (its own Jinja template)."""

    async def render() -> str:
        spawner = await _spawner(values, user=user, namespace="fastsim", chart=chart, groups=groups)
        form = spawner.options_form
        if callable(form):  # a callable profile_list: rendered per user
            form = await form(spawner)
        return form

    return _run(render)


def pod_manifest(
    values: dict[str, Any],
    profile_slug: str,
    options: dict[str, str] | None = None,
    user: str = "jovyan",
    *,
    namespace: str = "fastsim",
    release: str = "fastsim-hub",
    chart: Path = DEFAULT_CHART,
    groups: list[str] | None = None,
) -> dict[str, Any]:
    """The pod the real KubeSpawner, configured by z2jh 4.4 and the chart's hub files, creates for ``user``
    choosing ``profile_slug`` and ``options``.

    ``options`` maps profile option names to choice keys (e.g. ``{"gpu": "mig-1g.10gb"}``); missing options
    take the profile's default choice; ``namespace`` and ``release`` are those of the Helm install (default
    as in docs/kubernetes.md); ``chart`` is the fastsim-hub chart whose hub files run. Returns the manifest
    as plain JSON-able dicts (camelCase keys).
    """
    user_options = {"profile": profile_slug, **(options or {})}
    resolve_choice(profile_list(values), {"profile": profile_slug})  # a clear error for an unknown slug

    async def build() -> dict[str, Any]:
        from kubernetes_asyncio.client import ApiClient

        spawner = await _spawner(values, user=user, namespace=namespace, release=release, chart=chart, groups=groups)
        profiles = spawner.profile_list(spawner) if callable(spawner.profile_list) else spawner.profile_list
        resolve_choice(profiles, user_options)  # the options and choices the hub offers, with clear errors
        spawner.user_options = user_options
        await spawner.load_user_options()
        pod = await spawner.get_pod_manifest()
        async with ApiClient() as client:
            return client.sanitize_for_serialization(pod)

    return _run(build)
