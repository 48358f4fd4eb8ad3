"""Cross-reference checks of a scenario's ``federated`` section, each a one-sentence problem
naming the field and the fix (called by :func:`workbench.validation.validate_scenario`)."""

from __future__ import annotations

from ..catalogue import Catalogue
from ..errors import Problem
from ..scenario import Scenario
from ..topology import Topology

F = "federated"


def check_federated(scenario: Scenario, cat: Catalogue, topology: Topology | None) -> list[Problem]:
    """References first (``topology`` None), then paths once every reference holds."""
    config = scenario.federated
    if config is None:
        return []
    if topology is None:
        return _references(scenario)
    return _paths(scenario, topology)


def _references(scenario: Scenario) -> list[Problem]:
    config = scenario.federated
    assert config is not None
    nodes = {n.id: n for n in scenario.nodes}
    problems = []

    def unknown(field: str, node_id: str) -> None:
        problems.append(
            Problem(f"{F}.{field}", f"unknown node {node_id!r}; use a node id of this scenario")
        )

    if config.aggregator not in nodes:
        unknown("aggregator", config.aggregator)
    elif nodes[config.aggregator].count > 1:
        problems.append(
            Problem(
                f"{F}.aggregator",
                f"{config.aggregator!r} is a group of {nodes[config.aggregator].count} devices; "
                "choose a single node",
            )
        )
    seen: set[str] = set()
    for i, client in enumerate(config.clients):
        if client not in nodes:
            unknown(f"clients[{i}]", client)
        elif client == config.aggregator:
            problems.append(
                Problem(
                    f"{F}.clients[{i}]", f"{client!r} is the aggregator; remove it from clients"
                )
            )
        elif client in seen:
            problems.append(Problem(f"{F}.clients[{i}]", f"{client!r} is listed twice; remove one"))
        seen.add(client)
    sites = {n.site for n in scenario.nodes if n.site is not None}
    if config.site_aggregators and not config.hierarchical:
        problems.append(
            Problem(
                f"{F}.site_aggregators",
                "is set but hierarchical is false; set hierarchical: true or remove it",
            )
        )
    for site, node_id in config.site_aggregators.items():
        if site not in sites:
            problems.append(
                Problem(
                    f"{F}.site_aggregators.{site}",
                    f"no node has site {site!r}; use one of: {', '.join(sorted(sites))}",
                )
            )
        elif node_id not in nodes:
            unknown(f"site_aggregators.{site}", node_id)
        elif nodes[node_id].count > 1:
            problems.append(
                Problem(
                    f"{F}.site_aggregators.{site}",
                    f"{node_id!r} is a group of devices; choose a single node of site {site!r}",
                )
            )
    instances = sum(nodes[c].count for c in config.clients if c in nodes)
    if config.min_updates is not None and config.min_updates > instances:
        problems.append(
            Problem(
                f"{F}.min_updates",
                f"{config.min_updates} is more than the {instances} client instances; lower it",
            )
        )
    if config.skew is not None:
        for i, node_id in enumerate(config.skew.nodes):
            if node_id not in config.clients:
                problems.append(
                    Problem(
                        f"{F}.skew.nodes[{i}]",
                        f"{node_id!r} is not a client; list it in federated.clients or remove it",
                    )
                )
    until = scenario.simulation.until_s
    if config.start_s >= until:
        problems.append(
            Problem(
                f"{F}.at",
                f"{config.start_s:g} s is not before the run's end ({until:g} s); start earlier "
                "or run longer",
            )
        )
    return problems


def _paths(scenario: Scenario, topology: Topology) -> list[Problem]:
    config = scenario.federated
    assert config is not None
    problems = []
    top = config.aggregator
    for i, client in enumerate(config.clients):
        path = topology.path(client, top)
        where = f"{F}.clients[{i}]"
        if path is None:
            problems.append(Problem(where, f"{client!r} cannot reach {top!r}; add a link"))
            continue
        if not config.hierarchical:
            continue
        site = scenario.node(client).site
        chosen = config.site_aggregators.get(site) if site is not None else None
        if chosen is not None:
            if topology.path(client, chosen) is None or topology.path(chosen, top) is None:
                problems.append(
                    Problem(
                        where,
                        f"{client!r} cannot reach its site aggregator {chosen!r} or it cannot "
                        f"reach {top!r}; add a link",
                    )
                )
            continue
        on_way = [h.dst for h in path if h.dst != top and scenario.node(h.dst).site == site]
        if site is None or not on_way:
            problems.append(
                Problem(
                    where,
                    f"{client!r} has no node of its own site on its way to {top!r} to aggregate "
                    "first; name one in federated.site_aggregators or set hierarchical: false",
                )
            )
        elif scenario.node(on_way[-1]).count > 1:
            problems.append(
                Problem(
                    where,
                    f"the site aggregator found for {client!r}, {on_way[-1]!r}, is a group of "
                    "devices; name a single node in federated.site_aggregators",
                )
            )
    return problems
