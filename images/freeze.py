"""Compile an image's short unfrozen list (requirements.in) into a frozen, hashed requirements.txt.

    python images/freeze.py images/ml-cpu            # writes images/ml-cpu/requirements.txt

pip resolves the list against PyPI as for the image (Linux x86-64, CPython 3.11, the Python of the base
image) without installing anything (``pip install --dry-run --report``); every resolved distribution is
written as ``name==version`` with the sha256 of the exact file pip chose, so the image build can use
``pip install --require-hashes``. Local pip configuration (extra indexes, find-links, constraints) is
ignored so that the result only names files that PyPI serves.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

# The base images are Debian 12 (glibc 2.36): every manylinux tag up to 2.36 runs there. pip does not widen
# an explicit --platform to older tags by itself, so each one is named.
GLIBC_MINORS = (5, 12, 17, 24, 27, 28, 31, 34, 35, 36)
PLATFORMS = [f"manylinux_2_{minor}_x86_64" for minor in GLIBC_MINORS] + [
    "manylinux1_x86_64",
    "manylinux2010_x86_64",
    "manylinux2014_x86_64",
]

HEADER = """\
# Frozen by images/freeze.py from requirements.in: do not edit by hand.
#   python images/freeze.py images/{name}
# Resolved for Linux x86-64, CPython {python}; install with `pip install --require-hashes -r requirements.txt`.
"""


def resolve(requirements_in: Path, *, python_version: str) -> list[dict]:
    """pip's installation report for ``requirements_in`` (a list of resolved distributions)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env["PIP_CONFIG_FILE"] = os.devnull
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "report.json"
        command = [
            sys.executable, "-m", "pip", "install", "--quiet", "--dry-run", "--ignore-installed",
            "--only-binary=:all:", *(f"--platform={p}" for p in PLATFORMS), f"--python-version={python_version}",
            "--implementation=cp", f"--target={folder}/target", f"--report={report}",
            "--index-url=https://pypi.org/simple", "-r", str(requirements_in),
        ]  # fmt: skip
        subprocess.run(command, check=True, env=env)
        return json.loads(report.read_text())["install"]


def render(name: str, install: list[dict], *, python_version: str) -> str:
    """The requirements.txt text: sorted ``name==version --hash=sha256:...`` lines."""
    lines = [HEADER.format(name=name, python=python_version)]
    for item in sorted(install, key=lambda i: normalize(i["metadata"]["name"])):
        meta = item["metadata"]
        digest = item["download_info"]["archive_info"]["hashes"]["sha256"]
        lines.append(f"{normalize(meta['name'])}=={meta['version']} \\\n    --hash=sha256:{digest}\n")
    return "".join(lines)


def normalize(name: str) -> str:
    """The canonical form of a distribution name (PEP 503): lowercase, runs of '-_.' become '-'."""
    return re.sub(r"[-_.]+", "-", name).lower()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("image", type=Path, help="image folder holding requirements.in")
    parser.add_argument("--python-version", default="3.11", help="CPython of the base image (default 3.11)")
    args = parser.parse_args(argv)
    install = resolve(args.image / "requirements.in", python_version=args.python_version)
    text = render(args.image.name, install, python_version=args.python_version)
    (args.image / "requirements.txt").write_text(text)
    print(f"{args.image / 'requirements.txt'}: {len(install)} pinned distributions")
    return 0


if __name__ == "__main__":
    sys.exit(main())
