"""``fastsim_kernel._quiet_tf`` with a stand-in ``tensorflow`` package whose import writes to descriptor 2 as
TensorFlow's C++ library does: the known start-up lines go, everything else stays, even when the import aborts
the process; and the module keeps its real loader."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ABSL = "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR"
ONEDNN = "I0000 00:00:1.5 30407 port.cc:153] oneDNN custom operations are on. You may see ..."
IMPORT_QUIETLY = "from fastsim_kernel._quiet_tf import quiet_tensorflow_import; quiet_tensorflow_import(); "


def stand_in(tmp_path: Path, body: str) -> dict[str, str]:
    package = tmp_path / "tensorflow"
    package.mkdir()
    (package / "__init__.py").write_text(textwrap.dedent(body))
    (package / "data.txt").write_text("a resource\n")
    root = str(Path(__file__).resolve().parents[1])
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), root])}


def run(code: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)


def test_start_up_lines_go_and_other_lines_stay(tmp_path):
    env = stand_in(tmp_path, f"""
        import os
        os.write(2, b"{ABSL}\\n")
        os.write(2, b"{ONEDNN}\\n")
        os.write(2, b"E0000 a real error line\\n")
    """)
    loud = run("import tensorflow", env)
    assert ABSL in loud.stderr  # the stand-in is noisy without the filter
    quiet = run(IMPORT_QUIETLY + "import tensorflow; import sys; print('after', file=sys.stderr)", env)
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stderr == "E0000 a real error line\nafter\n"


def test_a_fatal_line_before_an_abort_still_reaches_stderr(tmp_path):
    env = stand_in(tmp_path, f"""
        import os
        os.write(2, b"{ABSL}\\n")
        os.write(2, b"F0000 cpu_feature_guard.cc:1] compiled to use AVX instructions, not available here\\n")
        os.abort()
    """)
    result = run(IMPORT_QUIETLY + "import tensorflow", env)
    assert result.returncode != 0
    assert "compiled to use AVX instructions, not available here" in result.stderr
    assert "Fatal Python error: Aborted" in result.stderr  # and where: faulthandler's stack
    assert "tensorflow" in result.stderr.split("Fatal Python error: Aborted", 1)[1]
    assert ABSL not in result.stderr


def test_the_module_keeps_its_real_loader_for_its_resources(tmp_path):
    env = stand_in(tmp_path, "")
    code = IMPORT_QUIETLY + (
        "import importlib.resources, tensorflow; "
        "print(type(tensorflow.__loader__).__name__, type(tensorflow.__spec__.loader).__name__); "
        "print(importlib.resources.files('tensorflow').joinpath('data.txt').read_text().strip())"
    )
    result = run(code, env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["SourceFileLoader SourceFileLoader", "a resource"]
