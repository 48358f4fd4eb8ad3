"""Jupyter UI for the Edge AI Tier Workbench, built on the public API of ``workbench``.

``Workbench(scenario)`` composes the topology canvas, the property and estimate panels, the
simulation controls, a status area and the live dashboard; each piece is usable alone. The
model and engine stay in ``workbench`` and never import this package.
"""

from .canvas import TopologyCanvas
from .controls import Controls
from .dashboard import Dashboard
from .editing import EditRejected, PlacementCheck, ScenarioEditor
from .measure import measure
from .panel import EstimateView, PropertyPanel
from .status import StatusArea
from .workbench import Workbench

__all__ = [
    "Controls",
    "Dashboard",
    "EditRejected",
    "EstimateView",
    "PlacementCheck",
    "PropertyPanel",
    "ScenarioEditor",
    "StatusArea",
    "TopologyCanvas",
    "Workbench",
    "measure",
]
