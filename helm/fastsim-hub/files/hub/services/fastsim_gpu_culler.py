"""Stop GPU servers that have been idle too long: a JupyterHub service, standard library only.

Started by the hub (see fastsim_gpu_cull.py) with ``JUPYTERHUB_API_TOKEN`` in its environment::

    python3 fastsim_gpu_culler --url=http://localhost:8081/hub/api --timeout=3600 --every=300 \
        --max-age=86400 --profiles=ml-gpu,fastsim-ml-gpu

Every ``--every`` seconds it lists the active servers, and stops each ready server whose
``user_options.profile`` is one of ``--profiles`` and whose last activity is older than ``--timeout``, or
that started more than ``--max-age`` seconds ago (0: no maximum age). ``--url`` defaults to
``$JUPYTERHUB_API_URL``.
"""

import argparse
import json
import os
import sys
import time
import urllib.parse
import urllib.request
from datetime import datetime, timezone

PAGE_SIZE = 200


def parse_time(text):
    """An ISO 8601 timestamp from the hub API (``...Z`` or with an offset) as an aware datetime, or None."""
    if not text:
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)


def servers_to_cull(users, *, profiles, timeout, now, max_age=0):
    """``[(user_name, server_name), ...]`` for ready GPU servers idle for more than ``timeout`` seconds or
    started more than ``max_age`` seconds ago (0: no limit).

    ``users`` are hub API user models (with ``servers``); ``now`` is an aware datetime.
    """
    stale = []
    for user in users:
        for server_name, server in (user.get("servers") or {}).items():
            profile = (server.get("user_options") or {}).get("profile")
            if profile not in profiles or not server.get("ready"):
                continue
            started = parse_time(server.get("started"))
            last = parse_time(server.get("last_activity")) or started
            idle = last is not None and (now - last).total_seconds() > timeout
            too_old = bool(max_age) and started is not None and (now - started).total_seconds() > max_age
            if idle or too_old:
                stale.append((user["name"], server_name))
    return stale


def server_path(user_name, server_name):
    """The hub API path that stops a server (the default server has the empty name)."""
    user = urllib.parse.quote(user_name, safe="")
    if not server_name:
        return f"/users/{user}/server"
    return f"/users/{user}/servers/{urllib.parse.quote(server_name, safe='')}"


def api(method, path, *, api_url, token, timeout=30):
    """One hub API call; returns the decoded JSON body (None when empty)."""
    request = urllib.request.Request(
        api_url.rstrip("/") + path,
        method=method,
        headers={
            "Authorization": f"token {token}",
            "Accept": "application/jupyterhub-pagination+json, application/json",
        },
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        body = response.read()
    return json.loads(body) if body else None


def active_users(*, api_url, token):
    """All users with an active server, following the hub's pagination."""
    users, offset = [], 0
    while True:
        page = api("GET", f"/users?state=active&offset={offset}&limit={PAGE_SIZE}", api_url=api_url, token=token)
        if isinstance(page, list):  # a hub that does not paginate
            return users + page
        users += page["items"]
        following = (page.get("_pagination") or {}).get("next")
        if not following:
            return users
        offset = following["offset"]


def cull_once(*, api_url, token, profiles, timeout, max_age=0, now=None):
    """Stop the stale GPU servers once; returns what was stopped."""
    now = now or datetime.now(timezone.utc)
    users = active_users(api_url=api_url, token=token)
    stale = servers_to_cull(users, profiles=profiles, timeout=timeout, now=now, max_age=max_age)
    for user_name, server_name in stale:
        print(f"fastsim-gpu-culler: stopping idle GPU server {user_name}/{server_name}", flush=True)
        api("DELETE", server_path(user_name, server_name), api_url=api_url, token=token)
    return stale


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="fastsim_gpu_culler", description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=None, help="hub API URL (default: $JUPYTERHUB_API_URL)")
    parser.add_argument("--timeout", type=int, required=True, help="idle seconds before a GPU server stops")
    parser.add_argument("--max-age", type=int, default=0, help="seconds after its start a GPU server stops (0: never)")
    parser.add_argument("--every", type=int, default=300, help="seconds between checks (default 300)")
    parser.add_argument("--profiles", required=True, help="comma-separated GPU profile slugs")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    profiles = {slug for slug in args.profiles.split(",") if slug}
    api_url = args.url or os.environ["JUPYTERHUB_API_URL"]
    token = os.environ["JUPYTERHUB_API_TOKEN"]
    while True:
        try:
            cull_once(api_url=api_url, token=token, profiles=profiles, timeout=args.timeout, max_age=args.max_age)
        except OSError as err:  # the hub restarting or a network hiccup: try again next round
            print(f"fastsim-gpu-culler: {err}", file=sys.stderr, flush=True)
        time.sleep(args.every)


if __name__ == "__main__":
    main()
