#!/bin/bash
# In-image test of the fastsim image: what a user of the "fastsim ml-gpu" profile does, in the built image,
# as the notebook user, with the pod's environment, outside any checkout and with no network.
# Run by tests/images/test_fastsim_image.py, which mounts: the user's home (after the profile's postStart
# copied the notebooks into it), the tests of the image's commit at /srv/tests (only tests/notebooks runs),
# and a wheelhouse of the test tools (pytest, papermill) at /srv/wheels.
set -euo pipefail
work="$(mktemp -d)"
step() { printf '\n== %s (%s)\n' "$1" "$(date -u +%H:%M:%S)"; }

step "smoke check"
sh /usr/local/share/fastsim/smoke.sh

step "pip install into the server's environment, as the user"
pip install --quiet --no-index --find-links /srv/wheels pytest papermill
python -c "import papermill, sys; assert papermill.__file__.startswith(sys.prefix), papermill.__file__"

step "the curated notebooks in \$HOME/notebooks, with the parameters of tests/notebooks"
mkdir "$work/suite"
cp -r /srv/tests "$work/suite/tests"
ln -s "$HOME/notebooks" "$work/suite/notebooks"
(cd "$work/suite" && python -m pytest tests/notebooks/test_run_notebooks.py -p no:cacheprovider \
  --import-mode=importlib -o pythonpath=. -W ignore::pytest.PytestUnknownMarkWarning -q)

step "one-epoch training of the fixed-angle 3DGAN on 32 Geant4 showers, into a workspace"
cd "$work"
export FASTSIM_WORKSPACE="$work/ws"
run="$FASTSIM_WORKSPACE/runs/fixed"
fastsim simulate --n 32 --energy 10:30 --theta 90 --grid 25x25x25 --workers 1 --seed 1 --quiet --out g4.h5
fastsim train --data g4.h5 --model fixed --epochs 1 --batch-size 16 --out "$run" --quiet
test -s "$run/generator.weights.h5"
find "$run" -name 'events.out.tfevents.*' | grep -q . || { echo "no TensorBoard event file in $run" >&2; exit 1; }
fastsim generate --model "$run" --energy 20 --theta 90 --n 4 --out gan.h5
fastsim inspect gan.h5

step "TensorBoard behind the server's login, as the Launcher's tile opens it"
jupyter lab --no-browser --ip=127.0.0.1 --port=8899 --IdentityProvider.token=in-image \
  --ServerApp.root_dir="$work" > "$work/lab.log" 2>&1 &
lab=$!
trap 'kill "$lab" 2>/dev/null || true' EXIT
python - <<'PY' || { cat "$work/lab.log" >&2; exit 1; }
import json
import time
import urllib.request

base, token = "http://127.0.0.1:8899", "?token=in-image"
deadline = time.monotonic() + 180
while True:
    try:
        info = json.load(urllib.request.urlopen(f"{base}/server-proxy/servers-info{token}", timeout=10))
        runs = json.load(urllib.request.urlopen(f"{base}/tensorboard/data/runs{token}", timeout=120))
        break
    except OSError:
        if time.monotonic() > deadline:
            raise
        time.sleep(2)
assert [s["launcher_entry"]["title"] for s in info["server_processes"]] == ["TensorBoard"], info
assert any(r.startswith("fixed/") for r in runs), runs
print("TensorBoard at /tensorboard/ lists the workspace's runs:", runs)
PY
kill "$lab"
wait "$lab" || true

step "fastsim doctor"
fastsim doctor

step "all in-image checks passed"
