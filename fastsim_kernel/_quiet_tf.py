"""TensorFlow without its native start-up lines: for the notebooks' kernel and the ``fastsim`` command.

When its C++ library loads, TensorFlow 2.21 writes absl and oneDNN INFO lines ("All log messages before
absl::InitializeLog() ...", "oneDNN custom operations are on ...") straight to file descriptor 2, whatever
``TF_CPP_MIN_LOG_LEVEL`` says: a notebook shows them as red stderr output, a terminal as noise above the first
progress bar. ``quiet_tensorflow_import()`` wraps the first ``import tensorflow`` (also the one Keras makes) so
that descriptor 2 goes to a temporary file meanwhile; afterwards every line that is not one of those known
start-up lines is written to stderr as usual, so real warnings and errors still show.
"""

from __future__ import annotations

import contextlib
import importlib.abc
import importlib.machinery
import os
import re
import sys
import tempfile

#: The lines TensorFlow writes to descriptor 2 while it loads, on every import, that say nothing to a user.
START_UP_NOISE = re.compile(
    r"WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR"
    r"|\] oneDNN custom operations are on\."
    r"|cpu_feature_guard\.cc:\d+\] This TensorFlow binary is optimized"
    r"|To enable the following instructions: .* in other operations, rebuild TensorFlow"
)


@contextlib.contextmanager
def filtered_native_stderr():
    """Send descriptor 2 to a temporary file; at the end write its lines, less ``START_UP_NOISE``, to stderr."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            kept = [line for line in captured.read().decode(errors="replace").splitlines(keepends=True)
                    if not START_UP_NOISE.search(line)]  # fmt: skip
            if kept:
                sys.stderr.write("".join(kept))


def quiet_tensorflow_import() -> None:
    """Make this process's first ``import tensorflow`` run inside ``filtered_native_stderr`` (idempotent; does
    nothing once TensorFlow is loaded)."""
    if "tensorflow" in sys.modules or any(isinstance(f, _QuietTensorFlowFinder) for f in sys.meta_path):
        return
    sys.meta_path.insert(0, _QuietTensorFlowFinder())


class _QuietTensorFlowFinder(importlib.abc.MetaPathFinder):
    """Finds ``tensorflow`` like the normal path finder, and loads it inside ``filtered_native_stderr``."""

    def find_spec(self, name, path=None, target=None):
        if name != "tensorflow":
            return None
        sys.meta_path.remove(self)  # once is enough: later imports find the loaded module
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is not None and spec.loader is not None:
            spec.loader = _QuietLoader(spec.loader)
        return spec


class _QuietLoader(importlib.abc.Loader):
    def __init__(self, loader):
        self.loader = loader

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        with filtered_native_stderr():
            self.loader.exec_module(module)
