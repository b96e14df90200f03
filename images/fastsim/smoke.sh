#!/bin/sh
# Smoke check of the fastsim image, run as the notebook user at build time and by test-in-image.sh.
# Geant4 runs standard physics when the image holds the datasets (and must then succeed with it), datafree
# physics otherwise. Everything is written into a temporary HOME that is removed afterwards.
set -eu
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export HOME="$work"

python - <<'PY'
import ROOT
import tensorboard
import tensorflow as tf
from importlib.metadata import entry_points

# the Launcher's TensorBoard tile: jupyter-server-proxy finds this package's entry point
assert "tensorboard" in {e.name for e in entry_points(group="jupyter_serverproxy_servers")}
print("ROOT", ROOT.gROOT.GetVersion(), "TensorBoard", tensorboard.__version__)
print("TensorFlow", tf.__version__, "CUDA build:", tf.test.is_built_with_cuda())
print("devices:", [device.name for device in tf.config.list_physical_devices()])
PY
if ls "$GEANT4_DATA_DIR" | grep -q '^G4EMLOW'; then physics=standard; else physics=datafree; fi
echo "Geant4 physics: $physics"
fastsim simulate --n 5 --out "$work/g4.h5" --energy 50 --physics "$physics" --workers 1 --quiet
fastsim generate --n 5 --energy 100 --out "$work/gan.h5"
fastsim inspect "$work/g4.h5"
fastsim inspect "$work/gan.h5"
fastsim profiles list
jupyter kernelspec list | grep -q '^ *fastsim '
test -d /opt/fastsim/notebooks
echo "fastsim smoke check passed"
