"""The committed notebooks: clean (no outputs), parameterised, on the "fastsim" kernel."""

import ast

import nbformat
import pytest

from tests.notebooks.conftest import NOTEBOOKS

PATHS = sorted(NOTEBOOKS.glob("*.ipynb"))


def test_the_curated_notebooks_are_all_there():
    assert [p.name[:3] for p in PATHS] == ["01_", "02_", "03_", "04_", "05_", "06_"]


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
def test_notebook_has_a_parameters_cell_with_out_dir_first(path):
    nb = nbformat.read(path, as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, f"{path.name}: expected one cell tagged 'parameters'"
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    assert code_cells[0] is tagged[0], "the parameters cell must come before any other code"
    names = {t.id for node in ast.parse(tagged[0].source).body if isinstance(node, ast.Assign) for t in node.targets}
    assert "out_dir" in names
    for node in ast.parse(tagged[0].source).body:
        assert isinstance(node, ast.Assign), "the parameters cell holds only assignments of literals"
        ast.literal_eval(node.value)


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.name)
def test_papermill_sees_every_parameter(path):
    """Papermill's parser skips lines it cannot read (e.g. an '=' inside a comment); none may be lost."""
    import papermill

    nb = nbformat.read(path, as_version=4)
    tagged = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    assigned = [t.id for node in ast.parse(tagged.source).body for t in node.targets]
    assert list(papermill.inspect_notebook(str(path))) == assigned
