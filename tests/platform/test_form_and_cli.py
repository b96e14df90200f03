"""KubeSpawner's options form and the `fastsim profiles` commands."""

from __future__ import annotations

import re

import yaml

from fastsim_kernel.cli import main
from fastsim_kernel.platform import render_options_form

from .conftest import CHART, CONFIG


def test_options_form_lists_the_five_profiles(values):
    html = render_options_form(values)
    slugs = re.findall(r'<input[^>]*name="profile"[^>]*value="([^"]+)"', html, flags=re.S)
    if not slugs:  # attribute order differs between template versions
        slugs = re.findall(r'value="([^"]+)"[^>]*name="profile"', html, flags=re.S)
    assert slugs == ["standard-cpu", "ml-cpu", "ml-gpu", "fastsim-ml-gpu", "terminal"]
    for name in ("standard (cpu)", "ml-cpu", "ml-gpu", "fastsim ml-gpu", "terminal"):
        assert name in html
    assert html.count('name="profile-option-ml-gpu--gpu"') == 1
    assert "MIG slice 1g.10gb" in html


def test_cli_list(capsys):
    assert main(["profiles", "list", "--config", str(CONFIG)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "standard-cpu (default): standard (cpu) [ghcr.io/fastsim-hub/standard:0.1.0]"
    assert "--option gpu={full*,mig-1g-10gb,mig-3g-40gb}" in out
    assert out.count("\n") == 12


def test_cli_check(capsys):
    assert main(["profiles", "check", "--config", str(CONFIG)]) == 0
    out = capsys.readouterr().out.strip()
    assert out.endswith("config.yaml: 5 profiles OK, chart values OK against " + str(CHART / "values.schema.json"))


def test_cli_check_reports_one_line(tmp_path, capsys):
    broken = tmp_path / "config.yaml"
    broken.write_text(CONFIG.read_text().replace("cpu_limit: 1\n", "cpu_limits: 1\n", 1))
    assert main(["profiles", "check", "--config", str(broken)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("fastsim: error: ")
    assert "profile 'terminal': kubespawner_override.cpu_limits: not a KubeSpawner trait" in err


def test_cli_manifest_fastsim_gpu(capsys):
    assert main(["profiles", "manifest", "--profile", "fastsim-ml-gpu", "--config", str(CONFIG), "--user", "ada"]) == 0
    pod = yaml.safe_load(capsys.readouterr().out)
    container = pod["spec"]["containers"][0]
    assert container["resources"]["limits"]["nvidia.com/gpu"] == "1"
    keys = [t["key"] for t in pod["spec"]["tolerations"]]
    assert keys == ["hub.jupyter.org/dedicated", "hub.jupyter.org_dedicated", "nvidia.com/gpu"]
    mounts = {m["name"]: m for m in container["volumeMounts"]}
    assert mounts["datasets"]["readOnly"] is True
    assert pod["metadata"]["name"] == "jupyter-ada"


def test_cli_manifest_mig_option(capsys):
    argv = ["profiles", "manifest", "--profile", "ml-gpu", "--option", "gpu=mig-3g-40gb", "--config", str(CONFIG)]
    assert main(argv) == 0
    limits = yaml.safe_load(capsys.readouterr().out)["spec"]["containers"][0]["resources"]["limits"]
    assert limits["nvidia.com/mig-3g.40gb"] == "1"
    assert "nvidia.com/gpu" not in limits


def test_cli_manifest_errors(capsys):
    assert main(["profiles", "manifest", "--profile", "gpu-xl", "--config", str(CONFIG)]) == 2
    assert "no profile 'gpu-xl' in config.yaml; expected one of ['standard-cpu'" in capsys.readouterr().err
    assert main(["profiles", "manifest", "--profile", "ml-gpu", "--option", "gpu", "--config", str(CONFIG)]) == 2
    assert "--option 'gpu': expected NAME=CHOICE" in capsys.readouterr().err


def test_cli_job_manifests(capsys):
    import kubernetes_validate

    from .conftest import K8S_VERSION

    argv = ["profiles", "job", "simulate", "--name", "g4-run", "--n", "1000", "--completions", "8"]
    assert main([*argv, "--config", str(CONFIG)]) == 0
    out = capsys.readouterr().out
    assert "&id" not in out, "plain YAML, no anchors"
    job = yaml.safe_load(out)
    assert (job["spec"]["completions"], job["spec"]["parallelism"]) == (8, 8)
    assert kubernetes_validate.validate(job, K8S_VERSION, strict=True) == K8S_VERSION
    argv = ["profiles", "job", "train", "--name", "gan", "--data", "/datasets/e.h5", "--gpu", "nvidia.com/mig-1g.10gb"]
    assert main([*argv, "--config", str(CONFIG)]) == 0
    train = yaml.safe_load(capsys.readouterr().out)
    assert train["spec"]["trainer"]["resourcesPerNode"]["limits"]["nvidia.com/mig-1g.10gb"] == "1"
    assert main(["profiles", "job", "runtime", "--config", str(CONFIG)]) == 0
    assert yaml.safe_load(capsys.readouterr().out)["kind"] == "ClusterTrainingRuntime"
    argv = ["profiles", "job", "simulate", "--name", "x", "--n", "2", "--completions", "3"]
    assert main([*argv, "--config", str(CONFIG)]) == 2
    assert "need 1 <= parallelism (3) <= completions (3) <= n_showers (2)" in capsys.readouterr().err


def test_cli_check_validates_the_chart_keys(tmp_path, capsys):
    """config.yaml next to helm/fastsim-hub: the chart keys are checked against values.schema.json too."""
    broken = tmp_path / "config.yaml"
    broken.write_text(CONFIG.read_text().replace("  size: 200Gi\n", "  size: lots\n").replace("datasets:", "dataset:"))
    chart = CONFIG.parent / "helm" / "fastsim-hub"
    assert main(["profiles", "check", "--config", str(broken), "--chart", str(chart)]) == 2
    err = capsys.readouterr().err
    assert "chart value (top level): Additional properties are not allowed ('dataset' was unexpected)" in err
    assert "profile 'ml-gpu'" not in err
    assert main(["profiles", "check", "--config", str(CONFIG), "--chart", str(tmp_path)]) == 2
    assert "no values.schema.json there" in capsys.readouterr().err


def test_works_inside_a_running_event_loop(values):
    """Notebooks and hubs call these with their own loop running: no 'asyncio.run() cannot be called'."""
    import asyncio

    from fastsim_kernel.platform import pod_manifest

    async def inside():
        return render_options_form(values), pod_manifest(values, "terminal")

    html, pod = asyncio.run(inside())
    assert "terminal" in html
    assert pod["spec"]["containers"][0]["image"] == "ghcr.io/fastsim-hub/terminal:0.1.0"
