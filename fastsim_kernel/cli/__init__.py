"""The ``fastsim`` command: one sub-command module per job, each a thin layer over the public API.

Each module in ``COMMAND_MODULES`` exposes ``register(subparsers)`` and keeps its heavy imports inside the
command functions, so ``fastsim --help`` stays fast.

The error promise lives in ``main``: every failure the user can cause and fix (a ``FastsimError``, a file
that cannot be read or written, a file that is not UTF-8 or not JSON) is printed as ONE line on stderr with
exit status 2. Anything else is a bug and keeps its traceback. Ctrl-C exits with 130 after the command has
saved what it finished.
"""

from __future__ import annotations

import argparse
import errno
import importlib
import json
import sys
from pathlib import Path
from typing import NoReturn

from fastsim_kernel import __version__
from fastsim_kernel._quiet_tf import quiet_tensorflow_import
from fastsim_kernel.errors import FastsimError

COMMAND_MODULES = ("data", "g4", "gan", "validation", "bench", "profiles", "hub")

#: The sub-commands in the order of a user's work, each with an example (and what it does) for ``--help``.
WORKFLOW = {
    "simulate": ("fastsim simulate --n 1000 --out g4.h5", "Geant4 showers, 10-100 GeV, 60-120 deg"),
    "inspect": ("fastsim inspect g4.h5", "N, ranges, sum/E and the layout assumed"),
    "plot": ("fastsim plot g4.h5 --out fig.png", "the standard panel"),
    "train": ("fastsim train --data g4.h5 --out runs/first", "a 3DGAN, checkpointed every epoch"),
    "generate": ("fastsim generate --model runs/first --like g4.h5 --n 1000 --out gan.h5", "GAN showers"),
    "reference": ("fastsim reference --out reference.h5", "held-out Geant4 validation points"),
    "validate": ("fastsim validate --reference reference.h5 --model runs/first --out report/",
                 "pass/fail per point, report/index.html"),
    "bench": ("fastsim bench g4 --energies 10,50,100 --n 20", "speed figures"),
    "profiles": ("fastsim profiles list", "the hub's profiles"),
    "hub": ("fastsim hub", "what `make hub` runs"),
    "doctor": ("fastsim doctor --need standard-physics,gpu", "what works here; exit 1 if a need is unmet"),
}

#: OS errors that are about the user's files and disks, not about the program.
_FILE_ERRNOS = {errno.ENOENT, errno.EACCES, errno.EPERM, errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EFBIG,
                errno.EISDIR, errno.ENOTDIR, errno.EEXIST, errno.ENAMETOOLONG, errno.EIO}  # fmt: skip


class _Parser(argparse.ArgumentParser):
    """argparse with its usage errors (a missing or invalid option) in the same one-line form, exit 2."""

    def error(self, message: str) -> NoReturn:
        command = self.prog.removeprefix("fastsim").strip()
        where = f"{command}: " if command else ""
        self.exit(2, f"fastsim: error: {where}{message} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="fastsim",
        description="Fast calorimeter simulation: Geant4 showers, the 3DGAN that replaces them, and the "
        "validation between the two.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"fastsim {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(f"fastsim_kernel.cli.{name}").register(subparsers)
    # list the sub-commands in workflow order, whatever order their modules registered them in
    order = list(WORKFLOW)
    subparsers._choices_actions.sort(key=lambda a: order.index(a.dest) if a.dest in order else len(order))
    examples = [WORKFLOW[a.dest] for a in subparsers._choices_actions if a.dest in WORKFLOW]
    parser.epilog = "examples, in workflow order:\n" + "\n".join(f"  {ex}\n      {note}" for ex, note in examples)
    return parser


def user_error(err: BaseException, args: argparse.Namespace) -> str | None:
    """The one-line message for an expected failure, or None when ``err`` is a bug (keep its traceback)."""
    if isinstance(err, FastsimError):
        return str(err)
    if isinstance(err, (UnicodeDecodeError, json.JSONDecodeError)):
        what = "UTF-8 text" if isinstance(err, UnicodeDecodeError) else "valid JSON"
        detail = f"{err.reason} at byte {err.start}" if isinstance(err, UnicodeDecodeError) else str(err)
        files = _files_given(args)
        return f"{', '.join(files) if files else 'a file it reads'}: not {what} ({detail}); expected {what}"
    if isinstance(err, OSError) and (err.filename is not None or err.errno in _FILE_ERRNOS):
        where = f"{err.filename}: " if err.filename is not None else ""
        return f"{where}{err.strerror or err}"
    return None


def _files_given(args: argparse.Namespace) -> list[str]:
    """The existing files named on the command line: the ones a decode error can be about."""
    values = [v for value in vars(args).values() for v in (value if isinstance(value, list) else [value])]
    return [str(v) for v in values if isinstance(v, (str, Path)) and Path(v).is_file()]


def main(argv: list[str] | None = None) -> int:
    quiet_tensorflow_import()  # TensorFlow's native start-up lines stay out of the terminal
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("fastsim: interrupted; finished work was kept", file=sys.stderr)
        return 130
    except (FastsimError, OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        message = user_error(err, args)
        if message is None:
            raise
        print(f"fastsim: error: {' '.join(message.split())}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
