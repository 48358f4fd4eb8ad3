"""Figures and text of a run's energy and cost (the ``energy`` and ``cost`` summary sections).

:func:`energy_figure` and :func:`cost_figure` draw one bar per tier (stacked by where the
energy or money goes), the cost figure with the raw-to-cloud counterfactual as a last bar;
:func:`cost_line` and :func:`status_text` are the one-line summaries ``workbench run`` prints
and the JupyterLab status area shows.

Examples
--------
>>> summary = {"energy": {"average_power_w": 1160.7, "per_inference_j": 6.92},
...            "cost": {"total_usd_per_month": 1432.9, "per_1000_inferences_usd": 0.00325,
...                     "raw_to_cloud": {"total_usd": 403.1}}}
>>> for part in status_text(summary).split("; "):
...     print(part)
energy 1.16 kW (6.92 J per inference)
cost $1,433 a month ($0.0032 per 1,000 inferences)
raw to cloud $403 a month
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import plotly.graph_objects as go

from .catalogue import Catalogue
from .plots import TIER_COLOURS, _tier_names

__all__ = [
    "cost_figure",
    "cost_line",
    "energy_figure",
    "joules",
    "money",
    "size_text",
    "status_text",
    "watts",
]

_RAW_COLOUR = "#b8bdc6"
_ENERGY_PARTS = (("compute_j", "compute", 1.0), ("radio_j", "radio", 0.55))
_COST_PARTS = (
    ("hardware_usd", "hardware (amortised or rented)", 1.0),
    ("electricity_usd", "electricity", 0.7),
    ("transfer_usd", "data transfer", 0.5),
    ("egress_usd", "cloud egress", 0.35),
)


def money(usd: float | None) -> str:
    """'$1,433', '$0.0033', '–' for None."""
    if usd is None:
        return "–"
    if abs(usd) >= 100:
        return f"${usd:,.0f}"
    if abs(usd) >= 1:
        return f"${usd:,.2f}"
    return f"${usd:.2g}" if usd else "$0"


def watts(power_w: float | None) -> str:
    """'1.16 kW', '52 mW'."""
    if power_w is None:
        return "–"
    for factor, unit in ((1e6, "MW"), (1e3, "kW"), (1.0, "W"), (1e-3, "mW")):
        if abs(power_w) >= factor:
            return f"{power_w / factor:.3g} {unit}"
    return f"{power_w * 1e6:.3g} µW"


def size_text(n_bytes: float) -> str:
    """'724 TB', '4.46 TB', '1.5 MB' (decimal units up to EB)."""
    for factor, unit in ((1e18, "EB"), (1e15, "PB"), (1e12, "TB"), (1e9, "GB"), (1e6, "MB"),
                         (1e3, "kB")):  # fmt: skip
        if abs(n_bytes) >= factor:
            return f"{n_bytes / factor:.3g} {unit}"
    return f"{n_bytes:.3g} B"


def joules(value: float | None) -> str:
    if value is None:
        return "–"
    for factor, unit in ((3.6e6, "kWh"), (1e3, "kJ"), (1.0, "J"), (1e-3, "mJ")):
        if abs(value) >= factor:
            return f"{value / factor:.3g} {unit}"
    return f"{value * 1e6:.3g} µJ"


def status_text(summary: Mapping[str, Any]) -> str:
    """One line: average power, energy per inference, monthly cost, cost per 1,000 inferences
    and the raw-to-cloud counterfactual's monthly cost."""
    energy, cost = summary["energy"], summary["cost"]
    return (
        f"energy {watts(energy['average_power_w'])} ({joules(energy['per_inference_j'])} per "
        f"inference); cost {money(cost['total_usd_per_month'])} a month "
        f"({money(cost['per_1000_inferences_usd'])} per 1,000 inferences); raw to cloud "
        f"{money(cost['raw_to_cloud']['total_usd'])} a month"
    )


def cost_line(summary: Mapping[str, Any]) -> list[str]:
    """The lines ``workbench run`` prints about energy and cost."""
    cost = summary["cost"]
    lines = ["", status_text(summary)]
    battery = [
        f"{node}: {row['battery_life_days']:.3g} days"
        for node, row in summary["energy"]["nodes"].items()
        if row.get("battery_life_days") is not None
    ]
    if battery:
        lines.append("battery life: " + ", ".join(battery))
    if cost["unpriced"]:
        lines.append("no price for hardware " + ", ".join(cost["unpriced"]) + " (electricity only)")
    return lines


def _tier_order(rows: Mapping[str, Any], catalogue: Catalogue | None) -> list[str]:
    return [tier for tier in _tier_names(catalogue) if tier in rows]


def energy_figure(summary: Mapping[str, Any], catalogue: Catalogue | None = None) -> go.Figure:
    """Average power per tier over the measured window, compute and radio stacked.

    Traces carry ``meta={"kind": "energy-compute"}`` and ``{"kind": "energy-radio"}``, one bar
    per tier that has nodes, nearest the data first."""
    names = _tier_names(catalogue)
    energy = summary["energy"]
    tiers = _tier_order(energy["tiers"], catalogue)
    window = energy["window_s"] or 1.0
    fig = go.Figure()
    for key, label, opacity in _ENERGY_PARTS:
        power = [energy["tiers"][t][key] / window for t in tiers]
        fig.add_trace(
            go.Bar(
                x=[names[t] for t in tiers],
                y=power,
                name=label,
                marker={"color": [TIER_COLOURS.get(t, "#999") for t in tiers]},
                opacity=opacity,
                text=[watts(p) if p else "" for p in power],
                hovertemplate="%{x}: %{text} " + label + "<extra></extra>",
                meta={"kind": f"energy-{label}"},
            )
        )
    fig.update_layout(
        barmode="stack",
        title={"text": "Average power per tier (compute and radio)", "x": 0.01},
        yaxis={"title": {"text": "average power (W)"}},
        showlegend=True,
        template="plotly_white",
        height=360,
        margin={"l": 60, "r": 20, "t": 50, "b": 40},
    )
    return fig


def cost_figure(summary: Mapping[str, Any], catalogue: Catalogue | None = None) -> go.Figure:
    """Cost per month per tier, stacked by hardware, electricity, transfer and egress, and a
    last bar for the counterfactual "ship every raw byte to the cloud" (transfer + cloud GPU).

    Traces: ``meta={"kind": "cost-<part>"}`` per part and ``{"kind": "cost-raw-to-cloud"}``."""
    names = _tier_names(catalogue)
    cost = summary["cost"]
    tiers = _tier_order(cost["tiers"], catalogue)
    x = [names[t] for t in tiers]
    raw_label = "raw to cloud (counterfactual)"
    fig = go.Figure()
    for key, label, opacity in _COST_PARTS:
        values = [cost["tiers"][t][key] for t in tiers]
        fig.add_trace(
            go.Bar(
                x=x,
                y=values,
                name=label,
                marker={"color": [TIER_COLOURS.get(t, "#999") for t in tiers]},
                opacity=opacity,
                customdata=[money(v) for v in values],
                hovertemplate="%{x}: %{customdata} a month, " + label + "<extra></extra>",
                meta={"kind": f"cost-{key.removesuffix('_usd')}"},
            )
        )
    raw = cost["raw_to_cloud"]
    parts = (("transfer_usd", "transfer of raw data"), ("cloud_gpu_usd", "cloud GPU time"))
    for index, (key, label) in enumerate(parts):
        fig.add_trace(
            go.Bar(
                x=[raw_label],
                y=[raw[key]],
                name=f"counterfactual: {label}",
                marker={"color": _RAW_COLOUR},
                opacity=1.0 if index else 0.6,
                customdata=[money(raw[key])],
                hovertemplate="%{customdata} a month, " + label + "<extra></extra>",
                meta={"kind": "cost-raw-to-cloud"},
            )
        )
    totals = [cost["tiers"][t]["total_usd"] for t in tiers] + [raw["total_usd"]]
    fig.add_trace(
        go.Scatter(
            x=[*x, raw_label],
            y=totals,
            mode="text",
            text=[money(v) for v in totals],
            textposition="top center",
            hoverinfo="skip",
            showlegend=False,
            meta={"kind": "cost-totals"},
        )
    )
    total = money(cost["total_usd_per_month"])
    fig.update_layout(
        barmode="stack",
        title={
            "text": f"Cost per month per tier: {total} in all; raw to cloud "
            f"{money(raw['total_usd'])}",
            "x": 0.01,
        },
        yaxis={"title": {"text": f"{cost['currency']} per month"}},
        template="plotly_white",
        height=380,
        margin={"l": 60, "r": 20, "t": 50, "b": 40},
    )
    return fig
