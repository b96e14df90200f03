"""Papermill fixtures: a "fastsim" Jupyter kernel registered in a temporary prefix, and a runner that checks
that a notebook writes nothing outside its ``out_dir``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
KERNEL_NAME = "fastsim"


@pytest.fixture(scope="session")
def fastsim_kernel(tmp_path_factory):
    """Register this interpreter as the kernel "fastsim" (the name the notebooks ask for) in a temp prefix."""
    prefix = tmp_path_factory.mktemp("jupyter")
    subprocess.run(
        [sys.executable, "-m", "ipykernel", "install", "--prefix", str(prefix), "--name", KERNEL_NAME,
         "--display-name", KERNEL_NAME],
        check=True, capture_output=True,
    )  # fmt: skip
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("JUPYTER_PATH", str(prefix / "share" / "jupyter"))
        patch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
        yield KERNEL_NAME


def run_notebook(name: str, workdir: Path, **parameters) -> tuple[nbformat.NotebookNode, Path]:
    """Execute ``notebooks/NAME`` with papermill in an empty working folder, ``out_dir`` = ``workdir/out``.

    Returns the executed notebook and ``out_dir``; fails if the notebook left anything in its working folder.
    """
    import papermill

    cwd, out = workdir / "cwd", workdir / "out"
    cwd.mkdir(parents=True)
    executed = workdir / name
    papermill.execute_notebook(
        str(NOTEBOOKS / name), str(executed), parameters={**parameters, "out_dir": str(out)},
        kernel_name=KERNEL_NAME, cwd=str(cwd), progress_bar=False, log_output=False,
    )  # fmt: skip
    left = sorted(p.name for p in cwd.iterdir())
    assert left == [], f"{name} wrote {left} outside out_dir"
    return nbformat.read(executed, as_version=4), out


def outputs_of(nb: nbformat.NotebookNode, kind: str) -> list:
    """All outputs of the executed code cells that carry the MIME type ``kind`` (e.g. "image/png")."""
    return [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if kind in o.get("data", {})]


def stdout_of(nb: nbformat.NotebookNode) -> str:
    """Everything the notebook printed."""
    return "".join(
        o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.get("name") == "stdout"
    )
