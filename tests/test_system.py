"""usable_cpus() follows the cgroup quota, not the node's core count."""

import os

import pytest

from fastsim_kernel.system import cgroup_cpu_limit, usable_cpus


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


@pytest.mark.parametrize(
    ("cpu_max", "expected"),
    [("max 100000", None), ("150000 100000", 1.5), ("400000 100000", 4.0), ("50000 100000", 0.5)],
)
def test_cgroup_v2_quota(tmp_path, cpu_max, expected):
    write(tmp_path / "cpu.max", cpu_max + "\n")
    assert cgroup_cpu_limit(tmp_path) == expected


def test_cgroup_v1_quota(tmp_path):
    write(tmp_path / "cpu" / "cpu.cfs_quota_us", "250000\n")
    write(tmp_path / "cpu" / "cpu.cfs_period_us", "100000\n")
    assert cgroup_cpu_limit(tmp_path) == 2.5
    write(tmp_path / "cpu" / "cpu.cfs_quota_us", "-1\n")
    assert cgroup_cpu_limit(tmp_path) is None


def test_usable_cpus_capped_by_quota_and_rounded_up(tmp_path):
    write(tmp_path / "cpu.max", "50000 100000\n")  # half a core still gets one worker
    assert usable_cpus(tmp_path) == 1
    write(tmp_path / "cpu.max", "max 100000\n")
    assert usable_cpus(tmp_path) == len(os.sched_getaffinity(0))


def test_unreadable_cgroup_falls_back_to_affinity(tmp_path):
    write(tmp_path / "cpu.max", "garbage\n")
    assert usable_cpus(tmp_path) == len(os.sched_getaffinity(0))


def test_visible_gpus_are_the_ones_tensorflow_lists(monkeypatch):
    import sys
    import types

    from fastsim_kernel.system import visible_gpus

    device = types.SimpleNamespace(name="/physical_device:GPU:0")
    config = types.SimpleNamespace(list_physical_devices=lambda kind: [device] if kind == "GPU" else [])
    monkeypatch.setitem(sys.modules, "tensorflow", types.SimpleNamespace(config=config))
    assert visible_gpus() == ["/physical_device:GPU:0"]
    monkeypatch.setitem(sys.modules, "tensorflow", None)  # not installed: no GPU, no error
    assert visible_gpus() == []
