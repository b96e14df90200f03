"""``fastsim profiles list|manifest|check|job``: the administrator's view of the profiles in config.yaml.

``job simulate|train|runtime`` print Kubernetes manifests (an Indexed Job, a Kubeflow TrainJob, its
ClusterTrainingRuntime) that run the fastsim image of config.yaml, for ``kubectl apply -f -``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from fastsim_kernel.errors import FastsimError


def register(subparsers) -> None:
    profiles = subparsers.add_parser("profiles", help="platform profiles: list, pod manifests, checks")
    commands = profiles.add_subparsers(dest="profiles_command", required=True, metavar="ACTION")

    listing = commands.add_parser("list", help="print the profiles and their options as the hub offers them")
    _add_config(listing)
    _add_chart(listing)
    listing.set_defaults(func=run_list)

    manifest = commands.add_parser("manifest", help="print the pod the real KubeSpawner would create, as YAML")
    _add_config(manifest)
    manifest.add_argument("--profile", required=True, metavar="SLUG", help="profile slug, e.g. fastsim-ml-gpu")
    manifest.add_argument(
        "--option",
        action="append",
        default=[],
        metavar="NAME=CHOICE",
        help="a profile option choice, e.g. gpu=mig-1g-10gb (repeatable; default: each option's default)",
    )
    manifest.add_argument("--user", default="jovyan", help="user name the pod is built for (default: jovyan)")
    _add_chart(manifest)
    manifest.set_defaults(func=run_manifest)

    checking = commands.add_parser("check", help="validate config.yaml; exit 2 naming the profile and key")
    _add_config(checking)
    _add_chart(checking)
    checking.add_argument(
        "--schema",
        default=None,
        metavar="FILE",
        help="z2jh values schema (values.schema.json or .yaml, with the chart's values.yaml beside it) to "
        "validate the jupyterhub: values with (default: the z2jh chart in DIR/charts/ once "
        "`helm dependency update` has run)",
    )
    checking.set_defaults(func=run_check)

    _register_jobs(commands)


def _register_jobs(commands) -> None:
    job = commands.add_parser("job", help="print Job / TrainJob manifests that scale work out on the cluster")
    kinds = job.add_subparsers(dest="job_kind", required=True, metavar="KIND")

    simulate = kinds.add_parser("simulate", help="an Indexed Job sharding a Geant4 simulation over pods")
    _add_config(simulate)
    simulate.add_argument("--name", required=True, help="job name (lowercase DNS label)")
    simulate.add_argument("--n", type=int, required=True, help="total number of showers")
    simulate.add_argument("--completions", type=int, default=4, help="number of shards (default 4)")
    simulate.add_argument("--parallelism", type=int, default=None, help="shards at once (default: all)")
    simulate.add_argument("--energy", default="10:100", help="GeV, LOW:HIGH or one value (default 10:100)")
    simulate.add_argument("--theta", default="60:120", help="degrees, LOW:HIGH or one value (default 60:120)")
    simulate.add_argument("--grid", default="25x25x25", help="25x25x25 (default) or 51x51x25")
    simulate.add_argument("--seed", type=int, default=0, help="seed of shard 0; shard i uses seed+i (default 0)")
    simulate.set_defaults(func=run_job_simulate)

    train = kinds.add_parser("train", help="a Kubeflow Trainer v2 TrainJob running fastsim train on one GPU")
    _add_config(train)
    train.add_argument("--name", required=True, help="job name (lowercase DNS label)")
    train.add_argument("--data", required=True, help="training file as seen in the pod, e.g. /datasets/x.h5")
    train.add_argument("--model", choices=("fixed", "variable"), default="fixed", help="default fixed")
    train.add_argument("--epochs", type=int, default=60, help="default 60")
    train.add_argument("--gpu", default="nvidia.com/gpu", help="GPU resource, e.g. nvidia.com/mig-3g.40gb")
    train.set_defaults(func=run_job_train)

    runtime = kinds.add_parser("runtime", help="the ClusterTrainingRuntime the TrainJobs use (apply once)")
    _add_config(runtime)
    runtime.set_defaults(func=run_job_runtime)


def _add_config(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        default=None,
        metavar="PATH",
        help="values file (default: $FASTSIM_CONFIG, else config.yaml here or in a parent folder)",
    )
    parser.add_argument(
        "--values",
        action="append",
        default=[],
        metavar="FILE",
        help="more values layered over the config as `helm -f` layers them, e.g. "
        "helm/fastsim-hub/examples/eks.yaml (repeatable)",
    )


def _load(args: argparse.Namespace):
    """(config path, the values of --config with every --values file merged over them as helm merges)."""
    from fastsim_kernel.platform import find_config, load_values
    from fastsim_kernel.platform.values import coalesce, read_yaml

    path = find_config(args.config)
    values = load_values(path)
    for extra in args.values:
        layer = read_yaml(extra) or {}
        if not isinstance(layer, dict):
            raise FastsimError(f"--values {extra!r}: expected a mapping of values, got {type(layer).__name__}")
        values = coalesce(values, layer)
    return path, values


def _add_chart(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--chart",
        default=None,
        metavar="DIR",
        help="the fastsim-hub chart whose hub files and schema apply (default: helm/fastsim-hub next to the "
        "config file, else the one of this checkout)",
    )


def _chart(args: argparse.Namespace, config) -> Path:
    """The chart folder: --chart, else helm/fastsim-hub next to the config file, else this checkout's."""
    from fastsim_kernel.platform.spawner import DEFAULT_CHART

    chart = Path(args.chart) if args.chart else Path(config).parent / "helm" / "fastsim-hub"
    if not args.chart and not chart.is_dir():
        chart = DEFAULT_CHART
    if not (chart / "values.schema.json").is_file():
        msg = f"--chart {str(chart)!r}: no values.schema.json there (expected the fastsim-hub chart folder)"
        raise FastsimError(msg)
    return chart


def parse_options(pairs: list[str]) -> dict[str, str]:
    """``["gpu=full"]`` -> ``{"gpu": "full"}``; a pair without '=' is a user error."""
    options: dict[str, str] = {}
    for pair in pairs:
        name, sep, choice = pair.partition("=")
        if not sep or not name or not choice:
            msg = f"--option {pair!r}: expected NAME=CHOICE, e.g. gpu=full"
            raise FastsimError(msg)
        options[name] = choice
    return options


def run_list(args: argparse.Namespace) -> int:
    from fastsim_kernel.platform.spawner import offered_profiles

    path, values = _load(args)
    for profile in offered_profiles(values, _chart(args, path)):
        override = profile.get("kubespawner_override") or {}
        default = " (default)" if profile.get("default") else ""
        print(f"{profile.get('slug')}{default}: {profile.get('display_name')} [{override.get('image')}]")
        print(f"    {profile.get('description', '')}")
        for name, option in (profile.get("profile_options") or {}).items():
            choices = []
            for key, spec in (option.get("choices") or {}).items():
                choices.append(f"{key}*" if (spec or {}).get("default") else key)
            print(f"    --option {name}={{{','.join(choices)}}}  ({option.get('display_name', name)}; * = default)")
    return 0


def run_manifest(args: argparse.Namespace) -> int:
    import yaml

    from fastsim_kernel.platform import check_or_raise, pod_manifest

    path, values = _load(args)
    chart = _chart(args, path)
    check_or_raise(values, chart=chart)
    pod = pod_manifest(values, args.profile, parse_options(args.option), user=args.user, chart=chart)
    print(yaml.safe_dump(pod, sort_keys=False), end="")
    return 0


def run_check(args: argparse.Namespace) -> int:
    import sys

    from fastsim_kernel.platform import check, profile_list
    from fastsim_kernel.platform.checks import check_chart_values, check_z2jh_values, read_z2jh_schema, z2jh_schema

    path, values = _load(args)
    chart = _chart(args, path)
    problems = check(values, chart=chart) + check_chart_values(values, chart)
    z2jh = read_z2jh_schema(Path(args.schema)) if args.schema else z2jh_schema(chart)
    if z2jh is not None:
        problems += check_z2jh_values(values, *z2jh)
    if problems:
        raise FastsimError(f"{path}: " + "; ".join(problems))
    print(f"{path}: {len(profile_list(values))} profiles OK, chart values OK against {chart / 'values.schema.json'}")
    if z2jh is None:
        print(f"{path}: the jupyterhub: values were NOT checked against z2jh's schema: run `helm dependency update "
              f"{chart}` or pass --schema FILE", file=sys.stderr)  # fmt: skip
    else:
        print(f"{path}: jupyterhub: values OK against z2jh's schema ({args.schema or chart / 'charts'})")
    return 0


def _print_yaml(manifest: dict) -> int:
    import yaml

    print(yaml.safe_dump(manifest, sort_keys=False), end="")
    return 0


def _job_defaults(args: argparse.Namespace):
    from fastsim_kernel.platform.jobs import JobDefaults

    return JobDefaults.from_values(_load(args)[1])


def run_job_simulate(args: argparse.Namespace) -> int:
    from fastsim_kernel.platform.jobs import SimulateJob, simulate_job

    parallelism = args.completions if args.parallelism is None else args.parallelism
    job = SimulateJob(args.name, n_showers=args.n, completions=args.completions, parallelism=parallelism,
                      energy=args.energy, theta=args.theta, grid=args.grid, seed=args.seed)  # fmt: skip
    return _print_yaml(simulate_job(job, _job_defaults(args)))


def run_job_train(args: argparse.Namespace) -> int:
    from fastsim_kernel.platform.jobs import TrainJob, train_job

    job = TrainJob(args.name, data=args.data, model=args.model, epochs=args.epochs, gpu_resource=args.gpu)
    return _print_yaml(train_job(job, _job_defaults(args)))


def run_job_runtime(args: argparse.Namespace) -> int:
    from fastsim_kernel.platform.jobs import training_runtime

    return _print_yaml(training_runtime(_job_defaults(args)))
