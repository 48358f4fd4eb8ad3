"""Figures of the learning loop: drift, detection, labels up, retraining, better weights down.

Every figure here reads the tables of the issue-12 contract (``Results.accuracy()`` with its
``expected`` column, ``Results.events()``, ``Results.detections()``, ``Results.learning()``,
``summary()["learning"]``), so the HTML report, the live workbench and the notebooks draw
the same pictures from the same numbers:

- :func:`learning_accuracy_figure`: per site, the true accuracy of what served the requests
  (a line) and the share of predictions that were right in each time bin (points), with the
  drift, detections, false alarms, sample upload, retraining (a band), the rollout of the
  retrained version with its decision, and recovery marked and labelled (labels placed by
  :func:`workbench.plots_models.mark_layout`, so they never overprint);
- :func:`label_bytes_figure`: bytes of labels and training samples sent up across each tier
  boundary, per loop;
- :func:`episode_table`: one row per episode, the numbers an architect reads (time to detect,
  to recover, wrong predictions, excess, GPU-hours, where it retrained).

Examples
--------
>>> import pandas as pd
>>> accuracy = pd.DataFrame(
...     {"t_s": [0.0, 60.0], "workload": ["inspect"] * 2, "site": ["plant-a"] * 2,
...      "version": ["v1"] * 2, "served": [100, 100], "labelled": [25, 25],
...      "correct": [95, 80], "accuracy": [0.95, 0.80], "expected": [0.95, 0.80]}
... )
>>> figure = learning_accuracy_figure(accuracy, until_s=120, bin_s=60)
>>> [trace.name for trace in figure.data]
['plant-a: true accuracy', 'plant-a: measured']
>>> figure.layout.yaxis.title.text
'accuracy (%)'
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from .catalogue import Catalogue, load_catalogue
from .plots import _log_ticks
from .plots_live import GRID, base_layout, byte_text, time_axis
from .plots_models import (
    VERSION_COLOURS,
    DecisionMark,
    decision_marks,
    mark_layout,
    outage_marks,
)

__all__ = [
    "EPISODE_COLUMNS",
    "LEARNING_EVENTS",
    "MARK_COLOURS",
    "NO_EPISODES",
    "accuracy_layout",
    "accuracy_points",
    "episode_table",
    "label_bytes_by_loop",
    "label_bytes_figure",
    "learning_accuracy_figure",
    "learning_marks",
    "loop_rollouts",
    "site_accuracy",
]

LEARNING_EVENTS = (
    "drift_start",
    "drift_full",
    "detection",
    "false_alarm",
    "samples_ready",
    "upload_end",
    "retrain_start",
    "retrain_end",
    "recovered",
)
"""The event kinds of the learning loop (``Results.events()``, element = the loop's id)."""

MARK_COLOURS = {
    "drift": "#b45309",
    "detection": "#6d28d9",
    "false_alarm": "#db2777",
    "upload": "#0e7490",
    "retraining": "#1d4ed8",
    "recovered": "#15803d",
}
"""Colour of each kind of mark: amber for the drift, violet for a detection, pink for a false
alarm, teal for the sample upload, blue for the retraining band, green for recovery (red stays
for decisions to roll back, grey for outages)."""

NO_EPISODES = "No drift episode in this run: nothing drifted, so nothing was retrained."
"""What the report and the notebooks say instead of an empty episode table."""

EPISODE_COLUMNS = {
    "loop": "loop",
    "episode": "episode",
    "sites": "sites",
    "drift_at_s": "drift at (s)",
    "time_to_detect_s": "time to detect (s)",
    "time_to_recover_s": "time to recover (s)",
    "wrong_predictions": "wrong predictions",
    "excess_wrong_predictions": "excess wrong predictions",
    "label_bytes_up": "label bytes up",
    "gpu_hours": "GPU-hours",
    "retrain_node": "retrained on",
    "state": "state",
}
"""Columns of :func:`episode_table`: ``Results.learning()`` name -> header."""

_HEIGHT = 380
_SITE_COLOURS = VERSION_COLOURS  # a site keeps one colour in the figure (none red, none grey)


# ---------------------------------------------------------------------------------------------
# Accuracy per site


def site_accuracy(accuracy: pd.DataFrame, workload: str | None = None) -> pd.DataFrame:
    """``Results.accuracy()`` summed over versions (and workloads, unless ``workload`` names
    one) per bin and site: [t_s, site, served, labelled, correct, accuracy, expected].
    ``accuracy`` = correct / served (measured: the simulator judges every prediction);
    ``expected`` = the served-weighted mean of the true accuracy of what served them (NaN
    when the table has no ``expected`` column: no drift or learning declared)."""
    columns = ["t_s", "site", "served", "labelled", "correct", "accuracy", "expected"]
    if accuracy.empty:
        return pd.DataFrame(columns=columns)
    table = accuracy
    if workload is not None:
        table = table[table["workload"].astype(str) == workload]
    table = table.assign(site=table["site"].astype(str))
    if "expected" in table:
        weighted = table["expected"].astype(float) * table["served"].astype(float)
    else:
        weighted = pd.Series(np.nan, index=table.index)
    table = table.assign(weighted_=weighted)
    sums = table.groupby(["t_s", "site"], as_index=False, observed=True)[
        ["served", "labelled", "correct", "weighted_"]
    ].sum(min_count=1)
    served = sums["served"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        measured = np.where(served > 0, sums["correct"].to_numpy(dtype=float) / served, np.nan)
        expected = np.where(served > 0, sums["weighted_"].to_numpy(dtype=float) / served, np.nan)
    sums = sums.assign(accuracy=measured, expected=expected).drop(columns=["weighted_"])
    return sums.sort_values(["site", "t_s"], ignore_index=True)[columns]


def accuracy_points(table: pd.DataFrame, site: str, bin_s: float) -> dict[str, dict[str, Any]]:
    """The arrays of one site's two traces (``"expected"`` line, ``"measured"`` points) from
    :func:`site_accuracy` rows, x at each bin's centre, y in percent, the counts as hover
    text: what the figure draws and what the live view appends."""
    rows = table[table["site"] == site]
    x = rows["t_s"].to_numpy(dtype=float) + bin_s / 2
    counts = zip(rows["correct"], rows["served"], rows["labelled"], strict=True)
    custom = np.array(
        [f"{c:,.0f} of {n:,.0f} served ({lab:,.0f} labelled)" for c, n, lab in counts],
        dtype=object,
    )
    return {
        "expected": {"x": x, "y": rows["expected"].to_numpy(dtype=float) * 100},
        "measured": {
            "x": x,
            "y": rows["accuracy"].to_numpy(dtype=float) * 100,
            "customdata": custom,
        },
    }


def _site_colours(sites: Iterable[str]) -> dict[str, str]:
    return {s: _SITE_COLOURS[i % len(_SITE_COLOURS)] for i, s in enumerate(dict.fromkeys(sites))}


def accuracy_layout(
    until_s: float,
    bin_s: float,
    marks: Sequence[DecisionMark],
    low: float = 50.0,
    workload: str | None = None,
) -> dict[str, Any]:
    """The figure's layout: title (naming ``workload`` when given), time axis, the accuracy
    axis from ``low`` % (a multiple of 5) to 100 % with room above for the labels of
    ``marks``, their lines, bands and labels. The live view recomputes it when a mark
    appears, and sends it only then."""
    of = f" of {workload}" if workload else ""
    layout = base_layout(
        f"Accuracy{of} per site (bins of {bin_s:g} s): true accuracy (line), "
        "measured (points), learning loop marked",
        height=_HEIGHT,
    )
    plot_px = float(layout["height"] - layout["margin"]["t"] - layout["margin"]["b"])
    shapes, labels, free = mark_layout(marks, max(until_s, 1.0), plot_px, rows=4)
    for shape in shapes:  # mark_layout names every band an outage; ours are not all
        shape["name"] = f"mark {shape['name'].split(' ', 1)[1]}"
    top = 100 + free * (100 - low) / (1 - free) if free else 101.0
    ticks = list(range(int(low), 101, 5 if 100 - low <= 30 else 10))
    return {
        **layout,
        "hovermode": "closest",
        "xaxis": time_axis(until_s),
        "yaxis": {
            "title": {"text": "accuracy (%)"},
            "range": [low, top],
            "tickmode": "array",
            "tickvals": ticks,
            "ticktext": [f"{v} %" for v in ticks],
            "gridcolor": GRID,
            "zeroline": False,
            "type": "linear",
        },
        "shapes": shapes,
        "annotations": labels,
    }


def _low(values: Iterable[float]) -> float:
    finite = [v for v in values if math.isfinite(v)]
    if not finite:
        return 50.0
    return max(0.0, min(50.0, math.floor((min(finite) - 5) / 5) * 5))


def learning_accuracy_figure(
    accuracy: pd.DataFrame,
    *,
    until_s: float,
    bin_s: float | None = None,
    workload: str | None = None,
    sites: Sequence[str] | None = None,
    events: pd.DataFrame | None = None,
    detections: pd.DataFrame | None = None,
    decisions: pd.DataFrame | None = None,
    rollouts: pd.DataFrame | None = None,
    outages: Sequence[tuple[float, float, str, str]] = (),
    episodes: pd.DataFrame | None = None,
    now_s: float | None = None,
) -> go.Figure:
    """Accuracy over time per site (``Results.accuracy()``, for ``workload`` when given): the
    true accuracy as a line, the measured binned accuracy as points, with the loop's marks
    (:func:`learning_marks` of ``events``, ``detections``, ``decisions``, ``rollouts`` and
    ``episodes``) and
    ``outages`` (start, end, kind, element) shaded and labelled. ``sites`` fixes which sites
    get traces, in order (the live view's traces exist before their first point); ``now_s``
    ends a band still open (default ``until_s``)."""
    table = site_accuracy(accuracy, workload)
    if bin_s is None:
        steps = np.diff(np.unique(table["t_s"].to_numpy(dtype=float)))
        bin_s = float(steps.min()) if len(steps) else max(until_s, 1.0)
    names = list(sites) if sites is not None else list(dict.fromkeys(table["site"]))
    marks = [
        *learning_marks(
            events, detections, decisions, rollouts, episodes=episodes, now_s=now_s or until_s
        ),
        *outage_marks(outages),
    ]
    marks.sort(key=lambda m: m.t_s)
    values = [*(table["accuracy"] * 100), *(table["expected"] * 100)]
    figure = go.Figure(layout=accuracy_layout(until_s, bin_s, marks, _low(values), workload))
    colours = _site_colours(names)
    for site in names:
        points = accuracy_points(table, site, bin_s)
        colour = colours[site]
        figure.add_trace(
            go.Scatter(
                **points["expected"], mode="lines", name=f"{site}: true accuracy",
                line={"color": colour, "width": 2}, connectgaps=False, legendgroup=site,
                hovertemplate=f"<b>{site}</b> at %{{x:.4g}} s: true accuracy %{{y:.1f}} %"
                "<extra></extra>",
                meta={"kind": "expected", "site": site},
            )
        )  # fmt: skip
        figure.add_trace(
            go.Scatter(
                **points["measured"], mode="markers", name=f"{site}: measured",
                marker={"color": colour, "size": 6, "symbol": "circle-open",
                        "line": {"width": 1.5, "color": colour}},
                legendgroup=site,
                hovertemplate=f"<b>{site}</b> at %{{x:.4g}} s: %{{y:.1f}} % right<br>"
                "%{customdata}<extra></extra>",
                meta={"kind": "measured", "site": site},
            )
        )  # fmt: skip
    if not table["served"].gt(0).any():
        figure.add_annotation(
            text="No prediction has been judged yet: the timeline fills as versions serve.",
            xref="paper", yref="paper", x=0.5, y=0.5, showarrow=False,
            font={"size": 12, "color": "#5f6673"}, name="empty",
        )  # fmt: skip
    return figure


# ---------------------------------------------------------------------------------------------
# Marks


def loop_rollouts(table: pd.DataFrame | None, loops: Iterable[str] | None = None) -> pd.DataFrame:
    """The rows of ``Results.rollouts()`` or ``Results.decisions()`` of the retrained versions
    (rollout id ``<loop>-r<n>``), of ``loops`` when given, else of any loop."""
    if table is None or table.empty:
        return pd.DataFrame(columns=[] if table is None else table.columns)
    ids = table["rollout"].astype(str)
    pattern = (
        rf"^(?:{'|'.join(map(re.escape, loops))})-r\d+$" if loops is not None else r"^.+-r\d+$"
    )
    return table[ids.str.match(pattern)]


def _spans(
    events: pd.DataFrame, start: str, end: str, now_s: float
) -> list[tuple[float, float, str]]:
    """(start, end, loop) of each ``start`` ... ``end`` pair per loop; open ones end now."""
    spans = []
    opened: dict[str, list[float]] = {}
    for t, kind, loop in zip(events["t_s"], events["kind"], events["element"], strict=True):
        if kind == start:
            opened.setdefault(str(loop), []).append(float(t))
        elif kind == end and opened.get(str(loop)):
            spans.append((opened[str(loop)].pop(0), float(t), str(loop)))
    spans += [(t, max(now_s, t), loop) for loop, ts in opened.items() for t in ts]
    return sorted(spans)


def learning_marks(
    events: pd.DataFrame | None,
    detections: pd.DataFrame | None = None,
    decisions: pd.DataFrame | None = None,
    rollouts: pd.DataFrame | None = None,
    *,
    episodes: pd.DataFrame | None = None,
    now_s: float = math.inf,
) -> list[DecisionMark]:
    """The loop's marks: drift start and full (lines; one for a step drift), each detection
    and false alarm (lines; from ``detections`` when given, with the detector and the node in
    the hover, else from the events), the sample upload and the retraining (bands, an open one
    ends at ``now_s``), the start and decision of each retrained version's rollout
    (``<loop>-r<n>``, as :func:`~workbench.plots_models.decision_marks` draws them, labelled
    'r1 rollout' and 'r1 promoted') and recovery (at each episode's ``recovered_at_s`` with
    ``episodes``, ``Results.learning()``: the engine's ``recovered`` event comes when it checks,
    the episode says when the accuracy was back). Label texts name the loop when there are
    several."""
    if events is None or events.empty:
        events = pd.DataFrame(columns=["t_s", "kind", "element", "detail"])
    events = events[events["kind"].isin(LEARNING_EVENTS)]
    loops = set(events["element"].astype(str))
    if detections is not None and not detections.empty:
        loops |= set(detections["loop"].astype(str))
    several = len(loops) > 1

    def named(loop: str, text: str) -> str:
        return f"{loop}: {text}" if several else text

    starts = set(zip(events.loc[events["kind"] == "drift_start", "element"].astype(str),
                     events.loc[events["kind"] == "drift_start", "t_s"].astype(float),
                     strict=True))  # fmt: skip

    def starts_at(loop: str, t: float) -> bool:
        """A step drift is full as it starts: one mark says it."""
        return (loop, t) in starts

    marks: list[DecisionMark] = []
    details = events["detail"] if "detail" in events else pd.Series("", index=events.index)
    for t, kind, loop, detail in zip(
        events["t_s"], events["kind"], events["element"], details, strict=True
    ):
        extra = f"<br>{detail}" if isinstance(detail, str) and detail else ""
        hover = f"<b>{loop}</b>: {str(kind).replace('_', ' ')} at {float(t):.4g} s{extra}"
        if kind == "drift_start":
            marks.append(DecisionMark(float(t), named(loop, "drift starts"), hover,
                                      MARK_COLOURS["drift"], "dash"))  # fmt: skip
        elif kind == "drift_full" and not starts_at(str(loop), float(t)):
            marks.append(DecisionMark(float(t), named(loop, "drift full"), hover,
                                      MARK_COLOURS["drift"], "dot"))  # fmt: skip
        elif kind == "recovered" and episodes is None:
            marks.append(DecisionMark(float(t), named(loop, "recovered"), hover,
                                      MARK_COLOURS["recovered"], "solid"))  # fmt: skip
        elif kind in ("detection", "false_alarm") and (detections is None or detections.empty):
            colour = MARK_COLOURS[str(kind)]
            word = "detected" if kind == "detection" else "false alarm"
            marks.append(DecisionMark(float(t), named(loop, word), hover, colour, "dashdot"))
    if detections is not None and not detections.empty:
        for row in detections.itertuples(index=False):
            false = bool(row.false_alarm)
            word = "false alarm" if false else f"detected ({row.detector})"
            hover = (
                f"<b>{row.loop}</b>: {'false alarm' if false else 'drift detected'} at "
                f"{float(row.t_s):.4g} s<br>{row.detector} on the {row.stream} stream at "
                f"{row.node}"
            )
            colour = MARK_COLOURS["false_alarm" if false else "detection"]
            marks.append(
                DecisionMark(float(row.t_s), named(str(row.loop), word), hover, colour, "dashdot")
            )
    if episodes is not None and not episodes.empty:
        for row in episodes.itertuples(index=False):
            at = float(row.recovered_at_s)
            if math.isfinite(at):
                hover = (
                    f"<b>{row.loop}</b>: recovered at {at:.4g} s, "
                    f"{float(row.time_to_recover_s):.4g} s after the drift"
                )
                marks.append(DecisionMark(at, named(str(row.loop), "recovered"), hover,
                                          MARK_COLOURS["recovered"], "solid"))  # fmt: skip
    for start, end, loop in _spans(events, "samples_ready", "upload_end", now_s):
        hover = f"<b>{loop}</b>: training samples uploaded from {start:.4g} s to {end:.4g} s"
        marks.append(DecisionMark(start, named(loop, "upload"), hover, MARK_COLOURS["upload"],
                                  "dot", end))  # fmt: skip
    for start, end, loop in _spans(events, "retrain_start", "retrain_end", now_s):
        hover = f"<b>{loop}</b>: retraining from {start:.4g} s to {end:.4g} s"
        marks.append(DecisionMark(start, named(loop, "retraining"), hover,
                                  MARK_COLOURS["retraining"], "dot", end))  # fmt: skip
    for mark in decision_marks(loop_rollouts(decisions), loop_rollouts(rollouts)):
        # 'defect-loop-r1 starts' -> 'r1 rollout', 'defect-loop-r1: promoted' -> 'r1 promoted'
        found = re.match(r"^(.+)-(r\d+)(?: starts|: (.+))$", mark.text)
        if found:
            loop, version, what = found.groups()
            text = named(loop, f"{version} {what or 'rollout'}")
            mark = dataclasses.replace(mark, text=text)
        marks.append(mark)
    return sorted(marks, key=lambda m: m.t_s)


# ---------------------------------------------------------------------------------------------
# Label bytes up


def label_bytes_by_loop(learning: Mapping[str, Any] | None) -> dict[str, dict[str, float]]:
    """``{loop: {boundary: bytes}}`` of labels and training samples sent up, summed over the
    episodes of ``summary()["learning"]`` (boundary names as ``'far_edge|aggregation_edge'``)."""
    out: dict[str, dict[str, float]] = {}
    for loop in (learning or {}).get("loops") or {}:
        out[str(loop)] = {}
    for episode in (learning or {}).get("episodes") or []:
        per = out.setdefault(str(episode["loop"]), {})
        for boundary, value in (episode.get("label_bytes_up_by_boundary") or {}).items():
            per[boundary] = per.get(boundary, 0.0) + float(value or 0.0)
    return out


def label_bytes_figure(
    learning: Mapping[str, Any] | None, *, catalogue: Catalogue | None = None
) -> go.Figure:
    """Bytes of labels and training samples sent up across each tier boundary, one bar per
    loop (``summary()["learning"]``), labelled with its size, on a log scale (labels and
    samples differ by decades): boundaries no loop crossed are left out, the lowest first."""
    per_loop = label_bytes_by_loop(learning)
    cat = catalogue or load_catalogue()
    tiers = cat.tiers_in_order()
    names: dict[str, str] = {str(t.id): t.name or str(t.id) for t in tiers}
    order = [f"{a.id}|{b.id}" for a, b in itertools.pairwise(tiers)]
    crossed = [b for b in order if any(v.get(b, 0.0) > 0 for v in per_loop.values())]
    figure = go.Figure()
    figure.update_layout(
        **base_layout("Labels and training samples sent up each tier boundary, per loop"),
        barmode="group", hovermode="closest",
    )  # fmt: skip
    figure.update_xaxes(title_text="tier boundary", type="category", gridcolor=GRID)
    if not crossed:
        figure.update_yaxes(title_text="bytes up (log scale)", **_log_ticks(1e3, 1e9, byte_text))
        figure.add_annotation(
            text="No label or training sample crossed a tier boundary in this run.",
            xref="paper", yref="paper", x=0.5, y=0.5, showarrow=False,
            font={"size": 12, "color": "#5f6673"}, name="empty",
        )  # fmt: skip
        return figure
    labels = [
        f"{names.get(low, low)} →<br>{names.get(high, high)}"
        for low, high in (b.split("|") for b in crossed)
    ]
    shown = []
    for index, (loop, per) in enumerate(per_loop.items()):
        values = [float(per.get(b, 0.0)) for b in crossed]
        shown += [v for v in values if v > 0]
        texts = [byte_text(v) if v > 0 else "" for v in values]
        figure.add_trace(
            go.Bar(
                x=labels, y=[v if v > 0 else None for v in values], name=loop,
                marker={"color": _SITE_COLOURS[index % len(_SITE_COLOURS)]},
                text=texts, textposition="outside", cliponaxis=False,
                customdata=texts, meta={"kind": "label-bytes"},
                hovertemplate=f"<b>{loop}</b>: %{{customdata}} up %{{x}}<extra></extra>",
            )
        )  # fmt: skip
    # labels (hundreds of bytes each) and training samples (GB) differ by decades: log scale
    low = 10.0 ** (math.floor(math.log10(min(shown))) - 1)  # the smallest bar a decade tall
    high = 10.0 ** (math.ceil(math.log10(max(shown)) + 0.3))
    figure.update_yaxes(
        title_text="bytes up (log scale)", gridcolor=GRID, **_log_ticks(low, high, byte_text)
    )
    return figure


# ---------------------------------------------------------------------------------------------
# Episodes


def episode_table(episodes: pd.DataFrame) -> pd.DataFrame:
    """``Results.learning()`` as an architect reads it: one row per episode, the columns of
    :data:`EPISODE_COLUMNS` under their headers, times rounded to 0.1 s, GPU-hours to three
    significant figures, bytes as text ('1.2 GB'), sites joined; empty when no episode (say
    :data:`NO_EPISODES` instead)."""
    if episodes.empty:
        return pd.DataFrame(columns=list(EPISODE_COLUMNS.values()))
    table = episodes.reindex(columns=list(EPISODE_COLUMNS)).copy()
    table["sites"] = [
        ", ".join(map(str, s)) if isinstance(s, list | tuple | np.ndarray) else str(s)
        for s in table["sites"]
    ]
    for column in ("drift_at_s", "time_to_detect_s", "time_to_recover_s"):
        table[column] = table[column].astype(float).round(1)
    for column in ("wrong_predictions", "excess_wrong_predictions"):
        table[column] = table[column].astype(float).round().astype("Int64")
    table["label_bytes_up"] = [byte_text(float(b)) for b in table["label_bytes_up"].fillna(0)]
    table["gpu_hours"] = [
        float(f"{g:.3g}") if math.isfinite(g) else math.nan
        for g in table["gpu_hours"].astype(float)
    ]
    table["retrain_node"] = table["retrain_node"].fillna("–").replace("", "–")
    return table.rename(columns=EPISODE_COLUMNS).reset_index(drop=True)
