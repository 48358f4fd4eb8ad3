"""The audit trail: every crossing of a tier boundary and of the premises boundary.

Built after a run (or at any step of one) from what the engine already keeps: each request's
route (the planned one, or the one it took after a reroute or a fallback) and how far along it
the request got (served: to where it ended; dropped: the step it stopped at; waiting in a
store, in an aggregation window or in flight: the step it reaches next). Nothing is recorded on
the engine's hot path, so a scenario pays for the audit only when it is asked for.

A *crossing* is one message on one link whose ends are in different tiers (it crosses every
tier boundary between them, as in ``summary.boundaries``) or at different premises (``site``;
a node without a site is off every premises). :func:`audit` returns one row per request and
crossing: tenant, workload, data class of the message, direction, bytes, and the model version
that produced what was forwarded (lineage, when the scenario declares versions). A row is a
*violation* when the message entered a node above its class's ``max_tier``, a node of another
tenant, or another tenant's slice. Control-plane traffic (flows, model checkpoints, labels) is
shared transit: audited per link with class ``control``. The whole run counts, warm-up
included: compliance has no warm-up.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .catalogue import TIER_IDS
from .policy import class_limit, leg_classes
from .sim import degraded
from .sim.plan import FALLBACK, SERVER

if TYPE_CHECKING:
    from .sim.results import Results

SHARED = "shared"  # the tenant column of shared workloads and control-plane traffic
CONTROL = "control"  # the data class of control-plane traffic
PREMISES = "premises"
MAX_LISTED = 100  # violations listed in the summary (all are counted)

COLUMNS = [
    "workload",
    "request",
    "tenant",
    "data_class",
    "link",
    "direction",
    "from_node",
    "to_node",
    "boundaries",
    "bytes",
    "version",
    "violation",
]


@dataclass
class Audit:
    """What crossed: ``crossings`` (one row per request and crossing, see :data:`COLUMNS`),
    ``control`` (control-plane bytes per link and direction) and ``link_bytes`` (every byte
    the audit accounts for, per (link, direction), every link: equal to what the links sent)."""

    crossings: pd.DataFrame
    control: pd.DataFrame
    link_bytes: dict[tuple[str, str], float]

    @property
    def violations(self) -> pd.DataFrame:
        return self.crossings[self.crossings["violation"] != ""]

    def by_boundary(self) -> pd.DataFrame:
        """Bytes per boundary, tenant, data class and direction (requests and control)."""
        keys = ["boundaries", "tenant", "data_class", "direction"]
        parts = []
        for table in (self.crossings, self.control):
            if len(table):
                summed = table.groupby(keys, observed=True)["bytes"].sum().reset_index()
                parts.append(summed.astype({k: str for k in keys}))
        columns = ["boundary", "tenant", "data_class", "direction", "bytes"]
        if not parts:
            return pd.DataFrame(columns=columns)
        table = pd.concat(parts, ignore_index=True)
        table = table[table["boundaries"] != ""]
        table = table.assign(boundary=table["boundaries"].str.split(",")).explode("boundary")
        return table.groupby(columns[:-1])["bytes"].sum().reset_index()


class _Links:
    """What each link crosses: tier boundaries and the premises boundary."""

    def __init__(self, results: Results) -> None:
        sim = results.sim
        scenario = sim.scenario
        self.plan = sim.plan
        self.site = {n.id: n.site for n in scenario.nodes}
        self.owner = {n.id: n.tenant for n in scenario.nodes}
        self.level = {info.id: info.level for info in self.plan.nodes}

    def crossed(self, a: str, b: str) -> str:
        """'far_edge|aggregation_edge,...,premises': what a message from a to b crosses."""
        low, high = sorted((self.level[a], self.level[b]))
        names = [f"{TIER_IDS[i - 1]}|{TIER_IDS[i]}" for i in range(low, high)]
        if self.site[a] != self.site[b]:
            names.append(PREMISES)
        return ",".join(names)

    def other_end(self, link: int, here: str) -> str:
        ends = self.plan.links[link].ends
        return ends[1] if here == ends[0] else ends[0]


def _route_steps(
    route: tuple[Any, ...],
    links: _Links,
    n_stages: int,
    tenant: str | None,
    limits: list[int],
    classes: list[str],
    every_link: bool,
) -> tuple[list[tuple[Any, ...]], dict[int, int]]:
    """The audited steps of a route: (index, link, direction, from, to, boundaries, bytes,
    leg, violation), and the index of each stage's server step."""
    servers: dict[int, int] = {}
    leg_of: list[int] = []
    leg = n_stages
    for kind, _, value, _ in reversed(route):  # each link step's leg: the stage it leads to
        if kind in (SERVER, FALLBACK):
            leg = value
        leg_of.append(leg)
    leg_of.reverse()
    steps = []
    for index, (kind, station, value, where) in enumerate(route):
        here = where[0]
        if kind in (SERVER, FALLBACK):
            servers[value] = index
            owner = links.owner.get(here)
            slice_of = getattr(station, "tenant", None)
            why = ""
            if owner is not None and owner != tenant:
                why = f"served on node {here!r} of tenant {owner!r}"
            elif slice_of is not None and slice_of != tenant:
                why = f"served in tenant {slice_of!r}'s slice of {here!r}"
            if why:
                steps.append((index, "", "", here, here, "", 0.0, value, why))
            continue
        to = links.other_end(station.link, here)
        crossed = links.crossed(here, to)
        leg = leg_of[index]
        why = ""
        owner = links.owner.get(to)
        slice_of = getattr(station, "tenant", None)
        if links.level[to] > limits[leg]:
            why = (
                f"{classes[leg]} data entered {to!r} ({TIER_IDS[links.level[to] - 1]}), "
                f"above its max tier "
                f"{TIER_IDS[limits[leg] - 1]}"
            )
        elif owner is not None and owner != tenant:
            why = f"entered node {to!r} of tenant {owner!r}"
        elif slice_of is not None and slice_of != tenant:
            why = f"used tenant {slice_of!r}'s slice of {links.plan.links[station.link].id!r}"
        if crossed or why or every_link:
            direction = "up" if station.direction == 0 else "down"
            link_id = links.plan.links[station.link].id
            steps.append((index, link_id, direction, here, to, crossed, float(value), leg, why))
    return steps, servers


def _reached(run: Any, n: int, pending: dict[int, int], held: dict[int, int]) -> np.ndarray:
    """Per request, how many steps of its route it took: -1 where the route's structure must
    say (served requests: to the end, or to the server step of the stage that kept it)."""
    reached = np.full(n, -1, dtype=np.int64)
    outcome = np.frombuffer(run.outcome, dtype=np.int8, count=n)
    for req, pos in run.stopped.items():
        if req < n:
            reached[req] = pos
    undecided = np.flatnonzero(outcome == degraded.IN_SYSTEM)
    windows = {member: pos for w in run.open_windows.values() for member, pos, _ in w.members}
    for req in undecided.tolist():
        pos = pending.get(req, held.get(req, windows.get(req)))
        if pos is not None:
            reached[req] = pos
    return reached


def audit(results: Results, *, every_link: bool = False) -> Audit:
    """The audit trail of ``results`` (see the module docstring). ``every_link``: a row for
    every link a request used, not only those crossing a boundary."""
    cached = results.__dict__.get("_audit_trail")
    if cached is not None and not every_link:
        return cached  # type: ignore[no-any-return]
    sim = results.sim
    cat = sim.catalogue
    links = _Links(results)
    pending = sim.pending_steps()
    held: dict[int, dict[int, int]] = {}
    for channel in sim.plan.channels.values():
        for entry in channel.backlog:
            if entry.alive:
                held.setdefault(id(entry.run), {})[entry.req] = entry.pos
    rows = _Rows(versioned=sim.control is not None)
    totals: dict[tuple[str, str], float] = {}
    requests = results.requests if sim.control is not None else None
    for run in sim.workloads:
        _workload_rows(run, links, cat, pending, held, requests, every_link, totals, rows)
    control = _control_rows(sim, links, pending, held, totals)
    trail = Audit(rows.frame(), control, totals)
    if not every_link:
        results.__dict__["_audit_trail"] = trail
    return trail


_META = [c for c in COLUMNS if c not in ("request", "version")]


class _Rows:
    """Crossing rows gathered per route step (a step's values are the same for every request
    that took it) and built into one table of categoricals at the end."""

    def __init__(self, versioned: bool) -> None:
        self.meta: list[tuple[Any, ...]] = []  # one per step, in _META's order
        self.requests: list[np.ndarray] = []
        self.steps: list[np.ndarray] = []
        self.versions: list[np.ndarray] | None = [] if versioned else None

    def add(self, took: np.ndarray, meta: tuple[Any, ...], version: np.ndarray | None) -> None:
        self.steps.append(np.full(len(took), len(self.meta), dtype=np.int32))
        self.meta.append(meta)
        self.requests.append(took)
        if self.versions is not None:
            assert version is not None
            self.versions.append(version)

    def frame(self) -> pd.DataFrame:
        if not self.meta:
            return pd.DataFrame(
                {c: pd.Series(dtype=float if c == "bytes" else object) for c in COLUMNS}
            )
        step = np.concatenate(self.steps)
        out: dict[str, Any] = {}
        for j, name in enumerate(_META):
            values = [m[j] for m in self.meta]
            if name == "bytes":
                out[name] = np.asarray(values, dtype=float)[step]
                continue
            categories, codes = np.unique(np.asarray(values, dtype=object), return_inverse=True)
            out[name] = pd.Categorical.from_codes(codes[step], categories=categories)
        out["request"] = np.concatenate(self.requests)
        if self.versions:
            out["version"] = pd.Categorical(np.concatenate(self.versions))
        else:
            out["version"] = pd.Categorical.from_codes(np.zeros(len(step), int), categories=[""])
        return pd.DataFrame({c: out[c] for c in COLUMNS})


def _workload_rows(
    run: Any,
    links: _Links,
    cat: Any,
    pending: dict[int, dict[int, int]],
    held: dict[int, dict[int, int]],
    requests: pd.DataFrame | None,
    every_link: bool,
    totals: dict[tuple[str, str], float],
    rows: _Rows,
) -> None:
    n = run.n
    if n == 0:
        return
    workload = run.plan.workload
    tenant = workload.tenant
    classes = leg_classes(workload, cat)
    limits = [class_limit(c, cat) for c in classes]
    n_stages = run.n_stages
    reached = _reached(run, n, pending.get(id(run), {}), held.get(id(run), {}))
    last = np.frombuffer(run.last_stage, dtype=np.int8, count=n).astype(np.int64)
    kept = np.frombuffer(run.kept, dtype=np.int8, count=n).astype(bool)
    merged = np.frombuffer(run.merged, dtype=np.int8, count=n).astype(bool)
    device = np.frombuffer(run.device, dtype=np.int32, count=n)
    # One group per distinct route: the planned route of each device, or a taken one.
    route_of: dict[int, tuple[Any, ...]] = {}
    for route in run.routes:
        route_of.setdefault(id(route), route)
    group = np.array([id(r) for r in run.routes], dtype=np.int64)[device]
    for req, route in run.taken.items():
        if req < n:
            route_of.setdefault(id(route), route)
            group[req] = id(route)
    version = _lineage(run, requests, n) if rows.versions is not None else None
    judge = run.judge
    versioned = [k for k, m in enumerate(judge.models) if m is not None] if judge else []
    first_versioned = versioned[0] if versioned else n_stages  # legs after it carry lineage
    order = np.argsort(group, kind="stable")
    keys, starts = np.unique(group[order], return_index=True)
    bounds = [*starts.tolist(), len(order)]
    for g, key in enumerate(keys.tolist()):
        route = route_of[key]
        members = order[bounds[g] : bounds[g + 1]]
        steps, servers = _route_steps(route, links, n_stages, tenant, limits, classes, every_link)
        if not steps:
            continue
        got = reached[members]  # how far each member got
        unknown = got < 0
        if unknown.any():
            stage = last[members]
            stop = np.array([servers.get(s, -1) + 1 for s in range(n_stages)] + [0])[stage]
            full = np.full(len(members), len(route))
            short = kept[members] | merged[members] | (stage < 0)
            got = np.where(unknown, np.where(short, np.maximum(stop, 0), full), got)
        for index, link_id, direction, here, to, crossed, size, leg, why in steps:
            took = members[got > index]
            if not len(took):
                continue
            meta = (
                workload.id, tenant or SHARED, classes[leg], link_id, direction, here, to,
                crossed, size, why,
            )  # fmt: skip
            lineage = None
            if version is not None:
                lineage = (
                    version[took] if leg > first_versioned else np.full(len(took), "", dtype=object)
                )
            rows.add(took, meta, lineage)
            if link_id:
                key2 = (link_id, direction)
                totals[key2] = totals.get(key2, 0.0) + size * len(took)


def _lineage(run: Any, requests: pd.DataFrame | None, n: int) -> np.ndarray:
    """Per request, the model version whose output it forwarded ('' without versions)."""
    if requests is None or "version" not in requests.columns:
        return np.full(n, "", dtype=object)
    mine = requests[requests["workload"] == run.plan.workload.id]
    values = mine["version"].astype(str).to_numpy()
    out = np.full(n, "", dtype=object)
    out[mine["request"].to_numpy()] = values
    return out


def _control_rows(
    sim: Any,
    links: _Links,
    pending: dict[int, dict[int, int]],
    held: dict[int, dict[int, int]],
    totals: dict[tuple[str, str], float],
) -> pd.DataFrame:
    """Control-plane bytes per link and direction: flows, checkpoints and labels."""
    sent: dict[tuple[str, int, int], float] = {}  # (kind, link index, direction) -> bytes

    def add(kind: str, link: int, direction: int, size: float) -> None:
        sent[(kind, link, direction)] = sent.get((kind, link, direction), 0.0) + size

    for flow in sim.flows:
        mine_pending, mine_held = pending.get(id(flow), {}), held.get(id(flow), {})
        for req, record in enumerate(flow.records):
            route = flow.routes[req]
            if not math.isnan(record[3]):
                got = len(route)
            else:
                got = mine_pending.get(req, mine_held.get(req, 0))
            for _, channel, size, _ in route[:got]:
                add(f"flow:{flow.plan.flow.id}", channel.link, channel.direction, size)
    control = sim.control
    if control is not None:
        for (link, direction), size in control.labels.by_link.items():
            add("labels", link, direction, size)
        for rollout in control.rollouts:
            for transfer in rollout.transfers:
                directions = {c.link: c.direction for c in transfer.channels}
                for link, size in transfer.by_link.items():
                    add(f"rollout:{rollout.rollout.id}", link, directions[link], size)
    rows = []
    for (kind, link, direction), size in sent.items():
        ends = links.plan.links[link].ends
        here, to = (ends[0], ends[1]) if direction == 0 else (ends[1], ends[0])
        if links.level[here] > links.level[to] and direction == 0:
            here, to = to, here
        name = "up" if direction == 0 else "down"
        link_id = links.plan.links[link].id
        totals[(link_id, name)] = totals.get((link_id, name), 0.0) + size
        rows.append((kind, link_id, name, links.crossed(*ends), SHARED, CONTROL, size))
    return pd.DataFrame(
        rows, columns=["kind", "link", "direction", "boundaries", "tenant", "data_class", "bytes"]
    )


# --------------------------------------------------------------------------- summary


def summary_audit(results: Results, trail: Audit | None = None) -> dict[str, Any]:
    """``summary.json``'s ``audit``: bytes across each boundary by data class and tenant (up
    and down), the number of violations and the first of them, each naming its request."""
    trail = trail or audit(results)
    crossings: dict[str, dict[str, dict[str, dict[str, float]]]] = {}
    for row in trail.by_boundary().itertuples(index=False):
        cell = (
            crossings.setdefault(str(row.boundary), {})
            .setdefault(str(row.data_class), {})
            .setdefault(str(row.tenant), {"up_bytes": 0.0, "down_bytes": 0.0})
        )
        cell[f"{row.direction}_bytes"] += float(row.bytes)
    bad = trail.violations
    listed = [
        {
            "workload": str(r.workload),
            "request": int(r.request),
            "tenant": str(r.tenant),
            "data_class": str(r.data_class),
            "link": str(r.link),
            "to_node": str(r.to_node),
            "reason": str(r.violation),
        }
        for r in bad.head(MAX_LISTED).itertuples(index=False)
    ]
    return {"crossings": crossings, "violation_count": len(bad), "violations": listed}


def summary_tenants(results: Results) -> dict[str, Any]:
    """``summary.json``'s ``tenants``: per tenant, latency percentiles over its workloads'
    served requests, the share within their SLOs, and each slice's utilisation (after the
    warm-up, as the rest of the summary)."""
    sim = results.sim
    scenario = sim.scenario
    start, end = results.warmup_s, results.now_s
    requests = results.requests
    done = requests[(requests["state"] == "done") & (requests["created_s"] >= start)]
    slo = {w.id: w.slo_s for w in scenario.workloads}
    out: dict[str, Any] = {}
    names = [t.id for t in scenario.tenants]
    if any(w.tenant is None for w in scenario.workloads):
        names.append(SHARED)
    for name in names:
        ids = [w.id for w in scenario.workloads if (w.tenant or SHARED) == name]
        mine = done[done["workload"].isin(ids)]
        latency = mine["latency_s"].to_numpy()
        limit = mine["workload"].astype(str).map(slo).to_numpy(dtype=float)
        stats: dict[str, Any] = {"workloads": ids, "completed": len(mine)}
        if len(latency):
            stats |= {
                "latency_p50_s": float(np.percentile(latency, 50)),
                "latency_p95_s": float(np.percentile(latency, 95)),
                "latency_p99_s": float(np.percentile(latency, 99)),
                "slo_share": float((latency <= limit).mean()),
            }
        else:
            stats |= dict.fromkeys(("latency_p50_s", "latency_p95_s", "latency_p99_s", "slo_share"))
        stats["slices"] = _slice_use(results, name, start, end)
        out[name] = stats
    return out


def _slice_use(results: Results, tenant: str, start: float, end: float) -> dict[str, Any]:
    plan = results.sim.plan
    first, last = int(start / plan.bin_s), int(np.ceil(end / plan.bin_s))
    duration = max(end - start, 1e-12)
    out: dict[str, Any] = {}
    for (owner, target), record in plan.slices.items():
        if owner != tenant:
            continue
        if record.kind == "node":
            busy = float(np.frombuffer(record.bins[0], dtype=float)[first:last].sum())
            capacity = duration * record.capacity * record.instances
            out[target] = {
                "kind": "node",
                "servers": int(record.capacity),
                "burst": record.burst,
                "utilisation": busy / capacity,
            }
        else:
            capacity = duration * record.capacity / 8 * record.instances
            out[target] = {
                "kind": "link",
                "bandwidth_bps": record.capacity,
                "burst": record.burst,
                "utilisation_up": float(
                    np.frombuffer(record.bins[0], dtype=float)[first:last].sum() / capacity
                ),
                "utilisation_down": float(
                    np.frombuffer(record.bins[1], dtype=float)[first:last].sum() / capacity
                ),
            }
    return out


def report_lines(trail: Audit, scenario: Any, catalogue: Any) -> list[str]:
    """The compliance report: per tenant and data class, bytes across each boundary against
    what the class allows, then every violation (at most 20 lines of them)."""
    table = trail.by_boundary()
    lines = []
    lines.append(
        f"{'tenant':<12} {'data class':<13} {'boundary':<30} {'up bytes':>14} "
        f"{'down bytes':>14}  allowed"
    )
    if len(table):
        wide = table.pivot_table(
            index=["tenant", "data_class", "boundary"],
            columns="direction",
            values="bytes",
            aggfunc="sum",
            fill_value=0.0,
            observed=True,
        ).reset_index()
        for row in wide.to_dict(orient="records"):
            allowed = _allowed(str(row["data_class"]), str(row["boundary"]), catalogue)
            lines.append(
                f"{row['tenant']!s:<12} {row['data_class']!s:<13} {row['boundary']!s:<30} "
                f"{row.get('up', 0.0):>14,.0f} {row.get('down', 0.0):>14,.0f}  {allowed}"
            )
    else:
        lines.append("(nothing crossed a tier or premises boundary)")
    bad = trail.violations
    if len(bad):
        lines.append(f"\n{len(bad)} crossing(s) that should not have happened:")
        for r in bad.head(20).itertuples(index=False):
            lines.append(
                f"  workload {r.workload} request {r.request} (tenant {r.tenant}, "
                f"{r.data_class}): {r.violation}" + (f" over {r.link}" if r.link else "")
            )
        if len(bad) > 20:
            lines.append(f"  ... and {len(bad) - 20} more (see audit.parquet)")
    else:
        lines.append("\nno violations: every byte stayed within its class's tiers and its tenant")
    return lines


def _allowed(data_class: str, boundary: str, catalogue: Any) -> str:
    if data_class == CONTROL:
        return "yes (control plane)"
    if data_class not in catalogue.data_classes:
        return "?"
    max_tier = catalogue.data_classes[data_class].max_tier
    if boundary == PREMISES:
        return f"yes, within {max_tier}"
    upper = boundary.split("|")[1]
    ok = TIER_IDS.index(upper) + 1 <= class_limit(data_class, catalogue)
    return "yes" if ok else f"NO (max tier {max_tier})"
