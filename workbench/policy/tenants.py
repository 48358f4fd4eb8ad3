"""Tenants and slices: who owns what, which nodes a tenant's traffic may use, and the checks.

A tenant owns nodes and workloads (their ``tenant`` field); a node without a tenant is shared
infrastructure. A tenant may hold *slices* of shared nodes (``servers`` of each instance) and
links (a ``share`` of the bandwidth, each direction). The isolation rule, one implementation
for validation and for every path the engine takes (planned routes, reroutes, fallbacks):

- a workload of tenant T may be born at, placed on, sent to and pass through only nodes of T
  and shared nodes; a workload without a tenant only shared nodes;
- on a sliced node or link its traffic uses T's slice (or, without one, the capacity no slice
  reserves); with ``burst`` also the unreserved capacity, never another tenant's slice.

Control-plane traffic (flows, checkpoints, labels) is shared transit: it uses the unreserved
capacity of sliced links, which must therefore keep a share unreserved.

Examples
--------
>>> from workbench.scenario import load_scenario
>>> from workbench.loading import data_dir
>>> s = load_scenario(data_dir() / "scenarios" / "smart_city_tenants.yaml")
>>> sorted(foreign_nodes(s, "city"))
['mall-dc', 'shops-north']
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..errors import Problem
from ..scenario import Scenario, Slice, Workload
from ..units import short_repr

if TYPE_CHECKING:
    from ..catalogue import Catalogue
    from ..topology import Hop, Topology


def uses_tenants(scenario: Scenario) -> bool:
    """Whether the scenario declares tenants or names one anywhere (else every rule is off)."""
    return bool(
        scenario.tenants
        or any(n.tenant for n in scenario.nodes)
        or any(w.tenant for w in scenario.workloads)
        or any(r.tenant for r in scenario.rollouts)
    )


def owners(scenario: Scenario) -> dict[str, str | None]:
    """Node id -> the tenant that owns it (None: shared)."""
    return {node.id: node.tenant for node in scenario.nodes}


def foreign_nodes(scenario: Scenario, tenant: str | None) -> frozenset[str]:
    """The nodes a workload of ``tenant`` (None: a shared workload) may not use: those owned by
    any other tenant. Empty when the scenario has no tenants."""
    return frozenset(n.id for n in scenario.nodes if n.tenant is not None and n.tenant != tenant)


def allowed_path(
    topo: Topology,
    src: str,
    dst: str,
    *,
    limit: int,
    foreign: frozenset[str],
    avoid: frozenset[str] = frozenset(),
) -> list[Hop] | None:
    """The lowest-latency path from ``src`` to ``dst`` through nodes no higher than tier level
    ``limit`` (the data class's), around ``foreign`` nodes (other tenants') and ``avoid``
    (elements out of service); None when there is none. The engine and validation both ask
    this, so the engine never takes a path validation would refuse."""
    return topo.path(src, dst, max_level=limit, avoid=foreign | avoid)


def without_slices(scenario: Scenario) -> Scenario:
    """The scenario with every slice removed (tenants, ownership and isolation kept): shared
    nodes and links become one FIFO queue for everyone, as without slicing."""
    tenants = [t.model_copy(update={"slices": []}) for t in scenario.tenants]
    return scenario.model_copy(update={"tenants": tenants})


@dataclass
class Tenancy:
    """The slices of a scenario, indexed for the plan builder."""

    node_slices: dict[str, dict[str, Slice]] = field(default_factory=dict)  # node -> tenant
    link_slices: dict[str, dict[str, Slice]] = field(default_factory=dict)  # link -> tenant
    foreign: dict[str | None, frozenset[str]] = field(default_factory=dict)

    @classmethod
    def of(cls, scenario: Scenario) -> Tenancy | None:
        """None when the scenario does not use tenants (the engine then runs as before)."""
        if not uses_tenants(scenario):
            return None
        tenancy = cls()
        for tenant in scenario.tenants:
            for piece in tenant.slices:
                where = tenancy.node_slices if piece.node is not None else tenancy.link_slices
                where.setdefault(piece.target, {})[tenant.id] = piece
        names = [None, *(t.id for t in scenario.tenants)]
        tenancy.foreign = {name: foreign_nodes(scenario, name) for name in names}
        return tenancy

    def foreign_to(self, tenant: str | None) -> frozenset[str]:
        found = self.foreign.get(tenant)
        return found if found is not None else frozenset()

    def reserved_servers(self, node: str) -> int:
        return sum(s.servers or 0 for s in self.node_slices.get(node, {}).values())

    def reserved_share(self, link: str) -> float:
        return sum(s.share or 0.0 for s in self.link_slices.get(link, {}).values())


# --------------------------------------------------------------------------- validation


def check_tenant_refs(scenario: Scenario, servers: dict[str, int]) -> list[Problem]:
    """Tenant ids and every reference to them, and the slices' sizes (``servers``: the
    servers of each node); [] when the scenario does not use tenants."""
    if not uses_tenants(scenario):
        return []
    problems: list[Problem] = []
    known: dict[str, int] = {}
    for index, tenant in enumerate(scenario.tenants):
        if known.setdefault(tenant.id, index) != index:
            problems.append(
                Problem(
                    f"tenants[{index}].id",
                    f"duplicate id {short_repr(tenant.id)}: tenants[{known[tenant.id]}] has it "
                    "too; give each tenant an id of its own",
                )
            )

    def unknown(path: str, name: str) -> Problem:
        listed = ", ".join(sorted(known)) or "none declared"
        return Problem(
            path,
            f"unknown tenant {short_repr(name)}; declare it under 'tenants:' or use one of: "
            f"{listed}",
        )

    for index, node in enumerate(scenario.nodes):
        if node.tenant is not None and node.tenant not in known:
            problems.append(unknown(f"nodes[{index}].tenant", node.tenant))
    for index, workload in enumerate(scenario.workloads):
        if workload.tenant is not None and workload.tenant not in known:
            problems.append(unknown(f"workloads[{index}].tenant", workload.tenant))
    for index, rollout in enumerate(scenario.rollouts):
        if rollout.tenant is not None and rollout.tenant not in known:
            problems.append(unknown(f"rollouts[{index}].tenant", rollout.tenant))
    problems += _check_slices(scenario, servers)
    sliced = {s.node for t in scenario.tenants for s in t.slices if s.node is not None}
    for index, node in enumerate(scenario.nodes):
        if node.versions and node.id in sliced:
            problems.append(
                Problem(
                    f"nodes[{index}].versions",
                    f"node {node.id!r} has slices, and model versions on a sliced node are not "
                    "supported yet; remove its versions or its slices",
                )
            )
    return problems


def _check_slices(scenario: Scenario, servers: dict[str, int]) -> list[Problem]:
    problems: list[Problem] = []
    nodes = {n.id: n for n in scenario.nodes}
    links = {link.key for link in scenario.links}
    reserved: dict[str, float] = {}
    first_path: dict[str, str] = {}
    for t_index, tenant in enumerate(scenario.tenants):
        seen: set[str] = set()
        for s_index, piece in enumerate(tenant.slices):
            path = f"tenants[{t_index}].slices[{s_index}]"
            target = piece.target
            if piece.node is not None and piece.node not in nodes:
                problems.append(Problem(f"{path}.node", f"unknown node {short_repr(target)}"))
                continue
            if piece.link is not None and piece.link not in links:
                problems.append(Problem(f"{path}.link", f"unknown link {short_repr(target)}"))
                continue
            if target in seen:
                problems.append(
                    Problem(
                        path,
                        f"tenant {tenant.id!r} already has a slice of {target!r}; "
                        "merge them into one",
                    )
                )
                continue
            seen.add(target)
            if piece.node is not None:
                owner = nodes[piece.node].tenant
                if owner is not None:
                    problems.append(
                        Problem(
                            f"{path}.node",
                            f"node {target!r} belongs to tenant {owner!r}; slices carve shared "
                            "nodes only (remove its 'tenant' to share it, or remove the slice)",
                        )
                    )
                    continue
            reserved[target] = reserved.get(target, 0.0) + (piece.servers or piece.share or 0)
            first_path.setdefault(target, path)
    for target, total in reserved.items():
        if target in nodes:
            have = servers.get(target, 1)
            if total > have:
                problems.append(
                    Problem(
                        first_path[target],
                        f"slices of node {target!r} reserve {total:g} servers but it has {have}; "
                        "reserve fewer, or give the node more servers",
                    )
                )
        elif total >= 1.0 - 1e-9:
            problems.append(
                Problem(
                    first_path[target],
                    f"slices of link {target!r} reserve {100 * total:.0f} % of its bandwidth; "
                    "keep a share unreserved for shared traffic (flows, model checkpoints, "
                    "labels, shared workloads), e.g. make the shares add up to 0.9",
                )
            )
    return problems


def check_isolation(
    scenario: Scenario, topo: Topology, limits: dict[str, list[int]]
) -> list[Problem]:
    """Placements, sources, sinks, fallbacks and routes that would cross into another tenant's
    nodes or slices, and rollouts that would reach them; each with the fix. ``limits``:
    workload id -> its legs' tier limits (:func:`workbench.policy.leg_limits`)."""
    if not uses_tenants(scenario):
        return []
    tenancy = Tenancy.of(scenario)
    assert tenancy is not None
    owner = owners(scenario)
    problems: list[Problem] = []
    for index, workload in enumerate(scenario.workloads):
        problems += _check_workload(
            workload, f"workloads[{index}]", scenario, topo, tenancy, owner, limits[workload.id]
        )
    problems += _check_rollouts(scenario, topo, owner)
    return problems


def _whose(tenant: str | None) -> str:
    return f"tenant {tenant!r}" if tenant is not None else "a workload without a tenant"


def _rule(tenant: str | None) -> str:
    if tenant is None:
        return "a workload without a tenant may use only shared nodes"
    return f"a workload of tenant {tenant!r} may use only the tenant's own nodes and shared ones"


def _usable(owner: dict[str, str | None], tenant: str | None) -> list[str]:
    return [n for n, o in owner.items() if o is None or o == tenant]


def _check_workload(
    workload: Workload,
    where: str,
    scenario: Scenario,
    topo: Topology,
    tenancy: Tenancy,
    owner: dict[str, str | None],
    limits: list[int],
) -> list[Problem]:
    tenant = workload.tenant
    foreign = tenancy.foreign_to(tenant)
    problems: list[Problem] = []
    own = _usable(owner, tenant)
    choices = ", ".join(own[:6]) + (" ..." if len(own) > 6 else "")

    def refuse(path: str, node: str, what: str) -> None:
        problems.append(
            Problem(
                path,
                f"{what} is on node {node!r}, which belongs to tenant {owner[node]!r}; "
                f"{_rule(tenant)}: use one of {choices}, or change the workload's tenant",
            )
        )

    stops: list[tuple[str, str, str]] = []  # (field path, node, what)
    source = workload.source.node
    if source in foreign:
        refuse(f"{where}.source.node", source, f"the data source of workload {workload.id!r}")
        return problems
    for s_index, stage in enumerate(workload.stages):
        key = f"{workload.id}.{stage.id}"
        node = scenario.placement[key]
        stops.append((f"placement.{key}", node, f"stage {stage.id!r} of workload {workload.id!r}"))
        if stage.fallback is not None and stage.fallback.node in foreign:
            refuse(
                f"{where}.stages[{s_index}].fallback.node",
                stage.fallback.node,
                f"the fallback of stage {stage.id!r}",
            )
    if workload.sink is not None:
        stops.append((f"{where}.sink", workload.sink, f"the results of workload {workload.id!r}"))
    here = source
    for leg, (path, node, what) in enumerate(stops):
        if node in foreign:
            refuse(path, node, what)
            return problems
        if leg < len(workload.stages):
            problems += _check_pool(path, node, tenant, tenancy, scenario)
        if allowed_path(topo, here, node, limit=limits[leg], foreign=foreign) is None:
            plain = topo.path(here, node, max_level=limits[leg])
            crossed = [hop.dst for hop in plain or [] if hop.dst in foreign]
            if crossed:  # without the tenant rule there would be a way: name what blocks it
                problems.append(
                    Problem(
                        path,
                        f"every path from {here!r} to {node!r} for {what} passes through "
                        f"{', '.join(repr(c) for c in crossed)} of tenant "
                        f"{owner[crossed[0]]!r}; {_rule(tenant)}: add a link through shared "
                        "nodes, or place it elsewhere",
                    )
                )
                return problems
        here = node
    return problems


def _check_pool(
    path: str, node: str, tenant: str | None, tenancy: Tenancy, scenario: Scenario
) -> list[Problem]:
    """A stage on a sliced node without a slice of its tenant runs on the unreserved servers:
    there must be some."""
    slices = tenancy.node_slices.get(node)
    if not slices or (tenant is not None and tenant in slices):
        return []
    from ..workloads import node_servers, shards_by_node

    cat = scenario.catalogue()
    total = node_servers(scenario.node(node), cat, shards_by_node(scenario))
    if total - tenancy.reserved_servers(node) > 0:
        return []
    holders = ", ".join(sorted(slices))
    t_index = next((i for i, t in enumerate(scenario.tenants) if t.id == tenant), None)
    fix = (
        f"give tenant {tenant!r} a slice (tenants[{t_index}].slices: "
        f"[{{node: {node}, servers: 1}}])"
        if t_index is not None
        else "leave a server unreserved"
    )
    return [
        Problem(
            path,
            f"every server of {node!r} is reserved by the slices of {holders}, and "
            f"{_whose(tenant)} has none there; {fix}, or place the stage elsewhere",
        )
    ]


def _check_rollouts(
    scenario: Scenario, topo: Topology, owner: dict[str, str | None]
) -> list[Problem]:
    problems: list[Problem] = []
    users: dict[str, set[str | None]] = {}
    for workload in scenario.workloads:
        for key in workload.stage_keys():
            users.setdefault(scenario.placement[key], set()).add(workload.tenant)
    for index, rollout in enumerate(scenario.rollouts):
        targets = rollout.targets
        if targets.nodes is not None:
            nodes = list(targets.nodes)
        elif targets.site is not None:
            nodes = [n.id for n in scenario.nodes if n.site == targets.site]
        else:
            nodes = list(topo.nodes_of_tier(str(targets.tier)))
        tenant = rollout.tenant
        for node in nodes:
            node_owner = owner.get(node)
            if node_owner is not None and node_owner != tenant:
                who = f"for tenant {tenant!r}" if tenant else "without a tenant"
                problems.append(
                    Problem(
                        f"rollouts[{index}].targets",
                        f"rollout {rollout.id!r} {who} would reach node {node!r} of tenant "
                        f"{node_owner!r}; a rollout is scoped to one tenant: target only its "
                        f"nodes (and shared ones it alone uses), or set tenant: {node_owner}",
                    )
                )
                break
            others = sorted(str(t) for t in users.get(node, set()) - {tenant})
            if node_owner is None and tenant is not None and others:
                problems.append(
                    Problem(
                        f"rollouts[{index}].targets",
                        f"rollout {rollout.id!r} for tenant {tenant!r} would change the model on "
                        f"shared node {node!r}, which also serves {', '.join(others)}; target "
                        "only nodes the tenant alone uses",
                    )
                )
                break
    return problems


def check_slice_capacity(scenario: Scenario, catalogue: Catalogue) -> list[Problem]:
    """Offered load of every node slice (its tenant's stages on its servers): an error at
    100 % or more, a warning at 90 % or more, as for whole nodes."""
    tenancy = Tenancy.of(scenario)
    if tenancy is None or not tenancy.node_slices:
        return []
    from ..analytic import _Model

    model = _Model(scenario, catalogue, None)
    for workload in scenario.workloads:
        model.load(workload)
    tenant_of = {w.id: w.tenant for w in scenario.workloads}
    problems = []
    for t_index, tenant in enumerate(scenario.tenants):
        for s_index, piece in enumerate(tenant.slices):
            if piece.node is None or piece.servers is None:
                continue
            streams = model.node_streams.get(model.station_node(piece.node, tenant.id), [])
            busy = sum(s.rate * s.mean for s in streams if tenant_of.get(s.flow) == tenant.id)
            rho = busy / piece.servers
            if rho < 0.9:
                continue
            problems.append(
                Problem(
                    f"tenants[{t_index}].slices[{s_index}]",
                    f"offered load {100 * rho:.0f} % of the {piece.servers} server(s) of "
                    f"tenant {tenant.id!r} on {piece.node!r}; reserve more servers"
                    + (" or let it burst" if not piece.burst else "")
                    + ", or lower its rate",
                    "error" if rho >= 1.0 else "warning",
                )
            )
    return problems
