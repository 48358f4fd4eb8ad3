"""Axis and layout pieces shared by the report's figures and the live dashboard.

A figure drawn in JupyterLab, in the Voila app and in the HTML report gets its axes, titles
and units from here, so the three cannot drift apart: byte axes read B, kB, MB or GB, count
axes read integers, latency axes read ms or s, never an SI prefix such as "200m".

Examples
--------
>>> byte_axis(3.2e6)["ticktext"]
['0 B', '1 MB', '2 MB', '3 MB', '4 MB']
>>> count_axis(0)["tickvals"]
[0, 1, 2, 3, 4, 5]
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

FONT = "Inter, Segoe UI, Helvetica, Arial, sans-serif"
GRID = "#e5e7eb"
TIME_TITLE = "simulated time (s)"
WARMUP_COLOUR = "#9aa0a6"
_BYTE_UNITS = (("GB", 1e9), ("MB", 1e6), ("kB", 1e3), ("B", 1.0))


def _nice_step(top: float, ticks: int = 5) -> float:
    """A 1, 2 or 5 times a power of ten step that covers ``top`` in about ``ticks`` steps."""
    raw = max(top, 1e-12) / ticks
    power = 10.0 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def byte_text(value: float, suffix: str = "") -> str:
    """'1.5 MB' (three significant figures, the largest unit that fits, never milli)."""
    if value == 0:
        return f"0 B{suffix}"
    for unit, scale in _BYTE_UNITS:
        if abs(value) >= scale:
            return f"{value / scale:.3g} {unit}{suffix}"
    return f"{value:.3g} B{suffix}"


def linear_axis(top: float, label: Callable[[float], str], minimum: float) -> dict[str, Any]:
    """Linear axis settings from 0 to a round value above ``top`` (at least ``minimum``),
    with ticks labelled by ``label``."""
    top = max(float(top) if math.isfinite(top) else 0.0, minimum)
    step = _nice_step(top)
    count = math.ceil(top / step - 1e-9)
    values: list[float] = [round(i * step, 12) for i in range(count + 1)]
    if step >= 1:
        values = [int(v) for v in values]
    return {
        "type": "linear",
        "range": [0, values[-1] * 1.04],
        "tickmode": "array",
        "tickvals": values,
        "ticktext": [label(v) for v in values],
        "rangemode": "tozero",
    }


def byte_axis(top_bytes: float) -> dict[str, Any]:
    """Linear byte axis from 0 to above ``top_bytes``, ticks in B/kB/MB/GB."""
    axis = linear_axis(top_bytes, byte_text, 1e3)
    step = axis["tickvals"][1] if len(axis["tickvals"]) > 1 else 1.0
    scale = next((s for _, s in _BYTE_UNITS if axis["tickvals"][-1] >= s), 1.0)
    unit = next(u for u, s in _BYTE_UNITS if s == scale)
    axis["ticktext"] = [
        "0 B" if v == 0 else f"{v / scale:.{_decimals(step / scale)}f} {unit}"
        for v in axis["tickvals"]
    ]
    return axis


def count_axis(top: float) -> dict[str, Any]:
    """Linear axis of whole counts from 0 to above ``top`` (integer ticks)."""
    axis = linear_axis(top, lambda v: f"{v:,.0f}", 5)
    if axis["tickvals"][1] < 1:  # never a fractional request
        axis.update(linear_axis(5, lambda v: f"{v:,.0f}", 5))
    return axis


def _decimals(step: float) -> int:
    return 0 if step >= 1 else min(3, math.ceil(-math.log10(step) - 1e-9))


def base_layout(title: str, *, height: int = 330) -> dict[str, Any]:
    """Fonts, margins, title and legend every figure shares (room above for the toolbar)."""
    return {
        "title": {"text": title, "x": 0.01, "xanchor": "left", "y": 0.97, "font": {"size": 13}},
        "font": {"family": FONT, "size": 11},
        "height": height,
        "margin": {"l": 70, "r": 18, "t": 58, "b": 44},
        "plot_bgcolor": "white",
        "paper_bgcolor": "white",
        "legend": {"orientation": "h", "y": -0.2, "x": 0, "font": {"size": 10}},
        "template": "plotly_white",
    }


def time_axis(until_s: float) -> dict[str, Any]:
    """The simulated-time axis of a run of ``until_s`` seconds."""
    return {
        "title": {"text": TIME_TITLE},
        "range": [0, max(until_s, 1.0)],
        "gridcolor": GRID,
        "zeroline": False,
        "type": "linear",
    }


def warmup_shapes(warmup_s: float) -> list[dict[str, Any]]:
    """A grey band over the warm-up (left out of the statistics)."""
    if warmup_s <= 0:
        return []
    return [
        {
            "type": "rect", "xref": "x", "yref": "paper", "x0": 0, "x1": warmup_s, "y0": 0,
            "y1": 1, "fillcolor": WARMUP_COLOUR, "opacity": 0.15, "line": {"width": 0},
            "layer": "below", "name": "warm-up",
        }
    ]  # fmt: skip


def outage_marks(
    windows: Sequence[tuple[float, float, str, str]],
    colours: dict[str, str],
    *,
    min_width_s: float = 0.0,
    span_s: float | None = None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Shapes (a light band with a dotted outline, so bar colours keep their meaning) and
    labels for outage windows (start, end, kind, element) on an axis ``span_s`` seconds
    long; labels that would touch go on separate rows so they never overprint."""
    shapes: list[dict[str, Any]] = []
    labels: list[dict[str, Any]] = []
    row_ends: list[float] = []
    span = span_s or max((end for _, end, _, _ in windows), default=1.0)
    for start, end, kind, element in windows:
        colour = colours.get(kind, "#e74c3c")
        shapes.append(
            {
                "type": "rect", "xref": "x", "yref": "paper", "x0": start,
                "x1": max(end, start + min_width_s), "y0": 0, "y1": 1, "fillcolor": colour,
                "opacity": 0.10, "line": {"width": 1, "color": colour, "dash": "dot"},
                "layer": "below", "name": f"outage {element}",
            }
        )  # fmt: skip
        text = f"{element} {'down' if kind == 'fail' else 'degraded'}"
        row = next((i for i, t in enumerate(row_ends) if t < start), len(row_ends))
        width = len(text) * 6.5 / 480 * span  # the label's length in seconds (about)
        if row == len(row_ends):
            row_ends.append(0.0)
        row_ends[row] = start + max(end - start, width)
        labels.append(
            {
                "x": start, "xref": "x", "xanchor": "left", "y": 1 - 0.09 * row, "yref": "paper",
                "yanchor": "top", "text": text, "showarrow": False,
                "font": {"size": 10, "color": "#922b21"}, "bgcolor": "rgba(255,255,255,0.8)",
                "name": f"outage {element}",
            }
        )  # fmt: skip
    return shapes, labels


__all__ = [
    "FONT",
    "GRID",
    "TIME_TITLE",
    "base_layout",
    "byte_axis",
    "byte_text",
    "count_axis",
    "linear_axis",
    "outage_marks",
    "time_axis",
    "warmup_shapes",
]
