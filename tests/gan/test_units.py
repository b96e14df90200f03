"""train --units: a data file that does not state its cell units trains in the units the user gives."""

import h5py
import numpy as np
import pytest

from fastsim_kernel.errors import FastsimError
from fastsim_kernel.gan import dataset
from fastsim_kernel.gan.config import GANConfig
from fastsim_kernel.gan.preprocessing import DataSummary, to_training
from tests.conftest import gaussian_showers


def test_stated_units_reach_the_summary_and_every_batch(tmp_path):
    showers = gaussian_showers(n=16, seed=3)
    path = tmp_path / "public_x50.h5"
    with h5py.File(path, "w") as f:  # the public keys, cells stored x 50, no evidence of that layout
        f["ECAL"], f["energy"], f["theta"] = showers.cells * 50, showers.energy, showers.theta
    config = GANConfig.two_stage()
    with pytest.raises(FastsimError, match="does not state its cell units"):
        DataSummary(path, config)
    summary = DataSummary(path, config, units="x50")
    truth = np.median(showers.cells.sum(axis=(1, 2, 3)) / showers.energy)
    assert summary.sampling_fraction == pytest.approx(truth, rel=1e-5)
    batches = dataset.ShowerBatches(summary, config, batch_size=16, seed=0, preload_bytes=0)
    (cells, *_), = batches[0]
    expected = to_training(showers.cells, config)
    np.testing.assert_allclose(np.sort(np.asarray(cells).sum(axis=(1, 2, 3))),
                               np.sort(expected.sum(axis=(1, 2, 3))), rtol=1e-4)  # fmt: skip
