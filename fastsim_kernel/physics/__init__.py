"""Physics observables and comparison metrics: pure numpy, no plotting, no I/O."""

from fastsim_kernel.physics.metrics import (
    common_bins,
    profile_separation_power,
    relative_error,
    sample_separation_power,
    separation_power,
)
from fastsim_kernel.physics.observables import (
    HIT_THRESHOLD_GEV,
    cell_spectrum,
    hit_multiplicity,
    layer_barycentres,
    layer_energy,
    max_position,
    measured_theta,
    moments,
    projection,
    sampling_fraction,
    total_energy,
    transverse_profile,
)

__all__ = [
    "HIT_THRESHOLD_GEV",
    "cell_spectrum",
    "common_bins",
    "hit_multiplicity",
    "layer_barycentres",
    "layer_energy",
    "max_position",
    "measured_theta",
    "moments",
    "profile_separation_power",
    "projection",
    "relative_error",
    "sample_separation_power",
    "sampling_fraction",
    "separation_power",
    "total_energy",
    "transverse_profile",
]
