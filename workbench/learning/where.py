"""Defaults a learning loop and a drift resolve from the scenario: model, sites, nodes.

Shared by validation and the engine, so both read a scenario the same way.
"""

from __future__ import annotations

from ..scenario import Drift, LearningLoop, Scenario, Workload


def versioned_models(scenario: Scenario) -> set[str]:
    return {v.model for v in scenario.model_versions}


def loop_model(scenario: Scenario, loop: LearningLoop) -> str | None:
    """The model the loop retrains: as given, else the workload's first stage model with
    declared versions (None when it has none)."""
    if loop.model is not None:
        return loop.model
    versioned = versioned_models(scenario)
    workload = scenario.workload(loop.workload)
    return next((s.model for s in workload.stages if s.model in versioned), None)


def model_nodes(scenario: Scenario, workload: Workload, model: str) -> list[str]:
    """Nodes where a stage of ``workload`` running ``model`` is placed."""
    keys = [f"{workload.id}.{s.id}" for s in workload.stages if s.model == model]
    return list(dict.fromkeys(scenario.placement[k] for k in keys if k in scenario.placement))


def source_sites(scenario: Scenario, workload: Workload) -> list[str]:
    """Sites where the workload's source runs (a source without a site has none)."""
    site = scenario.node(workload.source.node).site
    return [site] if site is not None else []


def drift_sites(scenario: Scenario, drift: Drift) -> list[str]:
    """The drift's sites: as given, else every site where its workload's source runs."""
    if drift.sites is not None:
        return list(drift.sites)
    return source_sites(scenario, scenario.workload(drift.workload))


def decision_node(scenario: Scenario, node_id: str) -> str:
    """The aggregation-edge node of ``node_id``'s site (itself if it is one, or if none)."""
    here = scenario.node(node_id)
    if here.tier == "aggregation_edge" or here.site is None:
        return node_id
    for other in scenario.nodes:
        if other.site == here.site and other.tier == "aggregation_edge":
            return other.id
    return node_id


def detector_node(scenario: Scenario, loop: LearningLoop) -> str | None:
    """Where the loop's detector runs: as given, else the aggregation edge of the site whose
    node serves the loop's model (None when the model is not placed)."""
    if loop.detector.node is not None:
        return loop.detector.node
    model = loop_model(scenario, loop)
    if model is None:
        return None
    nodes = model_nodes(scenario, scenario.workload(loop.workload), model)
    return decision_node(scenario, nodes[0]) if nodes else None


def loop_sites(scenario: Scenario, loop: LearningLoop) -> list[str]:
    """Sites a loop watches: the site of its detector node (every site of the workload's
    source when the detector node has none)."""
    node = detector_node(scenario, loop)
    site = scenario.node(node).site if node is not None else None
    if site is not None:
        return [site]
    return source_sites(scenario, scenario.workload(loop.workload))
