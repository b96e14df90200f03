"""Interactive ipywidgets apps that wire controls to the generator (``gan``) and the figures (``plots``).

Needs the ``hub`` extra (ipywidgets)::

    from fastsim_kernel.widgets import ShowerExplorer
    ShowerExplorer()  # the shipped 3DGAN; or ShowerExplorer(load_generator("runs/NAME"))
"""

from fastsim_kernel.widgets.explorer import ExplorerConfig, ShowerExplorer
from fastsim_kernel.widgets.generator import ShowerGenerator, is_fixed_angle

__all__ = ["ExplorerConfig", "ShowerExplorer", "ShowerGenerator", "is_fixed_angle"]
