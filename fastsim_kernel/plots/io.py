"""Saving figures atomically, and checking figure paths before the work that makes them."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from fastsim_kernel._atomic import atomic_path, check_output_path
from fastsim_kernel.errors import FastsimError


def save_figure(fig: Figure, path: str | os.PathLike, *, dpi: int = 110) -> Path:
    """Save ``fig`` to ``path`` (format from the suffix) atomically, then close it."""
    path = Path(path)
    try:
        with atomic_path(path) as tmp:
            fig.savefig(tmp, dpi=dpi, format=path.suffix.lstrip(".") or "png")
    finally:
        plt.close(fig)
    return path


def check_figure_path(path: str | os.PathLike, *, overwrite: bool = False) -> Path:
    """Validate a figure output path (folder, existence, and a format matplotlib writes) before any work."""
    path = check_output_path(path, overwrite=overwrite)
    formats = plt.figure().canvas.get_supported_filetypes()
    plt.close("all")
    if path.suffix.lstrip(".").lower() not in formats:
        msg = f"figure {str(path)!r}: unknown format {path.suffix!r}; expected one of {', '.join(sorted(formats))}"
        raise FastsimError(msg)
    return path
