"""Cross-reference checks of a scenario, run before anything simulates.

:func:`validate_scenario` returns every problem at once, each with the field path as written in
the file (``workloads[1].stages[0].model``) and what to do about it.
"""

from __future__ import annotations

import difflib
import heapq
import math
from collections.abc import Iterable
from contextvars import ContextVar

from . import policy
from .analytic import offered_load
from .catalogue import Catalogue, load_catalogue
from .errors import Problem
from .fields import MAX_SERVERS
from .loading import MAX_PROBLEMS, more_problems
from .policy import tier_name
from .scenario import Fallback, Node, Scenario, Stage, Workload
from .topology import Topology
from .units import format_quantity, short_repr
from .workloads import node_servers, shards_by_node, stage_classes, stage_input_sizes

# "Did you mean" costs a comparison with every known name: only the problems that will be
# printed (the first MAX_PROBLEMS of a validation) get one.
_HINTS: ContextVar[list[int] | None] = ContextVar("_HINTS", default=None)


def _close_match(value: str, names: list[str]) -> str | None:
    """The known name closest to ``value``; among many names, only those that share its first
    two characters are compared (difflib costs a comparison per name)."""
    if len(value) > 100:
        return None
    if len(names) > 300:
        names = [n for n in names if n[:2] == value[:2]][:300]
    close = difflib.get_close_matches(value, sorted(names), n=1)
    return close[0] if close else None


def _unknown(kind: str, value: str, known: Iterable[str]) -> str:
    shown = short_repr(value)
    budget = _HINTS.get()
    if budget is not None:
        if budget[0] <= 0:
            return f"unknown {kind} {shown}; check the name"
        budget[0] -= 1
    names = list(known)
    close = _close_match(value, names)
    if close:
        return f"unknown {kind} {shown}; did you mean {close!r}?"
    listed = ", ".join(heapq.nsmallest(12, names)) + (" ..." if len(names) > 12 else "")
    return f"unknown {kind} {shown}; choose one of: {listed}"


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
    token = _HINTS.set([MAX_PROBLEMS])
    try:
        problems = _validate(scenario, catalogue, every_hop, capacity)
    finally:
        _HINTS.reset(token)
    if len(problems) > MAX_PROBLEMS:
        problems = [*problems[:MAX_PROBLEMS], more_problems(len(problems) - MAX_PROBLEMS)]
    return problems


def _validate(
    scenario: Scenario, catalogue: Catalogue | None, every_hop: bool, capacity: bool
) -> list[Problem]:
    problems: list[Problem] = _check_extras(scenario)
    if problems:  # the scenario's own catalogue entries must hold before anything uses them
        return problems
    cat = scenario.catalogue(catalogue)
    problems += _check_ids(scenario)
    problems += _check_nodes(scenario, cat)
    problems += _check_hardware_tiers(scenario, cat)
    problems += _check_links(scenario, cat)
    problems += _check_prices(scenario, cat)
    node_ids = {n.id for n in scenario.nodes}
    for index, workload in enumerate(scenario.workloads):
        problems += _check_workload_refs(workload, f"workloads[{index}]", scenario, cat, node_ids)
    problems += _check_placement_keys(scenario)
    problems += _check_flows(scenario)
    problems += _check_failures(scenario)
    problems += _check_control(scenario, cat, None)
    if scenario.simulation.warmup_s >= scenario.simulation.until_s:
        problems.append(
            Problem("simulation.warmup", "must be shorter than simulation.until; shorten it")
        )
    if problems:  # routes and fits need valid references first
        return problems
    topology = Topology(scenario, cat)
    nodes = {n.id: n for n in scenario.nodes}
    for index, workload in enumerate(scenario.workloads):
        problems += _check_workload_routes(
            workload, f"workloads[{index}]", scenario, topology, every_hop, nodes
        )
    problems += _check_transfer_times(scenario, topology)
    for index, flow in enumerate(scenario.flows):
        for t_index, target in enumerate(flow.targets):
            if topology.path(flow.origin, target) is None:
                problems.append(
                    Problem(
                        f"flows[{index}].to[{t_index}]",
                        f"{target!r} cannot be reached from {flow.origin!r}; add a link",
                    )
                )
    problems += _check_control(scenario, cat, topology)
    if capacity and not problems:
        problems += [
            p for p in check_capacity(scenario, catalogue, topology) if p.severity == "error"
        ]
    return problems


def _uses_control(scenario: Scenario) -> bool:
    return bool(
        scenario.model_versions
        or scenario.rollouts
        or any(n.versions for n in scenario.nodes)
        or any(w.labels is not None for w in scenario.workloads)
    )


def _check_control(scenario: Scenario, cat: Catalogue, topology: Topology | None) -> list[Problem]:
    """Versions and labels (``topology`` None: first pass), then rollouts (with the topology
    once every reference holds); nothing to do, and nothing imported, without them."""
    if not _uses_control(scenario):
        return []
    from .control.checks import check_rollouts, check_versions  # the control plane, when used

    if topology is None:
        return check_versions(scenario, cat)
    return check_rollouts(scenario, cat, topology)


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
    first: dict[str, int] = {}
    for index, flow in enumerate(scenario.flows):
        if first.setdefault(flow.id, index) != index:
            problems.append(
                Problem(
                    f"flows[{index}].id",
                    f"duplicate id {short_repr(flow.id)}: flows[{first[flow.id]}] has it too; "
                    "give each flow its own id",
                )
            )
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
                    Problem(
                        f"flows[{index}].to[{t_index}]",
                        "a flow cannot be sent to the node it comes from; remove this target",
                    )
                )
    return problems


def _check_ids(scenario: Scenario) -> list[Problem]:
    problems = []
    for field, ids in (
        ("nodes", [n.id for n in scenario.nodes]),
        ("links", [link.key for link in scenario.links]),
        ("workloads", [w.id for w in scenario.workloads]),
    ):
        first: dict[str, int] = {}
        for index, item_id in enumerate(ids):
            if first.setdefault(item_id, index) != index:
                problems.append(
                    Problem(
                        f"{field}[{index}].id",
                        f"duplicate id {short_repr(item_id)}: {field}[{first[item_id]}] has it "
                        "too; give each an id of its own",
                    )
                )
    for w_index, workload in enumerate(scenario.workloads):
        seen: dict[str, int] = {}
        for s_index, stage in enumerate(workload.stages):
            if seen.setdefault(stage.id, s_index) != s_index:
                problems.append(
                    Problem(
                        f"workloads[{w_index}].stages[{s_index}].id",
                        f"workload {short_repr(workload.id)} already has a stage "
                        f"{short_repr(stage.id)}; give each stage an id of its own",
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
    workload: Workload, where: str, scenario: Scenario, cat: Catalogue, node_ids: set[str]
) -> list[Problem]:
    problems = []
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
            problems.append(_no_precision(f"{at}.precision", cat, stage.model, stage.precision))
        if stage.output_class is not None and stage.output_class not in cat.data_classes:
            problems.append(
                Problem(
                    f"{at}.output_class",
                    _unknown("data class", stage.output_class, cat.data_classes),
                )
            )
        if stage.fallback is not None:
            fallback = stage.fallback
            if fallback.model not in cat.models:
                problems.append(
                    Problem(f"{at}.fallback.model", _unknown("model", fallback.model, cat.models))
                )
            elif fallback.precision and fallback.precision not in cat.models[fallback.model].sizes:
                problems.append(
                    _no_precision(
                        f"{at}.fallback.precision", cat, fallback.model, fallback.precision
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
                    f"stage {short_repr(stage.id)} of workload {short_repr(workload.id)} is not "
                    f"placed; add 'placement: {{{key}: NODE}}' (`workbench advise` suggests one)",
                )
            )
        elif scenario.placement[key] not in node_ids:
            problems.append(
                Problem(f"placement.{key}", _unknown("node", scenario.placement[key], node_ids))
            )
    return problems


def _check_placement_keys(scenario: Scenario) -> list[Problem]:
    known = {key for w in scenario.workloads for key in w.stage_keys()}
    unknown = [key for key in scenario.placement if key not in known]
    problems = [
        Problem(
            f"placement.{key}",
            _unknown("stage", key, known).replace("; check the name", "")
            + " (placement keys are 'workload.stage')",
        )
        for key in unknown[:MAX_PROBLEMS]
    ]
    return problems + _unprinted(len(unknown) - len(problems))


_UNPRINTED = Problem("", "(not printed: past the first problems)")


def _unprinted(count: int) -> list[Problem]:
    """Stand-ins for ``count`` problems past the first MAX_PROBLEMS of one check: they are
    counted in "... and N more" but never printed, so they need not be worded (a file can
    hold hundreds of thousands)."""
    return [_UNPRINTED] * max(count, 0)


def _check_workload_routes(
    workload: Workload,
    where: str,
    scenario: Scenario,
    topo: Topology,
    every_hop: bool = False,
    nodes: dict[str, Node] | None = None,
) -> list[Problem]:
    """Reachability, memory fit and data-class boundaries along the pipeline."""
    cat = topo.catalogue
    nodes = nodes if nodes is not None else {n.id: n for n in scenario.nodes}
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
        node = nodes[node_id]
        in_class, _ = classes[s_index]
        if route_ok:
            hop = _check_hop(
                topo,
                here,
                node_id,
                in_class,
                f"placement.{workload.id}.{stage.id}",
                f"stage {stage.id!r} of workload {workload.id!r}",
                earlier_stages=s_index > 0,
                origin=source,
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
            topo,
            here,
            workload.sink,
            out_class,
            f"{where}.sink",
            f"the results of workload {workload.id!r}",
            earlier_stages=True,
            origin=source,
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
    origin: str | None = None,
) -> list[Problem]:
    """Can data of ``class_id`` at ``src`` reach ``dst`` without crossing its boundary?

    ``origin`` (where the workload's data is born) names the link that crosses the boundary,
    so that the message does not change when an earlier stage moves. (The rule is
    :func:`workbench.policy.route_problem`, which the engine's paths follow too.)
    """
    message = policy.route_problem(
        topo, src, dst, class_id, what, earlier_stages=earlier_stages, origin=origin
    )
    return [Problem(where, message)] if message else []


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
        problems += _check_hop(
            topo, here, node_id, class_id, f"{where}.node", f"the fallback on {node_id!r}"
        )
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
                problems.append(
                    Problem(f"failures[{index}].{field}", _unknown(field, str(value), known))
                )
    return problems


def _no_precision(where: str, cat: Catalogue, model_id: str, precision: str) -> Problem:
    sizes = ", ".join(cat.models[model_id].sizes)
    return Problem(where, f"model {model_id!r} has no {precision} size; use one it has ({sizes})")


def _check_prices(scenario: Scenario, cat: Catalogue) -> list[Problem]:
    """Prices the scenario sets for hardware or links that do not exist."""
    from .economics.prices import price_problems

    links = set(cat.links) | {link.key for link in scenario.links}
    return price_problems(scenario.extras.prices, cat.hardware, links, _unknown)


def _check_extras(scenario: Scenario) -> list[Problem]:
    """The scenario's own catalogue entries: what the shipped catalogue's loader checks."""
    problems = []
    extras = scenario.extras
    known_classes = set(load_catalogue().data_classes) | {c.id for c in extras.data_classes}
    for index, model in enumerate(extras.models):
        if model.default_precision not in model.sizes:
            problems.append(
                Problem(
                    f"catalogue.models[{index}].default_precision",
                    f"model {model.id!r} has no size for its default precision "
                    f"{model.default_precision}; add it to sizes or choose one of "
                    f"{', '.join(model.sizes)}",
                )
            )
    for index, source in enumerate(extras.data_sources):
        if source.default_class not in known_classes:
            problems.append(
                Problem(
                    f"catalogue.data_sources[{index}].default_class",
                    _unknown("data class", source.default_class, known_classes),
                )
            )
    for index, hardware in enumerate(extras.hardware):
        if hardware.servers > MAX_SERVERS:
            problems.append(
                Problem(
                    f"catalogue.hardware[{index}].servers",
                    f"{hardware.servers:,} servers is more than the limit of {MAX_SERVERS:,}; "
                    "give fewer",
                )
            )
    return problems


def suits_tier(hardware_id: str, tier_id: str, cat: Catalogue) -> bool:
    """Whether hardware may serve as a node of ``tier_id``: the catalogue's tier for it, one
    either side of it, or the tier lists it among its typical hardware (an H100 node may be
    on-premises; it is never a far-edge device)."""
    hardware = cat.hardware[hardware_id]
    tier = cat.tiers[tier_id]
    if hardware_id in tier.typical_hardware:
        return True
    return abs(cat.tier_level(hardware.tier) - tier.level) <= 1


def _check_hardware_tiers(scenario: Scenario, cat: Catalogue) -> list[Problem]:
    problems = []
    for index, node in enumerate(scenario.nodes):
        if node.hardware not in cat.hardware or node.tier not in cat.tiers:
            continue
        if not suits_tier(node.hardware, node.tier, cat):
            hardware = cat.hardware[node.hardware]
            fits = [t.id for t in cat.tiers_in_order() if suits_tier(node.hardware, t.id, cat)]
            problems.append(
                Problem(
                    f"nodes[{index}].hardware",
                    f"hardware {hardware.id!r} suits the {tier_name(hardware.tier, cat)}, not the "
                    f"{tier_name(node.tier, cat)} ({node.tier}); put node {node.id!r} on a "
                    f"tier it suits ({', '.join(fits)}) or choose hardware of its tier, e.g. "
                    + ", ".join(cat.tiers[node.tier].typical_hardware[:3]),
                )
            )
    return problems


def _check_transfer_times(scenario: Scenario, topo: Topology) -> list[Problem]:
    """A message that takes longer than the whole run on one link never arrives (a 1 GB
    result on a 1 bit/s link): refuse it rather than report nothing completed as a saving."""
    cat = topo.catalogue
    until = scenario.simulation.until_s
    problems = []
    for index, workload in enumerate(scenario.workloads):
        sizes = [*stage_input_sizes(workload, cat), workload.stages[-1].output_size_bytes]
        stops = [scenario.placement[key] for key in workload.stage_keys()]
        if workload.sink is not None:
            stops.append(workload.sink)
        else:
            sizes.pop()
        here = workload.source.node
        for size, stop in zip(sizes, stops, strict=True):
            for hop in topo.path(here, stop) or []:
                seconds = size * 8 / hop.bandwidth_bps
                if seconds > until:
                    problems.append(
                        Problem(
                            f"workloads[{index}]",
                            f"one {_size(size)} message of workload {workload.id!r} takes "
                            f"{_duration(seconds)} to cross link {hop.link!r} "
                            f"({format_quantity(hop.bandwidth_bps, 'bitrate')}), longer than "
                            f"the whole run ({_duration(until)}), so none would arrive; give "
                            "the link more bandwidth or make the message smaller",
                        )
                    )
                    break
            here = stop
    return problems


def _duration(seconds: float) -> str:
    if seconds >= 2 * 365 * 86400:
        return f"{seconds / (365 * 86400):,.0f} years"
    if seconds >= 2 * 86400:
        return f"{seconds / 86400:,.0f} days"
    return f"{seconds:,.4g} s"


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
        holds = (
            f"({hardware.id}, {_size(card)} memory)"
            if cards == 1
            else f": one card of {hardware.id} holds {_size(card)} ({cards} cards in all)"
        )
        if cards == 1:
            fix = "place it on a larger node"
        return [
            Problem(
                f"placement.{key}",
                f"{what} does not fit {node_id}"
                + (" " if cards == 1 else "")
                + f"{holds}; {fix} or choose a smaller precision",
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
