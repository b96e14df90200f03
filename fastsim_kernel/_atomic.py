"""Atomic file writes: write to a temporary sibling, then rename over the target."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from fastsim_kernel.errors import FastsimError


def check_output_path(path: str | os.PathLike, *, overwrite: bool = False) -> Path:
    """Validate an output path: its folder must exist, and it must not exist unless ``overwrite``."""
    path = Path(path)
    if not path.parent.is_dir():
        msg = f"output folder {str(path.parent)!r} does not exist (for output {str(path)!r})"
        raise FastsimError(msg)
    if path.exists() and not overwrite:
        msg = f"output {str(path)!r} already exists: pass --overwrite to replace it (or --resume where supported)"
        raise FastsimError(msg)
    return path


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; on success rename it onto ``path``, on failure delete it.

    Readers never see a half-written file: the rename is atomic on POSIX file systems. A write that fails
    (permission denied, disk full, read-only file system) is one ``FastsimError`` naming ``path``.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        yield tmp
        os.replace(tmp, path)
    except OSError as err:
        msg = f"cannot write {str(path)!r}: {err.strerror or err}"
        raise FastsimError(msg) from err
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
