"""Live dashboard: four plotly figures that grow with a running simulation.

1. **latency**: p50, p95 and p99 per workload over simulated time, with its SLO;
2. **bandwidth**: bytes per second sent up across each tier boundary against shipping the raw
   data to the cloud, with the saving in percent (the numbers of ``summary()["boundaries"]``);
3. **degraded mode**: requests per time bin served by the primary, by a fallback, waiting in
   stores and dropped (stacked), with the outage windows marked, as in the HTML report;
4. **stores**: bytes held in each node's local store over time, as in the HTML report.

When the scenario declares tenants, a dropdown above the figures (``tenant_filter``: "All
tenants" or one tenant) restricts the latency figure, SLO lines included, to that tenant's
workloads; a change of tenant redraws the run so far once, then frames append as before. The
other figures keep counting every tenant: the engine counts bytes per link and requests
waiting per store, not per tenant, so the bandwidth title says "(all tenants)" while a tenant
is chosen (the degraded-mode title already reads "All workloads").

Every figure has its titles, units and scales before the first step (the layouts come from
:mod:`workbench.plots_live` and :mod:`workbench.plots_degraded`, shared with the report).
:meth:`Dashboard.extend` takes the :class:`~workbench.sim.StepReport` of each step and appends
only the bins completed in it, then sends only those points to the browser, so a frame costs
the same at the end of a long run as at its start. :meth:`Dashboard.update` draws the whole of
a :class:`~workbench.sim.Results` (a finished run) through the same code.

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
import time
from typing import Any

import ipywidgets as ipw
import numpy as np
import pandas as pd
import plotly.graph_objects as go

from workbench.catalogue import Catalogue
from workbench.plots import OUTAGE_COLOURS, TIER_COLOURS, _log_ticks, byte_rate_text, outage_windows
from workbench.plots_degraded import OUTCOMES, buffer_frame, timeline_frame
from workbench.plots_live import (
    GRID,
    base_layout,
    byte_axis,
    byte_text,
    count_axis,
    outage_marks,
    time_axis,
    warmup_shapes,
)
from workbench.scenario import Scenario, Workload
from workbench.sim import Results, Simulation, StepReport

from .canvas import workload_colour
from .plotgrid import PlotGrid

__all__ = ["ALL_TENANTS", "Dashboard", "bin_width", "outage_windows"]

_MAX_BINS = 300
_RAW_COLOUR = "#b8bdc6"
LATENCY_TITLE = "Latency per request (log scale): p95 thick, p50 dotted, p99 thin, SLO dashed"
BANDWIDTH_TITLE = "Bytes/s sent up each tier boundary vs raw data to the cloud (log scale)"
_SHORT = {
    "far_edge": "far edge",
    "aggregation_edge": "aggregation",
    "on_prem": "on-prem",
    "telco_edge": "telco edge",
    "cloud": "cloud",
}
_PARTS = ("p50", "p99", "p95", "slo")
_SLOW_S = 1.0  # wall seconds between two redraws of the slowly changing bandwidth figure
ALL_TENANTS = ""  # the tenant filter's value that shows every workload
_WHOLE_RUN_NOTE = " (all tenants)"


def bin_width(until_s: float) -> float:
    """Time bin of the live series: 1 s, or wider so that a run has at most 300 bins."""
    return float(max(1, math.ceil(until_s / _MAX_BINS)))


def _tick_ms(value: float) -> str:
    return f"{value / 1e3:g} s" if value >= 1e3 else f"{value:g} ms"


def _percent_text(percent: float | None) -> str:
    if percent is None or not math.isfinite(percent):
        return "n/a"
    remainder = 100.0 - percent
    decimals = 1 if remainder <= 0 else max(1, min(5, math.ceil(-math.log10(remainder)) + 1))
    shown = round(percent, decimals) + 0.0  # + 0.0: a tiny negative saving is "0.0 %", not "-0.0 %"
    return f"{shown:.{decimals}f} %"


class Dashboard:
    """Latency, bandwidth, degraded-mode and store figures for one scenario (``.widget``).

    Parameters
    ----------
    scenario
        The scenario being run (its workloads, SLOs, tiers and stores).
    until_s
        Length of the run (sets the time bins); default: the scenario's.
    max_workloads
        Workloads drawn in the latency figure (the first ones; the title says how many).
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
        self._tenant = ALL_TENANTS
        self._syncing = False
        self._sim: Simulation | None = None  # the run drawn so far (redrawn on a tenant change)
        self.grid = PlotGrid()
        self.tenant_filter = ipw.Dropdown(
            options=[("All tenants", ALL_TENANTS)],
            value=ALL_TENANTS,
            description="Tenant",
            layout=ipw.Layout(width="360px"),
        )
        self.tenant_filter.add_class("etw-tenant-filter")
        self.tenant_filter.observe(self._on_tenant, names=["value"])
        self.widget = ipw.VBox([self.grid], layout=ipw.Layout(width="100%"))
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
        """Empty every figure and redraw its axes and titles (a new run, or a new scenario):
        no trace, title, label or range of the previous run is left. The tenant filter lists
        the scenario's tenants; a chosen tenant the scenario no longer declares goes back to
        "All tenants"."""
        if scenario is not None:
            self.scenario = scenario
        self._sim = None
        self._sync_tenants()
        self.until_s = float(until_s or self.scenario.simulation.until_s)
        self.bin_s = bin_width(self.until_s)
        self.n_bins = max(1, math.ceil(self.until_s / self.bin_s - 1e-9))
        self.shown = [w.id for _, w in self._workloads()]
        warmup = self.scenario.simulation.warmup_s
        self._latency_top = 0.0
        stores = [n for n in self.scenario.nodes if n.storage_bytes]
        self._store_nodes = [n.id for n in stores]
        buffers = buffer_frame(
            [(n.id, TIER_COLOURS.get(n.tier, "#888888")) for n in stores],
            self.until_s,
            warmup_s=warmup,
        )
        if not stores:
            buffers.update_layout(title_text="Local stores: no node in this scenario has one")
        self._figs = [
            self._latency_frame(),
            self._bandwidth_frame(),
            timeline_frame(self.bin_s, self.until_s, warmup_s=warmup),
            buffers,
        ]
        self._bandwidth_title = str(self._figs[1].layout.title.text)
        self._note_whole_run()
        self._clear_data()
        # layout keys as the browser has them; copied into the figures when they are read
        self._layouts = [
            {k: f.layout[k].to_plotly_json() for k in ("xaxis", "yaxis")} for f in self._figs
        ]
        self._layout_stale: set[tuple[int, str]] = set()
        self.grid.source = lambda: self.figures
        self.grid.show(self.figures)

    # ------------------------------------------------------------------ the figures
    @property
    def latency(self) -> go.Figure:
        return self.figures[0]

    @property
    def bandwidth(self) -> go.Figure:
        return self.figures[1]

    @property
    def timeline(self) -> go.Figure:
        return self.figures[2]

    @property
    def buffers(self) -> go.Figure:
        return self.figures[3]

    @property
    def figures(self) -> list[go.Figure]:
        """The four figures, with all the data sent so far (as the browser shows them)."""
        for (figure, trace), columns in self._series.items():
            if (figure, trace) in self._stale:
                self._figs[figure].data[trace].update(columns)
        self._stale.clear()
        for figure, key in self._layout_stale:
            self._figs[figure].update_layout({key: self._layouts[figure][key]})
        self._layout_stale.clear()
        return self._figs

    def _relayout(self, figure: int, key: str, value: Any) -> dict[str, Any] | None:
        """Set layout ``key`` of a figure (axes are merged into what they were); the change
        to send, or None when nothing changed."""
        old = self._layouts[figure].get(key)
        new = {**old, **value} if isinstance(old, dict) and isinstance(value, dict) else value
        if new == old:
            return None
        self._layouts[figure][key] = new
        self._layout_stale.add((figure, key))
        return {"figure": figure, "layout": {key: new}}

    def _clear_data(self) -> None:
        self.now_s = 0.0
        # the data of each trace that grows, kept as arrays; copied into the plotly figures
        # only when they are read (plotly validates every assignment, too slow per frame)
        self._series: dict[tuple[int, int], dict[str, Any]] = {}
        self._stale: set[tuple[int, int]] = set()
        self._bins_done = 0  # bins before this one are drawn
        self._pending: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {w: [] for w in self.shown}
        self._counts = np.zeros((self.n_bins, 3))  # primary, fallback, dropped per bin
        self._waiting = np.zeros(self.n_bins)
        self._instance_bytes: dict[tuple[str, int], float] = {}
        self._held = {node: 0.0 for node in self._store_nodes}
        self._store_points = {node: 0 for node in self._store_nodes}  # real points drawn
        self._windows: tuple[Any, ...] = ()
        self._latency_top = 0.0
        self._count_top = 0.0
        self._bytes_top = 0.0
        self._bandwidth_key: tuple[Any, ...] = ()
        self._bandwidth_sent = -math.inf
        self._store_sent = -math.inf

    # ------------------------------------------------------------------ tenants
    @property
    def tenant(self) -> str:
        """The tenant whose workloads the latency figure shows (``ALL_TENANTS``: every one)."""
        return self._tenant

    def _tenant_workloads(self) -> list[tuple[int, Workload]]:
        """(index in the scenario, workload) of every workload the filter lets through."""
        return [
            (i, w)
            for i, w in enumerate(self.scenario.workloads)
            if not self._tenant or w.tenant == self._tenant
        ]

    def _workloads(self) -> list[tuple[int, Workload]]:
        """The workloads drawn in the latency figure: the first ``max_workloads`` let through."""
        return self._tenant_workloads()[: self.max_workloads]

    def _sync_tenants(self) -> None:
        """List the scenario's tenants in the filter, shown only when it declares any."""
        tenants = self.scenario.tenants
        ids = {t.id for t in tenants}
        if self._tenant not in ids:
            self._tenant = ALL_TENANTS
        options = [("All tenants", ALL_TENANTS)]
        options += [(f"{t.name} ({t.id})" if t.name else t.id, t.id) for t in tenants]
        self._syncing = True  # the figures are being rebuilt by reset: no redraw here
        try:
            if list(self.tenant_filter.options) != options:
                self.tenant_filter.options = options
            self.tenant_filter.value = self._tenant
        finally:
            self._syncing = False
        children = (ipw.HBox([self.tenant_filter]), self.grid) if tenants else (self.grid,)
        if len(children) != len(self.widget.children):
            self.widget.children = children

    def _on_tenant(self, change: dict[str, Any]) -> None:
        """Show another tenant's workloads: rebuild the latency figure and redraw the run so
        far once (from the engine's tables); the frames after it append as before."""
        tenant = str(change["new"] or ALL_TENANTS)
        if self._syncing or tenant == self._tenant:
            return
        self._tenant = tenant
        self.shown = [w.id for _, w in self._workloads()]
        self._figs[0] = self._latency_frame()
        self._layouts[0] = {k: self._figs[0].layout[k].to_plotly_json() for k in ("xaxis", "yaxis")}
        self._layout_stale = {(f, k) for f, k in self._layout_stale if f != 0}
        self._note_whole_run()
        if self._sim is not None:
            self.update(self._sim.results())
        else:
            self._clear_data()
            self.grid.show(self.figures)

    def _note_whole_run(self) -> None:
        """Say on the bandwidth figure, which the filter does not restrict, that it counts
        every tenant (the link counters are not split by tenant)."""
        note = _WHOLE_RUN_NOTE if self._tenant else ""
        self._figs[1].update_layout(title_text=self._bandwidth_title + note)

    # ------------------------------------------------------------------ frames
    def _latency_frame(self) -> go.Figure:
        fig = go.Figure()
        self._latency_index: dict[tuple[str, str], int] = {}
        slos = []
        for index, workload in self._workloads():
            colour = workload_colour(index)
            group = workload.id
            meta = {"workload": group, "tenant": workload.tenant or ""}
            for part in _PARTS:
                self._latency_index[(group, part)] = len(fig.data)
                common: dict[str, Any] = {"legendgroup": group, "meta": meta}
                hover = f"{group} {part}: %{{y:.3g}} ms at %{{x:.0f}} s<extra></extra>"
                if part in ("p50", "p99"):
                    line = {"width": 1, "color": _rgba(colour, 0.55),
                            "dash": "dot" if part == "p50" else "solid"}  # fmt: skip
                    fig.add_scatter(x=[], y=[], mode="lines", name=f"{group} {part}",
                                    showlegend=False, line=line, hovertemplate=hover,
                                    **common)  # fmt: skip
                elif part == "p95":
                    fig.add_scatter(x=[], y=[], mode="lines", name=group, hovertemplate=hover,
                                    line={"width": 2, "color": colour}, **common)  # fmt: skip
                else:
                    slo_ms = workload.slo_s * 1e3
                    slos.append(slo_ms)
                    fig.add_scatter(x=[0, self.until_s], y=[slo_ms, slo_ms], mode="lines",
                                    line={"width": 1.5, "color": colour, "dash": "dash"},
                                    name=f"{group} SLO", showlegend=False, hoverinfo="skip",
                                    **common)  # fmt: skip
        title = LATENCY_TITLE
        total = len(self._tenant_workloads())
        if self._tenant:
            title += f", tenant {self._tenant}"
        if total > len(self.shown):
            title += f" (first {len(self.shown)} of {total} workloads)"
        fig.update_layout(**base_layout(title), hovermode="closest")
        fig.update_xaxes(**time_axis(self.until_s))
        self._slo_range = (min(slos, default=10.0), max(slos, default=100.0))
        fig.update_yaxes(**self._latency_axis(), title_text="latency", gridcolor=GRID)
        fig.update_layout(shapes=warmup_shapes(self.scenario.simulation.warmup_s))
        return fig

    def _latency_axis(self) -> dict[str, Any]:
        low, high = self._slo_range
        top = max(high * 2, self._latency_top * 1.3)  # a whole decade above the highest point
        return _log_ticks(min(low / 10, 1.0), 10 ** math.ceil(math.log10(top)), _tick_ms)

    def _bandwidth_frame(self) -> go.Figure:
        # only the boundaries the scenario has: a tier without nodes is passed through, as in
        # the report (plots.scenario_boundaries); each is keyed by its lowest crossing
        tiers = [t.id for t in self._cat().tiers_in_order()]
        present = {node.tier for node in self.scenario.nodes}
        levels = [i for i, tier in enumerate(tiers) if tier in present]
        pairs = list(itertools.pairwise(levels))
        self._boundaries = [f"{tiers[a]}|{tiers[a + 1]}" for a, _ in pairs]
        self._boundary_labels = [
            f"{_SHORT.get(tiers[a], tiers[a])} →<br>{_SHORT.get(tiers[b], tiers[b])}"
            for a, b in pairs
        ]
        colours = [TIER_COLOURS.get(tiers[b], "#888888") for _, b in pairs]
        labels = self._boundary_labels
        fig = go.Figure()
        empty = [""] * len(labels)
        fig.add_bar(x=labels, y=[None] * len(labels), name="raw data to the cloud",
                    marker={"color": _RAW_COLOUR}, meta={"kind": "raw"}, customdata=empty,
                    hovertemplate="raw to the cloud: %{customdata}<extra></extra>")  # fmt: skip
        fig.add_bar(x=labels, y=[None] * len(labels), name="sent up in this run",
                    marker={"color": colours}, meta={"kind": "actual"}, customdata=empty,
                    hovertemplate="sent up: %{customdata}<extra></extra>")  # fmt: skip
        fig.update_layout(**base_layout(BANDWIDTH_TITLE), barmode="group", hovermode="closest")
        # three lines of tick labels (boundary, saving) under the bars: the legend goes below
        fig.update_layout(margin={"b": 96}, legend={"y": -0.42})
        fig.update_xaxes(tickangle=0, type="category", gridcolor=GRID, title_text="tier boundary")
        fig.update_yaxes(
            **_log_ticks(1.0, 1e9, byte_rate_text), title_text="bytes/s", gridcolor=GRID
        )
        return fig

    def _cat(self) -> Catalogue:
        return self.scenario.catalogue(self._catalogue)

    # ------------------------------------------------------------------ updates
    def extend(self, report: StepReport, sim: Simulation) -> None:
        """Append what ``report`` (one step of ``sim``) completed, and send only that."""
        if report.start_s > self.now_s + 1e-9:  # steps this dashboard never saw: redraw all
            self.update(sim.results())
            return
        self.grid.patch(self._changes(report, sim))

    def _changes(self, report: StepReport, sim: Simulation) -> list[dict[str, Any]]:
        """Take in what ``report`` completed; the changes to send for it."""
        changes: list[dict[str, Any] | None] = []
        self._sim = sim
        self.now_s = report.end_s
        self._take(report)
        changes += self._emit_bins()
        changes += self._emit_stores(report)
        changes += self._emit_bandwidth(report)
        changes += self._emit_windows(sim.events)
        return [c for c in changes if c is not None]

    def flush(self, sim: Simulation) -> None:
        """Bring the slowly redrawn figures (bandwidth, the stores' line end) up to now, as
        when a run is paused."""
        self._bandwidth_sent = self._store_sent = -math.inf
        if not sim.done:
            self.extend(sim.advance(by=0), sim)

    def update(self, results: Results) -> None:
        """Draw the whole of ``results`` (a run so far or finished), replacing what is shown."""
        self._clear_data()
        for key, index in self._latency_index.items():
            if key[1] != "slo":
                self._series[(0, index)] = {"x": np.empty(0), "y": np.empty(0)}
                self._stale.add((0, index))
        for index in range(len(self._figs[2].data)):
            self._series[(2, index)] = {"x": np.empty(0), "y": np.empty(0)}
            self._stale.add((2, index))
        for index in range(len(self._figs[3].data)):
            self._series[(3, index)] = {"x": np.empty(0), "y": np.empty(0), "customdata": []}
            self._stale.add((3, index))
        self._changes(_whole_run(results), results.sim)  # sent whole below, not as a patch
        self.grid.show(self.figures)

    def _take(self, report: StepReport) -> None:
        """Add the step's decided requests and waits to the bins not yet drawn."""
        done = report.completed
        if len(done):
            bins = np.minimum(
                np.floor(done["end_s"].to_numpy(dtype=float) / self.bin_s + 1e-9).astype(int),
                self.n_bins - 1,
            )
            outcome = done["outcome"].astype(str).to_numpy()
            served = (outcome == "primary") | (outcome == "fallback")
            dropped = np.char.startswith(outcome.astype(str), "dropped")
            for column, mask in enumerate((outcome == "primary", outcome == "fallback", dropped)):
                np.add.at(self._counts[:, column], bins[mask], 1)
            latency = done["latency_s"].to_numpy(dtype=float) * 1e3
            workload = done["workload"].astype(str).to_numpy()
            for workload_id in self.shown:
                mine = served & (workload == workload_id)
                if mine.any():
                    self._pending[workload_id].append((bins[mine], latency[mine]))
        first = max(0, math.floor(report.start_s / self.bin_s + 1e-9) - 1)
        edges = (np.arange(first, self.n_bins) + 1) * self.bin_s
        # a wait may end at the very instant a step ends: count the waits at a bin's end in
        # the step after it (the last step of a run counts its own end)
        final = report.end_s >= self.until_s - 1e-9
        last = report.end_s + 1e-9 if final else report.end_s - 1e-9
        edges = edges[(edges > report.start_s - 1e-9) & (edges < last)]
        if len(edges):
            index = np.round(edges / self.bin_s).astype(int) - 1
            self._waiting[index] = report.waiting_at(edges)

    def _complete(self) -> int:
        if self.now_s >= self.until_s - 1e-9:
            return self.n_bins
        return min(self.n_bins, math.ceil(self.now_s / self.bin_s - 1e-9) - 1)  # ends before now

    def _emit_bins(self) -> list[dict[str, Any] | None]:
        """Points for the latency and degraded-mode bins completed since the last frame."""
        start, stop = self._bins_done, self._complete()
        if stop <= start:
            return []
        self._bins_done = stop
        changes: list[dict[str, Any] | None] = []
        centres = (np.arange(start, stop) + 0.5) * self.bin_s
        for workload_id in self.shown:
            table = np.full((stop - start, 3), np.nan)
            pending = self._pending[workload_id]
            if pending:
                bins = np.concatenate([b for b, _ in pending])
                values = np.concatenate([v for _, v in pending])
                ready = bins < stop
                # a result decided after its bin was drawn (not seen so far; kept safe) is left
                # out of the live figure; the report and the tables count it
                late = ready & (bins < start)
                rows = _percentiles(bins[ready & ~late], values[ready & ~late])
                if len(rows):
                    table[rows[:, 0].astype(int) - start] = rows[:, 1:]
                    self._latency_top = max(self._latency_top, float(np.nanmax(rows[:, 1:])))
                self._pending[workload_id] = (
                    [(bins[~ready], values[~ready])] if (~ready).any() else []
                )
            for part, column in (("p50", 0), ("p95", 1), ("p99", 2)):
                index = self._latency_index[(workload_id, part)]
                changes.append(self._append(0, index, x=centres, y=table[:, column]))
        counts = self._counts[start:stop]
        columns = {
            "primary": counts[:, 0],
            "fallback": counts[:, 1],
            "buffered": self._waiting[start:stop],
            "dropped": counts[:, 2],
        }
        for index, name in enumerate(OUTCOMES):
            changes.append(self._append(2, index, x=centres, y=columns[name]))
        latency_axis = self._latency_axis()
        changes.append(self._relayout(0, "yaxis", latency_axis))
        top = float(np.sum(list(columns.values()), axis=0).max())
        if top > self._count_top:
            self._count_top = top
            axis = count_axis(top)
            changes.append(self._relayout(2, "yaxis", axis))
        return changes

    def _append(self, figure: int, index: int, **columns: Any) -> dict[str, Any]:
        series = self._series.setdefault((figure, index), {})
        for key, values in columns.items():
            series[key] = np.concatenate([series.get(key, np.empty(0)), values])
        self._stale.add((figure, index))
        return {"figure": figure, "trace": index, "append": columns}

    def _emit_stores(self, report: StepReport) -> list[dict[str, Any] | None]:
        """Store occupancy: every change of the step (a step line), the peak and the last
        value of each bin when there are many, then a point at ``now`` that the next frame
        replaces; so the line follows the engine to zero and never loses a bin's last value."""
        if not self._store_nodes:
            return []
        rows = report.store_changes
        changes: list[dict[str, Any] | None] = []
        for index, node in enumerate(self._store_nodes):
            mine = rows[rows["node"] == node] if len(rows) else rows
            final = self.now_s >= self.until_s - 1e-9
            if not len(mine) and not final and time.monotonic() - self._store_sent < _SLOW_S:
                continue  # nothing new: the line's end at `now` moves once a second
            times: list[float] = []
            held: list[float] = []
            for t, instance, used in zip(
                mine.get("t_s", []), mine.get("instance", []), mine.get("bytes", []), strict=True
            ):
                key = (node, int(instance))
                self._held[node] += float(used) - self._instance_bytes.get(key, 0.0)
                self._instance_bytes[key] = float(used)
                if times and times[-1] == t:  # several changes at one instant: keep the last
                    held[-1] = self._held[node]
                else:
                    times.append(float(t))
                    held.append(self._held[node])
            t_arr, h_arr = _thin(np.asarray(times), np.asarray(held), self.bin_s)
            if self._store_points[node] == 0:  # the line starts empty at t = 0
                t_arr, h_arr = np.r_[0.0, t_arr], np.r_[0.0, h_arr]
            keep = self._store_points[node]
            self._store_points[node] = keep + len(t_arr)
            x = np.r_[t_arr, self.now_s]
            y = np.r_[h_arr, self._held[node]]
            text = [byte_text(v) for v in y]
            series = self._series.setdefault((3, index), {"x": np.empty(0), "y": np.empty(0)})
            series["x"] = np.r_[series["x"][:keep], x]
            series["y"] = np.r_[series["y"][:keep], y]
            series["customdata"] = [*series.get("customdata", [])[:keep], *text]
            self._stale.add((3, index))
            changes.append(
                {"figure": 3, "trace": index, "keep": keep,
                 "append": {"x": x, "y": y, "customdata": np.array(text, dtype=object)}}
            )  # fmt: skip
            if len(h_arr):
                self._bytes_top = max(self._bytes_top, float(h_arr.max()))
        if changes:
            self._store_sent = time.monotonic()
        axis = byte_axis(self._bytes_top)
        changes.append(self._relayout(3, "yaxis", axis))
        return changes

    def _emit_bandwidth(self, report: StepReport) -> list[dict[str, Any]]:
        if report.end_s <= self.scenario.simulation.warmup_s:
            return []
        final = report.end_s >= self.until_s - 1e-9
        if not final and time.monotonic() - self._bandwidth_sent < _SLOW_S:
            return []  # a running average: redrawn once a second is enough to read it
        self._bandwidth_sent = time.monotonic()
        summary = report.boundaries
        raw: list[float | None] = []
        actual: list[float | None] = []
        savings: list[str] = []
        for name in self._boundaries:
            row = summary.get(name) or {}
            raw.append(row.get("raw_to_cloud_bytes_per_s") or None)
            actual.append(row.get("up_bytes_per_s") or None)
            saving = row.get("saving_percent")
            savings.append("" if saving is None else f"saves {_percent_text(saving)}")
        key = (tuple(raw), tuple(actual))
        if key == self._bandwidth_key:
            return []
        self._bandwidth_key = key
        values = [v for v in raw + actual if v]
        low = min(values, default=1.0) / 3
        high = max(values, default=1e9) * 3
        ticks = [
            f"{label}<br><b style='color:#1e7b45'>{saving}</b>" if saving else label
            for label, saving in zip(self._boundary_labels, savings, strict=True)
        ]
        changes: list[dict[str, Any] | None] = []
        for index, ys in enumerate((raw, actual)):
            columns = {"y": ys, "customdata": [byte_rate_text(v) if v else "" for v in ys]}
            self._series[(1, index)] = columns
            self._stale.add((1, index))
            changes.append({"figure": 1, "trace": index, "set": columns})
        x = {"tickvals": self._boundary_labels, "ticktext": ticks, "tickmode": "array"}
        changes.append(self._relayout(1, "xaxis", x))
        changes.append(self._relayout(1, "yaxis", _log_ticks(low, high, byte_rate_text)))
        return [c for c in changes if c is not None]

    def _emit_windows(self, events: list[tuple[float, str, str, str]]) -> list[dict[str, Any]]:
        table = {
            "t_s": [e[0] for e in events],
            "kind": [e[1] for e in events],
            "element": [e[2] for e in events],
        }
        windows = tuple(outage_windows(table, self.now_s))
        if windows == self._windows:
            return []
        self._windows = windows
        shapes, labels = outage_marks(
            windows, OUTAGE_COLOURS, min_width_s=self.bin_s / 4, span_s=self.until_s
        )
        warmup = warmup_shapes(self.scenario.simulation.warmup_s)
        changes = []
        for index in (0, 2, 3):
            changes.append(self._relayout(index, "shapes", warmup + shapes))
        changes.append(self._relayout(2, "annotations", labels))
        return [c for c in changes if c is not None]

    # ------------------------------------------------------------------ reading
    def timeline_trace(self, name: str) -> Any:
        """The degraded-mode trace ``name`` (primary, fallback, buffered or dropped)."""
        return next(t for t in self.timeline.data if t.meta["kind"] == f"timeline-{name}")

    def latency_trace(self, workload_id: str, part: str = "p95") -> Any:
        """The latency trace of a shown workload (``part``: p50, p95, p99 or slo)."""
        return self.latency.data[self._latency_index[(workload_id, part)]]

    def store_trace(self, node_id: str) -> Any:
        """The store-occupancy line of ``node_id``."""
        return self.buffers.data[self._store_nodes.index(node_id)]

    @property
    def messages(self) -> int:
        """Patches sent to the browser so far."""
        return self.grid.sent_messages

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)


def _whole_run(results: Results) -> StepReport:
    """A step report covering the whole of ``results`` (from t = 0 to now)."""
    requests = results.requests
    if "end_s" in requests.columns and len(requests):
        decided = requests[requests["end_s"] <= results.now_s]
        completed = pd.DataFrame(
            {
                "workload": decided["workload"].astype(str),
                "end_s": decided["end_s"],
                "outcome": decided["outcome"].astype(str),
                "latency_s": decided["latency_s"],
            }
        )
    else:
        completed = pd.DataFrame(columns=["workload", "end_s", "outcome", "latency_s"])
    waits = np.array(
        [(w.since, np.inf if w.until is None else w.until) for w in results.sim.waits],
        dtype=float,
    ).reshape(-1, 2)
    buffers = results.buffers
    return StepReport(0.0, results.now_s, completed, {}, buffers, waits, results.boundary_summary())


def _thin(times: np.ndarray, held: np.ndarray, bin_s: float) -> tuple[np.ndarray, np.ndarray]:
    """At most the peak and the last value of each bin (in time order), when there are many
    changes; every change otherwise."""
    if len(times) <= 16:
        return times, held
    index = np.floor(times / bin_s + 1e-9).astype(int)
    _, first = np.unique(index, return_index=True)
    last = np.r_[first[1:], len(times)] - 1
    peak = np.array([a + int(np.argmax(held[a : b + 1])) for a, b in zip(first, last, strict=True)])
    keep = np.unique(np.r_[peak, last])
    return times[keep], held[keep]


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


def _rgba(colour: str, alpha: float) -> str:
    rgb = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    return f"rgba({rgb[0]},{rgb[1]},{rgb[2]},{alpha})"
