"""The profile images as files: hadolint-clean Dockerfiles with no ignored rule, one Dockerfile for the three
pip-only profiles, a dated Debian base, frozen requirements that honour the unfrozen lists, CUDA wheels pinned
to TensorFlow's build, build secrets instead of baked configuration, and tags that match config.yaml.
The built images themselves are tested in test_fastsim_image.py (the `images` lane)."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from fastsim_kernel.platform import profile_list

from .conftest import IMAGES, REPO

FOLDER_OF = {
    "standard-cpu": "standard",
    "ml-cpu": "ml-cpu",
    "ml-gpu": "ml-gpu",
    "fastsim-ml-gpu": "fastsim",
    "terminal": "terminal",
}
FOLDERS = sorted(set(FOLDER_OF.values()))
# The profiles that are only a Python environment share images/Dockerfile; the others have their own.
SHARED = ("ml-cpu", "ml-gpu", "standard")
DOCKERFILES = {f: IMAGES / "Dockerfile" if f in SHARED else IMAGES / f / "Dockerfile" for f in FOLDERS}
HADOLINT = Path(sys.executable).with_name("hadolint")
BUILD_IMAGES = (REPO / "scripts" / "build-images.sh").read_text()
BUILD_BASE = (REPO / "scripts" / "build-base.sh").read_text()
# JupyterHub in z2jh's hub image, per chart version: images/hub/requirements.txt at the chart's tag,
# https://github.com/jupyterhub/zero-to-jupyterhub-k8s/blob/4.4.0/images/hub/requirements.txt
Z2JH_HUB_JUPYTERHUB = {"4.4.0": "5.5.0"}


def load_module(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def script_default(text: str, variable: str) -> str:
    return re.search(rf'^{variable}="\$\{{{variable}:-([^}}]+)\}}"$', text, flags=re.M).group(1)


def frozen(folder: str) -> dict[str, str]:
    """``{name: version}`` from an image's requirements.txt; every entry must be pinned and hashed."""
    text = (IMAGES / folder / "requirements.txt").read_text()
    entries = re.findall(r"^([a-z0-9-]+)==(\S+) \\\n    --hash=sha256:[0-9a-f]{64}$", text, flags=re.M)
    requirement_lines = [line for line in text.splitlines() if line and not line.startswith(("#", " "))]
    assert len(entries) == len(requirement_lines), "every requirement is name==version with a sha256 hash"
    return dict(entries)


def unfrozen(path: Path) -> tuple[list[Requirement], list[str]]:
    """The requirements of a requirements.in and the constraint files it names (``-c FILE``)."""
    requirements, constraints = [], []
    for line in path.read_text().splitlines():
        line = line.split("#")[0].strip()
        if line.startswith("-c "):
            constraints.append(line[3:].strip())
        elif line:
            requirements.append(Requirement(line))
    return requirements, constraints


def test_build_script_tags_every_profile_image(values):
    registry, version = script_default(BUILD_IMAGES, "REGISTRY"), script_default(BUILD_IMAGES, "VERSION")
    default_images = re.search(r"IMAGES=\(([a-z -]+)\)", BUILD_IMAGES).group(1).split()
    assert sorted(default_images) == FOLDERS
    assert sorted(p.name for p in IMAGES.iterdir() if p.is_dir()) == FOLDERS
    for profile in profile_list(values):
        folder = FOLDER_OF[profile["slug"]]
        assert profile["kubespawner_override"]["image"] == f"{registry}/{folder}:{version}"
        assert DOCKERFILES[folder].is_file()
    assert values["jupyterhub"]["singleuser"]["image"] == {"name": f"{registry}/standard", "tag": version}


def test_the_three_pip_only_profiles_share_one_dockerfile():
    for folder in SHARED:
        assert not (IMAGES / folder / "Dockerfile").exists()
        assert {p.name for p in (IMAGES / folder).iterdir()} == {"requirements.in", "requirements.txt", "smoke.py"}
    text = DOCKERFILES["standard"].read_text()
    assert "COPY images/${PROFILE}/requirements.txt /tmp/requirements.txt" in text
    assert "COPY images/${PROFILE}/smoke.py /usr/local/share/fastsim/smoke.py" in text
    assert 'args=(--build-arg "PROFILE=$image")' in BUILD_IMAGES


@pytest.mark.parametrize("folder", FOLDERS)
def test_hadolint_passes_with_every_rule(folder):
    dockerfile = DOCKERFILES[folder]
    assert "hadolint ignore" not in dockerfile.read_text()
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
    text = DOCKERFILES[folder].read_text()
    stages = re.findall(r"^FROM (\S+)(?: AS (\S+))?$", text, flags=re.M)
    assert len(stages) >= 2, "multi-stage: the build tools stay out of the runtime image"
    assert all(base == "${BASE_IMAGE}" for base, _ in stages), "every stage starts from the Debian base"
    if folder != "fastsim":  # which adds Geant4's X11/OpenGL libraries to the base
        assert "apt-get" not in text, "Debian packages come from the dated base (scripts/build-base.sh)"
    for package, version in re.findall(r"^\s+([a-z0-9+.-]+)=(\S+) \\$", text, flags=re.M):
        assert version[0].isdigit(), f"apt package {package} pinned to a version of the base's snapshot"
    # the notebook user owns the environment, so that %pip install works in a server
    assert "COPY --from=build --chown=1000:100 /opt/venv /opt/venv" in text
    users = re.findall(r"^USER (\S+)$", text, flags=re.M)
    assert users == ["1000:100"], "the runtime runs as the notebook user (uid 1000, z2jh's default)"
    assert "--require-hashes" in text
    assert 'ENTRYPOINT ["tini", "-g", "--"]' in text
    assert 'CMD ["jupyterhub-singleuser"]' in text
    smoke_runs = re.findall(r"^RUN (?:python|sh) /usr/local/share/fastsim/smoke\.(?:py|sh)$", text, flags=re.M)
    assert smoke_runs, "a build-time smoke check"
    assert text.index("USER 1000:100") < text.index(smoke_runs[0]), "the smoke check runs as the user"


def test_the_base_is_pinned_by_a_snapshot_date():
    snapshot = script_default(BUILD_BASE, "SNAPSHOT")
    assert re.fullmatch(r"\d{8}T\d{6}Z", snapshot)
    assert 'TAG="$REPOSITORY:bookworm-$SNAPSHOT"' in BUILD_BASE
    assert 'debian="$snapshot/debian/$SNAPSHOT" security="$snapshot/debian-security/$SNAPSHOT"' in BUILD_BASE
    for dockerfile in set(DOCKERFILES.values()):
        defaults = re.findall(r"^ARG BASE_IMAGE=(\S+)$", dockerfile.read_text(), flags=re.M)
        assert defaults == [f"localhost/fastsim-base:bookworm-{snapshot}"], dockerfile


@pytest.mark.parametrize("folder", FOLDERS)
def test_pip_reaches_the_index_through_build_secrets_only(folder):
    text = DOCKERFILES[folder].read_text()
    runs = re.findall(r"^RUN (.*?)(?<!\\)\n(?!\s)", text, flags=re.M | re.S)
    online = [run for run in runs if "requirements.txt" in run or "install-helm.sh" in run]
    assert online
    for run in online:
        assert "--mount=type=secret,id=pipconf" in run
        assert "--mount=type=secret,id=cacert" in run
        assert "PIP_CONFIG_FILE=/run/secrets/pipconf PIP_CERT=/run/secrets/cacert" in run
    offline = [run for run in runs if "pip install" in run and run not in online]
    assert all("--no-build-isolation" in run for run in offline), "the package builds from hashed setuptools"
    assert not re.search(r"^(COPY|ADD) .*(pip\.conf|\.crt|\.pem)", text, flags=re.M), "nothing baked"
    assert not re.search(r"^ENV .*PIP_", text, flags=re.M)
    assert "--secret \"id=pipconf,src=$work/pip.conf\" --secret \"id=cacert,src=$cacert\"" in BUILD_IMAGES


def test_build_context_holds_what_the_dockerfiles_copy_and_no_venv():
    lines = [line for line in (REPO / ".dockerignore").read_text().splitlines() if line and line[0] != "#"]
    assert lines[0] == "*", "an allowlist: everything else (.venv, caches, runs) stays out of the context"
    allowed = [line[1:].rstrip("/") for line in lines if line.startswith("!")]
    for dockerfile in set(DOCKERFILES.values()):
        for sources in re.findall(r"^COPY (?!--from)(?:--chown=\S+ )?(.+) \S+$", dockerfile.read_text(), flags=re.M):
            for source in sources.split():
                source = source.replace("${PROFILE}", "standard")
                assert any(source == a or source.startswith(f"{a}/") for a in allowed), source


@pytest.mark.parametrize("folder", FOLDERS)
def test_frozen_requirements_honour_the_unfrozen_list(folder):
    pins = frozen(folder)
    wanted, constraint_files = unfrozen(IMAGES / folder / "requirements.in")
    assert wanted
    for constraints in constraint_files:
        wanted += unfrozen(IMAGES / folder / constraints)[0]
    for requirement in wanted:
        name = re.sub(r"[-_.]+", "-", requirement.name).lower()
        assert name in pins, f"{name} from requirements.in is missing in requirements.txt"
        assert requirement.specifier.contains(pins[name], prereleases=True), (name, pins[name])


def test_jupyterhub_matches_the_hub_image_of_the_pinned_z2jh_chart():
    import yaml

    chart = yaml.safe_load((REPO / "helm" / "fastsim-hub" / "Chart.yaml").read_text())
    z2jh = next(d["version"] for d in chart["dependencies"] if d["name"] == "jupyterhub")
    for folder in FOLDERS:
        assert frozen(folder)["jupyterhub"] == Z2JH_HUB_JUPYTERHUB[z2jh], folder


def test_cuda_wheels_are_the_ones_tensorflow_was_built_against():
    """The constraints are the lower bounds of TensorFlow's own `and-cuda` extra (its build's CUDA)."""
    tensorflow = "tensorflow-cpu"  # the dev venv's wheel: same version and metadata as the GPU one
    assert importlib.metadata.version(tensorflow) == frozen("fastsim")["tensorflow"] == frozen("ml-gpu")["tensorflow"]
    built_with = {}
    for line in importlib.metadata.requires(tensorflow):
        requirement = Requirement(line)
        if requirement.marker and requirement.marker.evaluate({"extra": "and-cuda"}):
            built_with[requirement.name] = next(s.version for s in requirement.specifier if s.operator == ">=")
    constraints = {r.name: str(r.specifier)[2:] for r in unfrozen(IMAGES / "cuda-constraints.txt")[0]}
    assert constraints == built_with
    assert built_with["nvidia-cuda-runtime-cu12"] == "12.5.82"  # CUDA 12.5 Update 1: the documented driver
    for folder in ("ml-gpu", "fastsim"):
        pins = frozen(folder)
        assert {name: pins[name] for name in constraints} == constraints, folder
        assert "-c ../cuda-constraints.txt" in (IMAGES / folder / "requirements.in").read_text()
    assert not any(name.startswith("nvidia-") for name in frozen("ml-cpu"))
    assert "tensorflow-cpu" in frozen("ml-cpu")


def test_the_ml_images_carry_tensorboard_for_the_training_callback():
    for folder in ("ml-cpu", "ml-gpu", "fastsim"):
        assert frozen(folder)["tensorboard"] == frozen(folder)["tensorflow" if folder != "ml-cpu" else "tensorflow-cpu"]
    assert "import tensorboard" in (IMAGES / "fastsim" / "smoke.sh").read_text()


def test_fastsim_and_terminal_images_carry_the_package_and_the_platform_values():
    core = [Requirement(r).name for r in importlib.metadata.requires("fastsim-kernel") if "extra" not in r]
    for folder in ("fastsim", "terminal"):
        pins = frozen(folder)
        assert all(re.sub(r"[-_.]+", "-", name).lower() in pins for name in core), folder
        assert pins["jupyterhub-kubespawner"], "KubeSpawner renders the pods of `fastsim profiles`"
        text = DOCKERFILES[folder].read_text()
        assert "RUN pip install --no-cache-dir --no-deps --no-build-isolation /tmp/src" in text
        assert text.index("USER 1000:100") < text.index("COPY --chown=1000:100 fastsim_kernel /tmp/src/"), "last"
        assert "COPY config.yaml /opt/fastsim/config.yaml" in text
        assert "COPY helm/fastsim-hub /opt/fastsim/helm/fastsim-hub" in text, "the chart beside the values"
        assert "FASTSIM_CONFIG=/opt/fastsim/config.yaml" in text
    assert frozen("fastsim")["geant4-pybind"] == "0.1.3"
    assert frozen("fastsim")["root"] == "0.1a12"


def test_terminal_tools_come_from_the_pypi_wheel():
    text = DOCKERFILES["terminal"].read_text()
    assert "COPY scripts/install-helm.sh" in text
    assert "COPY --from=tools /opt/tools/bin/kubectl /opt/tools/bin/helm /usr/local/bin/" in text
    smoke = (IMAGES / "terminal" / "smoke.sh").read_text()
    tools = ("kubectl version --client", "helm version", "aws --version", "openstack --version", "fastsim profiles")
    assert all(tool in smoke for tool in tools)


def test_fastsim_image_geant4_datasets_are_the_ones_fastsim_looks_for():
    fetch = load_module(IMAGES / "fastsim" / "fetch_g4data.py", "fetch_g4data")
    from fastsim_kernel.g4 import datasets

    found = {}
    for _, version, folder, variable, md5 in fetch.DATASETS:
        assert folder.endswith(version)
        assert re.fullmatch(r"[0-9a-f]{32}", md5)
        (prefix,) = [p for p in datasets.DATASET_VARIABLES if folder.startswith(p)]
        found[prefix] = variable
    assert found == datasets.DATASET_VARIABLES, "every dataset, set in the variable fastsim sets for it"
    folders = {entry[2] for entry in fetch.DATASETS}
    assert {datasets._STUB_ENSDF, datasets._STUB_LEVELGAMMA} <= folders
    assert "GEANT4_DATA_DIR=/opt/geant4/data" in DOCKERFILES["fastsim"].read_text()


@pytest.mark.parametrize(("mode", "returncode"), [("auto", 0), ("required", 1)])
def test_geant4_dataset_stage_skips_an_unreachable_site_only_when_allowed(tmp_path, mode, returncode):
    """Port 9 on localhost refuses connections: 'auto' leaves the folder empty (datafree), 'required' fails."""
    script = tmp_path / "fetch.py"
    text = (IMAGES / "fastsim" / "fetch_g4data.py").read_text()
    script.write_text(text.replace('URL = "https://cern.ch/geant4-data/datasets"', 'URL = "http://127.0.0.1:9"'))
    dest = tmp_path / "data"
    result = subprocess.run(
        [sys.executable, str(script), "--dest", str(dest), "--datasets", mode],
        capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    assert result.returncode == returncode, result.stdout + result.stderr
    assert "http://127.0.0.1:9 is unreachable" in result.stdout + result.stderr
    assert list(dest.iterdir()) == []


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
    text = DOCKERFILES[folder].read_text()
    match = re.search(r"printf '%s\\n' '(\{.*\})' \\\n\s+> /opt/venv/etc/jupyter/labconfig/page_config\.json", text)
    assert match, "page_config.json written into the environment's labconfig"
    assert json.loads(match.group(1)) == {"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}}


def test_notebooks_name_the_kernel_the_fastsim_image_installs():
    dockerfile = DOCKERFILES["fastsim"].read_text()
    kernel = re.search(r"ipykernel install --prefix /opt/venv --name (\S+)", dockerfile).group(1)
    notebooks = sorted((REPO / "notebooks").glob("*.ipynb"))
    assert notebooks
    for notebook in notebooks:
        assert json.loads(notebook.read_text())["metadata"]["kernelspec"]["name"] == kernel, notebook.name
    assert "COPY notebooks /opt/fastsim/notebooks" in dockerfile
