"""Live dashboard: four plotly ``FigureWidget``s updated in place from a running simulation.

1. **latency**: p50, p95 and p99 per workload over simulated time, with its SLO;
2. **bandwidth**: bytes per second sent up across each tier boundary against shipping the raw
   data to the cloud, with the saving in percent (the numbers of ``summary()["boundaries"]``);
3. **degraded mode**: requests per second served by the primary model, by a fallback, dropped,
   and requests waiting in stores, with the failure windows shaded;
4. **buffers**: bytes held in each node's local store over time.

:meth:`Dashboard.update` takes the :class:`~workbench.sim.Results` of a simulation (finished or
not) and changes the figures' data in place; latency bins already complete are kept and only
the newest are computed. :meth:`Dashboard.from_results` shows a finished run on its own.

Examples
--------
>>> from workbench.loading import data_dir
>>> from workbench.scenario import load_scenario
>>> from workbench.sim import simulate
>>> results = simulate(load_scenario(data_dir() / "scenarios" / "factory_floor.yaml"), until=200)
>>> dash = Dashboard.from_results(results)
>>> import numpy as np
>>> bool(np.nanmax(dash.timeline_trace("fallback").y) > 0)  # the scripted WAN cut at 120 s
True
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any

import anywidget
import ipywidgets as ipw
import numpy as np
import pandas as pd
import plotly.graph_objects as go

from workbench.catalogue import Catalogue
from workbench.plots import OUTAGE_COLOURS, TIER_COLOURS, outage_windows
from workbench.scenario import Scenario
from workbench.sim import Results

from .canvas import STATIC, workload_colour

__all__ = ["Dashboard"]

_FONT = "Inter, Segoe UI, Helvetica, Arial, sans-serif"
_MAX_BINS = 300
_MODE_COLOURS = {
    "primary": "#3c9d5d",
    "fallback": "#f39c12",
    "dropped": "#c0392b",
    "buffered": "#1565c0",
}
_RAW_COLOUR = "#b8bdc6"
_LATENCY_TITLE = "Latency: p95 (thick), p50 (dotted), p99 (thin), SLO (dashed)"
_SHORT = {
    "far_edge": "far edge",
    "aggregation_edge": "aggregation",
    "on_prem": "on-prem",
    "telco_edge": "telco edge",
    "cloud": "cloud",
}


class FitFigures(anywidget.AnyWidget):
    """Invisible helper: resizes the FigureWidgets when their container's width changes."""

    _esm = STATIC / "autosize.js"
    _css = STATIC / "autosize.css"


def bin_width(until_s: float) -> float:
    """Time bin of the live series: 1 s, or wider so that a run has at most 300 bins."""
    return float(max(1, math.ceil(until_s / _MAX_BINS)))


def _figure(title: str, height: int = 330) -> go.FigureWidget:
    fig = go.FigureWidget()
    # plotly.js then follows window resizes, which FitFigures sends when the grid changes width
    fig._config = {**fig._config, "responsive": True, "displaylogo": False}
    fig.update_layout(
        title={"text": title, "x": 0.01, "font": {"size": 14}},
        font={"family": _FONT, "size": 11},
        height=height,
        margin={"l": 64, "r": 16, "t": 44, "b": 40},
        plot_bgcolor="white",
        paper_bgcolor="white",
        legend={"orientation": "h", "y": -0.22, "x": 0, "font": {"size": 10}},
        hovermode="x unified",
    )
    fig.update_xaxes(gridcolor="#e5e7eb", title_text="simulated time (s)", rangemode="tozero")
    fig.update_yaxes(gridcolor="#e5e7eb")
    return fig


def _percent_text(percent: float | None) -> str:
    if percent is None or not math.isfinite(percent):
        return "n/a"
    remainder = 100.0 - percent
    decimals = 1 if remainder <= 0 else max(1, min(5, math.ceil(-math.log10(remainder)) + 1))
    return f"{percent:.{decimals}f} %"


class Dashboard:
    """Latency, bandwidth, degraded-mode and buffer figures for one scenario (``.widget``).

    Parameters
    ----------
    scenario
        The scenario being run (its workloads, SLOs, tiers and stores).
    until_s
        Length of the run (sets the time bins); default: the scenario's.
    max_workloads
        Workloads drawn in the latency figure (the first ones; the rest are named in the title).
    """

    def __init__(
        self,
        scenario: Scenario,
        *,
        until_s: float | None = None,
        max_workloads: int = 6,
        catalogue: Catalogue | None = None,
    ) -> None:
        self.max_workloads = max_workloads
        self._catalogue = catalogue
        self.latency = _figure(_LATENCY_TITLE)
        self.bandwidth = _figure("Bandwidth up across each tier boundary vs raw to cloud")
        self.timeline = _figure("Degraded mode: how requests end, per second")
        self.buffers = _figure("Local store occupancy")
        self.figures = [self.latency, self.bandwidth, self.timeline, self.buffers]
        cells: list[ipw.Widget] = [
            ipw.Box([f], layout=ipw.Layout(width="100%", min_width="0")) for f in self.figures
        ]
        self.widget = ipw.GridBox(
            [*cells, FitFigures()],
            layout=ipw.Layout(
                grid_template_columns="repeat(2, minmax(0, 1fr))", grid_gap="6px", width="100%"
            ),
        )
        self.widget.add_class("etw-dashboard")
        self.reset(scenario, until_s=until_s)

    @classmethod
    def from_results(cls, results: Results, **kwargs: Any) -> Dashboard:
        """A dashboard showing ``results`` (e.g. of a finished run)."""
        dashboard = cls(results.scenario, until_s=results.until_s, **kwargs)
        dashboard.update(results)
        return dashboard

    # ------------------------------------------------------------------ set-up
    def reset(self, scenario: Scenario | None = None, *, until_s: float | None = None) -> None:
        """Clear every figure (for a new run, or another scenario)."""
        if scenario is not None:
            self.scenario = scenario
        self.until_s = float(until_s or self.scenario.simulation.until_s)
        self.bin_s = bin_width(self.until_s)
        self.now_s = 0.0
        self._final_bins = 0  # latency bins before this one are complete and stored
        self._stored: dict[str, list[np.ndarray]] = {}
        self._shapes: tuple[Any, ...] = ()
        workloads = self.scenario.workloads
        self.shown = [w.id for w in workloads[: self.max_workloads]]
        self._build_latency()
        self._build_bandwidth()
        self._build_timeline()
        self._build_buffers()

    def _build_latency(self) -> None:
        fig = self.latency
        traces: list[Any] = []
        self._latency_index: dict[tuple[str, str], int] = {}
        for index, workload in enumerate(self.scenario.workloads[: self.max_workloads]):
            colour = workload_colour(index)
            group = workload.id
            for part in ("p50", "p99", "p95", "slo"):
                self._latency_index[(workload.id, part)] = len(traces)
                common: dict[str, Any] = {"legendgroup": group, "meta": {"workload": group}}
                if part in ("p50", "p99"):  # thin lines (a filled band would bridge gaps)
                    traces.append(
                        go.Scatter(
                            x=[], y=[], mode="lines", name=f"{group} {part}", showlegend=False,
                            line={"width": 1, "color": _rgba(colour, 0.55),
                                  "dash": "dot" if part == "p50" else "solid"},
                            **common,
                        )
                    )  # fmt: skip
                elif part == "p95":
                    traces.append(
                        go.Scatter(
                            x=[], y=[], mode="lines", line={"width": 2, "color": colour},
                            name=group, **common,
                        )
                    )  # fmt: skip
                else:
                    slo_ms = workload.slo_s * 1e3
                    traces.append(
                        go.Scatter(
                            x=[0, self.until_s], y=[slo_ms, slo_ms], mode="lines",
                            line={"width": 1.5, "color": colour, "dash": "dash"},
                            name=f"{group} SLO", showlegend=False, hoverinfo="skip", **common,
                        )
                    )  # fmt: skip
        hidden = len(self.scenario.workloads) - len(self.shown)
        title = _LATENCY_TITLE
        if hidden > 0:
            title += f" (first {len(self.shown)} of {len(self.scenario.workloads)})"
        self._latency_title = title
        with fig.batch_update():
            fig.data = []
            fig.add_traces(traces)
            fig.layout.title.text = title
            fig.update_yaxes(type="log", title_text="latency (log)", dtick=1, ticksuffix=" ms")
            fig.update_xaxes(range=[0, self.until_s])
            fig.layout.shapes = self._warmup_shape()

    def _build_bandwidth(self) -> None:
        fig = self.bandwidth
        tiers = [t.id for t in self._cat().tiers_in_order()]
        self._boundaries = [f"{low}|{high}" for low, high in itertools.pairwise(tiers)]
        self._boundary_labels = [
            f"{_SHORT.get(low, low)} → {_SHORT.get(high, high)}"
            for low, high in itertools.pairwise(tiers)
        ]
        labels = [
            f"{_SHORT.get(low, low)} →<br>{_SHORT.get(high, high)}"
            for low, high in itertools.pairwise(tiers)
        ]
        colours = [TIER_COLOURS.get(b.split("|")[1], "#888888") for b in self._boundaries]
        with fig.batch_update():
            fig.data = []
            fig.add_traces(
                [
                    go.Bar(
                        x=labels, y=[None] * len(labels), name="raw data to the cloud",
                        marker={"color": _RAW_COLOUR}, meta={"kind": "raw"},
                    ),
                    go.Bar(
                        x=labels, y=[None] * len(labels), name="sent up in this run",
                        marker={"color": colours}, meta={"kind": "actual"},
                    ),
                ]
            )  # fmt: skip
            fig.update_layout(barmode="group", hovermode="closest")
            fig.update_yaxes(type="log", title_text="bytes/s (log)", tickformat=".2s")
            fig.update_xaxes(title_text=None, rangemode=None, tickangle=0)

    def _build_timeline(self) -> None:
        fig = self.timeline
        traces: list[go.Scatter] = []
        for name in ("primary", "fallback", "dropped"):
            traces.append(
                go.Scatter(
                    x=[], y=[], mode="lines", name=name, meta={"kind": name},
                    line={"width": 2 if name == "primary" else 2.5, "color": _MODE_COLOURS[name]},
                )
            )  # fmt: skip
        traces.append(
            go.Scatter(
                x=[], y=[], mode="lines", name="buffered (waiting, right axis)", yaxis="y2",
                line={"width": 2, "color": _MODE_COLOURS["buffered"], "dash": "dot"},
                meta={"kind": "buffered"},
            )
        )  # fmt: skip
        with fig.batch_update():
            fig.data = []
            fig.add_traces(traces)
            fig.update_layout(
                yaxis={"title": {"text": "requests/s (log)"}, "type": "log"},
                yaxis2={
                    "title": {"text": "waiting"},
                    "tickmode": "auto",
                    "nticks": 5,
                    "tickformat": "~s",
                    "overlaying": "y",
                    "side": "right",
                    "rangemode": "tozero",
                    "showgrid": False,
                },
                margin={"r": 56},
            )
            fig.update_xaxes(range=[0, self.until_s])
            fig.layout.shapes = self._warmup_shape()
            fig.layout.annotations = []

    def _build_buffers(self) -> None:
        fig = self.buffers
        self._buffer_index: dict[str, int] = {}
        traces: list[go.Scatter] = []
        for node in self.scenario.nodes:
            if not node.storage_bytes:
                continue
            self._buffer_index[node.id] = len(traces)
            capacity = node.storage_bytes * node.count
            traces.append(
                go.Scatter(
                    x=[], y=[], mode="lines", line_shape="hv", name=node.id,
                    line={"width": 2, "color": TIER_COLOURS.get(node.tier, "#888888")},
                    meta={"node": node.id, "capacity_bytes": capacity},
                    hovertemplate=f"{node.id}: %{{y:.3s}}B of "
                    f"{_size(capacity)} at %{{x:.4g}} s<extra></extra>",
                )
            )  # fmt: skip
        with fig.batch_update():
            fig.data = []
            fig.add_traces(traces)
            fig.update_yaxes(title_text="bytes held", tickformat=".2s", rangemode="tozero")
            fig.update_xaxes(range=[0, self.until_s])
            fig.layout.shapes = self._warmup_shape()

    def _cat(self) -> Catalogue:
        return self.scenario.catalogue(self._catalogue)

    def _warmup_shape(self) -> tuple[dict[str, Any], ...]:
        warmup = self.scenario.simulation.warmup_s
        if warmup <= 0:
            return ()
        return (
            {
                "type": "rect", "xref": "x", "yref": "paper", "x0": 0, "x1": warmup,
                "y0": 0, "y1": 1, "fillcolor": "#9aa0a6", "opacity": 0.15, "line": {"width": 0},
                "layer": "below",
            },
        )  # fmt: skip

    # ------------------------------------------------------------------ updates
    def update(self, results: Results) -> None:
        """Bring every figure up to ``results`` (in place; cheap for the bins already shown)."""
        self.now_s = results.now_s
        requests = results.requests  # built once, shared by every figure below
        if "state" not in requests.columns:  # no request yet: the engine's table has no columns
            return
        self._update_latency(requests)
        self._update_bandwidth(results)
        windows = outage_windows(results.events, results.now_s)
        self._update_timeline(results, windows)
        self._update_buffers(results)
        self._update_windows(windows)

    def _update_latency(self, requests: pd.DataFrame) -> None:
        bin_s, now = self.bin_s, self.now_s
        complete = math.floor(now / bin_s + 1e-9)  # bins before this one are complete
        start = self._final_bins * bin_s
        done = requests["state"] == "done"
        recent = requests.loc[done & (requests["end_s"] >= start), ["workload", "end_s"]]
        latency = requests.loc[recent.index, "latency_s"].to_numpy(dtype=float) * 1e3
        bins = np.floor(recent["end_s"].to_numpy(dtype=float) / bin_s + 1e-9).astype(int)
        workload = recent["workload"].to_numpy()
        fig = self.latency
        with fig.batch_update():
            for workload_id in self.shown:
                mine = workload == workload_id
                table = _percentiles(bins[mine], latency[mine])
                stored = self._stored.setdefault(workload_id, [np.empty((0, 4))])
                final = table[table[:, 0] < complete]
                if len(final):
                    stored.append(final)
                series = _with_gaps(np.concatenate([*stored, table[table[:, 0] >= complete]]))
                times = (series[:, 0] + 0.5) * bin_s
                for part, column in (("p50", 1), ("p99", 3), ("p95", 2)):
                    trace = fig.data[self._latency_index[(workload_id, part)]]
                    trace.x = times
                    trace.y = series[:, column]
            fig.layout.title.text = f"{self._latency_title} · t = {now:.0f} s"
        self._final_bins = max(self._final_bins, complete)

    def _update_bandwidth(self, results: Results) -> None:
        summary = results.boundary_summary()
        raw: list[float | None] = []
        actual: list[float | None] = []
        text: list[str] = []
        for name in self._boundaries:
            row = summary.get(name)
            if row is None:
                raw.append(None)
                actual.append(None)
                text.append("")
                continue
            raw.append(row["raw_to_cloud_bytes_per_s"] or None)
            actual.append(row["up_bytes_per_s"] or None)
            saving = row["saving_percent"]
            text.append("" if saving is None else f"saves {_percent_text(saving)}")
        fig = self.bandwidth
        ticks = [
            f"{label}<br><b style='color:#1e7b45'>{saving}</b>"
            for label, saving in zip(self._boundary_labels, text, strict=True)
        ]
        with fig.batch_update():
            fig.data[0].y = raw
            fig.data[1].y = actual
            fig.data[1].customdata = text
            fig.update_xaxes(tickvals=list(fig.data[1].x), ticktext=ticks)
            fig.layout.title.text = (
                f"Bandwidth up across each tier boundary vs raw to cloud · t = {self.now_s:.0f} s"
            )

    def _update_timeline(
        self, results: Results, windows: Sequence[tuple[float, float, str, str]]
    ) -> None:
        table = results.timeline(self.bin_s)
        if self.now_s < results.until_s:  # the last bin is still filling: leave it out
            table = table[table["t_s"] + self.bin_s <= self.now_s + 1e-9]
        times = table["t_s"].to_numpy(dtype=float) + self.bin_s / 2
        fig = self.timeline
        with fig.batch_update():
            for index, name in enumerate(("primary", "fallback", "dropped")):
                fig.data[index].x = times
                rate = table[name].to_numpy(dtype=float) / self.bin_s
                fig.data[index].y = np.where(rate > 0, rate, np.nan)  # log axis: 0 is a gap
            fig.data[3].x = times
            fig.data[3].y = table["buffered"].to_numpy(dtype=float)
            title = f"Degraded mode: how requests end, per second · t = {self.now_s:.0f} s"
            if windows:
                title += f" · {len(windows)} outage{'s' * (len(windows) > 1)}"
            fig.layout.title.text = title

    def _update_buffers(self, results: Results) -> None:
        table = results.buffers
        fig = self.buffers
        with fig.batch_update():
            for node_id, index in self._buffer_index.items():
                rows = table[table["node"] == node_id]
                times, held = _store_total(rows, self.now_s, self.bin_s)
                fig.data[index].x = times
                fig.data[index].y = held

    def _update_windows(self, windows: Sequence[tuple[float, float, str, str]]) -> None:
        key = tuple(windows)
        if key == self._shapes:
            return
        self._shapes = key
        shapes = list(self._warmup_shape())
        annotations = []
        for index, (start, end, kind, element) in enumerate(windows):
            shapes.append(
                {
                    "type": "rect", "xref": "x", "yref": "paper", "x0": start,
                    "x1": max(end, start + self.bin_s / 4), "y0": 0, "y1": 1,
                    "fillcolor": OUTAGE_COLOURS[kind], "opacity": 0.16, "line": {"width": 0},
                    "layer": "below", "name": f"outage {element}",
                }
            )  # fmt: skip
            annotations.append(
                {
                    "x": start, "xref": "x", "xanchor": "left", "y": 1 - 0.08 * (index % 3),
                    "yref": "paper", "yanchor": "top", "text": f"{element} {kind}",
                    "showarrow": False, "font": {"size": 10, "color": "#922b21"},
                    "bgcolor": "rgba(255,255,255,0.7)",
                }
            )  # fmt: skip
        for fig in (self.latency, self.timeline, self.buffers):
            with fig.batch_update():
                fig.layout.shapes = shapes
        self.timeline.layout.annotations = annotations

    # ------------------------------------------------------------------ reading
    def timeline_trace(self, name: str) -> Any:
        """The degraded-mode trace ``name`` (primary, fallback, dropped or buffered)."""
        return next(t for t in self.timeline.data if t.meta["kind"] == name)

    def latency_trace(self, workload_id: str, part: str = "p95") -> Any:
        """The latency trace of a shown workload (``part``: p50, p95, p99 or slo)."""
        return self.latency.data[self._latency_index[(workload_id, part)]]

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)


def _percentiles(bins: np.ndarray, latency_ms: np.ndarray) -> np.ndarray:
    """Rows (bin, p50, p95, p99) of the latencies in each bin, bins ascending."""
    if not len(bins):
        return np.empty((0, 4))
    order = np.lexsort((latency_ms, bins))
    bins, latency_ms = bins[order], latency_ms[order]
    edges = np.flatnonzero(np.diff(bins)) + 1
    starts = np.concatenate([[0], edges])
    ends = np.concatenate([edges, [len(bins)]])
    rows = np.empty((len(starts), 4))
    for i, (a, b) in enumerate(zip(starts, ends, strict=True)):
        values = latency_ms[a:b]  # already sorted within the bin
        rows[i] = (bins[a], *np.percentile(values, (50, 95, 99), method="linear"))
    return rows


def _with_gaps(rows: np.ndarray) -> np.ndarray:
    """Rows (bin, ...) with a row of NaN wherever bins are missing, so lines break there."""
    if len(rows) < 2:
        return rows
    jumps = np.flatnonzero(np.diff(rows[:, 0]) > 1)
    if not len(jumps):
        return rows
    gaps = np.full((len(jumps), rows.shape[1]), np.nan)
    gaps[:, 0] = rows[jumps, 0] + 1
    return np.insert(rows, jumps + 1, gaps, axis=0)


def _store_total(rows: pd.DataFrame, now_s: float, bin_s: float) -> tuple[np.ndarray, np.ndarray]:
    """Bytes held in all instances of one node's store over time (the peak of each bin when
    there are many changes), extended to ``now_s``."""
    if rows.empty:
        return np.array([0.0, now_s]), np.array([0.0, 0.0])
    held = rows["bytes"].to_numpy(dtype=float)
    if rows["instance"].nunique() > 1:
        change = rows.groupby("instance", sort=False)["bytes"].diff()
        change = change.fillna(rows["bytes"]).to_numpy(dtype=float)
        order = np.argsort(rows["t_s"].to_numpy(dtype=float), kind="stable")
        times = rows["t_s"].to_numpy(dtype=float)[order]
        held = np.cumsum(change[order])
    else:
        times = rows["t_s"].to_numpy(dtype=float)
    last = held[-1]
    if len(times) > 2 * _MAX_BINS:  # the peak of each bin keeps short spikes visible
        index = np.floor(times / bin_s).astype(int)
        keys, first = np.unique(index, return_index=True)
        peaks = np.maximum.reduceat(held, first)
        times, held = keys * bin_s, peaks
    return np.concatenate([[0.0], times, [now_s]]), np.concatenate([[0.0], held, [last]])


def _rgba(colour: str, alpha: float) -> str:
    rgb = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    return f"rgba({rgb[0]},{rgb[1]},{rgb[2]},{alpha})"


def _size(size_bytes: float) -> str:
    for unit, scale in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if size_bytes >= scale:
            return f"{size_bytes / scale:.3g} {unit}"
    return f"{size_bytes:.0f} B"
