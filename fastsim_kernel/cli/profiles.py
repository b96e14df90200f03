"""``fastsim profiles list|manifest|check``: the administrator's view of the profiles in config.yaml."""

from __future__ import annotations

import argparse

from fastsim_kernel.errors import FastsimError


def register(subparsers) -> None:
    profiles = subparsers.add_parser("profiles", help="platform profiles: list, pod manifests, checks")
    commands = profiles.add_subparsers(dest="profiles_command", required=True, metavar="ACTION")

    listing = commands.add_parser("list", help="print the profiles and their options from config.yaml")
    _add_config(listing)
    listing.set_defaults(func=run_list)

    manifest = commands.add_parser("manifest", help="print the pod the real KubeSpawner would create, as YAML")
    _add_config(manifest)
    manifest.add_argument("--profile", required=True, metavar="SLUG", help="profile slug, e.g. fastsim-ml-gpu")
    manifest.add_argument(
        "--option",
        action="append",
        default=[],
        metavar="NAME=CHOICE",
        help="a profile option choice, e.g. gpu=mig-1g-10gb (repeatable; default: each option's default)",
    )
    manifest.add_argument("--user", default="jovyan", help="user name the pod is built for (default: jovyan)")
    manifest.set_defaults(func=run_manifest)

    checking = commands.add_parser("check", help="validate config.yaml; exit 2 naming the profile and key")
    _add_config(checking)
    checking.set_defaults(func=run_check)


def _add_config(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        default=None,
        metavar="PATH",
        help="values file (default: $FASTSIM_CONFIG, else config.yaml here or in a parent folder)",
    )


def parse_options(pairs: list[str]) -> dict[str, str]:
    """``["gpu=full"]`` -> ``{"gpu": "full"}``; a pair without '=' is a user error."""
    options: dict[str, str] = {}
    for pair in pairs:
        name, sep, choice = pair.partition("=")
        if not sep or not name or not choice:
            msg = f"--option {pair!r}: expected NAME=CHOICE, e.g. gpu=full"
            raise FastsimError(msg)
        options[name] = choice
    return options


def run_list(args: argparse.Namespace) -> int:
    from fastsim_kernel.platform import load_values, profile_list

    for profile in profile_list(load_values(args.config)):
        override = profile.get("kubespawner_override") or {}
        default = " (default)" if profile.get("default") else ""
        print(f"{profile.get('slug')}{default}: {profile.get('display_name')} [{override.get('image')}]")
        print(f"    {profile.get('description', '')}")
        for name, option in (profile.get("profile_options") or {}).items():
            choices = []
            for key, spec in (option.get("choices") or {}).items():
                choices.append(f"{key}*" if (spec or {}).get("default") else key)
            print(f"    --option {name}={{{','.join(choices)}}}  ({option.get('display_name', name)}; * = default)")
    return 0


def run_manifest(args: argparse.Namespace) -> int:
    import yaml

    from fastsim_kernel.platform import check_or_raise, load_values, pod_manifest

    values = load_values(args.config)
    check_or_raise(values)
    pod = pod_manifest(values, args.profile, parse_options(args.option), user=args.user)
    print(yaml.safe_dump(pod, sort_keys=False), end="")
    return 0


def run_check(args: argparse.Namespace) -> int:
    from fastsim_kernel.platform import check, find_config, load_values, profile_list

    values = load_values(args.config)
    problems = check(values)
    if problems:
        raise FastsimError(f"{find_config(args.config)}: " + "; ".join(problems))
    print(f"{find_config(args.config)}: {len(profile_list(values))} profiles OK")
    return 0
