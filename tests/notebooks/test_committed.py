"""The committed notebooks: clean (no outputs), parameterised, on the "fastsim" kernel, opening with what to
expect."""

import ast

import nbformat
import pytest

from tests.notebooks.conftest import NOTEBOOKS

PATHS = sorted(NOTEBOOKS.glob("*.ipynb"))


def test_the_curated_notebooks_are_all_there():
    assert [p.name for p in PATHS] == [
        "01_geant4_showers.ipynb", "02_train_3dgan.ipynb", "03_compare_gan_g4.ipynb", "04_live_widget.ipynb",
        "05_benchmarks.ipynb",
    ]  # fmt: skip


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.name)
def test_notebook_is_committed_clean(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name}: cell {cell.id} has outputs"
            assert cell.execution_count is None, f"{path.name}: cell {cell.id} has an execution count"
    assert nb.metadata.kernelspec == {"name": "fastsim", "display_name": "fastsim", "language": "python"}
    assert "papermill" not in nb.metadata, "a papermill output was committed instead of the source notebook"
    assert not [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.name)
def test_notebook_opens_with_what_you_learn_how_long_and_what_to_look_at(path):
    first = nbformat.read(path, as_version=4).cells[0]
    assert first.cell_type == "markdown"
    lines = first.source.splitlines()
    assert lines[0].startswith(f"# {path.name[:2]} · ")
    for lead in ("**You will learn**", "**Time**", "**Look at**"):
        assert any(line.startswith(lead) for line in lines), f"{path.name}: no line starting with {lead}"


def parameters_cell(nb):
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, "expected one cell tagged 'parameters'"
    return tagged[0]


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.name)
def test_parameters_cell_comes_first_with_the_workspace_and_literal_values(path):
    nb = nbformat.read(path, as_version=4)
    cell = parameters_cell(nb)
    assert next(c for c in nb.cells if c.cell_type == "code") is cell, "the parameters cell must come first"
    body = ast.parse(cell.source).body
    assert body[0].targets[0].id == "workspace"
    for node in body:
        assert isinstance(node, ast.Assign), "the parameters cell holds only assignments of literals"
        ast.literal_eval(node.value)


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.name)
def test_test_parameters_name_real_parameters(path):
    nb = nbformat.read(path, as_version=4)
    names = {t.id for node in ast.parse(parameters_cell(nb).source).body for t in node.targets}
    declared = nb.metadata["fastsim"]["test_parameters"]
    assert declared, f"{path.name}: no test parameters in its metadata"
    assert set(declared) <= names - {"workspace"}


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.name)
def test_papermill_sees_every_parameter(path):
    """Papermill's parser skips lines it cannot read (e.g. an '=' inside a comment); none may be lost."""
    import papermill

    nb = nbformat.read(path, as_version=4)
    assigned = [t.id for node in ast.parse(parameters_cell(nb).source).body for t in node.targets]
    assert list(papermill.inspect_notebook(str(path))) == assigned
