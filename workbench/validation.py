"""Cross-reference checks of a scenario, run before anything simulates.

:func:`validate_scenario` returns every problem at once, each with the field path as written in
the file (``workloads[1].stages[0].model``) and what to do about it.
"""

from __future__ import annotations

import difflib
import math
from collections import Counter
from collections.abc import Iterable

from .analytic import offered_load
from .catalogue import Catalogue
from .errors import Problem
from .scenario import Fallback, Scenario, Stage, Workload
from .topology import Topology
from .units import format_quantity
from .workloads import max_level, node_servers, shards_by_node, stage_classes


def _unknown(kind: str, value: str, known: Iterable[str]) -> str:
    known = sorted(known)
    close = difflib.get_close_matches(value, known, n=1)
    if close:
        return f"unknown {kind} {value!r}; did you mean {close[0]!r}?"
    listed = ", ".join(known[:12]) + (" ..." if len(known) > 12 else "")
    return f"unknown {kind} {value!r}; choose one of: {listed}"


def _size(value: float) -> str:
    return str(format_quantity(value, "size"))


def validate_scenario(
    scenario: Scenario,
    catalogue: Catalogue | None = None,
    *,
    every_hop: bool = False,
    capacity: bool = True,
) -> list[Problem]:
    """Every problem of ``scenario`` that the schema alone cannot see; [] when it is valid.

    After one broken hop of a workload's route, its later hops are not reported (they would
    mostly repeat it) unless ``every_hop`` is set, as an editor comparing two versions needs.
    With ``capacity`` (the default), a node or link offered 100 % of its capacity or more is a
    problem too (:func:`check_capacity`); the engine leaves it out, so that an overloaded
    design can still be simulated on purpose from Python.
    """
    cat = scenario.catalogue(catalogue)
    problems: list[Problem] = []
    problems += _check_ids(scenario)
    problems += _check_nodes(scenario, cat)
    problems += _check_links(scenario, cat)
    for index, workload in enumerate(scenario.workloads):
        problems += _check_workload_refs(workload, f"workloads[{index}]", scenario, cat)
    problems += _check_placement_keys(scenario)
    problems += _check_flows(scenario)
    problems += _check_failures(scenario)
    if scenario.simulation.warmup_s >= scenario.simulation.until_s:
        problems.append(
            Problem("simulation.warmup", "must be shorter than simulation.until; shorten it")
        )
    if problems:  # routes and fits need valid references first
        return problems
    topology = Topology(scenario, cat)
    for index, workload in enumerate(scenario.workloads):
        problems += _check_workload_routes(
            workload, f"workloads[{index}]", scenario, topology, every_hop
        )
    for index, flow in enumerate(scenario.flows):
        for t_index, target in enumerate(flow.targets):
            if topology.path(flow.origin, target) is None:
                problems.append(
                    Problem(
                        f"flows[{index}].to[{t_index}]",
                        f"{target!r} cannot be reached from {flow.origin!r}; add a link",
                    )
                )
    if capacity and not problems:
        problems += [
            p for p in check_capacity(scenario, catalogue, topology) if p.severity == "error"
        ]
    return problems


def scenario_warnings(scenario: Scenario, catalogue: Catalogue | None = None) -> list[Problem]:
    """What is allowed but close to a limit (a node or link at 90 % of its capacity or more);
    [] when the scenario has errors (see :func:`validate_scenario`)."""
    if validate_scenario(scenario, catalogue):
        return []
    return [p for p in check_capacity(scenario, catalogue) if p.severity == "warning"]


CAPACITY_ERROR, CAPACITY_WARNING = 1.0, 0.9


def check_capacity(
    scenario: Scenario, catalogue: Catalogue | None = None, topology: Topology | None = None
) -> list[Problem]:
    """Offered load of every node and link direction (per instance, from the placed workloads'
    rates, service times and message sizes): an error at 100 % or more (its queue would grow
    without bound), a warning at 90 % or more. The scenario's references must be valid;
    ``topology``, when given, is the scenario's (its paths are reused)."""
    cat = scenario.catalogue(catalogue)
    topology = topology or Topology(scenario, cat)
    load = offered_load(scenario, cat, topology)
    problems = []
    node_index = {n.id: i for i, n in enumerate(scenario.nodes)}
    for node_id, rho in load.nodes.items():
        if rho < CAPACITY_WARNING:
            continue
        node = scenario.node(node_id)
        servers = node_servers(node, cat, shards_by_node(scenario))
        each = f"each of the {node.count} {node_id}" if node.count > 1 else node_id
        problems.append(
            Problem(
                f"nodes[{node_index[node_id]}]",
                f"offered load {_percent(rho)} of {servers} server(s) of {each} "
                f"({node.hardware}), most of it from workload {load.top_node_stage[node_id]}; "
                "add servers or faster hardware, move a stage elsewhere, or lower the rate",
                "error" if rho >= CAPACITY_ERROR else "warning",
            )
        )
    link_index = {link.key: i for i, link in enumerate(scenario.links)}
    for (link_id, upward), rho in load.links.items():
        if rho < CAPACITY_WARNING:
            continue
        spec = topology.links[link_id]
        bandwidth = spec.bandwidth_bps if upward else spec.downlink_bandwidth_bps
        direction = "uplink" if upward else "downlink"
        problems.append(
            Problem(
                f"links[{link_index[link_id]}]",
                f"offered load {_percent(rho)} of {format_quantity(bandwidth, 'bitrate')} "
                f"({direction} of {link_id}), most of it from workload "
                f"{load.top_link_workload[(link_id, upward)]}; raise the bandwidth, move the "
                "stage that sends over it (process the data before this link), or lower the rate",
                "error" if rho >= CAPACITY_ERROR else "warning",
            )
        )
    return problems


def _percent(share: float) -> str:
    """'112 %'; one decimal near 100 %, so that 99.6 % does not read as 100 %."""
    pct = 100 * share
    return f"{pct:.1f} %" if 99 <= pct < 101 else f"{pct:.0f} %"


def _check_flows(scenario: Scenario) -> list[Problem]:
    problems = []
    node_ids = {n.id for n in scenario.nodes}
    ids = [f.id for f in scenario.flows]
    for index, flow in enumerate(scenario.flows):
        if ids.index(flow.id) != index:
            problems.append(Problem(f"flows[{index}].id", f"duplicate id {flow.id!r}"))
        if flow.origin not in node_ids:
            problems.append(
                Problem(f"flows[{index}].from", _unknown("node", flow.origin, node_ids))
            )
        for t_index, target in enumerate(flow.targets):
            if target not in node_ids:
                problems.append(
                    Problem(f"flows[{index}].to[{t_index}]", _unknown("node", target, node_ids))
                )
            elif target == flow.origin:
                problems.append(
                    Problem(f"flows[{index}].to[{t_index}]", "a flow cannot target its origin")
                )
    return problems


def _check_ids(scenario: Scenario) -> list[Problem]:
    problems = []
    for field, ids in (
        ("nodes", [n.id for n in scenario.nodes]),
        ("links", [link.key for link in scenario.links]),
        ("workloads", [w.id for w in scenario.workloads]),
    ):
        counts = Counter(ids)
        for index, item_id in enumerate(ids):
            if counts[item_id] > 1 and ids.index(item_id) != index:
                problems.append(
                    Problem(f"{field}[{index}].id", f"duplicate id {item_id!r}; ids must be unique")
                )
    for w_index, workload in enumerate(scenario.workloads):
        stage_ids = [s.id for s in workload.stages]
        for s_index, stage_id in enumerate(stage_ids):
            if stage_ids.index(stage_id) != s_index:
                problems.append(
                    Problem(
                        f"workloads[{w_index}].stages[{s_index}].id",
                        f"duplicate stage id {stage_id!r} in workload {workload.id!r}",
                    )
                )
    return problems


def _check_nodes(scenario: Scenario, cat: Catalogue) -> list[Problem]:
    return [
        Problem(f"nodes[{i}].hardware", _unknown("hardware", node.hardware, cat.hardware))
        for i, node in enumerate(scenario.nodes)
        if node.hardware not in cat.hardware
    ]


def _check_links(scenario: Scenario, cat: Catalogue) -> list[Problem]:
    problems = []
    node_ids = {n.id for n in scenario.nodes}
    for i, link in enumerate(scenario.links):
        where = f"links[{i}]"
        for end_index, end in enumerate(link.ends):
            if end not in node_ids:
                problems.append(
                    Problem(f"{where}.ends[{end_index}]", _unknown("node", end, node_ids))
                )
        if link.ends[0] == link.ends[1]:
            problems.append(Problem(f"{where}.ends", "a link must join two different nodes"))
        if link.profile is not None and link.profile not in cat.links:
            problems.append(
                Problem(f"{where}.profile", _unknown("link profile", link.profile, cat.links))
            )
        elif link.profile is None:
            for field, value in (("bandwidth", link.bandwidth_bps), ("latency", link.latency_s)):
                if value is None:
                    problems.append(
                        Problem(
                            f"{where}.{field}",
                            f"missing; give the {field} or a 'profile' (e.g. 'wifi6') to take "
                            "defaults from",
                        )
                    )
    return problems


def _check_workload_refs(
    workload: Workload, where: str, scenario: Scenario, cat: Catalogue
) -> list[Problem]:
    problems = []
    node_ids = {n.id for n in scenario.nodes}
    if workload.source.node not in node_ids:
        problems.append(
            Problem(f"{where}.source.node", _unknown("node", workload.source.node, node_ids))
        )
    if workload.source.kind not in cat.data_sources:
        problems.append(
            Problem(
                f"{where}.source.kind",
                _unknown("data source", workload.source.kind, cat.data_sources),
            )
        )
    if workload.sink is not None and workload.sink not in node_ids:
        problems.append(Problem(f"{where}.sink", _unknown("node", workload.sink, node_ids)))
    if workload.data_class is not None and workload.data_class not in cat.data_classes:
        problems.append(
            Problem(
                f"{where}.data_class", _unknown("data class", workload.data_class, cat.data_classes)
            )
        )
    for s_index, stage in enumerate(workload.stages):
        at = f"{where}.stages[{s_index}]"
        if stage.model not in cat.models:
            problems.append(Problem(f"{at}.model", _unknown("model", stage.model, cat.models)))
        elif stage.precision and stage.precision not in cat.models[stage.model].sizes:
            sizes = ", ".join(cat.models[stage.model].sizes)
            problems.append(
                Problem(
                    f"{at}.precision", f"{stage.model} has no {stage.precision} size; use {sizes}"
                )
            )
        if stage.output_class is not None and stage.output_class not in cat.data_classes:
            problems.append(
                Problem(
                    f"{at}.output_class",
                    _unknown("data class", stage.output_class, cat.data_classes),
                )
            )
        if stage.fallback is not None:
            if stage.fallback.model not in cat.models:
                problems.append(
                    Problem(
                        f"{at}.fallback.model", _unknown("model", stage.fallback.model, cat.models)
                    )
                )
            if stage.fallback.node is not None and stage.fallback.node not in node_ids:
                problems.append(
                    Problem(f"{at}.fallback.node", _unknown("node", stage.fallback.node, node_ids))
                )
        key = f"{workload.id}.{stage.id}"
        if key not in scenario.placement:
            problems.append(
                Problem(
                    f"placement.{key}",
                    f"stage {key!r} is not placed; add 'placement: {{{key}: NODE}}' "
                    "(`workbench advise` suggests one)",
                )
            )
        elif scenario.placement[key] not in node_ids:
            problems.append(
                Problem(f"placement.{key}", _unknown("node", scenario.placement[key], node_ids))
            )
    return problems


def _check_placement_keys(scenario: Scenario) -> list[Problem]:
    known = {key for w in scenario.workloads for key in w.stage_keys()}
    return [
        Problem(f"placement.{key}", _unknown("stage", key, known) + " (keys are 'workload.stage')")
        for key in scenario.placement
        if key not in known
    ]


def _check_workload_routes(
    workload: Workload, where: str, scenario: Scenario, topo: Topology, every_hop: bool = False
) -> list[Problem]:
    """Reachability, memory fit and data-class boundaries along the pipeline."""
    cat = topo.catalogue
    problems = []
    source = workload.source.node
    elsewhere = any(scenario.placement[k] != source for k in workload.stage_keys())
    if topo.graph.degree(source) == 0 and (elsewhere or workload.sink not in (None, source)):
        return [
            Problem(
                f"{where}.source.node",
                f"data source {source!r} has no link to any other node; add a link from it",
            )
        ]
    here = source
    classes = stage_classes(workload, cat)
    route_ok = True  # after one broken hop, later hops would only repeat it
    for s_index, stage in enumerate(workload.stages):
        at = f"{where}.stages[{s_index}]"
        node_id = scenario.placement[f"{workload.id}.{stage.id}"]
        node = scenario.node(node_id)
        in_class, _ = classes[s_index]
        if route_ok:
            hop = _check_hop(
                topo,
                here,
                node_id,
                in_class,
                f"placement.{workload.id}.{stage.id}",
                f"stage {stage.id!r}",
                earlier_stages=s_index > 0,
            )
            problems += hop
            route_ok = every_hop or not hop
        problems += check_model_fit(stage, f"{workload.id}.{stage.id}", node_id, at, scenario, cat)
        if stage.aggregate and node_id == source and node.count > 1:
            problems.append(
                Problem(
                    f"placement.{workload.id}.{stage.id}",
                    f"stage aggregates the data of all {node.count} devices of {source!r}, so it "
                    "cannot run on each device; place it on a node they all reach (a gateway)",
                )
            )
        if stage.fallback is not None:
            problems += _check_fallback(stage.fallback, here, f"{at}.fallback", topo, in_class)
        here = node_id
    if workload.sink is not None and route_ok:
        out_class = classes[-1][1]
        problems += _check_hop(
            topo, here, workload.sink, out_class, f"{where}.sink", "the sink", earlier_stages=True
        )
    return problems


def _check_hop(
    topo: Topology,
    src: str,
    dst: str,
    class_id: str,
    where: str,
    what: str,
    *,
    earlier_stages: bool = False,
) -> list[Problem]:
    """Can data of ``class_id`` at ``src`` reach ``dst`` without crossing its boundary?"""
    cat = topo.catalogue
    limit = max_level(class_id, cat)
    dst_level = topo.level(dst)
    if dst_level > limit:
        max_tier = cat.data_classes[class_id].max_tier
        return [
            Problem(
                where,
                f"{class_id} data may not go above tier {max_tier}, but {what} is on {dst!r} "
                f"({topo.graph.nodes[dst]['tier']}); place it on a node at or below {max_tier}"
                + (
                    ", or give an earlier stage an output_class (e.g. de-identified 'public')"
                    if earlier_stages
                    else ""
                ),
            )
        ]
    if topo.path(src, dst) is None:
        return [
            Problem(
                where,
                f"{what} is on {dst!r}, which the data at {src!r} cannot reach; add a link "
                "or place it on a connected node",
            )
        ]
    if topo.path(src, dst, max_level=limit) is None:
        return [
            Problem(
                where,
                f"every path from {src!r} to {dst!r} passes through tiers above "
                f"{cat.data_classes[class_id].max_tier}, which {class_id} data may not reach; "
                "place it where a path stays below that tier, or add such a link",
            )
        ]
    return []


def _check_fallback(
    fallback: Fallback, here: str, where: str, topo: Topology, class_id: str
) -> list[Problem]:
    cat = topo.catalogue
    node_id = fallback.node or here
    hardware = cat.hardware[topo.scenario.node(node_id).hardware]
    model = cat.models[fallback.model]
    size = model.size_bytes(fallback.precision)
    problems = []
    if size > hardware.card_memory_bytes:
        problems.append(
            Problem(
                f"{where}.model",
                f"fallback {model.id} ({_size(size)}) does not fit {node_id} "
                f"({hardware.id}, {_size(hardware.card_memory_bytes)} per card); "
                "choose a smaller model",
            )
        )
    if fallback.node is not None:
        problems += _check_hop(topo, here, node_id, class_id, f"{where}.node", "the fallback")
    return problems


def _check_failures(scenario: Scenario) -> list[Problem]:
    """Unknown targets of failure entries (the schema checks the rest)."""
    problems = []
    links = {link.key for link in scenario.links}
    nodes = {n.id for n in scenario.nodes}
    sites = {n.site for n in scenario.nodes if n.site}
    tiers = {n.tier for n in scenario.nodes}
    for index, failure in enumerate(scenario.failures):
        for field, value, known in (
            ("link", failure.link, links),
            ("node", failure.node, nodes),
            ("site", failure.site, sites),
            ("tier", failure.tier, tiers),
        ):
            if value is not None and value not in known:
                close = difflib.get_close_matches(str(value), sorted(known), n=1)
                hint = (
                    f"did you mean {close[0]!r}?" if close else f"known: {', '.join(sorted(known))}"
                )
                problems.append(
                    Problem(f"failures[{index}].{field}", f"unknown {field} {value!r}; {hint}")
                )
    return problems


def check_model_fit(
    stage: Stage, key: str, node_id: str, stage_path: str, scenario: Scenario, cat: Catalogue
) -> list[Problem]:
    """A stage's model must fit one card of its node, or ``shards`` cards that hold it together
    (and the node must have that many cards). ``key`` is 'workload.stage', ``stage_path`` the
    stage's field path ('workloads[0].stages[1]')."""
    node = scenario.node(node_id)
    hardware = cat.hardware[node.hardware]
    cards = node.servers or hardware.servers
    model = cat.models[stage.model]
    precision = stage.precision or model.default_precision
    size = model.size_bytes(precision)
    card = hardware.card_memory_bytes
    what = f"model {stage.model} ({_size(size)} at {precision})"
    if stage.shards > cards:
        return [
            Problem(
                f"{stage_path}.shards",
                f"shards: {stage.shards} but {node_id} ({hardware.id}) has {cards} card(s); "
                f"use at most shards: {cards}, or place the stage on a node with more cards",
            )
        ]
    if size <= card * stage.shards:
        return []
    if cards == 1:
        return [
            Problem(
                f"placement.{key}",
                f"{what} does not fit {node_id} ({hardware.id}, {_size(card)} memory); "
                "place it on a larger node or choose a smaller precision",
            )
        ]
    if stage.shards == 1:
        needed = math.ceil(size / card)
        fix = (
            f"shard it across the node's cards with 'shards: {needed}' on the stage"
            if needed <= cards
            else "place it on a node with more or larger cards"
        )
        return [
            Problem(
                f"placement.{key}",
                f"{what} does not fit {node_id}: one card of {hardware.id} holds {_size(card)}"
                f" ({cards} cards in all); {fix}, or choose a smaller precision",
            )
        ]
    return [
        Problem(
            f"placement.{key}",
            f"{what} does not fit {node_id} on {stage.shards} cards ({stage.shards} x "
            f"{_size(card)}); use more shards (at most {cards}), a larger node or a smaller "
            "precision",
        )
    ]
