"""Compile the datafree physics library (``datafree/physics.cc``) on first use, into the user cache.

The library is linked against the geant4_pybind extension module, which exports Geant4's C++ symbols;
loaded with ctypes inside a worker that has imported geant4_pybind, it shares that module's Geant4 state.
It is tied to the exact geant4-pybind build, so the cache key includes the module's version, size and
modification time and the source text. The compiled file appears atomically (temporary file + rename), so
concurrent first uses never load half-written libraries.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import os
import shlex
import shutil
import subprocess
from pathlib import Path

from fastsim_kernel.errors import FastsimError, MissingExtraError
from fastsim_kernel.g4.datasets import cache_dir, writable_cache

#: geant4-pybind version the declarations in physics.cc were written for (Geant4 11.4.1).
SUPPORTED_GEANT4_PYBIND = "0.1.3"

SOURCE = Path(__file__).with_name("datafree") / "physics.cc"


def geant4_pybind_version() -> str:
    """Installed geant4-pybind version, without importing it."""
    try:
        return importlib.metadata.version("geant4-pybind")
    except importlib.metadata.PackageNotFoundError:
        msg = "geant4_pybind is not installed: pip install 'fastsim-kernel[g4]'"
        raise MissingExtraError(msg) from None


def extension_path() -> Path:
    """Path of the geant4_pybind extension module (found, not imported)."""
    spec = importlib.util.find_spec("geant4_pybind")
    if spec is None or not spec.origin:
        msg = "geant4_pybind is not installed: pip install 'fastsim-kernel[g4]'"
        raise MissingExtraError(msg)
    return Path(spec.origin)


def _compiler() -> list[str]:
    command = shlex.split(os.environ.get("CXX", "g++"))
    if not command or shutil.which(command[0]) is None:
        msg = (
            f"datafree physics is compiled on first use, but the C++ compiler {command[0] if command else ''!r}"
            " was not found: install g++ (apt-get install g++) or set CXX"
        )
        raise FastsimError(msg)
    return command


def source_digest() -> str:
    """Short SHA-256 of the datafree physics source: recorded with the showers it produced."""
    return hashlib.sha256(SOURCE.read_bytes()).hexdigest()[:16]


def _cache_key(extension: Path) -> str:
    stat = extension.stat()
    digest = hashlib.sha256(SOURCE.read_bytes())
    digest.update(f"{extension.resolve()}|{stat.st_size}|{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:16]


def datafree_library() -> Path:
    """Return the compiled datafree physics library, compiling it first if needed."""
    version = geant4_pybind_version()
    if version != SUPPORTED_GEANT4_PYBIND:
        msg = (
            f"datafree physics is built for geant4-pybind {SUPPORTED_GEANT4_PYBIND}, found {version}: "
            f"pip install geant4-pybind=={SUPPORTED_GEANT4_PYBIND} (or install the Geant4 datasets and use "
            "--physics standard)"
        )
        raise FastsimError(msg)
    extension = extension_path()
    folder = cache_dir() / f"geant4-pybind-{version}"
    target = folder / f"libfastsim_datafree-{_cache_key(extension)}.so"
    if target.exists():
        return target
    writable_cache(folder)
    tmp = folder / f".{target.name}.tmp-{os.getpid()}"
    command = [
        *_compiler(), "-O2", "-std=c++17", "-shared", "-fPIC", "-o", str(tmp), str(SOURCE),
        str(extension), f"-Wl,-rpath,{extension.parent}",
    ]  # fmt: skip
    try:
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            first = next((line for line in result.stderr.splitlines() if "error" in line), result.stderr.strip())
            msg = f"compiling the datafree physics library failed ({' '.join(command[:1])}): {first}"
            raise FastsimError(msg)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target
