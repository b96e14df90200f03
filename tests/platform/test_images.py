"""The profile images: hadolint-clean Dockerfiles, frozen requirements that honour the unfrozen lists,
non-root users, tini, multi-stage builds, smoke checks, and tags that match config.yaml."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from fastsim_kernel.platform import profile_list

from .conftest import REPO

IMAGES = REPO / "images"
FOLDER_OF = {
    "standard-cpu": "standard",
    "ml-cpu": "ml-cpu",
    "ml-gpu": "ml-gpu",
    "fastsim-ml-gpu": "fastsim",
    "terminal": "terminal",
}
FOLDERS = sorted(set(FOLDER_OF.values()))
HADOLINT = Path(sys.executable).with_name("hadolint")


def load_module(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def frozen(folder: str) -> dict[str, str]:
    """``{name: version}`` from an image's requirements.txt; every entry must be pinned and hashed."""
    text = (IMAGES / folder / "requirements.txt").read_text()
    entries = re.findall(r"^([a-z0-9-]+)==(\S+) \\\n    --hash=sha256:[0-9a-f]{64}$", text, flags=re.M)
    requirement_lines = [line for line in text.splitlines() if line and not line.startswith(("#", " "))]
    assert len(entries) == len(requirement_lines), "every requirement is name==version with a sha256 hash"
    return dict(entries)


def test_every_profile_image_has_a_folder(values):
    assert sorted(p.name for p in IMAGES.iterdir() if p.is_dir() and not p.name.startswith("_")) == FOLDERS
    for profile in profile_list(values):
        folder = FOLDER_OF[profile["slug"]]
        image = profile["kubespawner_override"]["image"]
        assert image.rsplit(":", 1)[0].endswith(f"/{folder}")
        dockerfile = (IMAGES / folder / "Dockerfile").read_text()
        assert f"-f images/{folder}/Dockerfile -t {image} ." in dockerfile, "the build command names the tag"


@pytest.mark.parametrize("folder", FOLDERS)
def test_hadolint_passes_with_every_rule(folder):
    dockerfile = IMAGES / folder / "Dockerfile"
    text = dockerfile.read_text()
    for match in re.finditer(r"hadolint ignore=(\S+)(.*)", text):
        assert len(match.group(2).strip(" #-:")) > 20, f"ignored rule {match.group(1)} needs a justification"
    result = subprocess.run(
        [str(HADOLINT), "--failure-threshold", "info", "--no-color", str(dockerfile)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""


def test_hadolint_catches_a_bad_dockerfile(tmp_path):
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN pip install requests\n")
    result = subprocess.run([str(HADOLINT), "--no-color", str(bad)], capture_output=True, text=True, check=False)
    assert result.returncode == 1
    assert "DL3007" in result.stdout
    assert "DL3013" in result.stdout


@pytest.mark.parametrize("folder", FOLDERS)
def test_image_shape(folder):
    text = (IMAGES / folder / "Dockerfile").read_text()
    stages = re.findall(r"^FROM (\S+)(?: AS (\S+))?$", text, flags=re.M)
    assert len(stages) >= 2, "multi-stage: the build tools stay out of the runtime image"
    assert "COPY --from=build /opt/venv /opt/venv" in text
    assert re.search(r"^ARG PYTHON_IMAGE=python:3\.11\.\d+-slim-bookworm$", text, flags=re.M)
    users = re.findall(r"^USER (\S+)$", text, flags=re.M)
    assert users, "the image must switch to a non-root user"
    assert users[-1].split(":")[0] not in ("0", "root")
    assert "--require-hashes" in text
    assert 'ENTRYPOINT ["tini", "-g", "--"]' in text
    assert 'CMD ["jupyterhub-singleuser"]' in text
    smoke_runs = re.findall(r"^RUN (?:python|sh) /usr/local/share/fastsim/smoke\.(?:py|sh)$", text, flags=re.M)
    assert smoke_runs, "a build-time smoke check"
    assert text.index(f"USER {users[-1]}") < text.index(smoke_runs[0]), "the smoke check runs as the user"
    smoke = next((IMAGES / folder).glob("smoke.*"))
    assert f"COPY images/{folder}/{smoke.name} " in text
    for pin in re.findall(r"^\s+([a-z0-9+.-]+)=(\S+) \\$", text, flags=re.M):
        assert pin[1][0].isdigit(), f"apt package {pin[0]} pinned to a version"


@pytest.mark.parametrize("folder", FOLDERS)
def test_frozen_requirements_honour_the_unfrozen_list(folder):
    pins = frozen(folder)
    lines = (IMAGES / folder / "requirements.in").read_text().splitlines()
    wanted = [Requirement(line.split("#")[0]) for line in lines if line.split("#")[0].strip()]
    assert wanted
    for requirement in wanted:
        name = re.sub(r"[-_.]+", "-", requirement.name).lower()
        assert name in pins, f"{name} from requirements.in is missing in requirements.txt"
        assert requirement.specifier.contains(pins[name], prereleases=True), (name, pins[name])
    assert pins["jupyterhub"].startswith("5."), "singleuser JupyterHub matches the z2jh 4.x hub (5.x)"


def test_gpu_images_carry_cuda_and_cpu_images_do_not():
    assert "nvidia-cudnn-cu12" in frozen("ml-gpu")
    assert "nvidia-cudnn-cu12" in frozen("fastsim")
    assert "nvidia-cudnn-cu12" not in frozen("ml-cpu")
    assert "tensorflow-cpu" in frozen("ml-cpu")
    fastsim = frozen("fastsim")
    assert (fastsim["geant4-pybind"], fastsim["root"]) == ("0.1.3", "0.1a12")


def test_terminal_tools_come_from_the_pypi_wheel():
    text = (IMAGES / "terminal" / "Dockerfile").read_text()
    assert "COPY scripts/install-helm.sh" in text
    assert "COPY --from=tools /opt/tools/bin/kubectl /opt/tools/bin/helm /usr/local/bin/" in text
    smoke = (IMAGES / "terminal" / "smoke.sh").read_text()
    for tool in ("kubectl version --client", "helm version", "aws --version", "openstack --version"):
        assert tool in smoke


def test_fastsim_image_geant4_datasets_match_the_environment():
    fetch = load_module(IMAGES / "fastsim" / "fetch_g4data.py", "fetch_g4data")
    text = (IMAGES / "fastsim" / "Dockerfile").read_text()
    env = dict(re.findall(r"^\s+(G4[A-Z]+DATA)=/opt/geant4/data/(\S+?)(?: \\)?$", text, flags=re.M))
    expected = {var: folder for prefix, _, folder, var, _ in fetch.DATASETS if prefix != fetch.NEUTRON_HP}
    assert env == expected
    assert "GEANT4_DATA_DIR=/opt/geant4/data" in text
    assert all(re.fullmatch(r"[0-9a-f]{32}", entry[4]) for entry in fetch.DATASETS)
    # the stub folders of fastsim_kernel.g4.datasets name the same dataset versions
    from fastsim_kernel.g4 import datasets

    assert {datasets._STUB_ENSDF, datasets._STUB_LEVELGAMMA} <= set(expected.values())


def test_fastsim_smoke_check_runs_the_promised_steps():
    smoke = (IMAGES / "fastsim" / "smoke.sh").read_text()
    for step in ("import ROOT", "list_physical_devices", "fastsim simulate --n 5", "fastsim generate --n 5"):
        assert step in smoke
    dockerfile = (IMAGES / "fastsim" / "Dockerfile").read_text()
    assert "ipykernel install --prefix /opt/venv --name fastsim" in dockerfile
    assert "COPY notebooks /opt/fastsim/notebooks" in dockerfile


def test_freeze_renders_hashed_pins():
    freeze = load_module(IMAGES / "freeze.py", "freeze")
    install = [
        {"metadata": {"name": "Foo_Bar", "version": "1.0"},
         "download_info": {"archive_info": {"hashes": {"sha256": "a" * 64}}}},
        {"metadata": {"name": "abc", "version": "2.1"},
         "download_info": {"archive_info": {"hashes": {"sha256": "b" * 64}}}},
    ]  # fmt: skip
    text = freeze.render("demo", install, python_version="3.11")
    body = [line for line in text.splitlines() if not line.startswith("#")]
    assert body == ["abc==2.1 \\", f"    --hash=sha256:{'b' * 64}", "foo-bar==1.0 \\", f"    --hash=sha256:{'a' * 64}"]
    assert "python images/freeze.py images/demo" in text


@pytest.mark.parametrize("folder", FOLDERS)
def test_jupyterlab_news_prompt_is_off(folder):
    import json

    text = (IMAGES / folder / "Dockerfile").read_text()
    match = re.search(r"printf '%s\\n' '(\{.*\})' \\\n\s+> /opt/venv/etc/jupyter/labconfig/page_config\.json", text)
    assert match, "page_config.json written into the environment's labconfig"
    assert json.loads(match.group(1)) == {"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}}


def test_notebooks_name_the_kernel_the_fastsim_image_installs():
    import json

    dockerfile = (IMAGES / "fastsim" / "Dockerfile").read_text()
    kernel = re.search(r"ipykernel install --prefix /opt/venv --name (\S+)", dockerfile).group(1)
    notebooks = sorted((REPO / "notebooks").glob("*.ipynb"))
    assert notebooks
    for notebook in notebooks:
        assert json.loads(notebook.read_text())["metadata"]["kernelspec"]["name"] == kernel, notebook.name
