"""``fastsim hub``: run the platform locally, a real JupyterHub with the five profiles."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "hub", help="run a local JupyterHub with the platform's profiles",
        description="Run a real JupyterHub on this machine: the profiles and spawn form of config.yaml, "
        "servers as local processes, shared-password login. Ctrl-C stops it and its servers.",
    )
    parser.add_argument("--port", type=int, default=8000, help="port users connect to (default 8000)")
    parser.add_argument("--ip", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--config", type=Path, default=None,
                        help="z2jh values with the profiles (default: the project's config.yaml)")
    parser.add_argument("--password", default=None,
                        help="shared login password, 8+ characters (default: $FASTSIM_HUB_PASSWORD, "
                        "else a generated one, printed once the hub is up)")
    parser.add_argument("--state-dir", type=Path, default=Path(".hub"),
                        help="database, secrets and user homes (default .hub)")
    parser.add_argument("--admin-user", default=None,
                        help="name of the admin, who logs in with $FASTSIM_HUB_ADMIN_PASSWORD (32+ "
                        "characters) or a generated one (default: no admin)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from fastsim_kernel.platform.local.launcher import LaunchOptions, launch

    launch(LaunchOptions(port=args.port, ip=args.ip, config=args.config, password=args.password,
                         state_dir=args.state_dir, admin_user=args.admin_user))
    return 0
