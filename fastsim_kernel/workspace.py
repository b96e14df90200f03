"""The notebooks' shared workspace, and what this machine offers them (GPUs, cores, physics list).

Notebook 01 writes the Geant4 sample, 02 trains on it, 03 and 04 use the model 02 made. They find each other's
files through one ``Workspace``:

- ``root``: the user's own, writable folder: ``$FASTSIM_WORKSPACE``, else ``~/fastsim-workspace``;
- ``shared``: a read-only folder of shower samples, ``$FASTSIM_DATA_DIR`` (the profiles set it to
  ``/datasets`` where that volume is mounted); a sample found there is used when the user has none.

Nothing here imports TensorFlow or Geant4 until ``device()`` asks TensorFlow which GPUs it sees.

``sync_curated_notebooks`` brings new versions of the curated notebooks into a user's folder (on each server
start) without overwriting the user's edits.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
from collections.abc import Sequence
from pathlib import Path

from fastsim_kernel._atomic import atomic_path

WORKSPACE_ENV = "FASTSIM_WORKSPACE"
DATA_DIR_ENV = "FASTSIM_DATA_DIR"
MODEL_KINDS = ("fixed", "variable")


@dataclasses.dataclass(frozen=True)
class Workspace:
    """Where the notebooks keep their files. ``root`` is writable; ``shared`` (or None) is read-only."""

    root: Path
    shared: Path | None = None

    @classmethod
    def default(cls, root: str | os.PathLike | None = None) -> Workspace:
        """``root`` if given, else ``$FASTSIM_WORKSPACE``, else ``~/fastsim-workspace``; ``shared`` from
        ``$FASTSIM_DATA_DIR`` when that folder exists."""
        root = root or os.environ.get(WORKSPACE_ENV) or Path.home() / "fastsim-workspace"
        shared = os.environ.get(DATA_DIR_ENV)
        return cls(Path(root).expanduser(), Path(shared) if shared and Path(shared).is_dir() else None)

    def g4_sample(self, grid: Sequence[int]) -> Path:
        """Where notebook 01 writes its Geant4 showers on ``grid`` (X, Y, Z): ``g4/g4_25x25x25.h5`` (the folder
        is created)."""
        folder = self.root / "g4"
        folder.mkdir(parents=True, exist_ok=True)
        return folder / sample_name(grid)

    def find_g4_sample(self, grid: Sequence[int]) -> Path | None:
        """The Geant4 sample on ``grid`` to train on and compare with: the user's, else the shared one, else None."""
        name = sample_name(grid)
        candidates = [self.root / "g4" / name] + ([self.shared / name] if self.shared else [])
        return next((path for path in candidates if path.is_file()), None)

    def run(self, kind: str) -> Path:
        """The training run folder of notebook 02 for the model ``kind`` ("fixed" or "variable")."""
        if kind not in MODEL_KINDS:
            msg = f"model kind must be one of {', '.join(MODEL_KINDS)}, got {kind!r}"
            raise ValueError(msg)
        return self.root / "runs" / kind

    def find_model(self) -> tuple[Path | None, str]:
        """The model notebook 02 trained most recently, else None (the shipped model), and a sentence saying
        which one is used."""
        trained = [self.run(kind) for kind in MODEL_KINDS if (self.run(kind) / "generator.weights.h5").is_file()]
        if not trained:
            return None, "no model trained in this workspace yet (notebook 02): using the shipped model"
        newest = max(trained, key=lambda run: (run / "generator.weights.h5").stat().st_mtime)
        return newest, f"using the model notebook 02 trained: {newest}"

    def output(self, name: str) -> Path:
        """A notebook's output folder (figures, reports, saved showers), created on first use."""
        folder = self.root / "out" / name
        folder.mkdir(parents=True, exist_ok=True)
        return folder


def sample_name(grid: Sequence[int]) -> str:
    """The file name of a Geant4 sample on ``grid``, in the workspace and in the shared folder."""
    return f"g4_{'x'.join(str(int(v)) for v in grid)}.h5"


@dataclasses.dataclass(frozen=True)
class Device:
    """What the notebooks may use here: TensorFlow's GPUs, usable CPU cores, the Geant4 physics list and why."""

    gpus: tuple[str, ...]
    cpus: int
    physics: str
    physics_reason: str

    @property
    def has_gpu(self) -> bool:
        return bool(self.gpus)

    def __str__(self) -> str:
        gpus = ", ".join(self.gpus) if self.gpus else "none (TensorFlow sees no GPU: training runs on the CPU)"
        return "\n".join(
            [
                f"GPUs:        {gpus}",
                f"CPU cores:   {self.cpus} usable by this server (its cgroup limit, not the node's core count)",
                f"Geant4:      {self.physics} physics: {self.physics_reason}",
            ]
        )


def device() -> Device:
    """Ask TensorFlow for its GPUs, the cgroup for the usable cores, and the Geant4 set-up for the physics list."""
    from fastsim_kernel.g4.datasets import physics_status
    from fastsim_kernel.system import usable_cpus, visible_gpus

    physics, reason = physics_status()
    return Device(gpus=tuple(visible_gpus()), cpus=usable_cpus(), physics=physics, physics_reason=reason)


def training_defaults(kind: str, *, gpu: bool) -> dict[str, int | None]:
    """Notebook 02's defaults: a real run on a GPU (the reference batch sizes, 30 epochs over the whole sample);
    elsewhere 2 short epochs of 10 batches of 16, enough to see the mechanics, not to learn physics."""
    if kind not in MODEL_KINDS:
        msg = f"model kind must be one of {', '.join(MODEL_KINDS)}, got {kind!r}"
        raise ValueError(msg)
    if gpu:
        return {"epochs": 30, "batch_size": 128 if kind == "fixed" else 64, "steps_per_epoch": None}
    return {"epochs": 2, "batch_size": 16, "steps_per_epoch": 10}


#: Where the versions of the curated notebooks copied into a user's folder are recorded (relative path ->
#: sha256 of the copied file): a file still matching its record is unmodified and may be updated.
CURATED_RECORD = ".fastsim-curated.json"


def sync_curated_notebooks(source: str | os.PathLike, target: str | os.PathLike) -> dict[str, list[str]]:
    """Bring the curated notebooks of ``source`` into the user's ``target`` folder without losing edits.

    A notebook the user does not have is copied; one the user has not changed since it was copied is replaced
    by the new version; one the user edited (or created under that name) is kept as it is. Returns the relative
    paths by what happened: ``{"copied": [...], "updated": [...], "kept": [...]}``.
    """
    source, target = Path(source), Path(target)
    record_path = target / CURATED_RECORD
    target.mkdir(parents=True, exist_ok=True)
    record = json.loads(record_path.read_text(encoding="utf-8")) if record_path.is_file() else {}
    report: dict[str, list[str]] = {"copied": [], "updated": [], "kept": []}
    for path in sorted(source.rglob("*")):
        if not path.is_file() or ".ipynb_checkpoints" in path.parts:
            continue
        name = path.relative_to(source).as_posix()
        new = _sha256(path)
        mine = target / name
        if not mine.exists():
            action = "copied"
        elif _sha256(mine) == new:
            record[name] = new
            continue
        elif record.get(name) == _sha256(mine):
            action = "updated"
        else:
            report["kept"].append(name)
            continue
        mine.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(mine) as tmp:
            shutil.copyfile(path, tmp)
        record[name] = new
        report[action].append(name)
    with atomic_path(record_path) as tmp:
        tmp.write_text(json.dumps(record, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return report


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m fastsim_kernel.workspace SOURCE TARGET``: the profile's postStart hook, run at every start."""
    import sys

    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 2:
        print("usage: python -m fastsim_kernel.workspace SOURCE TARGET (curated notebooks into the home)",
              file=sys.stderr)  # fmt: skip
        return 2
    report = sync_curated_notebooks(*args)
    print(", ".join(f"{action} {len(names)}" for action, names in report.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
