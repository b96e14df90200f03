"""The "fastsim" Jupyter kernel: ipykernel, without TensorFlow's native start-up lines in the notebooks.

When its C++ library loads, TensorFlow 2.21 writes absl and oneDNN INFO lines ("All log messages before
absl::InitializeLog() ...", "oneDNN custom operations are on ...") straight to file descriptor 2, whatever
``TF_CPP_MIN_LOG_LEVEL`` says, and the notebook shows them as red stderr output. This kernel wraps the first
``import tensorflow`` so that descriptor 2 goes to a temporary file meanwhile; afterwards every line that is not
one of those known start-up lines is written to stderr as usual, so real warnings and errors still show.

Run as ``python -m fastsim_kernel.platform.local.kernel -f CONNECTION_FILE`` (the kernel spec does).
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


def main() -> None:
    sys.meta_path.insert(0, _QuietTensorFlowFinder())
    from ipykernel import kernelapp

    kernelapp.launch_new_instance()


if __name__ == "__main__":
    main()
