"""Checks of ``drift:`` and ``learning:``, run with the scenario's other checks.

Each problem names the field, what is wrong and how to fix it, in one sentence. river is
imported only to check a detector's ``params`` (when some are given).
"""

from __future__ import annotations

from typing import Any

from ..catalogue import TIER_IDS, Catalogue
from ..errors import Problem
from ..policy import class_limit, route_problem, tier_name
from ..scenario import LearningLoop, Scenario
from ..topology import Topology
from ..units import short_repr
from ..workloads import data_class, node_servers, shards_by_node
from . import detectors
from .where import detector_node, loop_model, versioned_models


def _known(kind: str, value: str, known: list[str]) -> str:
    listed = ", ".join(sorted(known)[:12]) or "none declared"
    return f"unknown {kind} {short_repr(value)}; choose one of: {listed}"


def _duplicates(field: str, ids: list[str]) -> list[Problem]:
    first: dict[str, int] = {}
    return [
        Problem(
            f"{field}[{i}].id",
            f"duplicate id {short_repr(item)}: {field}[{first[item]}] has it too; give each "
            "an id of its own",
        )
        for i, item in enumerate(ids)
        if first.setdefault(item, i) != i
    ]


def check_learning(
    scenario: Scenario, cat: Catalogue, topology: Topology | None = None
) -> list[Problem]:
    """References first (``topology`` None); with the topology, routes and residency."""
    if topology is not None:
        return _check_routes(scenario, topology)
    problems = _duplicates("drift", [d.id for d in scenario.drift])
    problems += _duplicates("learning", [loop.id for loop in scenario.learning])
    workloads = {w.id: w for w in scenario.workloads}
    sites = sorted({n.site for n in scenario.nodes if n.site is not None})
    versioned = versioned_models(scenario)
    for i, drift in enumerate(scenario.drift):
        where = f"drift[{i}]"
        workload = workloads.get(drift.workload)
        if workload is None:
            problems.append(
                Problem(f"{where}.workload", _known("workload", drift.workload, list(workloads)))
            )
            continue
        for j, site in enumerate(drift.sites or []):
            if site not in sites:
                problems.append(Problem(f"{where}.sites[{j}]", _known("site", site, sites)))
        if not any(s.model in versioned for s in workload.stages):
            problems.append(
                Problem(
                    f"{where}.workload",
                    f"no stage of {drift.workload!r} runs a model with declared versions, so "
                    "no prediction is judged right or wrong; declare model_versions of one of "
                    f"its models ({', '.join(s.model for s in workload.stages)})",
                )
            )
    for i, loop in enumerate(scenario.learning):
        problems += _check_loop(scenario, cat, loop, f"learning[{i}]")
    return problems


def _check_loop(
    scenario: Scenario, cat: Catalogue, loop: LearningLoop, where: str
) -> list[Problem]:
    problems: list[Problem] = []
    workloads = {w.id: (i, w) for i, w in enumerate(scenario.workloads)}
    nodes = {n.id: n for n in scenario.nodes}
    if loop.workload not in workloads:
        return [Problem(f"{where}.workload", _known("workload", loop.workload, list(workloads)))]
    index, workload = workloads[loop.workload]
    models = [s.model for s in workload.stages]
    versioned = versioned_models(scenario)
    model = loop_model(scenario, loop)
    if loop.model is not None and loop.model not in models:
        problems.append(
            Problem(
                f"{where}.model",
                f"{loop.model!r} is not a stage model of {loop.workload!r}; choose one of: "
                + ", ".join(dict.fromkeys(models)),
            )
        )
    elif model is None or model not in versioned:
        problems.append(
            Problem(
                f"{where}.model",
                f"{model or loop.workload!r} has no declared versions, so there is nothing to "
                "retrain and replace; declare model_versions of it (with the accuracy it has)",
            )
        )
    detector = loop.detector
    if detector.kind not in detectors.KINDS:
        problems.append(
            Problem(
                f"{where}.detector.kind", _known("detector", detector.kind, list(detectors.KINDS))
            )
        )
    else:
        if detector.params:
            known = detectors.parameters(detector.kind)
            unknown = [name for name in detector.params if name not in known]
            for name in unknown:
                problems.append(
                    Problem(
                        f"{where}.detector.params.{name}",
                        f"river's {detector.kind} has no parameter {name!r}; use one of: "
                        + ", ".join(known),
                    )
                )
            if not unknown:
                problems += _construct(detector.kind, detector.params, f"{where}.detector.params")
        if detector.on == "features" and detector.kind in detectors.BINARY:
            problems.append(
                Problem(
                    f"{where}.detector.on",
                    f"{detector.kind} watches a stream of 0/1 errors; use on: errors, or a "
                    "detector of real values (adwin, page_hinkley, kswin) for features",
                )
            )
    if workload.labels is None:
        what = (
            "the errors detector and retraining need"
            if detector.on == "errors"
            else ("retraining needs")
        )
        problems.append(
            Problem(
                f"{where}.workload",
                f"{loop.workload!r} has no labels, and {what} labelled requests; add labels to "
                f"workloads[{index}], e.g. labels: {{share: 0.2, delay: '10 s'}}",
            )
        )
    if detector.node is not None and detector.node not in nodes:
        problems.append(
            Problem(f"{where}.detector.node", _known("node", detector.node, list(nodes)))
        )
    retrain = loop.retrain
    if retrain.node not in nodes:
        problems.append(Problem(f"{where}.retrain.node", _known("node", retrain.node, list(nodes))))
        return problems
    node = nodes[retrain.node]
    hardware = cat.hardware.get(node.hardware)
    if hardware is not None:
        if not hardware.precision_ops or "fp16" not in hardware.precision_ops:
            problems.append(
                Problem(
                    f"{where}.retrain.node",
                    f"{retrain.node}'s hardware {node.hardware!r} has no fp16 throughput in the "
                    "catalogue to train with; choose a node with GPUs (e.g. an a100_node)",
                )
            )
        servers = node_servers(node, cat, shards_by_node(scenario))
        if retrain.gpus > servers:
            problems.append(
                Problem(
                    f"{where}.retrain.gpus",
                    f"{retrain.node} has {servers} server(s); ask for at most {servers} or "
                    f"raise its servers",
                )
            )
    if retrain.utilisation <= 0:
        problems.append(
            Problem(
                f"{where}.retrain.utilisation", "0 never trains; give a share above 0, e.g. 0.4"
            )
        )
    if retrain.bandwidth_share <= 0:
        problems.append(
            Problem(
                f"{where}.retrain.bandwidth_share",
                "0 never uploads; give a share of the links' time above 0, e.g. 0.5",
            )
        )
    if workload.data_class is None or workload.data_class in cat.data_classes:
        klass = data_class(workload, cat)
        limit = class_limit(klass, cat)
        level = TIER_IDS.index(node.tier) + 1
        if level > limit:
            allowed = cat.data_classes[klass].max_tier
            problems.append(
                Problem(
                    f"{where}.retrain.node",
                    f"{loop.workload!r} carries {klass} data, which may not go above the "
                    f"{tier_name(allowed, cat)} ({allowed}), and {retrain.node} is on the "
                    f"{tier_name(node.tier, cat)}; retrain on a node of the "
                    f"{tier_name(allowed, cat)} or lower",
                )
            )
    return problems


def _construct(kind: str, params: dict[str, Any], where: str) -> list[Problem]:
    """Build the detector once: river refuses a value of the wrong type or range."""
    try:
        detectors.build(kind, params, 0)
    except (TypeError, ValueError, OverflowError) as exc:
        shown = ", ".join(f"{k}: {short_repr(v)}" for k, v in params.items())
        return [
            Problem(
                where,
                f"river's {kind} refuses {{{shown}}} ({str(exc).splitlines()[0][:120]}); give "
                f"values of the types and ranges river's {detectors.KINDS[kind][1]} documents",
            )
        ]
    delta = params.get("delta")
    if kind == "adwin" and isinstance(delta, int | float) and not 0 < delta < 1:
        return [
            Problem(
                f"{where}.delta",
                f"{delta:g} is not a confidence level; give ADWIN's delta in (0, 1), e.g. 0.002",
            )
        ]
    return []


def _check_routes(scenario: Scenario, topology: Topology) -> list[Problem]:
    """The samples' way up from the detector node to the retrain node stays within the
    workload's data class; a canary template needs an aggregation-edge target."""
    problems: list[Problem] = []
    cat = topology.catalogue
    for i, loop in enumerate(scenario.learning):
        where = f"learning[{i}]"
        workload = scenario.workload(loop.workload)
        source = detector_node(scenario, loop)
        if source is None:
            problems.append(
                Problem(
                    f"{where}.detector.node",
                    "the loop's model is not placed anywhere, so there is no default detector "
                    "node; give detector.node",
                )
            )
            continue
        if source != loop.retrain.node:
            why = route_problem(
                topology,
                source,
                loop.retrain.node,
                data_class(workload, cat),
                "the training samples' upload",
                origin=source,
            )
            if why is not None:
                problems.append(Problem(f"{where}.retrain.node", why))
        strategy = loop.rollout.get("strategy", "all_at_once")
        if strategy == "canary" and scenario.node(source).tier != "aggregation_edge":
            problems.append(
                Problem(
                    f"{where}.rollout.strategy",
                    f"a canary runs at the aggregation edge, and the loop's site has none "
                    f"({source} is on the {scenario.node(source).tier}); use strategy "
                    "'all_at_once' or 'waves'",
                )
            )
    return problems
