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

import dataclasses
import itertools
import math
import re
import textwrap
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .advisor import StageAdvice, Verdict
from .catalogue import TIER_IDS, Catalogue, load_catalogue
from .scenario import Scenario
from .topology import LinkSpec, Topology

if TYPE_CHECKING:
    from .sim import Results

__all__ = [
    "OUTAGE_COLOURS",
    "TIER_COLOURS",
    "advice_figure",
    "boundary_figure",
    "byte_rate_text",
    "latency_figure",
    "outage_labels",
    "outage_windows",
    "saving_text",
    "scenario_boundaries",
    "series_style",
    "shade_outages",
    "tier_figure",
    "tier_layout",
    "topology_figure",
    "utilisation_figure",
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
MODEBAR: dict[str, Any] = {
    "remove": ["select2d", "lasso2d", "zoomIn2d", "zoomOut2d", "autoScale2d", "toggleSpikelines"],
    "bgcolor": "rgba(255,255,255,0.8)",
}
"""The Plotly toolbar of every figure: save, zoom, pan and reset only, so that it stays short
and clear of the left-aligned titles wherever the figure is shown."""
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


def _tier_names(catalogue: Catalogue | None = None) -> dict[str, str]:
    """Tier id -> its one display name, from the catalogue (``"far_edge"`` -> ``"Far edge"``):
    every figure, table and line of text spells a tier this way."""
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
                f"<b>{tier.name}</b> (tier {tier.level})",
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
            f"<b>{tier.name}</b><br>"
            f"<span style='font-size:12px'>tier {tier.level} · network analogue: "
            f"{tier.networking_analogue}<br>"
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
        modebar=MODEBAR,
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
    used = {positions[n.id][1] for n in scenario.nodes if n.id in positions}
    stage_x: list[float] = []
    stage_y: list[float] = []
    stage_size: list[float] = []
    stage_text: list[str] = []
    for tier in tiers:
        nodes = [n for n in scenario.nodes if n.tier == tier.id and n.id in positions]
        devices = sum(n.count for n in nodes)
        summary = f"{len(nodes)} node{'s' * (len(nodes) != 1)}"
        if not nodes:
            between = min(used, default=0) < tier.level < max(used, default=0)
            summary = "no node: passed through" if between else "no node"
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
        modebar=MODEBAR,
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
        first = textwrap.wrap(
            _spell_tiers(verdict.reasons[0]) if verdict.reasons else "rejected", 32
        )
        text = "✗ " + "<br>".join(first[:3]) + ("…" if len(first) > 3 else "")
        if len(verdict.reasons) > 1:
            text += f"<br>(+{len(verdict.reasons) - 1} more)"
    else:
        latency = f" · {_duration(verdict.latency_s)}" if verdict.latency_s is not None else ""
        head = "<b>★ advised</b>" if status == _ADVISED else "✓ passes"
        text = f"{head}<br>{verdict.node}{latency}"
    return text + ("<br><b>▣ placed here</b>" if placed else "")


def _verdict_hover(
    advice: StageAdvice, tier: str, verdict: Verdict | None, status: int, tier_name: str
) -> str:
    lines = [f"<b>{advice.key}</b> on {tier_name}: {_STATUS[status]}"]
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
    return _spell_tiers("<br>".join(lines))


def _spell_tiers(text: str, names: dict[str, str] | None = None) -> str:
    """``text`` with every tier id (``on_prem``, ``(cloud)``) replaced by the tier's catalogue
    name; a one-word id only in brackets, where it cannot be a node's id."""
    names = names or _tier_names()
    ids = "|".join(re.escape(i) for i in names if "_" in i)
    words = "|".join(re.escape(i) for i in names if "_" not in i)
    text = re.sub(rf"\b({ids})\b", lambda m: names[m[1]], text) if ids else text
    return re.sub(rf"\(({words})\)", lambda m: f"({names[m[1]]})", text) if words else text


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
            hover_row.append(_verdict_hover(a, tier, verdict, status, names.get(tier, tier)))
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
        modebar=MODEBAR,
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


# ---------------------------------------------------------------------------------------------
# Results of a run

_MAX_POINTS = 300  # points per time-series line; longer runs are averaged over wider bins
_SLO_COLOUR = "#c0392b"
_RAW_COLOUR = "#b8bdc6"


def _latency_ms(value: float) -> str:
    """A latency given in milliseconds, in ms below a second and in s above
    (``'2.10 ms'``, ``'56.2 ms'``, ``'3.36 s'``), never with an exponent or SI prefix."""
    if value >= 1e3:
        seconds = value / 1e3
        return f"{seconds:.3g} s" if seconds < 1e3 else f"{seconds:,.0f} s"
    if value >= 100:
        return f"{value:.0f} ms"
    if value >= 10:
        return f"{value:.1f} ms"
    if value >= 1:
        return f"{value:.2f} ms"
    return f"{value:.3g} ms"


def byte_rate_text(bytes_per_s: float) -> str:
    """'1.6 MB/s': three significant figures and the largest fitting unit."""
    units = (("GB/s", 1e9), ("MB/s", 1e6), ("kB/s", 1e3), ("B/s", 1.0))
    return _scaled(bytes_per_s, units) if bytes_per_s else "0 B/s"


def _tick_ms(value: float) -> str:
    """A tick of a millisecond axis: ``'20 ms'``, ``'5 s'``, ``'2,000 s'``."""
    if value >= 1e3:
        return f"{value / 1e3:,.4g} s" if value < 1e6 else f"{value / 1e3:,.0f} s"
    return f"{value:g} ms"


_MAX_LOG_TICKS = 8
_LOG_STEPS = ((1, 2, 5), (1, 3), (1,))


def _log_ticks(low: float, high: float, label: Callable[[float], str]) -> dict[str, Any]:
    """Axis settings with ticks at 1, 2 and 5 times powers of ten between ``low`` and ``high``,
    thinned (1 and 3, then powers of ten, then every second or third power) until at most
    eight remain, each labelled by ``label``: no SI prefixes, no clutter."""
    low, high = max(low, 1e-12), max(high, low * 10)
    decades = list(range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1))
    values: list[float] = []
    for steps in _LOG_STEPS:
        values = [m * 10.0**e for e in decades for m in steps if low <= m * 10.0**e <= high]
        if len(values) <= _MAX_LOG_TICKS:
            break
    stride = 1
    while len(values[::stride]) > _MAX_LOG_TICKS:
        stride += 1
    values = values[::stride]
    if len(values) < 2:  # a narrow range: label its ends
        values = [low, high]
    return {
        "type": "log",
        "range": [math.log10(low), math.log10(high)],
        "tickvals": values,
        "ticktext": [label(v) for v in values],
    }


def number_axis(high: float, *, integer: bool = False, suffix: str = "") -> dict[str, Any]:
    """Settings of a linear axis from 0 that never shows an SI prefix ("100m", "2k"): plain
    numbers with thousands separators, whole numbers only when ``integer`` (counts), and
    ``suffix`` (such as ``" %"``) after each tick."""
    settings: dict[str, Any] = {
        "rangemode": "tozero",
        "exponentformat": "none",
        "separatethousands": True,
        "tickformat": ",d" if integer else ",.4~r",
    }
    if integer and high < 5:  # otherwise ticks at 0.5 would print as a repeated "0"
        settings["dtick"] = 1
    if suffix:
        settings["ticksuffix"] = suffix
    return settings


def _shade(colour: str, amount: float) -> str:
    """``colour`` mixed with black: 0 keeps it, 1 gives black."""
    rgb = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(c * (1 - amount)):02x}" for c in rgb)


def _saving_colour(percent: float | None) -> str:
    """Green for a real saving, grey for next to none, red for more than raw."""
    if percent is None or abs(percent) < 1:
        return "#5f6673"
    return "#1e7b45" if percent > 0 else _SLO_COLOUR


def saving_text(percent: float | None) -> str:
    """A saving in percent with enough decimals to tell 99.99 % from 99.9999 %."""
    if percent is None or not math.isfinite(percent):
        return "n/a"
    remainder = 100.0 - percent
    decimals = 1 if remainder <= 0 else max(1, min(6, math.ceil(-math.log10(remainder)) + 1))
    return f"{percent:.{decimals}f} %"


def _final_tier(results: Results, workload_id: str) -> str:
    """The tier of the node that runs a workload's last stage."""
    scenario = results.scenario
    workload = scenario.workload(workload_id)
    node = scenario.placement.get(f"{workload.id}.{workload.stages[-1].id}")
    return scenario.node(node).tier if node is not None else ""


def latency_figure(results: Results) -> go.Figure:
    """End-to-end latency of each workload after the warm-up, against its SLO.

    One horizontal box per workload on a log axis in milliseconds: the box spans the 25th to
    75th percentile, the whiskers the 1st to 99th, the line is the median and the dashed line
    the mean; a diamond marks the median too (a box of one request is just a line). The box
    takes the colour of the tier that runs the workload's last stage; a red bar marks the SLO,
    and the text on the right gives p95 and the share of requests over it. Quantiles are
    computed here, so the figure stays small however many requests ran.

    Parameters
    ----------
    results
        A run's results (:meth:`workbench.Simulation.results`).

    Returns
    -------
    go.Figure
        One box per workload with completed requests (``meta={"kind": "latency",
        "workload": id}``), one marker trace of their medians (``{"kind": "latency-median"}``),
        one of each workload's slowest request (``{"kind": "latency-max"}``; the axis always
        reaches it) and one of the SLOs (``{"kind": "slo"}``).
    """
    summary = results.workload_summary()
    requests = results.requests
    window = requests[(requests["created_s"] >= results.warmup_s) & (requests["state"] == "done")]
    fig = go.Figure()
    labels: list[str] = []
    slo_x: list[float] = []
    slo_text: list[str] = []
    extremes: list[float] = []
    median_x: list[float] = []
    median_y: list[str] = []
    median_colour: list[str] = []
    slowest_x: list[float] = []
    slowest_y: list[str] = []
    slowest_text: list[str] = []
    for workload in results.scenario.workloads:
        stats = summary[workload.id]
        latency = window.loc[window["workload"] == workload.id, "latency_s"].to_numpy() * 1e3
        tier = _final_tier(results, workload.id)
        n = len(latency)
        counted = f"{n:,} request{'s' * (n != 1)}"
        label = f"<b>{workload.id}</b><br><span style='font-size:11px'>{counted}</span>"
        labels.append(label)
        slo_ms = workload.slo_s * 1e3
        slo_x.append(slo_ms)
        extremes.append(slo_ms)
        if len(latency):
            p1, p25, p50, p75, p95, p99 = (
                float(v) for v in np.percentile(latency, [1, 25, 50, 75, 95, 99])
            )
            slowest = float(latency.max())
            extremes.extend((p1, p99, slowest))
            slowest_x.append(slowest)
            slowest_y.append(label)
            slowest_text.append(f"<b>{workload.id}</b>: slowest request {_latency_ms(slowest)}")
            colour = TIER_COLOURS.get(tier, _LINK_COLOUR)
            median_x.append(p50)
            median_y.append(label)
            median_colour.append(_shade(colour, 0.3))
            fig.add_trace(
                go.Box(
                    y=[label],
                    q1=[p25],
                    median=[p50],
                    q3=[p75],
                    lowerfence=[p1],
                    upperfence=[p99],
                    mean=[float(latency.mean())],
                    orientation="h",
                    boxmean=True,
                    fillcolor=_tint(colour, 0.35),
                    line={"color": _shade(colour, 0.3), "width": 2},
                    width=0.5,
                    name=workload.id,
                    hoverinfo="x",
                    meta={"kind": "latency", "workload": workload.id, "tier": tier},
                    showlegend=False,
                )
            )
            share = stats["slo_violation_share"] or 0.0
            note = f"p95 {_latency_ms(p95)} · <b>{share * 100:.3g} %</b> over SLO"
            note_colour = _SLO_COLOUR if share > 0 else "#333"
            slo_text.append(
                f"<b>{workload.id}</b>: SLO {_latency_ms(slo_ms)}<br>"
                f"{share * 100:.3g} % of {len(latency)} requests over it"
            )
        else:
            note, note_colour = "no completed requests after the warm-up", "#777"
            slo_text.append(f"<b>{workload.id}</b>: SLO {_latency_ms(slo_ms)}")
        fig.add_annotation(
            x=1.01,
            xref="paper",
            xanchor="left",
            y=label,
            yref="y",
            text=note,
            showarrow=False,
            font={"size": 12, "color": note_colour},
        )
    fig.add_trace(  # the box of a workload with one latency collapses: the median still shows
        go.Scatter(
            x=median_x,
            y=median_y,
            mode="markers",
            marker={"symbol": "diamond", "size": 9, "color": median_colour},
            hoverinfo="skip",
            name="median",
            meta={"kind": "latency-median"},
            showlegend=False,
        )
    )
    fig.add_trace(  # the slowest request, beyond the 99th-percentile whisker: never off-scale
        go.Scatter(
            x=slowest_x,
            y=slowest_y,
            mode="markers",
            marker={"symbol": "x-thin", "size": 9, "line": {"color": "#5f6673", "width": 2}},
            hovertext=slowest_text,
            hovertemplate="%{hovertext}<extra></extra>",
            name="slowest",
            meta={"kind": "latency-max"},
            showlegend=False,
        )
    )
    fig.add_trace(
        go.Scatter(
            x=slo_x,
            y=labels,
            mode="markers",
            marker={
                "symbol": "line-ns",
                "size": 34,
                "line": {"color": _SLO_COLOUR, "width": 3},
            },
            hovertext=slo_text,
            hovertemplate="%{hovertext}<extra></extra>",
            name="SLO",
            meta={"kind": "slo"},
            showlegend=False,
        )
    )
    # A scenario without workloads has no extremes: an empty axis from 1 ms to 1 s.
    x_axis = _log_ticks(
        min(extremes, default=1.0) / 1.4, max(extremes, default=1e3) * 1.4, _tick_ms
    )
    fig.update_layout(
        title={
            "text": "End-to-end latency per workload, after the warm-up"
            "<br><span style='font-size:12px'>box: 25th–75th percentile · whiskers: 1st–99th · "
            "◆ median, ┆ mean, × slowest · <span style='color:#c0392b'>red bar: SLO</span> · "
            "colour: tier of the last stage</span>",
            "x": 0.01,
        },
        font={"family": _FONT},
        modebar=MODEBAR,
        height=150 + 80 * max(len(labels), 1),
        margin={"l": 170, "r": 250, "t": 80, "b": 50},
        plot_bgcolor="white",
        paper_bgcolor="white",
        xaxis={
            **x_axis,
            "title": {"text": "latency (log scale)"},
            "gridcolor": "#e5e7eb",
        },
        yaxis={"autorange": "reversed", "type": "category", "showgrid": False},
    )
    return fig


@dataclass(frozen=True)
class Boundary:
    """A tier boundary the scenario has: between two tiers with nodes and no tier with nodes
    in between. ``through`` names the tiers without nodes that its traffic passes through;
    ``row`` holds the numbers (``up_bytes_per_s``, ...) of the summary's boundary entry."""

    low: str
    high: str
    through: tuple[str, ...]
    row: Mapping[str, Any]

    def label(self, names: Mapping[str, str], sep: str = " → ") -> str:
        """``'On-premises datacentre → Hyperscale cloud'``."""
        return f"{names.get(self.low, self.low)}{sep}{names.get(self.high, self.high)}"

    def through_text(self, names: Mapping[str, str]) -> str:
        """``'passes through Telco edge (MEC), which has no node'``, or ``''``."""
        passed = ", ".join(names.get(t, t) for t in self.through)
        return f"passes through {passed}, which has no node" if passed else ""


def scenario_boundaries(
    boundaries: Mapping[str, Mapping[str, Any]], tiers_present: Iterable[str] | None = None
) -> list[Boundary]:
    """The boundaries of a summary (keyed ``"far_edge|aggregation_edge"``, ...) that a scenario
    with nodes in ``tiers_present`` has, bottom to top; a tier without nodes merges the two
    boundaries around it into one that passes through it (both carry the same bytes). Below
    the lowest and above the highest tier with nodes there is no boundary. ``None``: all."""
    present = set(TIER_IDS if tiers_present is None else tiers_present)
    levels = [i for i, tier in enumerate(TIER_IDS) if tier in present]
    found = []
    for a, b in itertools.pairwise(levels):
        key = f"{TIER_IDS[a]}|{TIER_IDS[a + 1]}"
        if key in boundaries:
            found.append(
                Boundary(TIER_IDS[a], TIER_IDS[b], tuple(TIER_IDS[a + 1 : b]), boundaries[key])
            )
    return found


def boundary_figure(results: Results, catalogue: Catalogue | None = None) -> go.Figure:
    """Bytes per second going up across each tier boundary, next to shipping raw data up.

    For each boundary the scenario has (see :func:`scenario_boundaries`: a tier without nodes
    is passed through, not drawn) two bars on a log axis: what the run actually sent upward,
    and the counterfactual "every raw input byte goes to the cloud"; the saving in percent is
    written above them. Downward traffic is in the hover text.

    Parameters
    ----------
    results
        A run's results; the numbers are those of ``results.summary()["boundaries"]``.
    catalogue
        For the tiers' display names (default: the shipped catalogue).

    Returns
    -------
    go.Figure
        Bar traces ``meta={"kind": "boundary-actual"}`` and ``{"kind": "boundary-raw"}`` with
        one bar per boundary, bottom to top.
    """
    names = _tier_names(catalogue)
    tiers = {node.tier for node in results.scenario.nodes}
    boundaries = scenario_boundaries(results.boundary_summary(), tiers)
    x: list[str] = []
    actual: list[float | None] = []
    raw: list[float | None] = []
    actual_text: list[str] = []
    hover: list[str] = []
    colours: list[str] = []
    for boundary in boundaries:
        row, high, through = boundary.row, boundary.high, boundary.through_text(names)
        x.append(
            boundary.label(names, " →<br>")
            + (f"<br><span style='font-size:11px;color:#5f6673'>{through}</span>" * bool(through))
        )
        up, counterfactual = row["up_bytes_per_s"], row["raw_to_cloud_bytes_per_s"]
        actual.append(up if up > 0 else None)
        raw.append(counterfactual if counterfactual > 0 else None)
        actual_text.append(byte_rate_text(up))
        colours.append(TIER_COLOURS.get(high, _LINK_COLOUR))
        hover.append(
            f"<b>{boundary.label(names)}</b><br>"
            + (f"{through}<br>" if through else "")
            + f"up: {byte_rate_text(up)}<br>"
            f"down: {byte_rate_text(row['down_bytes_per_s'])}<br>"
            f"raw to cloud: {byte_rate_text(counterfactual)}<br>"
            f"saving: {saving_text(row['saving_percent'])}"
        )
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            x=x,
            y=raw,
            name="raw data shipped to the cloud (counterfactual)",
            marker={"color": _RAW_COLOUR},
            text=[byte_rate_text(v or 0.0) for v in raw],
            textposition="inside",
            insidetextanchor="end",
            hovertext=hover,
            hovertemplate="%{hovertext}<extra></extra>",
            meta={"kind": "boundary-raw"},
        )
    )
    fig.add_trace(
        go.Bar(
            x=x,
            y=actual,
            name="actually sent up in this run (colour: the tier above the boundary)",
            marker={"color": colours},
            text=actual_text,
            textposition="outside",
            hovertext=hover,
            hovertemplate="%{hovertext}<extra></extra>",
            meta={"kind": "boundary-actual"},
        )
    )
    if not boundaries:
        fig.add_annotation(
            text="The scenario has nodes in one tier only: no tier boundary to cross.",
            showarrow=False,
            xref="paper",
            yref="paper",
            font={"size": 14, "color": "#5f6673"},
        )
    positive = [v for v in (*actual, *raw) if v] or [1.0, 10.0]
    y_axis = _log_ticks(min(positive) / 4, max(positive) * 8, byte_rate_text)
    top = math.log10(max(positive))
    for label, row, sent in zip(x, (b.row for b in boundaries), actual, strict=True):
        saving: float | None = row["saving_percent"]
        if saving is None:
            text = "no raw data<br>crosses here"
        elif saving >= 0:
            text = f"<b>saves {saving_text(saving)}</b>"
        else:
            text = f"<b>{saving_text(-saving)} more</b><br>than raw"
        if sent is None and saving is not None:
            text += "<br>(nothing sent up)"
        fig.add_annotation(
            x=label,
            y=top + 0.5,
            text=text,
            showarrow=False,
            font={"size": 13, "color": _saving_colour(saving)},
        )
    fig.update_layout(
        title={
            "text": "Bandwidth saving at each tier boundary: actual upward bytes vs raw to cloud",
            "x": 0.01,
        },
        font={"family": _FONT},
        modebar=MODEBAR,
        barmode="group",
        bargap=0.25,
        height=520,
        margin={"l": 80, "r": 20, "t": 70, "b": 90},
        plot_bgcolor="white",
        paper_bgcolor="white",
        legend={"orientation": "h", "y": -0.2, "x": 0},
        yaxis={
            **y_axis,
            "title": {"text": "bytes per second (log scale)"},
            "gridcolor": "#e5e7eb",
        },
        uniformtext={"minsize": 9, "mode": "hide"},
    )
    return fig


def _coarsen(times: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Average runs of ``k`` consecutive bins (the last run may be shorter) so that a line has
    at most ``_MAX_POINTS`` points; return the times, values and ``k``."""
    k = max(1, math.ceil(len(values) / _MAX_POINTS))
    if k == 1:
        return times, values, 1
    starts = np.arange(0, len(values), k)
    sums = np.add.reduceat(values, starts)
    counts = np.diff(np.append(starts, len(values)))
    return times[starts], sums / counts, k


OUTAGE_COLOURS = {"fail": "#4b5563", "degrade": "#9ca3af"}
"""Colour of an outage window by kind: out of service (dark grey), or degraded (light grey).
Neutral on purpose: shading over a red "dropped" or grey "buffered" bar must not change what
the bar's colour says. Figures draw the band translucent with a border (solid: out of
service, dotted: degraded)."""
_OUTAGE_ENDS = {"restore": "fail", "degrade_end": "degrade"}
_OUTAGE_WORDS = {"fail": "out of service", "degrade": "degraded"}
_WARMUP_COLOUR = "#e8edf3"

SERIES_COLOURS = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#17becf",
    "#bcbd22",
    "#393b79",
    "#111111",
)
"""Ten distinct colours for the lines of one figure, none red (red means out of service) and
none grey (grey is for shading); beyond ten lines a colour comes back with another dash."""
_DASHES = ("solid", "dash", "dot", "dashdot", "longdash")


def series_style(index: int) -> tuple[str, str]:
    """(colour, dash) of the ``index``-th line of a figure: no two of the first fifty alike."""
    colour = SERIES_COLOURS[index % len(SERIES_COLOURS)]
    return colour, _DASHES[(index // len(SERIES_COLOURS)) % len(_DASHES)]


def outage_windows(events: Any, end_s: float) -> list[tuple[float, float, str, str]]:
    """(start, end, kind, element) of each failure (``fail`` ... ``restore``) or degradation
    (``degrade`` ... ``degrade_end``) in an event log; one still open ends at ``end_s``."""
    opened: dict[tuple[str, str], list[float]] = defaultdict(list)
    spans = []
    for t, kind, element in zip(events["t_s"], events["kind"], events["element"], strict=True):
        if kind in OUTAGE_COLOURS:
            opened[(kind, element)].append(float(t))
        elif kind in _OUTAGE_ENDS and opened[(_OUTAGE_ENDS[kind], element)]:
            start = opened[(_OUTAGE_ENDS[kind], element)].pop(0)
            spans.append((start, float(t), _OUTAGE_ENDS[kind], element))
    for (kind, element), starts in opened.items():
        spans.extend((t, end_s, kind, element) for t in starts)
    return sorted(spans)


@dataclass(frozen=True)
class OutageLabel:
    """One label over outage windows that share a start, end and kind: its text, the full
    hover text, and the row (0 = top) it sits in, or ``None`` when no row had room."""

    start: float
    end: float
    kind: str
    elements: tuple[str, ...]
    row: int | None

    @property
    def text(self) -> str:
        """``'wan'``, ``'vib-lan, cam-lan'`` or ``'line-gw +3'``."""
        if len(self.elements) <= 2:
            return ", ".join(self.elements)
        return f"{self.elements[0]} +{len(self.elements) - 1}"

    @property
    def hover(self) -> str:
        what = _OUTAGE_WORDS[self.kind]
        return (
            f"<b>{', '.join(self.elements)}</b> {what}<br>"
            f"{self.start:.4g} s to {self.end:.4g} s ({_duration(self.end - self.start)})"
        )


def outage_labels(
    windows: Sequence[tuple[float, float, str, str]],
    span_s: float,
    *,
    rows: int = 4,
    width_px: float = 800.0,
    char_px: float = 6.6,
    lead: Iterable[str] = (),
) -> list[OutageLabel]:
    """Labels for outage windows that never overprint: windows with the same start, end and
    kind share one label; each label takes the first of ``rows`` rows where it clears the one
    before it, assuming a plot ``width_px`` wide spanning ``span_s`` seconds; a label with no
    room gets ``row=None`` (its window is still drawn). Elements in ``lead`` (failed nodes,
    which take their links down with them) come first in a shared label."""
    first = set(lead)
    grouped: dict[tuple[float, float, str], list[str]] = defaultdict(list)
    for start, end, kind, element in windows:
        grouped[(start, end, kind)].append(element)
    for elements in grouped.values():
        elements.sort(key=lambda e: (e not in first, e))
    per_px = max(span_s, 1e-9) / width_px
    ends = [-math.inf] * rows
    labels = []
    for (start, end, kind), elements in sorted(grouped.items()):
        label = OutageLabel(start, end, kind, tuple(elements), None)
        extent = (len(label.text) * char_px + 10) * per_px
        row = next((r for r in range(rows) if ends[r] <= start), None)
        if row is not None:
            ends[row] = start + extent
        labels.append(dataclasses.replace(label, row=row))
    return labels


def _same_traffic(a: np.ndarray, b: np.ndarray) -> bool:
    """Two throughput series that would draw as one line on a log axis (within ~12 %)."""
    both = ~np.isnan(a) & ~np.isnan(b)
    if both.sum() < max(3, 0.5 * min((~np.isnan(a)).sum(), (~np.isnan(b)).sum())):
        return False
    return bool(np.median(np.abs(np.log10(a[both] / b[both]))) < 0.05)


def shade_outages(
    fig: go.Figure, results: Results, rows: Sequence[int] = (), *, warmup: bool = True
) -> list[str]:
    """Shade the warm-up (with ``warmup``) and every outage window of a run on ``fig`` (on the
    subplots ``rows`` of a one-column grid, or on its only plot): neutral grey bands with a
    border, solid for out of service and dotted for degraded, one per window; label the
    outages over the first plot in rows that never overprint (:func:`outage_labels`), with
    the window in each label's hover. Return notes for the figure's subtitle."""
    notes = []
    targets: list[dict[str, int]] = [{"row": row, "col": 1} for row in rows] or [{}]
    if warmup and results.warmup_s > 0:
        for target in targets:
            fig.add_vrect(
                x0=0,
                x1=results.warmup_s,
                fillcolor=_WARMUP_COLOUR,
                opacity=1,
                layer="below",
                line_width=0,
                **target,
            )
        notes.append(f"light band: warm-up ({_duration(results.warmup_s)})")
    windows = outage_windows(results.events, results.now_s)
    nodes = [node.id for node in results.scenario.nodes]
    labels = outage_labels(windows, max(results.now_s, 1e-9), lead=nodes)
    for label in labels:  # one band per window, however many elements share it
        start, end, kind = label.start, label.end, label.kind
        for target in targets:
            fig.add_vrect(
                x0=start,
                x1=max(end, start + 1e-9),
                fillcolor=OUTAGE_COLOURS[kind],
                opacity=0.10,
                line={
                    "color": OUTAGE_COLOURS[kind],
                    "width": 1,
                    "dash": "solid" if kind == "fail" else "dot",
                },
                **target,
            )
    hidden = [label for label in labels if label.row is None]
    for label in labels:
        if label.row is None:
            continue
        fig.add_annotation(
            x=label.start,
            xref="x",
            xanchor="left",
            y=1.0 - 0.075 * label.row,
            yref="y domain",
            yanchor="top",
            text=label.text,
            hovertext=label.hover,
            showarrow=False,
            font={"size": 11, "color": "#1d2330"},
            bgcolor="rgba(255,255,255,0.8)",
            bordercolor=OUTAGE_COLOURS[label.kind],
            borderwidth=1,
            borderpad=1,
        )
    kinds = {kind for _, _, kind, _ in windows}
    if "fail" in kinds:
        notes.append("grey band, solid edge: out of service")
    if "degrade" in kinds:
        notes.append("dotted edge: degraded")
    if hidden:
        notes.append(f"{len(hidden)} close outages unlabelled (see the events table)")
    return notes


def utilisation_figure(results: Results) -> go.Figure:
    """Compute utilisation per node and throughput per link direction over simulated time.

    Top: one line per node that did any work (busy server-seconds over available
    server-seconds, all instances of a group together), grouped by tier in the legend. Bottom:
    one line per link direction that carried traffic, in bit/s on a log axis, named by the
    direction of travel. Every line has its own colour (never red); a link direction that
    carries the same traffic as one drawn before it is dashed on top of it and named in the
    subtitle. Runs longer than 300 time bins are averaged over wider bins. The warm-up is a
    light band; outages are grey bands with a border (solid: out of service, dotted:
    degraded), labelled with their elements in rows that never overprint (hover a label for
    the window).

    Parameters
    ----------
    results
        A run's results (its ``nodes`` and ``links`` tables).

    Returns
    -------
    go.Figure
        Line traces ``meta={"kind": "utilisation", "node": id}`` and
        ``meta={"kind": "link-throughput", "link": id, "from": node, "to": node}``.
    """
    scenario = results.scenario
    names = _tier_names()
    fig = make_subplots(
        rows=2,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.12,
        subplot_titles=("Compute utilisation per node", "Link throughput per direction"),
    )
    nodes = results.nodes
    idle: list[str] = []
    bin_widths = {1}
    index = 0
    for node in sorted(scenario.nodes, key=lambda n: TIER_IDS.index(n.tier)):
        rows = nodes[nodes["node"] == node.id]
        busy = rows["utilisation"].to_numpy(dtype=float)
        if not len(busy) or not busy.any():
            idle.append(node.id)
            continue
        times, values, k = _coarsen(rows["t_s"].to_numpy(dtype=float), busy)
        bin_widths.add(k)
        colour, dash = series_style(index)
        index += 1
        fig.add_trace(
            go.Scatter(
                x=times,
                y=values * 100,
                mode="lines",
                line={"color": colour, "width": 2, "dash": dash},
                name=_node_label(node.id, node.count),
                legend="legend",
                legendgroup=node.tier,
                legendgrouptitle={"text": names.get(node.tier, node.tier)},
                hovertemplate=f"{node.id}: %{{y:.3g}} % at %{{x:.4g}} s<extra></extra>",
                meta={"kind": "utilisation", "node": node.id, "tier": node.tier},
            ),
            row=1,
            col=1,
        )
    links = results.links
    ends = {link.key: link.ends for link in scenario.links}
    quiet: list[str] = []
    bin_s = float(results.sim.plan.bin_s)
    peaks: list[float] = []
    drawn: list[tuple[str, np.ndarray]] = []
    overlaps: dict[str, list[str]] = defaultdict(list)
    for link_id, (a, b) in ends.items():
        for direction, (src, dst) in (("up", (a, b)), ("down", (b, a))):
            rows = links[(links["link"] == link_id) & (links["direction"] == direction)]
            sent = rows["bytes"].to_numpy(dtype=float)
            if not len(sent) or not sent.any():
                quiet.append(f"{src} → {dst}")
                continue
            times, values, k = _coarsen(rows["t_s"].to_numpy(dtype=float), sent)
            bits = np.where(values > 0, values * 8 / bin_s, np.nan)
            peaks.extend((float(np.nanmin(bits)), float(np.nanmax(bits))))
            sparse = np.isnan(bits).mean() > 0.5  # isolated points: a line would not show them
            name = f"{src} → {dst}"
            colour, dash = series_style(index)
            index += 1
            under = [other for other, series in drawn if _same_traffic(series, bits)]
            width = 1.8
            if under:  # dashed over the line it hides, in the order drawn
                dash = _DASHES[1 + (len(under) - 1) % (len(_DASHES) - 1)]
                width = 2.4
                overlaps[under[0]].append(name)
            drawn.append((name, bits))
            fig.add_trace(
                go.Scatter(
                    x=times,
                    y=bits,
                    mode="markers" if sparse else "lines",
                    line={"color": colour, "width": width, "dash": dash},
                    marker={"color": colour, "size": 6},
                    name=name,
                    legend="legend2",
                    hovertemplate=f"{link_id}, {name}: %{{y:.3s}}bit/s at %{{x:.4g}} s"
                    "<extra></extra>",
                    meta={"kind": "link-throughput", "link": link_id, "from": src, "to": dst},
                ),
                row=2,
                col=1,
            )
    notes = shade_outages(fig, results, (1, 2))
    if idle:
        notes.append("no compute work: " + ", ".join(idle))
    if quiet:
        notes.append(f"{len(quiet)} link directions carried nothing")
    width_s = max(bin_widths) * bin_s
    if width_s > bin_s:
        notes.append(f"averaged over {_duration(width_s)} bins")
    for base, over in overlaps.items():
        notes.append(f"{' and '.join(over)} carry the same traffic as {base} (dashed on top)")
    notes = textwrap.wrap(" · ".join(notes), 160, break_on_hyphens=False)
    fig.update_layout(
        title={
            "text": "Compute and network load over time",
            "subtitle": {"text": "<br>".join(notes), "font": {"size": 12}},
            "x": 0.01,
        },
        font={"family": _FONT},
        modebar=MODEBAR,
        height=780 + 16 * len(notes),
        margin={"l": 80, "r": 260, "t": 100 + 16 * len(notes), "b": 50},
        plot_bgcolor="white",
        paper_bgcolor="white",
        hovermode="closest",
        legend={"x": 1.02, "y": 1.0, "yanchor": "top", "title": {"text": "node"}},
        legend2={"x": 1.02, "y": 0.44, "yanchor": "top", "title": {"text": "link direction"}},
    )
    fig.update_yaxes(title_text="busy (%)", gridcolor="#e5e7eb", row=1, col=1, **number_axis(100.0))
    y_axis = _log_ticks(min(peaks or [1.0]) / 2, max(peaks or [10.0]) * 2, _rate)
    fig.update_yaxes(
        title_text="throughput (log scale)", gridcolor="#e5e7eb", row=2, col=1, **y_axis
    )
    fig.update_xaxes(gridcolor="#e5e7eb")
    fig.update_xaxes(title_text="simulated time (s)", row=2, col=1)
    return fig
