"""TensorBoard inside JupyterLab: a launcher tile that starts TensorBoard on the workspace's training runs.

jupyter-server-proxy (installed with the ``hub`` extra and in the fastsim image) finds this through the
``jupyter_serverproxy_servers`` entry point in pyproject.toml. On the user's server it then

- shows a "TensorBoard" tile in the JupyterLab launcher, which opens TensorBoard in a JupyterLab tab;
- starts ``tensorboard`` on first use, on a free local port, reading ``<workspace>/runs`` (where notebook 02 and
  ``fastsim train --out ~/fastsim-workspace/runs/...`` write their ``logs/``);
- serves it at ``<server URL>/tensorboard/`` behind the server's own login, so it works the same on the local
  hub and on a pod behind z2jh's proxy; nothing is exposed on another port.

TensorBoard runs with no GPU visible: it only reads event files, and must not take GPU memory from training.
"""

from __future__ import annotations

import contextlib
import importlib.util
import shutil
import sys
from pathlib import Path

from fastsim_kernel.workspace import Workspace

ICON = Path(__file__).with_name("tensorboard.svg")
#: TensorBoard imports TensorFlow when present: on a busy 2-core machine its first answer takes about 10-20 s.
START_TIMEOUT_S = 90.0


def logdir() -> Path:
    """The folder TensorBoard reads: the ``runs`` folder of the user's workspace (created when possible;
    TensorBoard picks up runs that appear later)."""
    folder = Workspace.default().root / "runs"
    with contextlib.suppress(OSError):
        folder.mkdir(parents=True, exist_ok=True)
    return folder


def command(port: int) -> list[str]:
    """The TensorBoard command line for ``port`` (jupyter-server-proxy picks the port): the ``tensorboard`` of
    this environment, else the first on PATH."""
    beside = Path(sys.executable).with_name("tensorboard")
    executable = str(beside) if beside.is_file() else shutil.which("tensorboard") or "tensorboard"
    return [executable, "--logdir", str(logdir()), "--port", str(port), "--host", "127.0.0.1",
            "--reload_interval", "10"]  # fmt: skip


def server_proxy_config() -> dict:
    """jupyter-server-proxy's settings for the TensorBoard tile (the entry point's target). Without TensorBoard
    installed (the ``train`` extra) the tile is not shown."""
    return {
        "command": command,
        # no GPU for a log reader; TensorFlow's INFO and WARNING logs stay out of the server log
        "environment": {"CUDA_VISIBLE_DEVICES": "", "TF_CPP_MIN_LOG_LEVEL": "2"},
        "timeout": START_TIMEOUT_S,
        "new_browser_tab": False,
        "launcher_entry": {
            "enabled": importlib.util.find_spec("tensorboard") is not None,
            "title": "TensorBoard",
            "icon_path": str(ICON),
            "category": "Other",
        },
    }
