"""The Pareto page of a sweep: each workload's latency against cost and against WAN bandwidth,
its SLO marked, the Pareto front (no design both faster and cheaper) highlighted.

Latency is on a log axis in ms and s (a sweep spans milliseconds to minutes), WAN traffic in
B/s, kB/s, MB/s, cost in dollars: never an SI prefix such as "200k ms" or "1.2M".
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .plots import _latency_ms, _log_ticks, _tick_ms, byte_rate_text
from .plots_live import byte_text, linear_axis

AXES = {  # column -> axis title; each is plotted against each workload's latency
    "cost_usd_per_month": "cost (USD per month)",
    "wan_bytes_per_s": "WAN bytes per second (up + down, leaving the premises)",
}


def design_means(table: pd.DataFrame, value_columns: list[str]) -> pd.DataFrame:
    """One row per design: numbers averaged over seeds, design values kept."""
    numeric = [
        c
        for c in table.columns
        if c not in value_columns
        and c not in ("design", "seed")
        and pd.api.types.is_numeric_dtype(table[c])
        and not pd.api.types.is_bool_dtype(table[c])
    ]
    grouped = table.groupby("design", sort=True)
    out = grouped[numeric].mean()
    for column in [*value_columns, "status"]:
        if column in table:
            out[column] = grouped[column].first()
    if "all_slos_met" in table:
        out["all_slos_met"] = grouped["all_slos_met"].all()
    return out.reset_index()


def pareto_front(x: pd.Series, y: pd.Series) -> pd.Series:
    """True for the points that no other point beats on both (lower is better on each).

    >>> list(pareto_front(pd.Series([1, 2, 3, 2, None]), pd.Series([5, 3, 4, 6, 1])))
    [True, True, False, False, False]
    """
    front = pd.Series(False, index=x.index)
    known = [i for i in range(len(x)) if not (pd.isna(x.iloc[i]) or pd.isna(y.iloc[i]))]
    best = float("inf")
    for i in sorted(known, key=lambda i: (x.iloc[i], y.iloc[i])):
        if y.iloc[i] < best:
            best = y.iloc[i]
            front.iloc[i] = True
    return front


def missed_slos(table: pd.DataFrame) -> list[str]:
    """Per design (in design order): the workloads that missed their SLO in any seed."""
    flags = sorted(c for c in table.columns if c.endswith(".meets_slo"))
    missed = table.groupby("design", sort=True)[flags].all() if flags else None
    if missed is None:
        return [""] * table["design"].nunique()
    return [
        ", ".join(c.removesuffix(".meets_slo") for c in flags if not bool(row[c]))
        for _, row in missed.iterrows()
    ]


def latency_column(table: pd.DataFrame, workload: str) -> tuple[str, str]:
    """The p95 latency when simulated, else the estimate's mean."""
    p95 = f"{workload}.latency_p95_s"
    if p95 in table and table[p95].notna().any():
        return p95, "p95 latency"
    return f"{workload}.latency_mean_s", "mean latency, estimated"


def pareto_figure(
    table: pd.DataFrame,
    value_columns: list[str],
    *,
    workloads: Sequence[str] | None = None,
    axes: Sequence[str] | None = None,
) -> go.Figure:
    """Rows: workloads; columns: cost and WAN bytes; y: latency (ms) with the SLO line.

    ``workloads`` keeps only those workloads' rows (in that order; default all), ``axes`` only
    those x columns of :data:`AXES` (e.g. ``["cost_usd_per_month"]``; default every one the
    table has). The Pareto front and the crosses still judge every SLO (``all_slos_met``).
    An unknown workload or axis raises ``ValueError`` naming it.
    """
    designs = design_means(table, value_columns)
    known = sorted({c.rsplit(".", 1)[0] for c in table.columns if c.endswith(".slo_s")})
    shown = known if workloads is None else list(workloads)
    for w in shown:
        if w not in known:
            raise ValueError(
                f"no workload {w!r} in the sweep table; it has {', '.join(known) or 'none'}"
            )
    if axes is not None:
        for a in axes:
            if a not in AXES:
                raise ValueError(f"unknown axis {a!r}; choose from {', '.join(AXES)}")
    wanted = AXES if axes is None else {a: AXES[a] for a in axes}
    axes_shown = {k: v for k, v in wanted.items() if k in designs and designs[k].notna().any()}
    fig = make_subplots(
        rows=max(1, len(shown)),
        cols=max(1, len(axes_shown)),
        subplot_titles=[
            f"{w}: latency vs {t.split(' (')[0]}" for w in shown for t in axes_shown.values()
        ],
        vertical_spacing=min(0.12, 0.5 / max(1, len(shown))),
    )
    labels = (
        designs[value_columns]
        .astype(str)
        .apply(lambda r: "<br>".join(f"{k} = {v}" for k, v in r.items()), axis=1)
        if value_columns
        else designs["design"].astype(str)
    )
    meets = designs.get("all_slos_met", pd.Series(True, index=designs.index)).astype(bool)
    # The front of the designs that meet every SLO (of all, when none does: said in its name).
    pool = meets if meets.any() else pd.Series(True, index=designs.index)
    front_name = "Pareto front" if meets.any() else "Pareto front (no design meets every SLO)"
    in_legend: set[str] = set()  # each legend entry once
    for row, workload in enumerate(shown, start=1):
        column, kind = latency_column(designs, workload)
        y = designs[column] * 1e3
        slo = designs[f"{workload}.slo_s"].iloc[0] * 1e3
        y_axis = latency_axis([*y.dropna(), slo])
        for col, (x_column, title) in enumerate(axes_shown.items(), start=1):
            x = designs[x_column]
            hover = labels + "<br>" + x.map(AXIS_TEXT[x_column]) + ", " + y.map(latency_text)
            front = pareto_front(x[pool], y[pool]).reindex(designs.index, fill_value=False)
            finite = y.map(math.isfinite)
            ceiling = 10 ** (y_axis["range"][1] - 0.05)  # no steady state: drawn at the top
            for subset, name, symbol, colour in (
                (meets & finite, "meets every SLO", "circle", "#1f77b4"),
                (~meets & finite, "misses an SLO", "x", "#d62728"),
                (~finite & y.notna(), "overloaded (its queues grow)", "triangle-up", "#d62728"),
            ):
                if name.startswith("overloaded") and not subset.any():
                    continue
                fig.add_trace(
                    go.Scatter(
                        x=x[subset],
                        y=y[subset].where(finite[subset], ceiling),
                        mode="markers",
                        name=name,
                        legendgroup=name,
                        showlegend=name not in in_legend,
                        marker={"symbol": symbol, "size": 8, "color": colour, "opacity": 0.6},
                        text=hover[subset],
                        hovertemplate="%{text}<extra></extra>",
                    ),
                    row=row,
                    col=col,
                )
                in_legend.add(name)
            ordered = designs[front].assign(_x=x[front], _y=y[front]).sort_values("_x")
            fig.add_trace(
                go.Scatter(
                    x=ordered["_x"],
                    y=ordered["_y"],
                    mode="lines+markers",
                    name=front_name,
                    legendgroup="front",
                    showlegend=row == 1 and col == 1,
                    line={"color": "#2ca02c", "width": 2},
                    marker={"size": 12, "color": "#2ca02c", "line": {"width": 1, "color": "black"}},
                    text=hover.loc[ordered.index],
                    hovertemplate="Pareto front<br>%{text}<extra></extra>",
                ),
                row=row,
                col=col,
            )
            # The SLO: a dashed line (shapes take data values on a log axis) and its label
            # (annotations take the logarithm there).
            fig.add_hline(y=slo, line_dash="dash", line_color="#d62728", row=row, col=col)
            fig.add_annotation(
                text=f"SLO {_tick_ms(slo)}",
                x=0,
                xref=f"x{_axis_suffix(row, col, len(axes_shown))} domain",
                xanchor="left",
                y=math.log10(slo),
                yref=f"y{_axis_suffix(row, col, len(axes_shown))}",
                yanchor="bottom",
                showarrow=False,
                font={"color": "#d62728", "size": 11},
            )
            fig.update_xaxes(title_text=title, row=row, col=col, **x_axis(x_column, x))
            fig.update_yaxes(title_text=f"{kind} (log scale)", row=row, col=col, **y_axis)
    fig.update_layout(
        height=max(400, 320 * len(shown)),
        template="plotly_white",
        margin={"t": 60, "l": 70, "r": 20, "b": 40},
    )
    return fig


AXIS_TEXT = {  # column -> how one value of it reads in a hover
    "cost_usd_per_month": lambda v: f"${v:,.2f} a month",
    "wan_bytes_per_s": lambda v: f"{byte_rate_text(v)} over the WAN",
}


def latency_text(value_ms: float) -> str:
    """'12.5 ms', '3.20 s', or 'no steady state' for an overloaded design's estimate."""
    if not math.isfinite(value_ms):
        return "no steady state (overloaded)"
    return _latency_ms(value_ms)


def latency_axis(values_ms: Sequence[float]) -> dict[str, Any]:
    """A log axis in ms and s that holds every value (and the SLO) with room either side."""
    known = [v for v in values_ms if v > 0 and math.isfinite(v)] or [1.0]
    return _log_ticks(min(known) / 1.6, max(known) * 1.6, _tick_ms)


def x_axis(column: str, values: pd.Series) -> dict[str, Any]:
    """Dollars with thousands separators for cost; B/s to GB/s from zero for WAN traffic."""
    if column == "wan_bytes_per_s":
        top = float(values.max()) if values.notna().any() else 0.0
        return linear_axis(top, lambda v: byte_text(v, "/s"), 1e3)
    return {"tickprefix": "$", "separatethousands": True, "exponentformat": "none"}


def _front_sentence(table: pd.DataFrame) -> str:
    """What the green line joins, for this table."""
    if "all_slos_met" in table and not table.empty and not table["all_slos_met"].any():
        return (
            "<b>No design meets every SLO</b>, so the green line (the Pareto front) joins the "
            "designs that no other design beats on both axes, among all of them; the table's "
            "<code>misses</code> column names the workloads over their SLO in each design."
        )
    return (
        "the green line joins the designs that meet every SLO and that no other such design "
        "beats on both axes (the Pareto front)."
    )


def _axis_suffix(row: int, col: int, cols: int) -> str:
    """The axis number plotly gives the subplot at (row, col): '' for the first."""
    index = (row - 1) * cols + col
    return "" if index == 1 else str(index)


def pareto_page(table: pd.DataFrame, plan: Any) -> str:
    """A self-contained HTML page: what was swept, the Pareto figure, the designs' table."""
    value_columns = [v.path for v in plan.variations]
    head = (
        f"<h1>Sweep of {html.escape(plan.name)}</h1><p>{len(plan.designs)} designs x "
        f"{len(plan.seeds)} seed(s) = {len(table)} rows, "
        f"{'closed-form estimate' if plan.estimate_only else 'simulation'}. Varied: "
        + ", ".join(
            f"<code>{html.escape(v.path)}</code> = " + html.escape(", ".join(map(str, v.values)))
            for v in plan.variations
        )
        + ". Lower and further left is better; "
        + _front_sentence(table)
        + " Crosses miss an SLO; the dashed red line is the workload's SLO.</p>"
    )
    if table.empty:
        return f"<!doctype html><html><body>{head}<p>No rows.</p></body></html>"
    figure = pareto_figure(table, value_columns).to_html(full_html=False, include_plotlyjs=True)
    designs = design_means(table, value_columns)
    designs.insert(1, "misses", missed_slos(table))
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>Sweep: "
        f"{html.escape(plan.name)}</title></head><body style='font-family:sans-serif'>"
        f"{head}{figure}<h2>Designs (means over seeds)</h2>"
        f"{designs.to_html(index=False, float_format=lambda v: f'{v:.4g}')}</body></html>"
    )
