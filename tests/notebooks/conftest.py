"""Papermill fixtures: the "fastsim" kernel as the local hub installs it, and a runner that executes a notebook
with its test parameters in a given workspace and checks that it writes nothing outside that workspace."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from tests.helpers import kernel_path

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
KERNEL_NAME = "fastsim"


@pytest.fixture(scope="session")
def fastsim_kernel(tmp_path_factory):
    """The "fastsim" kernel (the name the notebooks ask for), installed in a temporary prefix."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("JUPYTER_PATH", str(kernel_path(tmp_path_factory.mktemp("jupyter"))))
        patch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
        yield KERNEL_NAME


def parameters_of(name: str) -> dict:
    """The small parameters a notebook declares for tests and the rendered copies (its metadata)."""
    return dict(nbformat.read(NOTEBOOKS / name, as_version=4).metadata["fastsim"]["test_parameters"])


def run_notebook(name: str, workspace: Path, workdir: Path) -> nbformat.NotebookNode:
    """Execute ``notebooks/NAME`` with papermill and its test parameters in ``workspace``, from an empty
    working folder under ``workdir``; fails if it left anything in that folder."""
    import papermill

    cwd = workdir / f"cwd-{name[:2]}"
    cwd.mkdir(parents=True)
    executed = workdir / name
    papermill.execute_notebook(
        str(NOTEBOOKS / name), str(executed), parameters={**parameters_of(name), "workspace": str(workspace)},
        kernel_name=KERNEL_NAME, cwd=str(cwd), progress_bar=False, log_output=False,
    )  # fmt: skip
    left = sorted(p.name for p in cwd.iterdir())
    assert left == [], f"{name} wrote {left} outside its workspace"
    return nbformat.read(executed, as_version=4)


def outputs_of(nb: nbformat.NotebookNode, kind: str) -> list:
    """All outputs of the executed code cells that carry the MIME type ``kind`` (e.g. "image/png")."""
    return [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if kind in o.get("data", {})]


def stream_of(nb: nbformat.NotebookNode, name: str = "stdout") -> str:
    """Everything the notebook wrote to ``name`` ("stdout" or "stderr")."""
    return "".join(
        o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.get("name") == name
    )
