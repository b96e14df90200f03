"""The built fastsim image, run the way the "fastsim ml-gpu" profile runs it (the `images` lane:
`make test-images`, after `make images`; see docs/images.md for when it runs and how long it takes).

The pod comes from `pod_manifest` (the real KubeSpawner configured as z2jh 4.4 does): its image, user, group,
capabilities, environment and postStart command. Inside the container, with no network,
images/fastsim/test-in-image.sh runs the smoke check, a pip install as the user, every curated notebook with
the parameters of tests/notebooks, a one-epoch training and `fastsim doctor`. The notebook tests are those of
the commit the image was built from (its org.opencontainers.image.revision label)."""

from __future__ import annotations

import importlib.metadata
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import IMAGES, REPO
from .test_images import load_module

pytestmark = pytest.mark.images

PROFILE = "fastsim-ml-gpu"
WHEELHOUSE = REPO / ".cache" / "images" / "wheels"
TEST_TOOLS = ("pytest", "papermill")


def podman(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    env = {**os.environ, "CONTAINERS_CONF": str(IMAGES / "containers.conf")}
    return subprocess.run(
        ["podman", *args], env=env, capture_output=True, text=True, check=False, timeout=timeout
    )  # fmt: skip


@pytest.fixture(scope="module")
def pod(values) -> dict:
    from fastsim_kernel.platform.spawner import pod_manifest

    return pod_manifest(values, PROFILE)


@pytest.fixture(scope="module")
def wheelhouse():
    """pytest and papermill (this venv's versions) and their dependencies, as wheels for the image's Python."""
    freeze = load_module(IMAGES / "freeze.py", "freeze")
    pins = [f"{name}=={importlib.metadata.version(name)}" for name in TEST_TOOLS]
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--dest", str(WHEELHOUSE), "--only-binary=:all:",
         "--python-version=3.11", "--implementation=cp", *(f"--platform={p}" for p in freeze.PLATFORMS), *pins],
        check=True,
    )  # fmt: skip
    return WHEELHOUSE


def image_sources(image: str, folder) -> Path:
    """The tests and notebooks of the commit ``image`` was built from (the working tree for CONTEXT=. builds)."""
    label = podman("image", "inspect", "--format", '{{index .Labels "org.opencontainers.image.revision"}}', image)
    revision = label.stdout.strip()
    assert label.returncode == 0, f"{image} is not built: run `make images` first"
    if revision.endswith("-worktree"):
        return REPO
    archive = subprocess.run(["git", "-C", str(REPO), "archive", revision, "tests", "notebooks"], capture_output=True)
    assert archive.returncode == 0, archive.stderr.decode()
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)
    return folder


def test_fastsim_image_runs_notebooks_training_and_doctor_as_the_profile(pod, wheelhouse, tmp_path):
    container = pod["spec"]["containers"][0]
    image = container["image"]
    sources = image_sources(image, tmp_path)
    uid = container["securityContext"]["runAsUser"]
    fs_group = pod["spec"]["securityContext"]["fsGroup"]
    (home_mount,) = [m["mountPath"] for m in container["volumeMounts"] if m["name"].startswith("volume-")]
    home = tmp_path / "home"  # the user's persistent volume, empty at the first start
    home.mkdir()
    os.chown(home, uid, fs_group)
    run = [
        "run", "--rm", "--network=none", f"--user={uid}", f"--group-add={fs_group}", "--cap-drop=ALL",
        "--security-opt=no-new-privileges", f"--volume={home}:{home_mount}",
        *(f"--env={e['name']}={e['value']}" for e in container["env"] if "value" in e),
    ]  # fmt: skip

    post_start = podman(*run, image, *container["lifecycle"]["postStart"]["exec"]["command"])
    assert post_start.returncode == 0, post_start.stderr
    assert sorted(p.name for p in (home / "notebooks").glob("*.ipynb")) == sorted(
        p.name for p in (sources / "notebooks").glob("*.ipynb")
    ), "the postStart hook copies the image's notebooks into the home"

    result = podman(
        *run,
        f"--volume={sources / 'tests'}:/srv/tests:ro",
        f"--volume={wheelhouse}:/srv/wheels:ro",
        f"--volume={IMAGES / 'fastsim' / 'test-in-image.sh'}:/srv/test-in-image.sh:ro",
        image, "bash", "/srv/test-in-image.sh",
        timeout=3600,
    )  # fmt: skip
    print(result.stdout[-20000:])
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-5000:]
    notebook_tests = re.findall(r"^def test_", (sources / "tests/notebooks/test_run_notebooks.py").read_text(), re.M)
    assert re.search(rf"^{len(notebook_tests)} passed in ", result.stdout, flags=re.M), "every notebook test ran"
    assert "== all in-image checks passed" in result.stdout
