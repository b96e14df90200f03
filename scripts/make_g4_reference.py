"""Make the explorer's shipped Geant4 reference from a Geant4 sample (per-shower summaries, not the showers).

    .venv/bin/python scripts/make_g4_reference.py /work/data/g4_train_25.h5 fastsim_kernel/widgets/g4_reference_25.npz
"""

from __future__ import annotations

import sys

from fastsim_kernel.widgets.reference import ShowerSummaries, write_reference

if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: make_g4_reference.py SAMPLE.h5 OUT.npz")
    path = write_reference(sys.argv[1], sys.argv[2])
    print(f"{path}: {len(ShowerSummaries.load(path))} showers, {path.stat().st_size / 1e3:.0f} kB")
