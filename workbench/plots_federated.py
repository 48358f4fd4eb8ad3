"""Figures of federated learning: accuracy per round, accuracy against epsilon over several
runs, and bytes per boundary against centralised training.

They read ``Results.federated_rounds()`` and ``Results.federated_boundaries()``, so the report
and the notebooks draw the same pictures from the same numbers.

Examples
--------
>>> import pandas as pd
>>> rounds = pd.DataFrame({"round": [1, 2], "accuracy": [0.7, 0.8], "participants": [6, 8],
...                        "quarantined": [2, 0], "dropped": [0, 0]})
>>> [trace.name for trace in federated_accuracy_figure(rounds, centralised=0.85).data]
['federated', 'centralised']
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import pandas as pd
import plotly.graph_objects as go

from .plots_live import GRID, base_layout, byte_text

FEDERATED_COLOUR = "#2563eb"
CENTRAL_COLOUR = "#6b7280"
RAW_COLOUR = "#d97706"


def federated_accuracy_figure(
    rounds: pd.DataFrame | Mapping[str, pd.DataFrame], *, centralised: float | None = None
) -> go.Figure:
    """Test accuracy after each round (one line per run when given a mapping label -> table);
    the centralised model's accuracy as a dashed line. Hover: clients in, quarantined, out."""
    runs = {"federated": rounds} if isinstance(rounds, pd.DataFrame) else dict(rounds)
    figure = go.Figure()
    for label, table in runs.items():
        figure.add_trace(
            go.Scatter(
                x=table["round"],
                y=table["accuracy"],
                mode="lines+markers",
                name=label,
                line={"color": FEDERATED_COLOUR} if len(runs) == 1 else None,
                customdata=table[["participants", "quarantined", "dropped"]].to_numpy(),
                hovertemplate="round %{x}: accuracy %{y:.3f}<br>%{customdata[0]} updates, "
                "%{customdata[1]} quarantined, %{customdata[2]} dropped<extra></extra>",
            )
        )
    if centralised is not None:
        last = max((int(t["round"].max()) for t in runs.values() if len(t)), default=1)
        figure.add_trace(
            go.Scatter(
                x=[1, last],
                y=[centralised, centralised],
                mode="lines",
                name="centralised",
                line={"color": CENTRAL_COLOUR, "dash": "dash"},
                hovertemplate="centralised: %{y:.3f}<extra></extra>",
            )
        )
    figure.update_layout(
        **base_layout("Test accuracy after each round"),
        xaxis={"title": {"text": "round"}, "gridcolor": GRID, "dtick": 5},
        yaxis={"title": {"text": "test accuracy"}, "gridcolor": GRID, "tickformat": ".0%"},
    )
    return figure


def accuracy_epsilon_figure(points: Sequence[tuple[float | None, float, str]]) -> go.Figure:
    """Final accuracy against epsilon, one point per run ``(epsilon, accuracy, label)``; a run
    without noise (epsilon None: no guarantee) is drawn at the right edge, marked 'no DP'."""
    finite = [e for e, _, _ in points if e is not None and math.isfinite(e)]
    edge = max(finite) * 3 if finite else 1.0
    xs = [edge if e is None or not math.isfinite(e) else e for e, _, _ in points]
    text = ["no DP" if e is None or not math.isfinite(e) else label for e, _, label in points]
    figure = go.Figure(
        go.Scatter(
            x=xs,
            y=[a for _, a, _ in points],
            mode="markers+text",
            text=text,
            textposition="top center",
            marker={"color": FEDERATED_COLOUR, "size": 9},
            hovertemplate="epsilon %{x:.3g}: accuracy %{y:.3f}<extra></extra>",
        )
    )
    figure.update_layout(
        **base_layout("Accuracy against the privacy budget"),
        xaxis={"title": {"text": "epsilon (smaller is more private)"}, "type": "log",
               "gridcolor": GRID},
        yaxis={"title": {"text": "final test accuracy"}, "gridcolor": GRID, "tickformat": ".0%"},
        showlegend=False,
    )  # fmt: skip
    return figure


def federated_bytes_figure(boundaries: pd.DataFrame) -> go.Figure:
    """Per boundary: bytes the rounds moved (up and down) against the raw training data that
    centralised training would ship up, on a log scale."""
    labels = [str(b) for b in boundaries["boundary"]]
    moved = boundaries["up_bytes"] + boundaries["down_bytes"]
    figure = go.Figure(
        [
            go.Bar(
                x=labels,
                y=moved,
                name="federated (models down, updates up)",
                marker={"color": FEDERATED_COLOUR},
                text=[byte_text(v) for v in moved],
                textposition="outside",
            ),
            go.Bar(
                x=labels,
                y=boundaries["centralised_bytes"],
                name="centralised (raw training data up)",
                marker={"color": RAW_COLOUR},
                text=[byte_text(v) for v in boundaries["centralised_bytes"]],
                textposition="outside",
            ),
        ]
    )
    figure.update_layout(
        **base_layout("Bytes across each boundary: federated against centralised"),
        barmode="group",
        xaxis={"title": {"text": "boundary"}},
        yaxis={"title": {"text": "bytes (log scale)"}, "type": "log", "gridcolor": GRID},
    )
    return figure
