"""validate --units: a file that does not state its cell units is read in the units the user gives."""

import h5py
import numpy as np
import pytest

from fastsim_kernel.errors import FastsimError
from fastsim_kernel.validation.report import _load
from tests.conftest import gaussian_showers


def test_stated_units_scale_a_file_that_does_not_say(tmp_path):
    showers = gaussian_showers(n=6)
    path = tmp_path / "public_x50.h5"
    with h5py.File(path, "w") as f:  # the public keys, cells stored x 50, no evidence of that layout
        f["ECAL"], f["energy"], f["theta"] = showers.cells * 50, showers.energy, showers.theta
    with pytest.raises(FastsimError, match="does not state its cell units"):
        _load(path, 100, "candidate", None)
    np.testing.assert_allclose(_load(path, 100, "candidate", "x50").cells, showers.cells, rtol=1e-6)
