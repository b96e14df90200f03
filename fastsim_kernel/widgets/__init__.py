"""Interactive ipywidgets apps that wire controls to the generator (``gan``) and the figures (``plots``).

Needs the ``hub`` extra (ipywidgets)::

    from fastsim_kernel.widgets import ShowerExplorer
    ShowerExplorer()  # the shipped 3DGAN over the shipped Geant4 reference
    ShowerExplorer(load_generator("runs/NAME"), reference="g4.h5")
"""

from fastsim_kernel.widgets.explorer import SHIPPED, ExplorerConfig, ShowerExplorer
from fastsim_kernel.widgets.generator import ShowerGenerator, is_fixed_angle
from fastsim_kernel.widgets.reference import ShowerSummaries, load_reference

__all__ = [
    "SHIPPED",
    "ExplorerConfig",
    "ShowerExplorer",
    "ShowerGenerator",
    "ShowerSummaries",
    "is_fixed_angle",
    "load_reference",
]
