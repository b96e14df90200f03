"""Build-time smoke check of the standard image: the stack imports and does a little real work."""

import subprocess

import h5py
import jupyterhub
import matplotlib
import numpy as np
import pandas as pd
import uproot

matplotlib.use("Agg")
import matplotlib.pyplot as plt

assert jupyterhub.__version__.startswith("5."), jupyterhub.__version__
frame = pd.DataFrame({"x": np.arange(5.0)})
figure, ax = plt.subplots()
ax.plot(frame["x"], frame["x"] ** 2)
figure.savefig("/tmp/smoke.png")
with h5py.File("/tmp/smoke.h5", "w") as f:
    f["x"] = frame["x"].to_numpy()
print("uproot", uproot.__version__, "h5py", h5py.__version__)
subprocess.run(["jupyterhub-singleuser", "--version"], check=True)
subprocess.run(["jupyter", "lab", "--version"], check=True)
