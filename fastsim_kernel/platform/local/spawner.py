"""A local spawner that offers the Kubernetes profiles: same list, same KubeSpawner form, local processes.

Every server runs as the hub's own user (JupyterHub's SimpleLocalProcessSpawner) in a home folder under the
hub's state folder. From the chosen profile only what means something on one machine is applied: the
``environment`` and the ``default_url``. Images, GPUs, tolerations, node placement, volumes and resource
limits only make sense on Kubernetes: they are named in one log line and otherwise ignored. The chosen
profile and options are recorded in the server's environment as ``FASTSIM_PROFILE`` and
``FASTSIM_PROFILE_OPTIONS`` (JSON).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from jupyterhub.spawner import SimpleLocalProcessSpawner
from traitlets import Dict, List, Unicode, default

from fastsim_kernel.errors import FastsimError
from fastsim_kernel.platform.local.choice import ProfileChoice, options_from_form, resolve_choice
from fastsim_kernel.workspace import sync_curated_notebooks

LOCAL_KEYS = frozenset({"environment", "default_url"})


class FastsimLocalSpawner(SimpleLocalProcessSpawner):
    """SimpleLocalProcessSpawner with KubeSpawner's profile list and form."""

    profile_list = List(Dict(), config=True, help="z2jh singleuser.profileList, as KubeSpawner takes it.")
    curated_notebooks = Unicode(
        "", config=True, help="Folder of notebooks brought into <home>/notebooks on each start, keeping edits."
    )

    @default("options_from_form")
    def _profile_options_from_form(self):
        return self._parse_form

    def _parse_form(self, formdata: dict[str, list[str]]) -> dict[str, str]:
        """KubeSpawner's form fields -> user_options, rejecting unknown slugs and choices early."""
        user_options = options_from_form(formdata)
        resolve_choice(self.profile_list, user_options)
        return user_options

    def resolved_choice(self) -> ProfileChoice:
        """The profile and options of the current ``user_options`` (defaults when none were given)."""
        return resolve_choice(self.profile_list, self.user_options or {})

    async def start(self):
        try:
            choice = self.resolved_choice()
        except FastsimError as err:
            raise ValueError(str(err)) from err  # JupyterHub shows the message on the spawn page
        ignored = sorted(set(choice.overrides) - LOCAL_KEYS)
        self.log.info("Starting %s with profile %r options %s", self._log_name, choice.slug, choice.options)
        if ignored:
            self.log.info("Profile %r: Kubernetes-only settings not applied locally: %s",
                          choice.slug, ", ".join(ignored))
        self._seed_home()
        return await super().start()

    def _seed_home(self) -> None:
        """Create the home folder and bring the curated notebooks into ``<home>/notebooks``: new ones are
        copied, ones the user has not changed are updated, edited ones are kept."""
        home = Path(self.home_dir)
        home.mkdir(parents=True, exist_ok=True)
        if not self.curated_notebooks:
            return
        report = sync_curated_notebooks(self.curated_notebooks, home / "notebooks")
        for action, names in report.items():
            if names:
                self.log.info("Curated notebooks %s for %s: %s", action, self._log_name, ", ".join(names))

    def get_env(self) -> dict[str, str]:
        env = super().get_env()
        choice = self.resolved_choice()
        for name, value in (choice.overrides.get("environment") or {}).items():
            if isinstance(value, str | int | float | bool):
                env[name] = str(value)
            else:
                self.log.info("Profile %r: environment %s is not a plain value; not set locally",
                              choice.slug, name)
        if choice.overrides.get("default_url"):
            env["JUPYTERHUB_DEFAULT_URL"] = self.format_string(choice.overrides["default_url"])
        env["FASTSIM_PROFILE"] = choice.slug
        env["FASTSIM_PROFILE_OPTIONS"] = json.dumps(choice.options, sort_keys=True)
        return env

    def get_args(self) -> list[str]:
        args = list(super().get_args())
        if os.geteuid() == 0 and "--allow-root" not in args:
            args.append("--allow-root")  # CI and containers run as root
        return args
