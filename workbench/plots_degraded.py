"""Figures of degraded-mode behaviour: what happened to requests while things were broken.

``timeline_figure`` stacks, per time bin, the requests served by the primary, by a fallback,
waiting in stores and dropped, with every failure window shaded; ``buffer_figure`` shows each
node's local store filling and draining. Both read a :class:`~workbench.sim.Results`; both
start from ``timeline_frame`` / ``buffer_frame`` (titles, units, axes, no data), which the
live dashboard fills bin by bin, so the report and the dashboard look alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from .plots import OUTAGE_COLOURS, outage_windows
from .plots_live import (
    GRID,
    base_layout,
    byte_axis,
    byte_text,
    count_axis,
    outage_marks,
    time_axis,
    warmup_shapes,
)

OUTCOME_COLOURS = {
    "primary": "#2a9d8f",
    "fallback": "#e9c46a",
    "buffered": "#8d99ae",
    "dropped": "#e63946",
}
OUTCOMES = ("primary", "fallback", "buffered", "dropped")
TRACE_COLOURS = ("#1f77b4", "#9467bd", "#8c564b", "#17becf", "#bcbd22", "#7f7f7f")


def failure_windows(results: Any) -> list[tuple[float, float, str]]:
    """(start, end, "kind:element") of every outage in the run; a window still open ends at
    `now`."""
    return [
        (start, end, f"{kind}:{element}")
        for start, end, kind, element in outage_windows(results.events, results.now_s)
    ]


def timeline_title(bin_s: float, workload: str | None = None) -> str:
    """The degraded-mode figure's title (with its unit: requests per bin)."""
    who = f"{workload}: " if workload else "All workloads: "
    return who + f"requests per {bin_s:g} s by outcome (served, waiting in stores, dropped)"


def timeline_frame(
    bin_s: float, until_s: float, *, workload: str | None = None, warmup_s: float = 0.0
) -> go.Figure:
    """The degraded-mode figure without data: one stacked bar series per outcome, titled
    axes (simulated time, requests per bin) and scales from the start. The report fills it
    at once; the live dashboard appends bins as the run goes."""
    figure = go.Figure()
    for name in OUTCOMES:
        figure.add_trace(
            go.Bar(
                x=[], y=[], name=name, marker_color=OUTCOME_COLOURS[name], width=bin_s,
                marker_line_width=0, meta={"kind": f"timeline-{name}"},
                hovertemplate=f"{name}: %{{y}}<br>t = %{{x:.0f}} s<extra></extra>",
            )
        )  # fmt: skip
    layout = base_layout(timeline_title(bin_s, workload), height=360)
    figure.update_layout(**layout, barmode="stack", bargap=0, hovermode="closest")
    figure.update_layout(legend={"traceorder": "normal"})
    figure.update_xaxes(**time_axis(until_s))
    figure.update_yaxes(**count_axis(0), title_text=f"requests per {bin_s:g} s", gridcolor=GRID)
    figure.update_layout(shapes=warmup_shapes(warmup_s))
    return figure


def _shade(figure: go.Figure, results: Any, bin_s: float = 0.0) -> None:
    windows = outage_windows(results.events, results.now_s)
    shapes, labels = outage_marks(
        windows, OUTAGE_COLOURS, min_width_s=bin_s / 4, span_s=max(results.now_s, 1.0)
    )
    figure.update_layout(
        shapes=[*figure.layout.shapes, *shapes], annotations=[*figure.layout.annotations, *labels]
    )


def timeline_figure(
    results: Any, bin_s: float | None = None, workload: str | None = None
) -> go.Figure:
    """Requests per bin by outcome (stacked), with the failure windows shaded; for every
    workload or one."""
    bin_s = bin_s or max(1.0, round(results.now_s / 120))
    table: pd.DataFrame = results.timeline(bin_s, workload)
    figure = timeline_frame(
        bin_s, results.now_s, workload=workload, warmup_s=results.scenario.simulation.warmup_s
    )
    top = 0.0
    for trace, name in zip(figure.data, OUTCOMES, strict=True):
        trace.x = table["t_s"] + bin_s / 2
        trace.y = table[name]
    if len(table):
        top = float(table[list(OUTCOMES)].sum(axis=1).max())
    figure.update_yaxes(**count_axis(top))
    _shade(figure, results, bin_s)
    return figure


def buffer_title(empty: bool = False) -> str:
    return "Local stores: bytes waiting for a link to return" + (
        " (nothing had to wait)" if empty else ""
    )


def buffer_frame(
    nodes: Sequence[tuple[str, str]], until_s: float, *, warmup_s: float = 0.0
) -> go.Figure:
    """The store-occupancy figure without data: one step line per (node, colour), a byte axis
    (B/kB/MB/GB) from 0 and the run's time axis, ready before any data arrives."""
    figure = go.Figure()
    for node, colour in nodes:
        figure.add_trace(
            go.Scatter(
                x=[], y=[], mode="lines", line_shape="hv", name=node,
                line={"width": 2, "color": colour}, meta={"kind": "buffer", "node": node},
                customdata=[],
                hovertemplate=f"{node}: %{{customdata}} at %{{x:.1f}} s<extra></extra>",
            )
        )  # fmt: skip
    figure.update_layout(**base_layout(buffer_title(), height=330), hovermode="closest")
    figure.update_xaxes(**time_axis(until_s))
    figure.update_yaxes(**byte_axis(0), title_text="bytes held", gridcolor=GRID)
    figure.update_layout(shapes=warmup_shapes(warmup_s))
    return figure


def store_steps(rows: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(times, bytes held in all instances of one node's store) at every change, in order;
    several changes at one instant keep the last."""
    if rows.empty:
        return np.empty(0), np.empty(0)
    change = rows.groupby("instance", sort=False)["bytes"].diff()
    change = change.fillna(rows["bytes"]).to_numpy(dtype=float)
    times = rows["t_s"].to_numpy(dtype=float)
    order = np.argsort(times, kind="stable")
    times, held = times[order], np.cumsum(change[order])
    last = np.r_[times[1:] != times[:-1], True]
    return times[last], held[last]


def buffer_figure(results: Any) -> go.Figure:
    """Bytes waiting in each node's local store over time (step lines), failures shaded."""
    buffers: pd.DataFrame = results.buffers
    nodes = sorted(str(n) for n in buffers["node"].unique()) if not buffers.empty else []
    figure = buffer_frame(
        [(n, TRACE_COLOURS[i % len(TRACE_COLOURS)]) for i, n in enumerate(nodes)],
        results.now_s,
        warmup_s=results.scenario.simulation.warmup_s,
    )
    top = 0.0
    for trace, node in zip(figure.data, nodes, strict=True):
        times, held = store_steps(buffers[buffers["node"] == node])
        trace.x = np.r_[0.0, times, results.now_s]
        trace.y = np.r_[0.0, held, held[-1] if len(held) else 0.0]
        trace.customdata = [byte_text(v) for v in trace.y]
        top = max(top, float(np.max(trace.y)))
    figure.update_yaxes(**byte_axis(top))
    figure.update_layout(title_text=buffer_title(buffers.empty))
    _shade(figure, results)
    return figure


def affected_workloads(results: Any, limit: int = 3) -> list[str]:
    """The workloads whose requests fell back, waited in a store or were dropped, most
    affected first."""
    table = results.requests
    touched = table["outcome"].isin(["fallback", "buffered"]) | (table["state"] == "dropped")
    scores = table.loc[touched, "workload"].astype(str).value_counts().to_dict()
    for wait in results.sim.waits:
        name = wait.run.plan.workload.id
        scores[name] = scores.get(name, 0) + 1
    return sorted(scores, key=lambda name: -scores[name])[:limit]


__all__ = [
    "OUTCOMES",
    "OUTCOME_COLOURS",
    "affected_workloads",
    "buffer_figure",
    "buffer_frame",
    "failure_windows",
    "store_steps",
    "timeline_figure",
    "timeline_frame",
]
