"""KubeSpawner's options form and the `fastsim profiles` commands."""

from __future__ import annotations

import re

import yaml

from fastsim_kernel.cli import main
from fastsim_kernel.platform import render_options_form

from .conftest import CHART, CONFIG

Z2JH_SCHEMA = CONFIG.parent / "tests" / "data" / "z2jh-4.4.0" / "values.schema.yaml"


def test_options_form_lists_the_five_profiles(values):
    html = render_options_form(values)
    slugs = re.findall(r'<input[^>]*name="profile"[^>]*value="([^"]+)"', html, flags=re.S)
    if not slugs:  # attribute order differs between template versions
        slugs = re.findall(r'value="([^"]+)"[^>]*name="profile"', html, flags=re.S)
    assert slugs == ["standard-cpu", "ml-cpu", "ml-gpu", "fastsim-ml-gpu", "terminal"]
    for name in ("standard (cpu)", "ml-cpu", "ml-gpu", "fastsim ml-gpu", "terminal"):
        assert name in html
    assert html.count('name="profile-option-ml-gpu--gpu"') == 1
    # the MIG choices the hub file adds from custom.fastsim.gpu, with CPU scaled to 1/7 of 4-8 cores
    assert "MIG slice 1g.10gb (1/7 of an A100-80GB, 10 GB; 0.6-1.1 cores)" in html


def test_cli_list(capsys):
    assert main(["profiles", "list", "--config", str(CONFIG)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "standard-cpu (default): standard (cpu) [ghcr.io/fastsim-hub/standard:0.1.0]"
    assert "--option gpu={full*,mig-1g-10gb,mig-3g-40gb}" in out  # as the hub offers them
    assert out.count("\n") == 12


def test_cli_check(capsys):
    """Without the downloaded z2jh chart, check says plainly that z2jh's schema was not applied."""
    if (CHART / "charts").exists():
        import pytest

        pytest.skip("helm dependency update has run here: the z2jh schema comes from charts/")
    assert main(["profiles", "check", "--config", str(CONFIG)]) == 0
    captured = capsys.readouterr()
    out = captured.out.strip()
    assert out.endswith("config.yaml: 5 profiles OK, chart values OK against " + str(CHART / "values.schema.json"))
    assert "were NOT checked against z2jh's schema: run `helm dependency update" in captured.err


def test_cli_check_with_the_z2jh_schema(tmp_path, capsys):
    assert main(["profiles", "check", "--config", str(CONFIG), "--schema", str(Z2JH_SCHEMA)]) == 0
    assert "jupyterhub: values OK against z2jh's schema" in capsys.readouterr().out
    broken = tmp_path / "config.yaml"
    broken.write_text(CONFIG.read_text().replace("    defaultUrl: /lab\n", "    defaultURL: /lab\n"))
    argv = ["profiles", "check", "--config", str(broken), "--chart", str(CHART), "--schema", str(Z2JH_SCHEMA)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "z2jh value jupyterhub.singleuser: Additional properties are not allowed ('defaultURL' was" in err
    assert main([*argv[:-1], str(tmp_path / "nope.json")]) == 2
    assert "expected a z2jh values schema file with the chart's values.yaml beside it" in capsys.readouterr().err


def test_cli_check_reads_the_downloaded_z2jh_chart(tmp_path, capsys):
    """After `helm dependency update`, charts/jupyterhub-<version>.tgz holds the schema: check uses it."""
    import json
    import shutil
    import tarfile

    chart = tmp_path / "fastsim-hub"
    shutil.copytree(CHART, chart, ignore=shutil.ignore_patterns("charts", "__pycache__"))
    (chart / "charts").mkdir()
    packed = tmp_path / "jupyterhub"
    packed.mkdir()
    (packed / "values.schema.json").write_text(json.dumps(yaml.safe_load(Z2JH_SCHEMA.read_text())))
    shutil.copy(Z2JH_SCHEMA.with_name("values.yaml"), packed / "values.yaml")
    with tarfile.open(chart / "charts" / "jupyterhub-4.4.0.tgz", "w:gz") as tar:
        tar.add(packed, arcname="jupyterhub")
    config = tmp_path / "config.yaml"
    config.write_text(CONFIG.read_text().replace("  cull:\n", "  cul:\n"))
    assert main(["profiles", "check", "--config", str(config), "--chart", str(chart)]) == 2
    assert "Additional properties are not allowed ('cul' was unexpected)" in capsys.readouterr().err


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
    assert {m["name"] for m in container["volumeMounts"]} == {"volume-ada", "dshm"}  # datasets off by default
    assert pod["metadata"]["name"] == "jupyter-ada"


def test_cli_manifest_mig_option(capsys):
    argv = ["profiles", "manifest", "--profile", "ml-gpu", "--option", "gpu=mig-3g-40gb", "--config", str(CONFIG)]
    assert main(argv) == 0
    limits = yaml.safe_load(capsys.readouterr().out)["spec"]["containers"][0]["resources"]["limits"]
    assert limits["nvidia.com/mig-3g.40gb"] == "1"
    assert "nvidia.com/gpu" not in limits


def test_cli_manifest_errors(capsys):
    assert main(["profiles", "manifest", "--profile", "gpu-xl", "--config", str(CONFIG)]) == 2
    assert "no profile with slug 'gpu-xl'; expected one of: standard-cpu, ml-cpu" in capsys.readouterr().err
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
    text = CONFIG.read_text().replace("  size: 500Gi\n", "  size: lots\n").replace("sharedHome:", "sharedHomes:")
    datasets_on = "        enabled: false\n        claimName: fastsim-datasets"
    broken.write_text(text.replace(datasets_on, datasets_on.replace("false", "no-thanks")))
    chart = CONFIG.parent / "helm" / "fastsim-hub"
    assert main(["profiles", "check", "--config", str(broken), "--chart", str(chart)]) == 2
    err = capsys.readouterr().err
    assert "chart value (top level): Additional properties are not allowed ('sharedHomes' was unexpected)" in err
    assert "chart value jobs.results.size: 'lots' does not match" in err
    assert "chart value jupyterhub.custom.fastsim.datasets.enabled: 'no-thanks' is not of type 'boolean'" in err
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


def test_cli_layers_values_files_like_helm(tmp_path, capsys):
    """--values FILE merges over config.yaml as `helm -f` does: the EKS example has no MIG slices."""
    eks = CHART / "examples" / "eks.yaml"
    assert main(["profiles", "list", "--config", str(CONFIG), "--values", str(eks)]) == 0
    assert "--option gpu={full*}" in capsys.readouterr().out
    argv = ["profiles", "check", "--config", str(CONFIG), "--values", str(eks), "--schema", str(Z2JH_SCHEMA)]
    assert main(argv) == 0
    capsys.readouterr()
    bad = tmp_path / "bad.yaml"
    bad.write_text("- a list\n")
    assert main(["profiles", "list", "--config", str(CONFIG), "--values", str(bad)]) == 2
    assert "expected a mapping of values, got list" in capsys.readouterr().err
