#!/bin/sh
# Build-time smoke check of the fastsim image (runs as the notebook user).
set -eu
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

python - <<'PY'
import ROOT
import tensorflow as tf

print("ROOT", ROOT.gROOT.GetVersion())
print("TensorFlow", tf.__version__, "CUDA build:", tf.test.is_built_with_cuda())
print("devices:", [device.name for device in tf.config.list_physical_devices()])
PY
fastsim simulate --n 5 --out "$work/g4.h5" --energy 50 --physics standard --workers 1 --quiet
fastsim generate --n 5 --energy 100 --out "$work/gan.h5"
fastsim inspect "$work/g4.h5"
fastsim inspect "$work/gan.h5"
jupyter kernelspec list | grep -q '^ *fastsim '
test -d /opt/fastsim/notebooks
echo "fastsim smoke check passed"
