"""TensorFlow without its native start-up lines: for the notebooks' kernel and the ``fastsim`` command.

When its C++ library loads, TensorFlow 2.21 writes absl and oneDNN INFO lines ("All log messages before
absl::InitializeLog() ...", "oneDNN custom operations are on ...") straight to file descriptor 2, whatever
``TF_CPP_MIN_LOG_LEVEL`` says: a notebook shows them as red stderr output, a terminal as noise above the first
progress bar. ``quiet_tensorflow_import()`` wraps the first ``import tensorflow`` (also the one Keras makes):
meanwhile descriptor 2 is a pipe to a small filter process, which passes every line that is not one of those
known start-up lines on to the real stderr as it arrives, so real warnings and errors still show. Being another
process, the filter still passes on the last lines when TensorFlow aborts the import (e.g. "compiled to use AVX
instructions" on an old CPU), and faulthandler says where the process died.
"""

from __future__ import annotations

import contextlib
import faulthandler
import importlib.abc
import importlib.machinery
import os
import re
import subprocess
import sys

#: The lines TensorFlow writes to descriptor 2 while it loads, on every import, that say nothing to a user.
START_UP_NOISE = re.compile(
    r"WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR"
    r"|\] oneDNN custom operations are on\."
    r"|cpu_feature_guard\.cc:\d+\] This TensorFlow binary is optimized"
    r"|To enable the following instructions: .* in other operations, rebuild TensorFlow"
)


#: The filter process: copies its input to its output, less the lines that match ``argv[1]``.
_FILTER = """
import re, sys
noise = re.compile(sys.argv[1])
for line in sys.stdin.buffer:
    if not noise.search(line.decode(errors="replace")):
        sys.stdout.buffer.write(line)
        sys.stdout.buffer.flush()
"""
#: Filters a leftover writer kept running (so that nothing is lost, and no "still running" warning).
_LINGERING: list[subprocess.Popen] = []


@contextlib.contextmanager
def filtered_native_stderr():
    """Descriptor 2 goes through the filter process meanwhile: its lines, less ``START_UP_NOISE``, reach the
    real stderr as they are written."""
    sys.stderr.flush()
    saved = os.dup(2)
    read_end, write_end = os.pipe()
    try:  # its own session: Ctrl-C in the terminal stops the command, not its stderr
        flt = subprocess.Popen([sys.executable, "-c", _FILTER, START_UP_NOISE.pattern], stdin=read_end,
                               stdout=saved, stderr=saved, start_new_session=True)  # fmt: skip
    except OSError:  # no interpreter to start: leave stderr as it is
        os.close(read_end)
        os.close(write_end)
        os.close(saved)
        yield
        return
    os.close(read_end)
    os.dup2(write_end, 2)
    os.close(write_end)
    real_stderr = os.fdopen(saved, "w", closefd=False)
    own_crash_report = not faulthandler.is_enabled()  # one already set up (python -X faulthandler) stays
    if own_crash_report:
        faulthandler.enable(file=real_stderr)
    try:
        yield
    finally:
        if own_crash_report:
            faulthandler.disable()
        real_stderr.close()
        os.dup2(saved, 2)  # the pipe's last writer closes: the filter reads to the end and exits
        os.close(saved)
        try:
            flt.wait(timeout=10)
        except subprocess.TimeoutExpired:  # a writer the import left behind holds the pipe open
            _LINGERING.append(flt)


def quiet_tensorflow_import() -> None:
    """Make this process's first ``import tensorflow`` run inside ``filtered_native_stderr`` (idempotent; does
    nothing once TensorFlow is loaded)."""
    if "tensorflow" in sys.modules or any(isinstance(f, _QuietTensorFlowFinder) for f in sys.meta_path):
        return
    sys.meta_path.insert(0, _QuietTensorFlowFinder())


class _QuietTensorFlowFinder(importlib.abc.MetaPathFinder):
    """Finds ``tensorflow`` like the normal path finder, and loads it inside ``filtered_native_stderr``."""

    def __init__(self) -> None:
        self.used = False

    def find_spec(self, name, path=None, target=None):
        if name != "tensorflow" or self.used:
            return None
        self.used = True  # once is enough: later imports find the loaded module
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
        # the real loader again, for importlib.resources and pkgutil
        module.__loader__ = module.__spec__.loader = self.loader
