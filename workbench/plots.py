"""Plotly figures of the tier hierarchy, a scenario's topology and the placement advice.

Every builder returns a plain :class:`plotly.graph_objects.Figure`: notebooks show it, the
widgets wrap it in a ``FigureWidget`` and the HTML report writes it out. Traces carry a
``meta`` dict (``{"kind": "nodes", "tier": "far_edge"}``, ``{"kind": "links"}``, ...) so that
callers and tests can find them without relying on their order.

Examples
--------
>>> fig = tier_figure()
>>> [t.meta["tier"] for t in fig.data if t.meta["kind"] == "tier"]
['far_edge', 'aggregation_edge', 'on_prem', 'telco_edge', 'cloud']
"""

from __future__ import annotations

import math
import textwrap
from collections import defaultdict
from collections.abc import Sequence

import plotly.graph_objects as go

from .advisor import StageAdvice, Verdict
from .catalogue import TIER_IDS, Catalogue, load_catalogue
from .scenario import Scenario
from .topology import LinkSpec, Topology

__all__ = [
    "TIER_COLOURS",
    "advice_figure",
    "tier_figure",
    "tier_layout",
    "topology_figure",
]

TIER_COLOURS: dict[str, str] = {
    "far_edge": "#e76f51",
    "aggregation_edge": "#f4a261",
    "on_prem": "#e9c46a",
    "telco_edge": "#2a9d8f",
    "cloud": "#3d5a80",
}
"""One colour per tier id, shared by every figure."""

_FONT = "Inter, Segoe UI, Helvetica, Arial, sans-serif"
_LABEL_LIMIT = 24  # a lane with more nodes than this shows no text labels (hover still works)
_LINK_COLOUR = "#8a8f98"
_DOWN_COLOUR = "#c0392b"


# ---------------------------------------------------------------------------------------------
# Formatting


def _tint(colour: str, amount: float) -> str:
    """``colour`` mixed with white: 0 keeps it, 1 gives white."""
    rgb = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    mixed = [round(c + (255 - c) * amount) for c in rgb]
    return "#" + "".join(f"{c:02x}" for c in mixed)


def _scaled(value: float, units: Sequence[tuple[str, float]]) -> str:
    for unit, scale in units:
        if abs(value) >= scale:
            return f"{value / scale:.3g} {unit}"
    unit, scale = units[-1]
    return f"{value / scale:.3g} {unit}"


def _rate(bps: float) -> str:
    units = (("Tbit/s", 1e12), ("Gbit/s", 1e9), ("Mbit/s", 1e6), ("kbit/s", 1e3), ("bit/s", 1))
    return _scaled(bps, units)


def _size(size_bytes: float) -> str:
    return _scaled(size_bytes, (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3), ("B", 1)))


def _duration(seconds: float) -> str:
    """Milliseconds down to 0.1 ms, the unit architects budget latency in."""
    if not math.isfinite(seconds):
        return "unbounded"
    if abs(seconds) >= 1:
        return f"{seconds:.3g} s"
    if abs(seconds) >= 1e-4 or seconds == 0:
        return f"{seconds * 1e3:.3g} ms"
    return f"{seconds * 1e6:.3g} µs"


def _percent(fraction: float) -> str:
    return f"{fraction * 100:.6g} %"


def _tier_names(catalogue: Catalogue | None) -> dict[str, str]:
    cat = catalogue or load_catalogue()
    return {tier.id: tier.name or tier.id for tier in cat.tiers_in_order()}


# ---------------------------------------------------------------------------------------------
# The tier hierarchy


def tier_figure(catalogue: Catalogue | None = None) -> go.Figure:
    """The five tiers as stacked bands, far edge at the bottom and cloud at the top.

    Each band shows the tier's name, its networking analogue, latency budget and availability
    target; hovering a band shows its description and typical hardware. Bands narrow towards
    the top: many devices at the edge, a few large sites in the cloud.

    Parameters
    ----------
    catalogue
        Where the tiers come from (default: the shipped catalogue).

    Returns
    -------
    go.Figure
        One filled trace per tier (``meta={"kind": "tier", "tier": id}``) in bottom-to-top
        order, and one text trace of labels (``meta={"kind": "tier-labels"}``).
    """
    cat = catalogue or load_catalogue()
    tiers = cat.tiers_in_order()
    fig = go.Figure()
    label_x, label_y, labels = [], [], []
    for tier in tiers:
        half_width = 0.5 - 0.055 * (tier.level - 1)
        bottom, top = tier.level - 1 + 0.06, tier.level - 0.06
        colour = TIER_COLOURS.get(tier.id, _LINK_COLOUR)
        hardware = ", ".join(
            cat.hardware[h].name or h for h in tier.typical_hardware if h in cat.hardware
        )
        hover = "<br>".join(
            [
                f"<b>{tier.name}</b> ({tier.id}, level {tier.level})",
                *textwrap.wrap(tier.description, 70),
                f"on premises: {'yes' if tier.on_premises else 'no'}",
                *textwrap.wrap(f"typical hardware: {hardware or 'n/a'}", 70),
            ]
        )
        fig.add_trace(
            go.Scatter(
                x=[0.5 - half_width, 0.5 + half_width, 0.5 + half_width, 0.5 - half_width],
                y=[bottom, bottom, top, top],
                fill="toself",
                fillcolor=_tint(colour, 0.72),
                line={"color": colour, "width": 2},
                mode="lines",
                name=tier.name,
                text=hover,
                hoveron="fills",
                hoverinfo="text",
                meta={"kind": "tier", "tier": tier.id, "level": tier.level},
                showlegend=False,
            )
        )
        label_x.append(0.5)
        label_y.append(tier.level - 0.5)
        labels.append(
            f"<b>{tier.level} · {tier.name}</b><br>"
            f"<span style='font-size:12px'>network analogue: {tier.networking_analogue}<br>"
            f"latency budget ≤ {_duration(tier.latency_budget_s)} · "
            f"availability {_percent(tier.availability_target)}</span>"
        )
    fig.add_trace(
        go.Scatter(
            x=label_x,
            y=label_y,
            text=labels,
            mode="text",
            textfont={"size": 15, "color": "#1d2330", "family": _FONT},
            hoverinfo="skip",
            meta={"kind": "tier-labels"},
            showlegend=False,
        )
    )
    top = len(tiers)
    arrow = {"xref": "x", "yref": "y", "showarrow": True, "arrowhead": 2, "arrowwidth": 1.5}
    fig.add_annotation(
        x=-0.02, y=top - 0.2, ax=-0.02, ay=0.2, axref="x", ayref="y", arrowcolor="#555", **arrow
    )
    fig.add_annotation(
        x=-0.045,
        y=top / 2,
        text="further from the data: more compute, more latency",
        textangle=-90,
        showarrow=False,
        font={"size": 12, "color": "#555"},
    )
    fig.update_layout(
        title={"text": "The five tiers of the intelligence hierarchy", "x": 0.02},
        font={"family": _FONT},
        height=620,
        margin={"l": 30, "r": 20, "t": 60, "b": 20},
        plot_bgcolor="white",
        paper_bgcolor="white",
        xaxis={"visible": False, "range": [-0.07, 1.01], "fixedrange": True},
        yaxis={"visible": False, "range": [-0.05, top + 0.05], "fixedrange": True},
        hovermode="closest",
    )
    return fig


# ---------------------------------------------------------------------------------------------
# The topology


def tier_layout(topology: Topology) -> dict[str, tuple[float, float]]:
    """Positions that draw a topology as a tree in tier lanes.

    ``y`` is the node's tier level (1 far edge ... 5 cloud). ``x`` places every node that has
    nothing below it in its own slot, in scenario order depth-first, and centres each other
    node over the nodes it serves. A node's parent is its neighbour in the nearest tier above
    (lowest-latency link on a tie), so redundant uplinks and peer links do not move it. A node
    with a ``position`` keeps its ``position.x``.

    Parameters
    ----------
    topology
        The scenario's topology.

    Returns
    -------
    dict
        Node id -> (x, y).
    """
    graph = topology.graph
    order = {node.id: index for index, node in enumerate(topology.scenario.nodes)}
    level = {n: int(d["level"]) for n, d in graph.nodes(data=True)}
    children: dict[str, list[str]] = defaultdict(list)
    has_parent: set[str] = set()
    for node in graph.nodes:
        above = []
        for neighbour, edges in graph[node].items():
            if level[neighbour] > level[node]:
                latency = min(attrs["latency_s"] for attrs in edges.values())
                above.append((level[neighbour], latency, order.get(neighbour, 0), neighbour))
        if above:
            children[min(above)[3]].append(node)
            has_parent.add(node)
    roots = sorted((n for n in graph.nodes if n not in has_parent), key=lambda n: order.get(n, 0))
    positions: dict[str, tuple[float, float]] = {}
    next_slot = 0.0

    def place(node: str) -> float:
        nonlocal next_slot
        kids = sorted(children.get(node, []), key=lambda n: order.get(n, 0))
        if kids:
            xs = [place(kid) for kid in kids]
            x = (min(xs) + max(xs)) / 2
        else:
            x = next_slot
            next_slot += 1
        positions[node] = (x, float(level[node]))
        return x

    for root in roots:
        place(root)  # depth is bounded by the five tiers: parents are strictly higher
    for node in topology.scenario.nodes:
        if node.position is not None and node.id in positions:
            positions[node.id] = (node.position.x, positions[node.id][1])
    return positions


def _node_label(node_id: str, count: int) -> str:
    return f"{node_id} ×{count}" if count > 1 else node_id


def _link_hover(spec: LinkSpec, group: int) -> str:
    down = spec.downlink_bandwidth_bps
    lines = [
        f"<b>link {spec.id}</b>: {spec.a} ↔ {spec.b}",
        f"bandwidth: {_rate(spec.bandwidth_bps)} up"
        + (f", {_rate(down)} down" if down != spec.bandwidth_bps else ""),
        f"latency: {_duration(spec.latency_s)} one-way",
        f"availability: {_percent(spec.availability)}",
    ]
    if group > 1:
        lines.append(f"×{group}: one such link per device")
    if not spec.in_service:
        lines.append("<b>out of service</b>")
    return "<br>".join(lines)


def topology_figure(scenario: Scenario, catalogue: Catalogue | None = None) -> go.Figure:
    """The scenario's nodes in tier lanes, its links, and where each workload stage runs.

    Nodes sit in their tier's lane, laid out by :func:`tier_layout`; a device group is one
    larger marker labelled with its count (``vib-sensors ×40``). Links are drawn as one line
    trace; hovering a link's midpoint shows its bandwidth, latency and availability. Stages
    placed on a node are listed under it. Lanes with many nodes drop their text labels and
    shrink their markers, so 1,000-device fleets stay readable (hover still tells all).

    Parameters
    ----------
    scenario
        The scenario to draw.
    catalogue
        The catalogue (default: the scenario's own, i.e. the shipped one plus its extras).

    Returns
    -------
    go.Figure
        Traces tagged by ``meta["kind"]``: ``"links"`` and ``"links-down"`` (lines with None
        separators), ``"link-info"`` (one hover point per link), ``"nodes"`` (one per tier,
        ``customdata`` holds node ids) and ``"stages"`` (stage labels).
    """
    topo = Topology(scenario, catalogue)
    cat = topo.catalogue
    positions = tier_layout(topo)
    tiers = cat.tiers_in_order()
    names = {t.id: t.name or t.id for t in tiers}

    stages_on: dict[str, list[str]] = defaultdict(list)
    for key, node_id in scenario.placement.items():
        stages_on[node_id].append(key)
    roles: dict[str, list[str]] = defaultdict(list)
    for workload in scenario.workloads:
        roles[workload.source.node].append(f"source of {workload.id}")
        if workload.sink is not None:
            roles[workload.sink].append(f"sink of {workload.id}")
    count = {node.id: node.count for node in scenario.nodes}

    fig = go.Figure()

    # Lanes: one light band per tier, drawn under everything else.
    for tier in tiers:
        fig.add_shape(
            type="rect",
            xref="paper",
            yref="y",
            x0=0,
            x1=1,
            y0=tier.level - 0.48,
            y1=tier.level + 0.48,
            fillcolor=_tint(TIER_COLOURS.get(tier.id, _LINK_COLOUR), 0.85),
            line={"width": 0},
            layer="below",
        )

    # Links: one trace of segments for those in service, one for those out of service.
    segments: dict[bool, tuple[list[float | None], list[float | None]]] = {
        True: ([], []),
        False: ([], []),
    }
    mid_x, mid_y, mid_text = [], [], []
    for link in scenario.links:
        a, b = link.ends
        if a not in positions or b not in positions:
            continue
        (xa, ya), (xb, yb) = positions[a], positions[b]
        seg_x, seg_y = segments[link.in_service]
        seg_x.extend((xa, xb, None))
        seg_y.extend((ya, yb, None))
        spec = topo.links.get(link.key)
        mid_x.append((xa + xb) / 2)
        mid_y.append((ya + yb) / 2)
        group = max(count.get(a, 1), count.get(b, 1))
        mid_text.append(
            _link_hover(spec, group)
            if spec is not None
            else f"<b>link {link.key}</b>: {a} ↔ {b}<br>figures unresolved (no profile?)"
        )
    fig.add_trace(
        go.Scatter(
            x=segments[True][0],
            y=segments[True][1],
            mode="lines",
            line={"color": _LINK_COLOUR, "width": 1.5},
            hoverinfo="skip",
            name="links",
            meta={"kind": "links"},
        )
    )
    if segments[False][0]:
        fig.add_trace(
            go.Scatter(
                x=segments[False][0],
                y=segments[False][1],
                mode="lines",
                line={"color": _DOWN_COLOUR, "width": 1.5, "dash": "dash"},
                hoverinfo="skip",
                name="links out of service",
                meta={"kind": "links-down"},
            )
        )
    fig.add_trace(
        go.Scatter(
            x=mid_x,
            y=mid_y,
            mode="markers",
            marker={"size": 7, "color": _LINK_COLOUR, "opacity": 0.5 if len(mid_x) < 200 else 0},
            hovertext=mid_text,
            hovertemplate="%{hovertext}<extra></extra>",
            name="link info",
            meta={"kind": "link-info"},
        )
    )

    # Nodes: one trace per tier, so each tier has its colour and its own label density.
    tick_text = []
    stage_x: list[float] = []
    stage_y: list[float] = []
    stage_size: list[float] = []
    stage_text: list[str] = []
    for tier in tiers:
        nodes = [n for n in scenario.nodes if n.tier == tier.id and n.id in positions]
        devices = sum(n.count for n in nodes)
        summary = f"{len(nodes)} node{'s' * (len(nodes) != 1)}"
        if devices != len(nodes):
            summary += f" · {devices} devices"
        tick_text.append(f"<b>{tier.name}</b><br><span style='font-size:11px'>{summary}</span>")
        if not nodes:
            continue
        labelled = len(nodes) <= _LABEL_LIMIT
        # Markers grow with a group's count but never wider than a dense lane's slot.
        cap = min(34.0, max(4.0, 900 / len(nodes)))
        sizes = [min(cap, min(14.0, cap) + 5 * math.log2(n.count)) for n in nodes]
        colour = TIER_COLOURS.get(tier.id, _LINK_COLOUR)
        hover = []
        for node in nodes:
            lines = [
                f"<b>{_node_label(node.id, node.count)}</b>"
                + (f" ({node.label})" * bool(node.label)),
                f"tier: {names.get(node.tier, node.tier)}",
                f"hardware: {node.hardware}" + (f" ×{node.count}" if node.count > 1 else ""),
            ]
            if node.site:
                lines.append(f"site: {node.site}")
            if node.storage_bytes:
                lines.append(f"local store: {_size(node.storage_bytes)}")
            lines.extend(roles.get(node.id, []))
            if stages_on.get(node.id):
                lines.append("runs: " + ", ".join(stages_on[node.id]))
            if not node.in_service:
                lines.append("<b>out of service</b>")
            hover.append("<br>".join(lines))
        for node, size in zip(nodes, sizes, strict=True):
            if stages_on.get(node.id):
                stage_x.append(positions[node.id][0])
                stage_y.append(positions[node.id][1])
                stage_size.append(size)
                stage_text.append("<br>".join(f"▸ {key}" for key in stages_on[node.id]))
        fig.add_trace(
            go.Scatter(
                x=[positions[n.id][0] for n in nodes],
                y=[positions[n.id][1] for n in nodes],
                mode="markers+text" if labelled else "markers",
                text=[_node_label(n.id, n.count) for n in nodes],
                textposition="top center",
                textfont={"size": 12, "color": "#1d2330"},
                customdata=[n.id for n in nodes],
                hovertext=hover,
                hovertemplate="%{hovertext}<extra></extra>",
                marker={
                    "size": sizes,
                    "color": [colour if n.in_service else "#d0d0d0" for n in nodes],
                    "symbol": ["circle" if n.in_service else "x" for n in nodes],
                    "line": {"color": "white" if labelled else colour, "width": 1},
                },
                name=tier.name,
                meta={"kind": "nodes", "tier": tier.id, "level": tier.level},
            )
        )
    fig.add_trace(
        go.Scatter(
            x=stage_x,
            y=stage_y,
            mode="markers+text",  # invisible markers as big as the nodes push the text below
            marker={"size": stage_size, "opacity": 0},
            text=stage_text,
            textposition="bottom center",
            textfont={"size": 11, "color": "#34495e"},
            hoverinfo="skip",
            name="placed stages",
            meta={"kind": "stages"},
        )
    )

    xs = [x for x, _ in positions.values()] or [0.0]
    pad = max(0.6, 0.02 * (max(xs) - min(xs)))
    devices = sum(n.count for n in scenario.nodes)
    stands_for = f" standing for {devices} machines" if devices != len(scenario.nodes) else ""
    fig.update_layout(
        title={
            "text": f"{scenario.name}: {len(scenario.nodes)} nodes{stands_for}, "
            f"{len(scenario.links)} links",
            "x": 0.01,
        },
        font={"family": _FONT},
        height=680,
        margin={"l": 150, "r": 20, "t": 50, "b": 20},
        plot_bgcolor="white",
        paper_bgcolor="white",
        showlegend=False,
        hovermode="closest",
        xaxis={
            "visible": False,
            "range": [min(xs) - pad, max(xs) + pad],
        },
        yaxis={
            "range": [0.5, len(tiers) + 0.5],
            "tickvals": [t.level for t in tiers],
            "ticktext": tick_text,
            "showgrid": False,
            "zeroline": False,
            "fixedrange": True,
        },
    )
    return fig


# ---------------------------------------------------------------------------------------------
# The advice

_NO_NODE, _REJECTED, _PASSES, _ADVISED = 0, 1, 2, 3
_STATUS = ("no node", "rejected", "passes", "advised")
_STATUS_COLOURS = ("#eeeeee", "#f6d3cf", "#cfe8d5", "#3c9d5d")


def _cell_text(verdict: Verdict | None, status: int, placed: bool) -> str:
    if verdict is None or status == _NO_NODE:
        text = "no node"
    elif status == _REJECTED:
        first = textwrap.wrap(verdict.reasons[0] if verdict.reasons else "rejected", 32)
        text = "✗ " + "<br>".join(first[:3]) + ("…" if len(first) > 3 else "")
        if len(verdict.reasons) > 1:
            text += f"<br>(+{len(verdict.reasons) - 1} more)"
    else:
        latency = f" · {_duration(verdict.latency_s)}" if verdict.latency_s is not None else ""
        head = "<b>★ advised</b>" if status == _ADVISED else "✓ passes"
        text = f"{head}<br>{verdict.node}{latency}"
    return text + ("<br><b>▣ placed here</b>" if placed else "")


def _verdict_hover(advice: StageAdvice, tier: str, verdict: Verdict | None, status: int) -> str:
    lines = [f"<b>{advice.key}</b> on {tier}: {_STATUS[status]}"]
    if verdict is not None and verdict.node is not None:
        lines.append(f"best node of the tier: {verdict.node}")
        if verdict.latency_s is not None:
            lines.append(f"est. latency: {_duration(verdict.latency_s)}")
        if verdict.utilisation is not None:
            lines.append(f"utilisation: {verdict.utilisation * 100:.2g} %")
    if verdict is not None:
        lines.extend(f"✗ {reason}" for reason in verdict.reasons)
    if advice.placed is not None and advice.placed.tier == tier:
        status_text = "ok" if advice.placed.feasible else "PROBLEM"
        lines.append(f"<b>placed on {advice.placed_node}</b>: {status_text}")
        lines.extend(f"✗ {reason}" for reason in advice.placed.reasons)
    return "<br>".join(lines)


def advice_figure(advice: list[StageAdvice], catalogue: Catalogue | None = None) -> go.Figure:
    """A stage × tier grid of the advisor's verdicts.

    Each cell says whether the best node of that tier passes all three questions (latency,
    residency, fit) for that stage; the advised (lowest passing) tier is dark green, and the
    tier where the scenario actually places the stage is outlined (in red when that placement
    fails a question). Hover a cell for its node, estimated latency, utilisation and every
    reason for rejection.

    Parameters
    ----------
    advice
        From :func:`workbench.advisor.advise`.
    catalogue
        For the tiers' display names (default: the shipped catalogue).

    Returns
    -------
    go.Figure
        A heatmap (``meta={"kind": "advice"}``) whose ``z[i][j]`` is 0 (no node), 1 (rejected),
        2 (passes) or 3 (advised) for stage ``y[i]`` on tier ``x[j]``, and one outline shape per
        placed stage.
    """
    names = _tier_names(catalogue)
    tiers = list(TIER_IDS)
    stages = [a.key for a in advice]
    z: list[list[int]] = []
    text: list[list[str]] = []
    hover: list[list[str]] = []
    fig = go.Figure()
    for row, a in enumerate(advice):
        by_tier = {v.tier: v for v in a.verdicts}
        placed_tier = a.placed.tier if a.placed is not None else None
        z_row, text_row, hover_row = [], [], []
        for col, tier in enumerate(tiers):
            verdict = by_tier.get(tier)
            if verdict is None or verdict.node is None:
                status = _NO_NODE
            elif tier == a.advised_tier:
                status = _ADVISED
            else:
                status = _PASSES if verdict.feasible else _REJECTED
            z_row.append(status)
            text_row.append(_cell_text(verdict, status, tier == placed_tier))
            hover_row.append(_verdict_hover(a, tier, verdict, status))
            if tier == placed_tier and a.placed is not None:
                fig.add_shape(
                    type="rect",
                    x0=col - 0.47,
                    x1=col + 0.47,
                    y0=row - 0.45,
                    y1=row + 0.45,
                    line={"color": "#1f3a93" if a.placed.feasible else _DOWN_COLOUR, "width": 3},
                    name=f"placed {a.key}",
                )
        z.append(z_row)
        text.append(text_row)
        hover.append(hover_row)
    # Discrete colours: four equal bins over z = 0..3.
    colourscale = []
    for index, colour in enumerate(_STATUS_COLOURS):
        colourscale += [[index / 4, colour], [(index + 1) / 4, colour]]
    fig.add_trace(
        go.Heatmap(
            z=z,
            x=tiers,
            y=stages,
            text=text,
            texttemplate="%{text}",
            textfont={"size": 11},
            hovertext=hover,
            hovertemplate="%{hovertext}<extra></extra>",
            colorscale=colourscale,
            zmin=-0.5,
            zmax=3.5,
            xgap=3,
            ygap=3,
            colorbar={
                "tickvals": [0, 1, 2, 3],
                "ticktext": list(_STATUS),
                "thickness": 14,
                "len": min(1.0, 0.25 + 0.12 * len(stages)),
            },
            meta={"kind": "advice"},
        )
    )
    # Thin lines between workloads.
    workloads = [a.workload for a in advice]
    for row in range(1, len(workloads)):
        if workloads[row] != workloads[row - 1]:
            fig.add_shape(
                type="line",
                xref="paper",
                x0=0,
                x1=1,
                y0=row - 0.5,
                y1=row - 0.5,
                line={"color": "#444", "width": 1.5},
            )
    fig.update_layout(
        title={
            "text": "Placement advice: which tiers pass latency, residency and fit"
            "<br><span style='font-size:12px'>★ advised = lowest tier passing all three; "
            "outlined = where the scenario places the stage (red: the placement fails)</span>",
            "x": 0.01,
        },
        font={"family": _FONT},
        height=170 + 78 * max(len(stages), 1),
        margin={"l": 200, "r": 20, "t": 110, "b": 20},
        plot_bgcolor="white",
        paper_bgcolor="white",
        xaxis={
            "side": "top",
            "tickvals": tiers,
            "ticktext": [f"<b>{names.get(t, t)}</b>" for t in tiers],
            "showgrid": False,
            "fixedrange": True,
        },
        yaxis={
            "autorange": "reversed",
            "showgrid": False,
            "fixedrange": True,
            "type": "category",
        },
    )
    if not advice:
        fig.add_annotation(
            text="no workload stages to advise on", showarrow=False, xref="paper", yref="paper"
        )
    return fig
