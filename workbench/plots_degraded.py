"""Figures of degraded-mode behaviour: what happened to requests while things were broken.

``timeline_figure`` stacks, per time bin, the requests served by the primary, by a fallback,
waiting in stores and dropped, with every failure window shaded; ``buffer_figure`` shows each
node's local store filling and draining. Both read a :class:`~workbench.sim.Results`.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go

from .plots import OUTAGE_COLOURS, outage_windows

OUTCOME_COLOURS = {
    "primary": "#2a9d8f",
    "fallback": "#e9c46a",
    "buffered": "#8d99ae",
    "dropped": "#e63946",
}


def failure_windows(results: Any) -> list[tuple[float, float, str]]:
    """(start, end, "kind:element") of every outage in the run; a window still open ends at
    `now`."""
    return [
        (start, end, f"{kind}:{element}")
        for start, end, kind, element in outage_windows(results.events, results.now_s)
    ]


def _shade(figure: go.Figure, results: Any) -> None:
    for start, end, key in failure_windows(results):
        kind, element = key.split(":", 1)
        figure.add_vrect(
            x0=start,
            x1=end,
            fillcolor=OUTAGE_COLOURS[kind],
            opacity=0.12,
            line_width=0,
            annotation_text=f"{element} {'down' if kind == 'fail' else 'degraded'}",
            annotation_position="top left",
            annotation_font_size=10,
        )


def timeline_figure(
    results: Any, bin_s: float | None = None, workload: str | None = None
) -> go.Figure:
    """Requests per bin by outcome (stacked), with the failure windows shaded; for every
    workload or one."""
    bin_s = bin_s or max(1.0, round(results.now_s / 120))
    table: pd.DataFrame = results.timeline(bin_s, workload)
    figure = go.Figure()
    for name in ("primary", "fallback", "buffered", "dropped"):
        figure.add_trace(
            go.Bar(
                x=table["t_s"] + bin_s / 2,
                y=table[name],
                name=name,
                marker_color=OUTCOME_COLOURS[name],
                width=bin_s,
                meta={"kind": f"timeline-{name}"},
                hovertemplate=f"{name}: %{{y}}<br>t = %{{x:.0f}} s<extra></extra>",
            )
        )
    _shade(figure, results)
    figure.update_layout(
        barmode="stack",
        bargap=0,
        title=(f"{workload}: " if workload else "All workloads: ")
        + f"requests per {bin_s:g} s by outcome (served, waiting in stores, dropped)",
        xaxis_title="simulated time (s)",
        yaxis_title="requests",
        legend_orientation="h",
        template="plotly_white",
        height=380,
    )
    return figure


def buffer_figure(results: Any) -> go.Figure:
    """Bytes waiting in each node's local store over time (step lines), failures shaded."""
    buffers: pd.DataFrame = results.buffers
    figure = go.Figure()
    for node, rows in buffers.groupby("node", sort=True):
        per_time = rows.groupby("t_s")["bytes"].sum().sort_index()
        times = [0.0, *per_time.index, results.now_s]
        values = [0.0, *per_time.to_numpy() / 1e6, float(per_time.iloc[-1]) / 1e6]
        figure.add_trace(
            go.Scatter(
                x=times,
                y=values,
                mode="lines",
                line_shape="hv",
                name=str(node),
                meta={"kind": "buffer", "node": str(node)},
                hovertemplate=f"{node}: %{{y:.3g}} MB at %{{x:.1f}} s<extra></extra>",
            )
        )
    _shade(figure, results)
    empty = buffers.empty
    figure.update_layout(
        title="Local stores: MB waiting for a link to return"
        + (" (nothing had to wait)" if empty else ""),
        xaxis_title="simulated time (s)",
        yaxis_title="MB stored",
        template="plotly_white",
        height=320,
    )
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
    "OUTCOME_COLOURS",
    "affected_workloads",
    "buffer_figure",
    "failure_windows",
    "timeline_figure",
]
