"""The Pareto page of a sweep: each workload's latency against cost and against WAN bandwidth,
its SLO marked, the Pareto front (no design both faster and cheaper) highlighted."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

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


def latency_column(table: pd.DataFrame, workload: str) -> tuple[str, str]:
    """The p95 latency when simulated, else the estimate's mean."""
    p95 = f"{workload}.latency_p95_s"
    if p95 in table and table[p95].notna().any():
        return p95, "p95 latency"
    return f"{workload}.latency_mean_s", "mean latency (estimate)"


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
    for row, workload in enumerate(shown, start=1):
        column, kind = latency_column(designs, workload)
        y = designs[column] * 1e3
        slo = designs[f"{workload}.slo_s"].iloc[0] * 1e3
        for col, (x_column, title) in enumerate(axes_shown.items(), start=1):
            x = designs[x_column]
            meets = designs.get("all_slos_met", pd.Series(True, index=designs.index)).astype(bool)
            # The front of the designs that meet every SLO (of all, when none does).
            pool = meets if meets.any() else pd.Series(True, index=designs.index)
            front = pareto_front(x[pool], y[pool]).reindex(designs.index, fill_value=False)
            for subset, name, symbol in (
                (meets, "meets every SLO", "circle"),
                (~meets, "misses an SLO", "x"),
            ):
                fig.add_trace(
                    go.Scatter(
                        x=x[subset],
                        y=y[subset],
                        mode="markers",
                        name=name,
                        legendgroup=name,
                        showlegend=row == 1 and col == 1,
                        marker={
                            "symbol": symbol,
                            "size": 8,
                            "color": "#1f77b4" if symbol == "circle" else "#d62728",
                            "opacity": 0.6,
                        },
                        text=labels[subset],
                        hovertemplate="%{text}<br>%{x:.4g}, %{y:.4g} ms<extra></extra>",
                    ),
                    row=row,
                    col=col,
                )
            ordered = designs[front].assign(_x=x[front], _y=y[front]).sort_values("_x")
            fig.add_trace(
                go.Scatter(
                    x=ordered["_x"],
                    y=ordered["_y"],
                    mode="lines+markers",
                    name="Pareto front",
                    legendgroup="front",
                    showlegend=row == 1 and col == 1,
                    line={"color": "#2ca02c", "width": 2},
                    marker={"size": 12, "color": "#2ca02c", "line": {"width": 1, "color": "black"}},
                    text=labels[front].loc[ordered.index],
                    hovertemplate="Pareto front<br>%{text}<extra></extra>",
                ),
                row=row,
                col=col,
            )
            fig.add_hline(
                y=slo,
                line_dash="dash",
                line_color="#d62728",
                row=row,
                col=col,
                annotation_text=f"SLO {slo:.4g} ms",
                annotation_position="top left",
            )
            fig.update_xaxes(title_text=title, row=row, col=col)
            fig.update_yaxes(title_text=f"{kind} (ms)", row=row, col=col)
    fig.update_layout(
        height=max(400, 320 * len(shown)),
        template="plotly_white",
        margin={"t": 60, "l": 60, "r": 20, "b": 40},
    )
    return fig


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
        + ". Lower and further left is better; the green line joins the designs that meet "
        "every SLO and that no other such design beats on both axes (the Pareto front); "
        "crosses miss an SLO; the dashed red line is the workload's SLO.</p>"
    )
    if table.empty:
        return f"<!doctype html><html><body>{head}<p>No rows.</p></body></html>"
    figure = pareto_figure(table, value_columns).to_html(full_html=False, include_plotlyjs=True)
    designs = design_means(table, value_columns)
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>Sweep: "
        f"{html.escape(plan.name)}</title></head><body style='font-family:sans-serif'>"
        f"{head}{figure}<h2>Designs (means over seeds)</h2>"
        f"{designs.to_html(index=False, float_format=lambda v: f'{v:.4g}')}</body></html>"
    )
