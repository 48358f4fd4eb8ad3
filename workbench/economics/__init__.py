"""Energy and money: what a run uses and costs (issue 15), computed from its results after the
run, never in the engine's loop.

:func:`economics_summary` gives the ``energy`` and ``cost`` sections of ``summary.json``;
:func:`usage_of`, :func:`energy_summary` and :func:`cost_summary` are the pure steps behind it,
so a sweep can price many runs (or one run at many prices) cheaply.
"""

from __future__ import annotations

from typing import Any

from .cost import cost_summary
from .energy import energy_summary
from .prices import Prices, load_prices, scenario_prices
from .usage import Usage, usage_of

__all__ = [
    "Prices",
    "Usage",
    "cost_summary",
    "economics_summary",
    "energy_summary",
    "load_prices",
    "scenario_prices",
    "usage_of",
]


def economics_summary(results: Any, prices: Prices | None = None) -> dict[str, Any]:
    """``{"energy": ..., "cost": ...}`` of ``results`` (prices: the scenario's by default)."""
    usage = usage_of(results)
    catalogue = results.sim.catalogue
    energy = energy_summary(usage, results.scenario, catalogue)
    cost = cost_summary(usage, energy, catalogue, prices or scenario_prices(results.scenario))
    return {"energy": energy, "cost": cost}
