"""Energy and cost of a design without a run: the closed-form estimate's loads, priced.

The economics code (:mod:`workbench.economics`) prices a :class:`~workbench.economics.Usage`:
busy server-seconds per node and bytes per link direction over a window. A simulation gives
the measured usage (:func:`run_figures`); here :func:`estimated_usage` builds the same record
from the estimate's offered loads (every request served, the window an hour), so a sweep or the
optimiser can price thousands of designs in the time of one run (:func:`estimate_figures`).
Figures are per month at the price catalogue's hours per month.
"""

from __future__ import annotations

from typing import Any

from .analytic import _Model, loaded_model
from .catalogue import Catalogue
from .economics import Usage, cost_summary, energy_summary, scenario_prices, usage_of
from .economics.prices import Prices
from .economics.usage import DEFAULT_CLOUD, LinkUsage, NodeUsage, WorkloadUsage
from .economics.usage import _cloud_card_s as cloud_card_s
from .economics.usage import _path as path_to_cloud
from .scenario import Scenario
from .topology import Topology
from .workloads import input_size_bytes

WINDOW_S = 3600.0  # the estimate's usage is for one hour of steady load (cost is per month)

__all__ = ["WINDOW_S", "estimate_figures", "estimated_usage", "figures", "run_figures"]


def estimated_usage(
    scenario: Scenario,
    catalogue: Catalogue | None = None,
    topology: Topology | None = None,
    window_s: float = WINDOW_S,
    model: _Model | None = None,
) -> Usage:
    """The usage of ``scenario`` (valid, not overloaded) over ``window_s`` of steady load
    (``model``: its loaded estimate model, when already built)."""
    cat = scenario.catalogue(catalogue)
    topo = model.topo if model is not None else topology or Topology(scenario, cat)
    model = model or loaded_model(scenario, cat, topo)
    nodes = []
    for node in scenario.nodes:
        streams = model.node_streams.get(node.id, [])
        busy = sum(s.rate * s.mean for s in streams) * node.count * window_s
        cards = node.servers or cat.hardware[node.hardware].servers
        nodes.append(
            NodeUsage(
                node.id, node.tier, node.hardware, node.count, model.servers(node.id), cards, busy
            )
        )
    links = []
    for link in scenario.links:
        spec = topo.links[link.key]
        a, b = link.ends
        lower, upper = (a, b) if topo.level(a) <= topo.level(b) else (b, a)
        links.append(
            LinkUsage(
                id=link.key,
                lower=lower,
                upper=upper,
                lower_tier=model.nodes[lower].tier,
                upper_tier=model.nodes[upper].tier,
                profile=link.profile,
                up_bytes=model.link_bytes.get((link.key, True), 0.0) * window_s,
                down_bytes=model.link_bytes.get((link.key, False), 0.0) * window_s,
                up_bps=spec.bandwidth_bps,
                down_bps=spec.downlink_bandwidth_bps,
            )
        )
    cloud = next((n for n in scenario.nodes if n.tier == "cloud"), None)
    cloud_hw = cat.hardware[cloud.hardware if cloud else DEFAULT_CLOUD]
    workloads = []
    for workload in scenario.workloads:
        requests = round(model.nodes[workload.source.node].count * workload.source.rate * window_s)
        workloads.append(
            WorkloadUsage(
                id=workload.id,
                source=workload.source.node,
                generated=requests,
                completed=requests,
                input_bytes=input_size_bytes(workload, cat),
                path_to_cloud=path_to_cloud(topo, workload.source.node, cloud),
                cloud_card_s=cloud_card_s(workload, cat, cloud_hw),
            )
        )
    return Usage(window_s, tuple(nodes), tuple(links), tuple(workloads), cloud_hw.id)


def figures(
    usage: Usage, scenario: Scenario, catalogue: Catalogue, prices: Prices
) -> dict[str, Any]:
    """The few numbers a sweep row needs from a usage: cost and energy per month, power."""
    energy = energy_summary(usage, scenario, catalogue)
    cost = cost_summary(usage, energy, catalogue, prices)
    month_s = prices.hours_per_month * 3600.0
    return {
        "cost_usd_per_month": cost["total_usd_per_month"],
        "cost_per_1000_inferences_usd": cost["per_1000_inferences_usd"],
        "average_power_w": energy["average_power_w"],
        "energy_kwh_per_month": energy["average_power_w"] * month_s / 3.6e6,
    }


def estimate_figures(
    scenario: Scenario,
    catalogue: Catalogue | None = None,
    topology: Topology | None = None,
    model: _Model | None = None,
) -> dict[str, Any]:
    """Cost and energy of ``scenario`` from the estimate (no run)."""
    cat = scenario.catalogue(catalogue)
    usage = estimated_usage(scenario, cat, topology, model=model)
    return figures(usage, scenario, cat, scenario_prices(scenario))


def run_figures(results: Any) -> dict[str, Any]:
    """Cost and energy of a finished run (its measured window)."""
    return figures(
        usage_of(results),
        results.scenario,
        results.sim.catalogue,
        scenario_prices(results.scenario),
    )
