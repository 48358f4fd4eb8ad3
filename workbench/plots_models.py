"""Figures of models flowing down: which version each node runs, how right each version is,
and how far a rollout got.

Every figure here reads the tables of the issue-11 contract (``Results.version_timeline()``,
``Results.accuracy()``, ``Results.decisions()``, ``Results.transfers()``,
``Simulation.rollout_progress()``), so the HTML report, the live dashboard and the notebooks
draw the same pictures from the same numbers:

- :func:`version_timeline_figure`: one row per node (grouped by tier, the tier's catalogue
  name at the right), one coloured bar per version it ran, with a key; while a canary or an
  A/B split serves part of the traffic, the row is split in two hatched bars labelled with
  their shares.
- :func:`accuracy_figure`: accuracy of labelled predictions per version over time, with the
  rollout decisions marked by vertical lines and one-line labels that never overprint (the
  evidence in each label's hover).
- :func:`rollout_progress_figure`: per node, the share of the checkpoint received.

A version keeps one colour everywhere (:func:`version_colours`): the canvas, the dashboard and
the report agree. None is red (red is for decisions to roll back) and none grey (grey shades
outages).

Examples
--------
>>> import pandas as pd
>>> timeline = pd.DataFrame(
...     {"node": ["gw1"], "model": ["detector"], "version": ["det-v1"], "start_s": [0.0],
...      "end_s": [60.0], "share": [1.0]}
... )
>>> figure = version_timeline_figure(timeline, until_s=60)
>>> [trace.name for trace in figure.data]
['det-v1']
>>> figure.layout.xaxis.title.text
'simulated time (s)'
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from .catalogue import Catalogue, load_catalogue
from .plots_live import GRID, base_layout, byte_text, time_axis

__all__ = [
    "DECISION_COLOURS",
    "VERSION_COLOURS",
    "DecisionMark",
    "accuracy_by_version",
    "accuracy_figure",
    "decision_marks",
    "mark_layout",
    "node_rows",
    "outage_marks",
    "progress_from_transfers",
    "rollout_progress_figure",
    "transfer_states",
    "update_progress",
    "version_colours",
    "version_timeline_figure",
]

DECISION_COLOURS = {
    "promoted": "#1e7b45",
    "completed": "#1e7b45",
    "rolled_back": "#b03a2e",
    "incomplete": "#6b7280",
}
"""Colour of a decision's line and label: green for a version that went out, red for one that
was rolled back, grey for a rollout that did not finish."""
_OTHER_DECISION = "#3d5a80"
_LABEL_PX = 16.0  # height of one row of labels
_CHAR_PX = 6.6  # width of one character of a 10 px label (a generous estimate)
_ROW = 0.8  # height of a node's bar, in rows
_MIN_SHARE_HEIGHT = 0.35  # a 5 % canary still gets a bar one can see (its label says 5 %)


VERSION_COLOURS = (
    "#1f77b4", "#9467bd", "#2ca02c", "#e377c2", "#17becf", "#8c564b", "#bcbd22", "#393b79",
    "#111111", "#ff7f0e",
)  # fmt: skip
"""Colours of model versions, in order: :data:`~workbench.plots.SERIES_COLOURS` with orange
last, so that the first versions stand out on the canvas's orange aggregation-edge lane (the
tier where canaries run)."""


def version_colours(versions: Iterable[str]) -> dict[str, str]:
    """Version id -> colour, in the order given (the scenario's ``model_versions``), so that the
    canvas, the dashboard and the report colour a version alike; empty ids are skipped."""
    colours: dict[str, str] = {}
    for version in versions:
        if version and version not in colours:
            colours[version] = VERSION_COLOURS[len(colours) % len(VERSION_COLOURS)]
    return colours


def _natural(text: str) -> list[Any]:
    """A sort key that puts ``gw2`` before ``gw10``."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]


def _percent(fraction: float) -> str:
    return f"{fraction * 100:.3g} %"


def _tier_info(catalogue: Catalogue | None) -> tuple[dict[str, str], dict[str, int]]:
    cat = catalogue or load_catalogue()
    tiers = cat.tiers_in_order()
    return {t.id: t.name or t.id for t in tiers}, {t.id: t.level for t in tiers}


def node_rows(
    nodes: Iterable[str], tiers: Mapping[str, str] | None = None, levels: Mapping[str, int] = {}
) -> list[str]:
    """Nodes in the order the figures draw them, top to bottom: the highest tier first, and in
    a tier by name (``gw2`` before ``gw10``)."""
    tiers = tiers or {}
    return sorted(set(nodes), key=lambda n: (-levels.get(tiers.get(n, ""), -1), _natural(str(n))))


# ---------------------------------------------------------------------------------------------
# Decision marks


@dataclass(frozen=True)
class DecisionMark:
    """A vertical line at ``t_s`` (or, with ``end_s``, a light band from ``t_s`` to it) with
    a one-line label and its evidence as hover text."""

    t_s: float
    text: str
    hover: str
    colour: str
    dash: str = "dash"
    end_s: float | None = None


OUTAGE_MARK_COLOUR = "#4b5563"


def outage_marks(windows: Iterable[tuple[float, float, str, str]]) -> list[DecisionMark]:
    """Bands for outage windows (start, end, kind, element), as
    :func:`workbench.plots.outage_windows` gives them: a transfer pauses in them."""
    return [
        DecisionMark(
            start, f"{element} {'down' if kind == 'fail' else 'degraded'}",
            f"<b>{element}</b> {'out of service' if kind == 'fail' else 'degraded'}<br>"
            f"{start:.4g} s to {end:.4g} s", OUTAGE_MARK_COLOUR, "dot", end,
        )
        for start, end, kind, element in windows
    ]  # fmt: skip


def _number(value: Any, spec: str) -> str:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return "–"
    return format(number, spec) if math.isfinite(number) else "–"


def decision_marks(
    decisions: pd.DataFrame | None, rollouts: pd.DataFrame | None = None
) -> list[DecisionMark]:
    """One mark per decision (``Results.decisions()``: promote, roll back, ...), with the
    evidence (labelled requests per arm, accuracies, statistic against threshold) in its hover;
    with ``rollouts`` (``Results.rollouts()``), a dotted mark where each rollout started."""
    marks: list[DecisionMark] = []
    if rollouts is not None and not rollouts.empty:
        for row in rollouts.itertuples(index=False):
            start = float(row.start_s)
            if not math.isfinite(start):
                continue
            marks.append(
                DecisionMark(
                    start, f"{row.rollout} starts",
                    f"<b>{row.rollout}</b>: {row.version} by {row.strategy}<br>"
                    f"starts at {start:.4g} s", _OTHER_DECISION, "dot",
                )
            )  # fmt: skip
    if decisions is not None and not decisions.empty:
        for row in decisions.itertuples(index=False):
            what = str(row.decision).replace("_", " ")
            evidence = (
                f"<b>{row.rollout}</b>: {what} at {float(row.t_s):.4g} s<br>"
                f"labelled: {_number(row.n_old, ',.0f')} old, {_number(row.n_new, ',.0f')} new"
                f"<br>accuracy: {_number(row.accuracy_old * 100, '.1f')} % old, "
                f"{_number(row.accuracy_new * 100, '.1f')} % new<br>"
                f"statistic {_number(row.statistic, '.3g')} "
                f"against threshold {_number(row.threshold, '.3g')}"
            )
            colour = DECISION_COLOURS.get(str(row.decision), _OTHER_DECISION)
            marks.append(DecisionMark(float(row.t_s), f"{row.rollout}: {what}", evidence, colour))
    return sorted(marks, key=lambda m: m.t_s)


def _place(
    marks: Sequence[DecisionMark], span_s: float, width_px: float, rows: int
) -> list[tuple[DecisionMark, int | None, str]]:
    """(mark, row, xanchor) of each label: the first row where it overlaps no other label,
    to the right of its line, or to the left when it would run off the plot; ``None`` when
    no row has room."""
    per_px = max(span_s, 1e-9) / width_px
    taken: list[list[tuple[float, float]]] = [[] for _ in range(rows)]
    placed = []
    for mark in marks:
        extent = (len(mark.text) * _CHAR_PX + 8) * per_px
        if mark.t_s + extent <= span_s:
            low, high, anchor = mark.t_s, mark.t_s + extent, "left"
        else:
            low, high, anchor = mark.t_s - extent, mark.t_s, "right"
        row = next(
            (r for r in range(rows) if all(high <= a or low >= b for a, b in taken[r])), None
        )
        if row is not None:
            taken[row].append((low, high))
        placed.append((mark, row, anchor))
    return placed


def mark_layout(
    marks: Sequence[DecisionMark],
    span_s: float,
    plot_px: float,
    *,
    width_px: float = 760.0,
    rows: int = 3,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], float]:
    """Shapes (vertical lines over the whole plot), labels (in rows at the top of a plot
    ``plot_px`` high and at least ``width_px`` wide, never over one another) and the share of
    the plot's height the labels take, which the figure keeps free of data. A label with no
    room is left out (its line stays; the report's table lists every decision)."""
    shapes: list[dict[str, Any]] = []
    labels: list[dict[str, Any]] = []
    placed = _place(marks, span_s, width_px, rows)
    used = max((row + 1 for _, row, _ in placed if row is not None), default=0)
    for mark, row, anchor in placed:
        if mark.end_s is not None:
            shapes.append(
                {
                    "type": "rect", "xref": "x", "yref": "paper", "x0": mark.t_s,
                    "x1": mark.end_s, "y0": 0, "y1": 1, "fillcolor": mark.colour,
                    "opacity": 0.10, "line": {"width": 1, "color": mark.colour, "dash": "dot"},
                    "layer": "below", "name": f"outage {mark.text}",
                }
            )  # fmt: skip
        else:
            shapes.append(
                {
                    "type": "line", "xref": "x", "yref": "paper", "x0": mark.t_s,
                    "x1": mark.t_s, "y0": 0, "y1": 1, "layer": "above",
                    "line": {"color": mark.colour, "width": 1.5, "dash": mark.dash},
                    "name": f"decision {mark.text}",
                }
            )  # fmt: skip
        if row is None:
            continue
        labels.append(
            {
                "x": mark.t_s, "xref": "x", "xanchor": anchor, "xshift": 3 if anchor == "left"
                else -3, "y": 1 - (row * _LABEL_PX + 2) / plot_px, "yref": "paper",
                "yanchor": "top", "text": mark.text, "hovertext": mark.hover,
                "showarrow": False, "font": {"size": 10, "color": mark.colour},
                "bgcolor": "rgba(255,255,255,0.85)", "name": f"decision {mark.text}",
            }
        )  # fmt: skip
    free = (used * _LABEL_PX + 4) / plot_px if used else 0.0
    return shapes, labels, min(free, 0.5)


def _plot_px(layout: Mapping[str, Any]) -> float:
    return float(layout["height"] - layout["margin"]["t"] - layout["margin"]["b"])


def _empty(figure: go.Figure, sentence: str) -> go.Figure:
    figure.add_annotation(
        text=sentence, xref="paper", yref="paper", x=0.5, y=0.5, showarrow=False,
        font={"size": 12, "color": "#5f6673"}, name="empty",
    )  # fmt: skip
    figure.update_yaxes(showticklabels=False)
    return figure


# ---------------------------------------------------------------------------------------------
# Version timeline


def _lanes(segments: pd.DataFrame, order: Mapping[str, int]) -> pd.DataFrame:
    """Each segment's bottom and height inside its node's row (fractions of the bar): alone
    it fills the bar; next to others at the same time (a canary, an A/B split), the older
    version sits below, heights follow the shares with a visible minimum, and the widest
    bar carries the label of the split (``det-v1 90 % · det-v2 10 %``)."""
    shown = np.where(segments["share"] < 1, np.maximum(segments["share"], _MIN_SHARE_HEIGHT), 1.0)
    segments = segments.assign(shown_=shown, rank_=segments["version"].map(order).fillna(1e9))
    bottoms, heights, labels = [], [], []
    for row in segments.itertuples(index=False):
        overlap = segments[(segments["start_s"] < row.end_s) & (segments["end_s"] > row.start_s)]
        total = float(overlap["shown_"].sum())
        below = overlap[
            (overlap["rank_"] < row.rank_)
            | ((overlap["rank_"] == row.rank_) & (overlap["start_s"] < row.start_s))
        ]
        bottoms.append(float(below["shown_"].sum()) / total)
        heights.append(float(row.shown_) / total)
        widest = len(overlap) > 1 and float(row.shown_) >= float(overlap["shown_"].max())
        arms = zip(overlap["version"], overlap["share"], strict=True)
        labels.append(" · ".join(f"{v} {_percent(s)}" for v, s in arms) if widest else "")
    segments = segments.assign(bottom=bottoms, height=heights, label=labels)
    return segments.drop(columns=["shown_", "rank_"])


def version_timeline_figure(
    timeline: pd.DataFrame,
    *,
    until_s: float,
    tiers: Mapping[str, str] | None = None,
    colours: Mapping[str, str] | None = None,
    decisions: pd.DataFrame | None = None,
    transfers: pd.DataFrame | None = None,
    versions: Mapping[str, str] | None = None,
    outages: Sequence[tuple[float, float, str, str]] = (),
    catalogue: Catalogue | None = None,
) -> go.Figure:
    """Which version each node ran, over time (``Results.version_timeline()``).

    One row per node, the highest tier on top (with ``tiers``, node -> tier id, each tier's
    catalogue name at the right); one bar trace per version, so the legend is the colour key
    (``colours`` from :func:`version_colours`, else in order of appearance). Where a node
    split its traffic (``share`` < 1: a canary, an A/B test), the bars are hatched, stacked in
    the row and labelled with their share. ``decisions`` draws the decisions' lines;
    ``transfers`` (``Results.transfers()``, with ``versions``: rollout -> version id) draws
    each checkpoint's transfer as a thin light bar above the row, from its start to its end
    (or to now), with its pauses in the hover; ``outages`` (start, end, kind, element) are
    shaded and labelled with the decisions.
    """
    names, levels = _tier_info(catalogue)
    tiers = tiers or {}
    table = timeline.copy()
    table["version"] = table["version"].astype(str)
    table = table[table["version"] != ""]
    table["end_s"] = table["end_s"].fillna(until_s).clip(upper=until_s)
    colours = dict(colours or version_colours(table["version"]))
    for version in table["version"].unique():  # versions missing from the key given
        colours.setdefault(version, VERSION_COLOURS[len(colours) % len(VERSION_COLOURS)])
    rows = node_rows(table["node"].astype(str), tiers, levels)
    index = {node: i for i, node in enumerate(rows)}
    rank = {version: i for i, version in enumerate(colours)}
    per_row = (26 if (table["share"] < 1).any() else 22) if len(rows) <= 30 else 14
    layout = base_layout(
        "Model version each node runs (hatched: a share of the traffic, as in a canary)",
        height=int(min(max(150 + per_row * len(rows), 230), 1400)),
    )
    layout["margin"] = {**layout["margin"], "r": 120 if tiers else 18}
    figure = go.Figure()
    figure.update_layout(**layout, barmode="overlay", hovermode="closest", bargap=0)
    figure.update_xaxes(**time_axis(until_s))
    if table.empty:
        figure.update_yaxes(range=[0, 1])
        return _empty(figure, "No node runs a declared model version.")
    parts = [_lanes(group, rank) for _, group in table.groupby("node", sort=False, observed=True)]
    table = pd.concat(parts)
    for version, colour in colours.items():
        rows_of = table[table["version"] == version]
        if rows_of.empty:
            continue
        rows_of = rows_of.sort_values("share", ascending=False, kind="stable")  # key: plain
        split = (rows_of["share"] < 1).to_numpy()
        # numeric rows, reversed axis: row 0 on top; a bar's bottom is its larger y
        centre = rows_of["node"].map(index).to_numpy(dtype=float) + _ROW / 2
        centre -= (rows_of["bottom"] + rows_of["height"] / 2).to_numpy() * _ROW
        share = rows_of["share"].to_numpy(dtype=float)
        figure.add_trace(
            go.Bar(
                orientation="h", name=version, y=centre,
                x=(rows_of["end_s"] - rows_of["start_s"]).to_numpy(),
                base=rows_of["start_s"].to_numpy(), width=rows_of["height"].to_numpy() * _ROW,
                marker={"color": colour, "line": {"width": 0},
                        "pattern": {"shape": ["/" if s else "" for s in split],
                                    "fgcolor": "white", "fgopacity": 0.35}},
                text=rows_of["label"].tolist(), textposition="inside",
                insidetextanchor="middle", textfont={"size": 10, "color": "white"},
                customdata=np.column_stack([
                    rows_of["node"].astype(str), rows_of["start_s"], rows_of["end_s"],
                    [_percent(s) for s in share],
                ]),
                hovertemplate="<b>%{customdata[0]}</b> runs " + version
                + "<br>%{customdata[1]:.4g} s to %{customdata[2]:.4g} s"
                + "<br>serves %{customdata[3]} of its requests<extra></extra>",
                meta={"kind": "version", "version": version},
            )
        )  # fmt: skip
    if transfers is not None and not transfers.empty:
        _transfer_bars(figure, transfers, index, until_s, versions or {}, colours)
    _tier_groups(figure, rows, tiers, names)
    marks = sorted([*decision_marks(decisions), *outage_marks(outages)], key=lambda m: m.t_s)
    shapes, labels, free = mark_layout(marks, max(until_s, 1.0), _plot_px(layout))
    extra = free * len(rows) / (1 - free) if free else 0.0
    figure.update_yaxes(
        title_text="node", range=[len(rows) - 0.5, -0.5 - extra], tickmode="array",
        tickvals=list(range(len(rows))), ticktext=rows, showgrid=False, zeroline=False,
        tickfont={"size": 10 if len(rows) <= 30 else 8},
    )  # fmt: skip
    figure.update_layout(
        shapes=[*figure.layout.shapes, *shapes],
        annotations=[*figure.layout.annotations, *labels],
        legend={"title": {"text": "version "}},
    )
    return figure


def _transfer_bars(
    figure: go.Figure,
    transfers: pd.DataFrame,
    index: Mapping[str, int],
    until_s: float,
    versions: Mapping[str, str],
    colours: Mapping[str, str],
) -> None:
    """One thin light bar per (rollout, node) transfer, just above the node's bar."""
    table = transfers[transfers["node"].astype(str).isin(index)]
    if table.empty:
        return
    spans = table.groupby(["rollout", "node"], sort=False, observed=True).agg(
        start_s=("start_s", "min"), end_s=("end_s", "max"), pauses=("pauses", "sum"),
        bytes=("bytes", "sum"), open=("end_s", lambda e: bool(e.isna().any())),
    ).reset_index()  # fmt: skip
    ends = np.where(spans["open"], until_s, spans["end_s"].fillna(until_s))
    version = [versions.get(str(r), str(r)) for r in spans["rollout"]]
    figure.add_trace(
        go.Bar(
            orientation="h", name="checkpoint transfer",
            y=spans["node"].astype(str).map(index).to_numpy(dtype=float) - _ROW / 2 - 0.06,
            x=ends - spans["start_s"].to_numpy(dtype=float), base=spans["start_s"],
            width=0.1, marker={"color": [colours.get(v, "#9aa0a6") for v in version],
                               "opacity": 0.55, "line": {"width": 0}},
            customdata=np.column_stack([
                spans["node"].astype(str), spans["rollout"].astype(str), version,
                [byte_text(b) for b in spans["bytes"]], spans["pauses"].astype(int),
                ["still going" if o else "done" for o in spans["open"]],
            ]),
            hovertemplate="<b>%{customdata[0]}</b> receives %{customdata[2]} "
            "(%{customdata[1]})<br>from %{base:.4g} s, %{customdata[3]} moved, "
            "paused %{customdata[4]}×, %{customdata[5]}<extra></extra>",
            meta={"kind": "transfer"},
        )
    )  # fmt: skip


def _tier_groups(
    figure: go.Figure, rows: Sequence[str], tiers: Mapping[str, str], names: Mapping[str, str]
) -> None:
    """A thin line between tiers and each tier's name in the right margin."""
    if not tiers:
        return
    start = 0
    for i in range(1, len(rows) + 1):
        if i < len(rows) and tiers.get(rows[i]) == tiers.get(rows[start]):
            continue
        tier = tiers.get(rows[start], "")
        figure.add_annotation(
            text=names.get(tier, tier or "?"), xref="paper", x=1.01, xanchor="left",
            y=(start + i - 1) / 2, yref="y", showarrow=False, name=f"tier {tier}",
            font={"size": 10, "color": "#5f6673"},
        )  # fmt: skip
        if i < len(rows):
            figure.add_shape(
                type="line", xref="paper", x0=0, x1=1, yref="y", y0=i - 0.5, y1=i - 0.5,
                line={"color": GRID, "width": 1}, name=f"tier boundary {i}",
            )  # fmt: skip
        start = i


# ---------------------------------------------------------------------------------------------
# Accuracy over time


def accuracy_by_version(accuracy: pd.DataFrame) -> pd.DataFrame:
    """``Results.accuracy()`` summed over workloads and sites: [t_s, version, served,
    labelled, correct, accuracy], accuracy = correct / served: the share of the version's
    predictions that were right (the simulator knows each one; ``labelled`` is how many of
    them an operator got to see)."""
    if accuracy.empty:
        return pd.DataFrame(columns=["t_s", "version", "served", "labelled", "correct", "accuracy"])
    table = accuracy.assign(version=accuracy["version"].astype(str))
    table = table[table["version"] != ""]
    sums = table.groupby(["t_s", "version"], as_index=False, observed=True)[
        ["served", "labelled", "correct"]
    ].sum()
    served = sums["served"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(served > 0, sums["correct"].to_numpy(dtype=float) / served, np.nan)
    return sums.assign(accuracy=share).sort_values(["version", "t_s"], ignore_index=True)


def accuracy_figure(
    accuracy: pd.DataFrame,
    *,
    until_s: float,
    bin_s: float | None = None,
    colours: Mapping[str, str] | None = None,
    decisions: pd.DataFrame | None = None,
    rollouts: pd.DataFrame | None = None,
    true_accuracy: Mapping[str, float] | None = None,
    outages: Sequence[tuple[float, float, str, str]] = (),
) -> go.Figure:
    """Accuracy of the predictions each version served, per time bin (``Results.accuracy()``),
    with each rollout's start (dotted) and decision (dashed: green promoted, red rolled back)
    marked; the labels sit above the data and never overprint, the evidence in their hover.
    ``true_accuracy`` (version -> the accuracy it really has) adds a dotted level per version;
    ``outages`` (start, end, kind, element) are shaded and labelled.
    """
    table = accuracy_by_version(accuracy)
    if bin_s is None:
        steps = np.diff(np.unique(table["t_s"].to_numpy(dtype=float)))
        bin_s = float(steps.min()) if len(steps) else max(until_s, 1.0)
    colours = dict(colours or version_colours(table["version"]))
    for version in table["version"].unique():
        colours.setdefault(version, VERSION_COLOURS[len(colours) % len(VERSION_COLOURS)])
    layout = base_layout(
        f"Accuracy of served predictions per version (bins of {bin_s:g} s), "
        "with rollout decisions", height=360,
    )  # fmt: skip
    figure = go.Figure()
    figure.update_layout(**layout, hovermode="closest")
    figure.update_xaxes(**time_axis(until_s))
    if not table["served"].gt(0).any():
        figure.update_yaxes(title_text="accuracy (%)", range=[0, 100])
        return _empty(figure, "No request was served by a declared version.")
    for version, colour in colours.items():
        rows = table[table["version"] == version]
        if rows.empty:
            continue
        figure.add_trace(
            go.Scatter(
                x=rows["t_s"] + bin_s / 2, y=rows["accuracy"] * 100, mode="lines+markers",
                name=version, connectgaps=False, line={"color": colour, "width": 2},
                marker={"size": 5, "color": colour},
                customdata=np.column_stack([rows["labelled"], rows["correct"], rows["served"]]),
                hovertemplate=f"<b>{version}</b> at %{{x:.4g}} s: %{{y:.1f}} %<br>"
                "%{customdata[1]:,.0f} right of %{customdata[2]:,.0f} served "
                "(%{customdata[0]:,.0f} labelled)<extra></extra>",
                meta={"kind": "accuracy", "version": version},
            )
        )  # fmt: skip
    levels = {v: a for v, a in (true_accuracy or {}).items() if v in colours}
    for version, level in levels.items():
        figure.add_trace(
            go.Scatter(
                x=[0, until_s], y=[level * 100] * 2, mode="lines",
                name=f"{version}: true {_percent(level)}",
                line={"color": colours[version], "width": 1, "dash": "dot"},
                hoverinfo="skip", meta={"kind": "true-accuracy", "version": version},
            )
        )  # fmt: skip
    values = [*table["accuracy"].dropna() * 100, *(a * 100 for a in levels.values())]
    low = max(0.0, math.floor((min(values) - 5) / 5) * 5)
    marks = sorted(
        [*decision_marks(decisions, rollouts), *outage_marks(outages)], key=lambda m: m.t_s
    )
    shapes, labels, free = mark_layout(marks, max(until_s, 1.0), _plot_px(layout))
    top = 100 + free * (100 - low) / (1 - free) if free else 101.0
    ticks = [v for v in range(int(low), 101, 5 if 100 - low <= 30 else 10)]
    figure.update_yaxes(
        title_text="accuracy of served predictions (%)", range=[low, top], tickmode="array",
        tickvals=ticks, ticktext=[f"{v} %" for v in ticks], gridcolor=GRID, zeroline=False,
    )  # fmt: skip
    figure.update_layout(shapes=[*figure.layout.shapes, *shapes], annotations=labels)
    return figure


# ---------------------------------------------------------------------------------------------
# Rollout progress


def progress_from_transfers(
    transfers: pd.DataFrame, sizes: Mapping[str, float]
) -> dict[str, dict[str, float]]:
    """``{rollout: {node: share of the checkpoint received}}`` from ``Results.transfers()``
    and each rollout's checkpoint size in bytes (a transfer marked done counts as whole; a
    node group's share is the mean over its instances)."""
    shares: dict[str, dict[str, list[float]]] = {}
    for row in transfers.itertuples(index=False):
        size = float(sizes.get(str(row.rollout), 0.0))
        done = str(row.state) == "done"
        share = 1.0 if done or size <= 0 else min(float(row.bytes) / size, 1.0)
        shares.setdefault(str(row.rollout), {}).setdefault(str(row.node), []).append(share)
    return {
        rollout: {node: sum(values) / len(values) for node, values in nodes.items()}
        for rollout, nodes in shares.items()
    }


def _progress_rows(progress: Mapping[str, Mapping[str, float]]) -> list[tuple[str, str]]:
    return [
        (rollout, node)
        for rollout in progress
        for node in sorted(progress[rollout], key=lambda n: _natural(str(n)))
    ]


def rollout_progress_figure(
    progress: Mapping[str, Mapping[str, float]],
    *,
    versions: Mapping[str, str] | None = None,
    colours: Mapping[str, str] | None = None,
    sizes: Mapping[str, float] | None = None,
    states: Mapping[str, Mapping[str, str]] | None = None,
) -> go.Figure:
    """Per rollout and node, the share of the checkpoint received (``Simulation.
    rollout_progress()`` live, :func:`progress_from_transfers` after a run): one bar trace
    per rollout, in its version's colour (``versions``: rollout -> version id), with the
    bytes received in the hover when ``sizes`` (rollout -> checkpoint bytes) is given."""
    versions = versions or {}
    colours = dict(colours or version_colours(versions.get(r, r) for r in progress))
    rows = _progress_rows(progress)
    layout = base_layout(
        "Rollout progress: share of the checkpoint each node has received",
        height=int(min(max(140 + 20 * len(rows), 200), 1400)),
    )
    figure = go.Figure()
    figure.update_layout(**layout, barmode="overlay", hovermode="closest", bargap=0.25)
    figure.update_xaxes(
        title_text="checkpoint received (%)", range=[0, 100], tickvals=[0, 25, 50, 75, 100],
        ticktext=["0 %", "25 %", "50 %", "75 %", "100 %"], gridcolor=GRID, zeroline=False,
    )  # fmt: skip
    if not rows:
        return _empty(figure, "No rollout has started.")
    for rollout in progress:
        version = versions.get(rollout, rollout)
        colour = colours.get(version, VERSION_COLOURS[0])
        figure.add_trace(
            go.Bar(
                orientation="h", name=f"{rollout} → {version}", y=[], x=[],
                marker={"color": colour}, insidetextanchor="end", textfont={"size": 9},
                cliponaxis=False, meta={"kind": "progress", "rollout": rollout},
                hovertemplate="%{y}: %{x:.1f} % %{customdata}<extra></extra>",
            )
        )  # fmt: skip
    update_progress(figure, progress, sizes=sizes, states=states)
    labels = [f"{node} · {rollout}" if len(progress) > 1 else node for rollout, node in rows]
    figure.update_yaxes(
        categoryorder="array",
        categoryarray=labels[::-1],
        title_text="node",
        tickfont={"size": 10 if len(rows) <= 30 else 8},
    )
    return figure


def update_progress(
    figure: Any,
    progress: Mapping[str, Mapping[str, float]],
    *,
    sizes: Mapping[str, float] | None = None,
    states: Mapping[str, Mapping[str, str]] | None = None,
) -> None:
    """Set the bars of a :func:`rollout_progress_figure` (or a ``FigureWidget`` made from
    one) to ``progress``, in place: what the live dashboard calls at each step. ``states``
    ({rollout: {node: state}}, from :func:`transfer_states`) labels a bar whose transfer waits
    for a link ("paused 45 %"), or has not started ("queued")."""
    several = len(progress) > 1
    for trace in figure.data:
        rollout = str((trace.meta or {}).get("rollout"))
        if rollout not in progress:
            continue
        nodes = sorted(progress[rollout], key=lambda n: _natural(str(n)))
        shares = [float(progress[rollout][n]) for n in nodes]
        size = (sizes or {}).get(rollout)
        trace.y = [f"{n} · {rollout}" if several else n for n in nodes]
        trace.x = [s * 100 for s in shares]
        state = (states or {}).get(rollout, {})
        words = [_STATE_WORDS.get(state.get(n, ""), "") for n in nodes]
        trace.text = [
            "done" if s >= 1 else f"{w} {s * 100:.0f} %".strip()
            for s, w in zip(shares, words, strict=True)
        ]
        trace.textposition = ["inside" if s >= 0.15 else "outside" for s in shares]
        trace.customdata = [
            (f"({byte_text(s * size)} of {byte_text(size)})" if size else "")
            + (f", {w}" if w else "")
            for s, w in zip(shares, words, strict=True)
        ]


_STATE_WORDS = {"paused": "paused", "queued": "queued", "cancelled": "cancelled"}


def transfer_states(transfers: pd.DataFrame) -> dict[str, dict[str, str]]:
    """``{rollout: {node: state}}`` from ``Results.transfers()``: a node group's instances
    as one (paused if any waits for a link, else queued if any has not started, else the
    state they share)."""
    order = ("paused", "queued", "sending", "cancelled", "done")
    out: dict[str, dict[str, str]] = {}
    for (rollout, node), rows in transfers.groupby(["rollout", "node"], sort=False):
        present = set(rows["state"].astype(str))
        state = next((s for s in order if s in present), sorted(present)[0])
        out.setdefault(str(rollout), {})[str(node)] = state
    return out
