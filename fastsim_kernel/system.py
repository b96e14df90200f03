"""What this process may really use: CPU cores (the cgroup's limit, not the node's count) and the GPUs TensorFlow sees.

A Kubernetes pod with ``limits.cpu: 4`` on a 64-core node sees 64 cores in ``os.cpu_count()``; starting 64
workers there only makes the kernel throttle them. ``usable_cpus()`` takes the smallest of the CPU affinity mask
and the cgroup's CPU quota (v2 ``cpu.max``, or v1 ``cpu.cfs_quota_us`` / ``cpu.cfs_period_us``), rounded up.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

#: Where the cgroup file system is mounted (a parameter so that tests can point it at a folder of their own).
CGROUP_ROOT = Path("/sys/fs/cgroup")


def cgroup_cpu_limit(root: Path = CGROUP_ROOT) -> float | None:
    """The CPU quota of this process's cgroup in cores (``1.5`` for 1500m), or None when there is no limit."""
    v2 = root / "cpu.max"
    if v2.is_file():
        quota, _, period = v2.read_text().strip().partition(" ")
        if quota == "max":
            return None
        return int(quota) / int(period or 100000)
    v1_quota, v1_period = root / "cpu" / "cpu.cfs_quota_us", root / "cpu" / "cpu.cfs_period_us"
    if v1_quota.is_file() and v1_period.is_file():
        quota = int(v1_quota.read_text())
        return None if quota <= 0 else quota / int(v1_period.read_text())
    return None


def usable_cpus(root: Path = CGROUP_ROOT) -> int:
    """CPU cores this process may use: the affinity mask, capped by the cgroup's quota (at least 1)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    try:
        limit = cgroup_cpu_limit(root)
    except (OSError, ValueError):  # an unreadable or odd cgroup file: fall back to the affinity mask
        limit = None
    if limit is not None:
        cores = min(cores, math.ceil(limit))
    return max(1, cores)


def visible_gpus() -> list[str]:
    """The GPUs TensorFlow sees (``["/physical_device:GPU:0", ...]``); empty without TensorFlow or a GPU."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    try:
        import tensorflow as tf
    except ImportError:
        return []
    return [device.name for device in tf.config.list_physical_devices("GPU")]
