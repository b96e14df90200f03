"""Render the curated notebooks: each executed in order in one fresh workspace with its test parameters (from
its metadata), outputs kept, written to OUT_DIR (default docs/notebooks/rendered).

    .venv/bin/python scripts/render_notebooks.py [OUT_DIR]        # what `make notebooks` runs

Needs the "fastsim" kernel, which `fastsim hub` registers in the venv (or
`python -c "from pathlib import Path; import sys; from fastsim_kernel.platform.local.launcher import
install_kernel; install_kernel(Path(sys.prefix))"`).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import nbformat
import papermill

from fastsim_kernel.platform.local.launcher import install_kernel

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def render(out_dir: Path) -> list[Path]:
    install_kernel(Path(sys.prefix))
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory() as tmp:
        for source in sorted(NOTEBOOKS.glob("*.ipynb")):
            parameters = dict(nbformat.read(source, as_version=4).metadata["fastsim"]["test_parameters"])
            target = out_dir / source.name
            print(f"{source.name}: {parameters}", flush=True)
            papermill.execute_notebook(str(source), str(target), parameters={**parameters, "workspace": tmp},
                                       kernel_name="fastsim", cwd=tmp, progress_bar=False)  # fmt: skip
            written.append(target)
    return written


if __name__ == "__main__":
    for path in render(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/notebooks/rendered")):
        print(path)
