"""Write a run's results: ``summary.json``, Parquet tables and a self-contained HTML report.

The report is one HTML file that opens offline: plotly.js is embedded once, then each figure
follows as a ``<div>`` with its data. Tables come first (what an architect reads), figures
after (what explains the tables), and the topology last, for context.

Examples
--------
>>> import tempfile
>>> from pathlib import Path
>>> from workbench.loading import data_dir
>>> from workbench.scenario import load_scenario
>>> from workbench.sim import simulate
>>> results = simulate(load_scenario(data_dir() / "scenarios" / "factory_floor.yaml"), until=20)
>>> with tempfile.TemporaryDirectory() as out:
...     files = write_outputs(results, out)
...     report = write_report(results, Path(out) / "report.html")
...     sorted(files)
['events', 'flows', 'links', 'nodes', 'requests', 'summary']
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from .plots import (
    OUTAGE_COLOURS,
    TIER_COLOURS,
    _duration,
    _size,
    _tier_names,
    boundary_figure,
    byte_rate_text,
    latency_figure,
    number_axis,
    outage_windows,
    saving_text,
    scenario_boundaries,
    series_style,
    shade_outages,
    topology_figure,
    utilisation_figure,
)
from .plots_cost import cost_figure, cost_line, energy_figure, joules, money, size_text, watts
from .plots_degraded import affected_workloads, buffer_figure, timeline_figure
from .plots_learning import (
    NO_EPISODES,
    episode_table,
    label_bytes_figure,
    learning_accuracy_figure,
)
from .plots_live import byte_text
from .plots_models import (
    accuracy_by_version,
    accuracy_figure,
    progress_from_transfers,
    rollout_progress_figure,
    transfer_states,
    version_colours,
    version_timeline_figure,
)
from .sim import Results
from .sim.results import ELEMENT_EVENTS

__all__ = [
    "COST_FIGURE_IDS",
    "FIGURE_IDS",
    "LEARNING_FIGURE_IDS",
    "MODEL_FIGURE_IDS",
    "TABLES",
    "drain_summary",
    "jsonable",
    "summary_lines",
    "write_outputs",
    "write_report",
]

TABLES = ("requests", "links", "nodes", "events", "flows")
"""The result tables written as ``<name>.parquet``."""

FIGURE_IDS = (
    "latency-figure",
    "boundary-figure",
    "utilisation-figure",
    "timeline-figure",
    "buffer-figure",
    "topology-figure",
)
"""The ``id`` of each figure's ``<div>`` in the report, in page order."""
MODEL_FIGURE_IDS = ("version-timeline-figure", "accuracy-figure", "rollout-progress-figure")
"""The figures of the "Models" section, there only when the scenario declares model versions
(the progress figure only when a checkpoint transfer did not finish)."""
LEARNING_FIGURE_IDS = ("learning-accuracy-figure", "label-bytes-figure")
"""The figures of the "Learning loop" section, there only when the scenario declares drift or
learning; a second drifting workload gets ``learning-accuracy-figure-2``, and so on."""


COST_FIGURE_IDS = ("energy-figure", "cost-figure")
"""The figures of the "Energy and cost" section."""


def jsonable(value: Any) -> Any:
    """``value`` as plain JSON data: NaN and infinities become None, numpy scalars Python ones."""
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if hasattr(value, "item"):  # a numpy scalar
        value = value.item()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    return value


def write_outputs(
    results: Results, out_dir: str | Path, *, summary: Mapping[str, Any] | None = None
) -> dict[str, Path]:
    """Write ``summary.json`` and one Parquet file per result table into ``out_dir``.

    The directory is created if needed; ``summary`` saves computing ``results.summary()``
    again. Returns the paths written, keyed ``"summary"`` and by table name (``"requests"``,
    ``"links"``, ``"nodes"``, ``"events"``, ``"flows"``).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = {"summary": out / "summary.json"}
    data = jsonable(results.summary() if summary is None else summary)
    text = json.dumps(data, indent=2, allow_nan=False)
    written["summary"].write_text(text + "\n", encoding="utf-8")
    for name in TABLES:
        path = out / f"{name}.parquet"
        getattr(results, name).to_parquet(path, engine="pyarrow", index=False)
        written[name] = path
    return written


# ---------------------------------------------------------------------------------------------
# Text


def _ms(seconds: float | None) -> str:
    if seconds is None or not math.isfinite(seconds):
        return "–"
    ms = seconds * 1e3
    if ms >= 100:
        return f"{ms:,.0f}"
    if ms >= 10:
        return f"{ms:.1f}"
    return f"{ms:.2f}"


def _share(share: float | None) -> str:
    return "–" if share is None else f"{share * 100:.3g} %"


def _seconds(value: float) -> str:
    return f"{value:g} s"


def _engine_line(summary: Mapping[str, Any]) -> list[str]:
    """Which plane ran and why, as one line (none for a summary without it)."""
    engine = summary.get("engine") or {}
    if not engine.get("plane"):
        return []
    name = "the fast plane" if engine["plane"] == "fast" else "the reference engine"
    return [f"engine: {name} ({engine['reason']})"]


def summary_lines(
    summary: Mapping[str, Any],
    *,
    tier_names: Mapping[str, str] | None = None,
    tiers_present: Iterable[str] | None = None,
) -> list[str]:
    """A few lines of text: per workload mean and p95 latency and SLO violations, then the
    bandwidth saving at each tier boundary (what ``workbench run`` prints). Tiers are spelled
    by their catalogue names (``tier_names``, default: the shipped catalogue's); with
    ``tiers_present`` (the tiers that have nodes) only the scenario's own boundaries show."""
    names = dict(tier_names) if tier_names is not None else _tier_names()
    lines = [
        f"{summary['scenario']}: {_seconds(summary['simulated_s'])} simulated, seed "
        f"{summary['seed']}, statistics after a {_seconds(summary['warmup_s'])} warm-up",
        *_engine_line(summary),
        "",
    ]
    workloads = summary["workloads"]
    width = max([len("workload"), *map(len, workloads)])
    lines.append(
        f"{'workload':<{width}}  {'done':>8}  {'mean ms':>9}  {'p95 ms':>9}  {'SLO ms':>8}"
        "  over SLO"
    )
    for name, stats in workloads.items():
        lines.append(
            f"{name:<{width}}  {stats['completed']:>8,}  {_ms(stats['latency_mean_s']):>9}  "
            f"{_ms(stats['latency_p95_s']):>9}  {_ms(stats['slo_s']):>8}  "
            f"{_share(stats['slo_violation_share'])}"
        )
    lines.append("")
    boundaries = scenario_boundaries(summary["boundaries"], tiers_present)
    width = max([len("boundary"), *(len(b.label(names)) for b in boundaries)])
    lines.append(f"{'boundary':<{width}}  {'up':>10}  {'raw to cloud':>12}  saving")
    for boundary in boundaries:
        row = boundary.row
        lines.append(
            f"{boundary.label(names):<{width}}  {byte_rate_text(row['up_bytes_per_s']):>10}  "
            f"{byte_rate_text(row['raw_to_cloud_bytes_per_s']):>12}  "
            f"{saving_text(row['saving_percent'])}"
        )
    lines += [f"  {b.label(names)} {b.through_text(names)}" for b in boundaries if b.through]
    lines += _degraded_lines(summary)
    if "energy" in summary and "cost" in summary:
        lines += cost_line(summary)
    lines += _rollout_lines(summary)
    lines += _federated_lines(summary)
    lines += _note_lines(summary)
    return lines


_DECISION_WORDS = {
    "promoted": "promoted",
    "rolled_back": "rolled back",
    "completed": "completed",
    "incomplete": "not finished by the end of the run",
}


def _rollout_lines(summary: Mapping[str, Any]) -> list[str]:
    """One line per rollout: strategy, decision and when, wrong predictions, bytes down."""
    rollouts = summary.get("rollouts") or {}
    if not rollouts:
        return []
    lines = ["", "rollouts (versions each node runs at the end: summary.json 'versions'):"]
    for rollout_id, row in rollouts.items():
        decided = row.get("time_to_decide_s")
        when = f" after {_seconds(decided)}" if decided is not None else ""
        lines.append(
            f"  {rollout_id} ({row['strategy']}): "
            f"{_DECISION_WORDS.get(row['decision'], row['decision'])}{when}; "
            f"{row['wrong_predictions']:,} wrong predictions served by the new version; "
            f"{byte_text(row['bytes_down'])} down to {row.get('nodes_reached', 0)} of "
            f"{row.get('nodes_targeted', 0)} nodes"
        )
    return lines


def _note_lines(summary: Mapping[str, Any]) -> list[str]:
    """The summary's notes on a degenerate run (no links, no requests), when there are any."""
    notes = summary.get("notes") or []
    return ["", *(f"note: {note}" for note in notes)] if notes else []


def _degraded_lines(summary: Mapping[str, Any]) -> list[str]:
    """Failures, fallbacks, drops, waits and drains, when there were any."""
    failures = summary.get("failures") or []
    if not failures:
        return []
    lines = ["", *_failure_lines(failures, float(summary["simulated_s"]))]
    effects = []
    for name, stats in summary["workloads"].items():
        dropped = sum((stats.get("dropped") or {}).values())
        parts = []
        if stats.get("served_fallback"):
            parts.append(f"{stats['served_fallback']:,} served by the fallback")
        if dropped:
            parts.append(f"{dropped:,} dropped")
        if stats.get("buffered"):
            parts.append(f"{stats['buffered']:,} still waiting")
        if parts:
            effects.append(f"  {name}: {', '.join(parts)}")
    if effects:
        lines += ["what the failures did to requests:", *effects]
    drains = drain_summary(summary.get("drains") or [])
    if drains:
        lines.append("backlogs drained after repairs, per link (each in summary.json):")
    for row in drains:
        lines.append(f"  {row['link']} ({row['direction']}): {_drain_text(row)}")
    return lines


def _failure_lines(failures: list[Mapping[str, Any]], end_s: float) -> list[str]:
    """A few failure events one by one; more, counted per element and kind of outage."""
    if len(failures) <= 4:
        return [
            "failures: "
            + "; ".join(f"{f['element']} {f['kind']} at {_seconds(f['t_s'])}" for f in failures)
        ]
    columns = {key: [f[key] for f in failures] for key in ("t_s", "kind", "element")}
    per: dict[tuple[str, str], list[float]] = {}
    for start, end, kind, element in sorted(
        outage_windows(columns, end_s), key=lambda w: (w[3], w[0])
    ):
        per.setdefault((element, kind), []).append(end - start)
    lines = [f"failures ({len(failures)} events, each in events.parquet):"]
    for (element, kind), spans in sorted(per.items(), key=lambda item: -sum(item[1])):
        times = "once" if len(spans) == 1 else f"{len(spans)} times"
        words = "out of service" if kind == "fail" else "degraded"
        lines.append(f"  {element}: {words} {times}, {_duration(sum(spans))} in all")
    return lines


def drain_summary(drains: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The backlogs drained after repairs (``summary["drains"]``), one row per link direction
    in order of first drain: ``count``, ``items`` and ``bytes`` in total, ``total_s`` and
    ``longest_s`` of the finished drains, and ``unfinished`` (still draining at the end)."""
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for drain in drains:
        key = (str(drain["link"]), str(drain.get("direction", "up")))
        row = rows.setdefault(
            key,
            {
                "link": key[0],
                "direction": key[1],
                "count": 0,
                "items": 0,
                "bytes": 0.0,
                "total_s": 0.0,
                "longest_s": 0.0,
                "unfinished": 0,
            },
        )
        row["count"] += 1
        row["items"] += int(drain["items"])
        row["bytes"] += float(drain["bytes"])
        if drain.get("finished"):
            row["total_s"] += float(drain["drain_s"])
            row["longest_s"] = max(row["longest_s"], float(drain["drain_s"]))
        else:
            row["unfinished"] += 1
    return list(rows.values())


def _drain_text(row: Mapping[str, Any]) -> str:
    """'5 backlogs, 2,038 requests, 408 MB, 65.4 s in all, longest 21.8 s'."""
    text = (
        f"{row['count']} backlog{'s' * (row['count'] != 1)}, {row['items']:,} requests, "
        f"{_size(row['bytes'])}, "
        f"{_duration(row['total_s'])} in all, longest {_duration(row['longest_s'])}"
    )
    if row["unfinished"]:
        text += f", {row['unfinished']} still draining at the end"
    return text


# ---------------------------------------------------------------------------------------------
# HTML

_CSS = """
body { font-family: Inter, "Segoe UI", Helvetica, Arial, sans-serif; color: #1d2330;
       max-width: 1320px; margin: 0 auto; padding: 24px 32px 48px; line-height: 1.45; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 36px 0 8px; padding-bottom: 4px; border-bottom: 1px solid #dde1e6; }
p.lead { color: #4a5160; margin: 4px 0 16px; max-width: 900px; }
p.note { color: #5f6673; font-size: 13px; margin: 6px 0; max-width: 900px; }
table { border-collapse: collapse; font-size: 14px; margin: 8px 0; }
th, td { padding: 5px 10px; border-bottom: 1px solid #e5e7eb; text-align: right;
         white-space: nowrap; }
th { white-space: normal; vertical-align: bottom; }
.table { overflow-x: auto; }
th { background: #f3f5f7; font-weight: 600; }
th:first-child, td:first-child, th.text, td.text { text-align: left; }
td.bad { color: #b03a2e; font-weight: 600; }
td.good { color: #1e7b45; font-weight: 600; }
span.through { color: #5f6673; font-size: 12px; }
dl.facts { display: grid; grid-template-columns: max-content auto; gap: 2px 16px; margin: 8px 0;
           font-size: 14px; }
dl.facts dt { color: #5f6673; }
dl.facts dd { margin: 0; }
span.tier { display: inline-block; width: 10px; height: 10px; border-radius: 2px;
            margin-right: 6px; vertical-align: baseline; }
.figure { margin: 12px 0 8px; }
footer { margin-top: 40px; color: #7a808c; font-size: 12px; }
"""


def _cell(value: str, css: str = "") -> str:
    return f'<td class="{css}">{value}</td>' if css else f"<td>{value}</td>"


def _table(headers: list[str], rows: list[list[str]], left: tuple[int, ...] = (0,)) -> str:
    """An HTML table; columns in ``left`` are left-aligned (text), the others right (numbers)."""
    head = "".join(
        f'<th class="text">{html.escape(h)}</th>' if i in left else f"<th>{html.escape(h)}</th>"
        for i, h in enumerate(headers)
    )
    body = "\n".join(f"<tr>{''.join(row)}</tr>" for row in rows)
    return (
        f'<div class="table"><table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n'
        "</tbody>\n</table></div>"
    )


def _count(value: Any) -> int:
    """A count, or the total of a breakdown such as ``{"store_full": 2, "deadline": 1}``."""
    if isinstance(value, Mapping):
        return sum(int(v or 0) for v in value.values())
    return int(value or 0)


def _workload_table(summary: Mapping[str, Any]) -> str:
    workloads = summary["workloads"]
    # Runs with failures report how requests ended besides "completed"; show it when present.
    degraded = any("served_fallback" in s for s in workloads.values())
    rows = []
    for name, s in workloads.items():
        share = s["slo_violation_share"]
        row = [
            _cell(html.escape(name)),
            _cell(f"{s['generated']:,}"),
            _cell(f"{s['completed']:,}"),
            _cell(f"{s['in_flight']:,}"),
        ]
        if degraded:
            dropped = _count(s.get("dropped"))
            availability = s.get("availability")
            row += [
                _cell(f"{_count(s.get('served_fallback')):,}"),
                _cell(f"{dropped:,}", "bad" if dropped else ""),
                _cell(f"{_count(s.get('buffered')):,}"),
                _cell(_share(availability), "bad" if (availability or 1) < 1 else ""),
            ]
        row += [
            _cell(f"{s['throughput_per_s']:.4g}"),
            _cell(_ms(s["latency_mean_s"])),
            _cell(_ms(s["latency_p50_s"])),
            _cell(_ms(s["latency_p95_s"])),
            _cell(_ms(s["latency_p99_s"])),
            _cell(_ms(s["latency_max_s"])),
            _cell(_ms(s["slo_s"])),
            _cell(_share(share), "" if share is None else ("bad" if share > 0 else "good")),
        ]
        rows.append(row)
    headers = ["workload", "generated", "completed", "in flight"]
    if degraded:
        headers += ["by fallback", "dropped", "buffered", "availability"]
    headers += ["throughput /s", "mean ms", "p50 ms", "p95 ms", "p99 ms", "max ms", "SLO ms"]
    return _table([*headers, "over SLO"], rows)


MAX_EVENTS = 200


def _events_section(results: Results) -> str:
    """Failures and restores of links and nodes one by one; what happened to requests because
    of them (reroutes, drops, ...) counted per kind and workload. Nothing if neither."""
    events = results.events
    events = events[~events["kind"].isin(["start", "end"])]
    if events.empty:
        return ""
    parts = []
    windows = _outage_rows(results)
    if windows:
        rows = [
            [
                _cell(f"{start:.6g}"),
                _cell(f"{end:.6g}" if end < results.now_s else "still out at the end"),
                _cell(_duration(end - start)),
                _cell(html.escape(what), "text"),
                _cell(html.escape(", ".join(elements)), "text"),
                _cell(html.escape(cause), "text"),
            ]
            for start, end, what, elements, cause in windows[:MAX_EVENTS]
        ]
        if len(windows) > MAX_EVENTS:
            parts.append(f'<p class="note">The first {MAX_EVENTS} of {len(windows)}.</p>')
        headers = ["from (s)", "to (s)", "lasted", "what", "elements", "cause"]
        parts.append(_table(headers, rows, left=(3, 4, 5)))
    others = events[~events["kind"].isin(ELEMENT_EVENTS)]
    if len(others):
        grouped = others.groupby(["kind", "element"], sort=False)["t_s"].agg(
            ["count", "min", "max"]
        )
        rows = [
            [
                _cell(html.escape(str(kind))),
                _cell(html.escape(str(element)), "text"),
                _cell(f"{int(stats['count']):,}"),
                _cell(f"{stats['min']:.6g}"),
                _cell(f"{stats['max']:.6g}"),
            ]
            for (kind, element), stats in grouped.iterrows()
        ]
        parts.append('<p class="note">Events of single requests, counted:</p>')
        headers = ["event", "workload or element", "count", "first t (s)", "last t (s)"]
        parts.append(_table(headers, rows, left=(0, 1)))
    body = "\n".join(parts)
    return f"""<section id="events">
<h2>Events</h2>
<p class="note">When links and nodes were out of service or degraded (elements cut together
share a row), and what happened to requests because of it. Every event is in events.parquet.</p>
{body}
</section>
"""


def _outage_rows(results: Results) -> list[tuple[float, float, str, list[str], str]]:
    """One row per outage window: (start, end, what, elements, cause); elements cut together
    (a node and its links) share a row, the node first."""
    events = results.events
    causes = {
        (float(t), str(e)): str(d)
        for t, k, e, d in zip(
            events["t_s"], events["kind"], events["element"], events["detail"], strict=True
        )
        if k in ("fail", "degrade")
    }
    nodes = {node.id for node in results.scenario.nodes}
    grouped: dict[tuple[float, float, str], list[str]] = {}
    for start, end, kind, element in outage_windows(events, results.now_s):
        grouped.setdefault((start, end, kind), []).append(element)
    rows = []
    for (start, end, kind), elements in grouped.items():
        elements.sort(key=lambda e: (e not in nodes, e))
        what = "out of service" if kind == "fail" else "degraded"
        rows.append((start, end, what, elements, causes.get((start, elements[0]), "")))
    return rows


def _boundary_table(
    summary: Mapping[str, Any], names: Mapping[str, str], tiers_present: Iterable[str]
) -> str:
    rows = []
    for boundary in scenario_boundaries(summary["boundaries"], tiers_present):
        b, through = boundary.row, boundary.through_text(names)
        saving = b["saving_percent"]
        css = "" if saving is None else ("good" if saving >= 1 else "bad" if saving < 0 else "")
        note = f'<br><span class="through">{html.escape(through)}</span>' if through else ""
        rows.append(
            [
                _cell(html.escape(boundary.label(names)) + note),
                _cell(byte_rate_text(b["up_bytes_per_s"])),
                _cell(byte_rate_text(b["down_bytes_per_s"])),
                _cell(byte_rate_text(b["raw_to_cloud_bytes_per_s"])),
                _cell(saving_text(saving), css),
            ]
        )
    headers = ["tier boundary", "up", "down", "raw to cloud", "saving"]
    return _table(headers, rows)


def _node_table(results: Results, summary: Mapping[str, Any], names: Mapping[str, str]) -> str:
    stages: dict[str, list[str]] = {}
    for key, node_id in results.scenario.placement.items():
        stages.setdefault(node_id, []).append(key)
    rows = []
    for node in results.scenario.nodes:
        stats = summary["nodes"].get(node.id, {})
        utilisation = stats.get("utilisation")
        chip = f'<span class="tier" style="background:{TIER_COLOURS.get(node.tier, "#999")}">'
        rows.append(
            [
                _cell(html.escape(node.id)),
                _cell(f"{chip}</span>{html.escape(names.get(node.tier, node.tier))}", "text"),
                _cell(html.escape(node.hardware), "text"),
                _cell(str(stats.get("instances", node.count))),
                _cell(str(stats.get("servers", "–"))),
                _cell(_share(utilisation), "bad" if (utilisation or 0) >= 0.8 else ""),
                _cell(html.escape(", ".join(stages.get(node.id, [])) or "–"), "text"),
            ]
        )
    headers = ["node", "tier", "hardware", "instances", "servers", "utilisation", "runs"]
    return _table(headers, rows, left=(0, 1, 2, 6))


def _drain_table(summary: Mapping[str, Any]) -> str:
    """One row per link direction: how many backlogs drained after repairs, how much, how
    long in all and at most (each drain is in summary.json)."""
    drains = summary.get("drains") or []
    if not drains:
        return '<p class="note">No backlog had to drain.</p>'
    rows = [
        [
            _cell(html.escape(f"{d['link']} ({d['direction']})")),
            _cell(f"{d['count']:,}"),
            _cell(f"{d['items']:,}"),
            _cell(_size(d["bytes"])),
            _cell(_duration(d["total_s"])),
            _cell(_duration(d["longest_s"])),
            _cell(f"{d['unfinished']:,}", "bad" if d["unfinished"] else ""),
        ]
        for d in drain_summary(drains)
    ]
    headers = [
        "link",
        "backlogs drained",
        "requests",
        "bytes",
        "drain time, all",
        "longest drain",
        "still draining",
    ]
    note = (
        f'<p class="note">{len(drains)} backlogs drained after repairs, summed per link '
        "direction; each one is listed under <code>drains</code> in summary.json.</p>"
    )
    return note + _table(headers, rows)


FIGURE_CONFIG: dict[str, Any] = {
    "displaylogo": False,
    "responsive": True,
    "modeBarButtons": [["toImage", "resetScale2d"]],
}
"""Plotly settings of the report's figures: a toolbar of two buttons (save as PNG, reset the
axes), small enough to stay clear of the left-aligned titles; zoom by dragging."""


def _figure_html(figure: Any, div_id: str, *, with_plotlyjs: bool) -> str:
    return str(
        figure.to_html(
            full_html=False,
            include_plotlyjs=with_plotlyjs,
            div_id=div_id,
            config=FIGURE_CONFIG,
        )
    )


def _tidy_degraded(figure: Any, results: Results, *, counts: bool) -> Any:
    """The degraded-mode figures as the report shows them: outage labels that never overprint
    (where a figure still labels every window at one height, the labels and bands are redrawn
    by :func:`~workbench.plots.shade_outages`), and a y-axis of plain numbers, whole ones for
    ``counts``, never SI prefixes; lines without a colour get distinct ones, never red."""
    windows = outage_windows(results.events, results.now_s)
    stacked = {f"{e} {'down' if kind == 'fail' else 'degraded'}" for _, _, kind, e in windows}
    kept = [a for a in figure.layout.annotations if a.text not in stacked]
    if len(kept) < len(figure.layout.annotations):
        bands = set(OUTAGE_COLOURS.values())
        figure.layout.annotations = kept
        figure.layout.shapes = [s for s in figure.layout.shapes if s.fillcolor not in bands]
        shade_outages(figure, results, warmup=False)
    lines = [t for t in figure.data if t.type == "scatter" and t.line.color is None]
    for index, trace in enumerate(lines):  # plotly's default palette starts red
        trace.line.color = series_style(index)[0]
    heights = [np.asarray(t.y, dtype=float) for t in figure.data if t.y is not None and len(t.y)]
    same = heights and len({len(h) for h in heights}) == 1
    heights = [np.nan_to_num(h) for h in heights]
    tallest = np.sum(np.vstack(heights), axis=0) if same else [np.max(h) for h in heights]
    figure.update_yaxes(**number_axis(float(np.max(tallest, initial=0.0)), integer=counts))
    return figure


def _stores_used(results: Results) -> bool:
    """Whether any local store held bytes during the run."""
    buffers = results.buffers
    return not buffers.empty and bool((buffers["bytes"] > 0).any())


# ---------------------------------------------------------------------------------------------
# Models: versions, rollouts, decisions (issue 11)

_DECISION_CSS = {"promoted": "good", "completed": "good", "rolled_back": "bad"}


def _boundary_bytes(by_boundary: Mapping[str, Any] | None, names: Mapping[str, str]) -> str:
    """``'Hyperscale cloud → Telco edge 98 MB'`` per boundary crossed, top tier first."""
    parts = []
    for key, value in reversed(list((by_boundary or {}).items())):
        if value:
            low, high = key.split("|")
            parts.append(f"{names.get(high, high)} → {names.get(low, low)} {_size(value)}")
    return "<br>".join(html.escape(p) for p in parts) or "–"


def _rollout_table(results: Results, summary: Mapping[str, Any], names: Mapping[str, str]) -> str:
    table = results.rollouts()
    if table.empty:
        return '<p class="note">No rollout in this run.</p>'
    by_rollout = summary.get("rollouts") or {}
    transfers = results.transfers()
    pauses = transfers.groupby("rollout")["pauses"].sum().to_dict() if len(transfers) else {}
    rows = []
    for r in table.itertuples(index=False):
        decision = str(r.decision)
        decide = r.time_to_decide_s
        rows.append(
            [
                _cell(html.escape(str(r.rollout))),
                _cell(html.escape(str(r.version)), "text"),
                _cell(html.escape(str(r.strategy).replace("_", " ")), "text"),
                _cell(html.escape(decision.replace("_", " ")), _DECISION_CSS.get(decision, "")),
                _cell(_seconds(r.start_s) if math.isfinite(r.start_s) else "–"),
                _cell(_seconds(round(decide, 1)) if math.isfinite(decide) else "–"),
                _cell(_seconds(round(r.duration_s, 1)) if math.isfinite(r.duration_s) else "–"),
                _cell(f"{int(r.nodes_reached)} of {int(r.nodes_targeted)}"),
                _cell(str(pauses.get(r.rollout, 0))),
                _cell(_size(r.bytes_down)),
                _cell(
                    _boundary_bytes(
                        (by_rollout.get(r.rollout) or {}).get("bytes_down_by_boundary"), names
                    ),
                    "text",
                ),
                _cell(f"{int(r.wrong_predictions):,}", "bad" if r.wrong_predictions else ""),
            ]
        )
    headers = [
        "rollout", "version", "strategy", "decision", "start", "time to decide", "duration",
        "nodes reached", "transfer pauses", "bytes down", "per tier boundary",
        "wrong predictions served",
    ]  # fmt: skip
    return _table(headers, rows, left=(0, 1, 2, 3, 10))


def _decision_table(results: Results) -> str:
    table = results.decisions()
    if table.empty:
        return ""
    rows = [
        [
            _cell(_seconds(round(float(d.t_s), 1))),
            _cell(html.escape(str(d.rollout)), "text"),
            _cell(
                html.escape(str(d.decision).replace("_", " ")),
                _DECISION_CSS.get(str(d.decision), ""),
            ),
            _cell(f"{int(d.n_old):,}"),
            _cell(f"{int(d.n_new):,}"),
            _cell(_share(d.accuracy_old) if math.isfinite(d.accuracy_old) else "–"),
            _cell(_share(d.accuracy_new) if math.isfinite(d.accuracy_new) else "–"),
            _cell(f"{d.statistic:.3g}" if math.isfinite(d.statistic) else "–"),
            _cell(f"{d.threshold:.3g}" if math.isfinite(d.threshold) else "–"),
        ]
        for d in table.itertuples(index=False)
    ]
    headers = [
        "time", "rollout", "decision", "labelled, old", "labelled, new", "accuracy, old",
        "accuracy, new", "statistic", "threshold",
    ]  # fmt: skip
    return (
        '<p class="note">Each decision with its evidence: the labelled requests of each arm, '
        "their accuracy, and the test statistic against its threshold.</p>"
        + _table(headers, rows, left=(1, 2))
    )


def _version_table(results: Results, accuracy: Any) -> str:
    """Per version: requests served, labelled, wrong, measured accuracy against the true and
    the claimed one."""
    declared = {v.id: v for v in results.scenario.model_versions}
    per = accuracy.groupby("version")[["served", "labelled", "correct"]].sum()
    rows = []
    for version, spec in declared.items():
        served, labelled, correct = (
            (int(x) for x in per.loc[version]) if version in per.index else (0, 0, 0)
        )
        wrong = served - correct
        claimed = spec.claimed_accuracy
        rows.append(
            [
                _cell(html.escape(version)),
                _cell(html.escape(f"{spec.model} {spec.version}"), "text"),
                _cell(f"{served:,}"),
                _cell(f"{labelled:,}"),
                _cell(f"{wrong:,}"),
                _cell(_share(correct / served) if served else "–"),
                _cell(_share(spec.accuracy)),
                _cell(_share(claimed) if claimed is not None else "–"),
            ]
        )  # fmt: skip
    headers = [
        "version", "model", "requests served", "labelled", "wrong predictions", "accuracy seen",
        "true accuracy", "claimed accuracy",
    ]  # fmt: skip
    return _table(headers, rows, left=(0, 1))


def _models_section(results: Results, summary: Mapping[str, Any], names: Mapping[str, str]) -> str:
    """The "Models" section: versions, rollouts and their decisions, a version-by-node timeline,
    accuracy over time with the decisions marked, and how far each rollout got. Empty when the
    scenario declares no model versions."""
    scenario = results.scenario
    if not scenario.model_versions:
        return ""
    colours = version_colours(v.id for v in scenario.model_versions)
    tiers = {node.id: node.tier for node in scenario.nodes}
    decisions, rollouts = results.decisions(), results.rollouts()
    bin_s = max(1.0, round(results.now_s / 60))
    accuracy = results.accuracy(bin_s)
    transfers = results.transfers()
    windows = outage_windows(results.events, results.now_s)
    by_version = dict(zip(rollouts["rollout"], rollouts["version"], strict=True))
    figures = [
        version_timeline_figure(
            results.version_timeline(), until_s=results.now_s, tiers=tiers, colours=colours,
            decisions=decisions, transfers=transfers, versions=by_version, outages=windows,
        ),
        accuracy_figure(
            accuracy, until_s=results.now_s, bin_s=bin_s, colours=colours, decisions=decisions,
            rollouts=rollouts, true_accuracy={v.id: v.accuracy for v in scenario.model_versions},
            outages=windows,
        ),
    ]  # fmt: skip
    unfinished = bool((transfers["state"] != "done").any()) if len(transfers) else False
    if unfinished:  # a figure of full bars says less than the table's "nodes reached"
        cat = scenario.catalogue()
        sizes = {}
        for rollout in scenario.rollouts:
            version = next(v for v in scenario.model_versions if v.id == rollout.version)
            sizes[rollout.id] = version.size_bytes or cat.models[version.model].size_bytes()
        progress = progress_from_transfers(transfers, sizes)
        figures.append(
            rollout_progress_figure(
                progress,
                versions=by_version,
                colours=colours,
                sizes=sizes,
                states=transfer_states(transfers),
            )
        )
    divs = "\n".join(
        f'<div class="figure">{_figure_html(f, div_id, with_plotlyjs=False)}</div>'
        for f, div_id in zip(figures, MODEL_FIGURE_IDS, strict=False)
    )
    per_version = accuracy_by_version(accuracy)
    return f"""<section id="models">
<h2>Models</h2>
<p class="note">Which model version each node served, how often each version was right, and
each rollout: how it went down the tiers, what it decided and on what evidence. A wrong
prediction raises no error: it is counted here because the simulator knows the truth.</p>
{_version_table(results, per_version)}
{_rollout_table(results, summary, names)}
{_decision_table(results)}
{divs}
</section>
"""


# ---------------------------------------------------------------------------------------------
# The learning loop: drift, detection, labels up, retraining, better weights down (issue 12)


def declares_learning(scenario: Any) -> bool:
    """Whether ``scenario`` declares drift or learning loops (its report has the section)."""
    return bool(getattr(scenario, "drift", None) or getattr(scenario, "learning", None))


def _value(value: Any) -> str:
    """A table cell's text: '–' for a missing number, thousands separators for counts."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | np.integer):
        return f"{int(value):,}"
    if isinstance(value, float | np.floating):
        return f"{float(value):,.6g}"
    text = str(value)
    return "–" if text in ("", "<NA>", "nan") else text


_STATE_CSS = {"recovered": "good", "undetected": "bad", "rolled_back": "bad", "refused": "bad"}


def _episode_html(episodes: Any) -> str:
    """The episode table (``Results.learning()`` through
    :func:`~workbench.plots_learning.episode_table`), or a sentence when there is none."""
    table = episode_table(episodes)
    if table.empty:
        return f'<p class="note">{html.escape(NO_EPISODES)}</p>'
    text_columns = {"loop", "sites", "retrained on", "state"}
    rows = []
    for record in table.to_dict("records"):
        row = []
        for column, value in record.items():
            css = "text" if column in text_columns else ""
            if column == "state":
                css = _STATE_CSS.get(str(value), "text")
            row.append(_cell(html.escape(_value(value)), css))
        rows.append(row)
    left = tuple(i for i, c in enumerate(table.columns) if c in text_columns)
    return _table(list(table.columns), rows, left=left)


def _loop_html(loops: Mapping[str, Any]) -> str:
    """One row per loop: its detector, stream and node, detections and false alarms,
    retrainings, label bytes up and GPU-hours (``summary()["learning"]["loops"]``)."""
    if not loops:
        return ""
    rows = [
        [
            _cell(html.escape(str(loop))),
            _cell(html.escape(_value(row.get("detector"))), "text"),
            _cell(html.escape(_value(row.get("stream"))), "text"),
            _cell(html.escape(_value(row.get("node"))), "text"),
            _cell(_value(row.get("detections"))),
            _cell(_value(row.get("false_alarms")), "bad" if row.get("false_alarms") else ""),
            _cell(_value(row.get("retrainings"))),
            _cell(_size(float(row.get("label_bytes_up") or 0.0))),
            _cell(f"{float(row.get('gpu_hours') or 0.0):.3g}"),
        ]
        for loop, row in loops.items()
    ]
    headers = [
        "loop", "detector", "stream", "at node", "detections", "false alarms", "retrainings",
        "label bytes up", "GPU-hours",
    ]  # fmt: skip
    return _table(headers, rows, left=(0, 1, 2, 3))


def learning_section_html(
    *,
    accuracy: Any,
    until_s: float,
    bin_s: float,
    workloads: list[str],
    learning: Mapping[str, Any],
    episodes: Any,
    events: Any = None,
    detections: Any = None,
    decisions: Any = None,
    rollouts: Any = None,
    outages: list[tuple[float, float, str, str]] | None = None,
) -> str:
    """The "Learning loop" section from a run's tables: per-episode numbers, the loops, the
    accuracy timeline of each drifting or learning workload (``workloads``) with the loop
    marked, and the label bytes up per boundary. :func:`write_report` calls it with the run's
    tables when the scenario declares drift or learning."""
    figures = []
    for index, workload in enumerate(workloads):
        mine = None
        if detections is not None and len(detections) and episodes is not None:
            loops = set(episodes.loc[episodes["workload"] == workload, "loop"].astype(str))
            mine = detections[detections["loop"].astype(str).isin(loops)] if loops else None
        figure = learning_accuracy_figure(
            accuracy, until_s=until_s, bin_s=bin_s, workload=workload, events=events,
            detections=mine if mine is not None else detections, decisions=decisions,
            rollouts=rollouts, outages=outages or (), episodes=episodes,
        )  # fmt: skip
        div_id = LEARNING_FIGURE_IDS[0] + (f"-{index + 1}" if index else "")
        figures.append(_figure_html(figure, div_id, with_plotlyjs=False))
    figures.append(
        _figure_html(label_bytes_figure(learning), LEARNING_FIGURE_IDS[1], with_plotlyjs=False)
    )
    divs = "\n".join(f'<div class="figure">{f}</div>' for f in figures)
    return f"""<section id="learning">
<h2>Learning loop</h2>
<p class="note">The world drifts: the deployed model's true accuracy falls. A detector at the
aggregation edge watches the errors of labelled requests (or the inputs), and on a detection
labelled samples go up to where the workload's data may be trained on; the retrained version
rolls back down. Per episode: time to detect (from the drift's start), time to recover (back
within the loop's tolerance of the pre-drift accuracy), wrong predictions during the episode
and those in excess of the pre-drift rate, bytes of labels and samples sent up, GPU-hours of
retraining and where it ran.</p>
{_episode_html(episodes)}
{_loop_html(learning.get("loops") or {})}
{divs}
</section>
"""


def _energy_cost_section(summary: Mapping[str, Any], names: Mapping[str, str]) -> str:
    """The "Energy and cost" section: a table per tier, the raw-to-cloud counterfactual, the
    battery life of battery-powered devices, the figures, and the dates of the prices used."""
    energy, cost = summary["energy"], summary["cost"]
    hours = cost["hours_per_month"]
    rows = []
    for tier, row in cost["tiers"].items():
        joules_tier = energy["tiers"][tier]["total_j"]
        rows.append(
            [
                _cell(html.escape(names.get(tier, tier))),
                _cell(watts(energy["tiers"][tier]["average_power_w"])),
                _cell(f"{joules_tier / (energy['window_s'] or 1.0) * hours / 1e3:,.3g} kWh"),
                _cell(money(row["hardware_usd"])),
                _cell(money(row["electricity_usd"])),
                _cell(money(row["transfer_usd"] + row["egress_usd"])),
                _cell(money(row["total_usd"])),
            ]
        )
    rows.append(
        [
            _cell("<b>all tiers</b>"),
            _cell(watts(energy["average_power_w"])),
            _cell(f"{energy['average_power_w'] * hours / 1e3:,.3g} kWh"),
            _cell(""),
            _cell(""),
            _cell(""),
            _cell(f"<b>{money(cost['total_usd_per_month'])}</b>"),
        ]
    )
    headers = ["tier", "average power", "energy a month", "hardware", "electricity",
               "data", "cost a month"]  # fmt: skip
    raw = cost["raw_to_cloud"]
    saving = raw["bandwidth_saving_percent"]
    facts = (
        f"Per inference: {joules(energy['per_inference_j'])}; per 1,000 inferences: "
        f"{money(cost['per_1000_inferences_usd'])}. Shipping every raw byte to the cloud instead "
        f"({size_text(raw['raw_bytes_per_month'])} a month"
        + (
            f"; this design keeps {saving_text(saving)} of it out of the cloud"
            if saving is not None
            else ""
        )
        + f") would cost {money(raw['total_usd'])} a month: {money(raw['transfer_usd'])} to move "
        f"it and {money(raw['cloud_gpu_usd'])} for {raw['cloud_gpu_hours']:,.3g} GPU-hours on "
        f"{html.escape(raw['cloud_hardware'])}."
    )
    battery = [
        f"{html.escape(node)}: {row['battery_life_days']:,.3g} days on {row['battery_wh']:g} Wh"
        for node, row in energy["nodes"].items()
        if row.get("battery_life_days") is not None
    ]
    extra = [f"Battery life: {'; '.join(battery)}."] if battery else []
    if cost["unpriced"]:
        extra.append(
            "No price for hardware "
            + html.escape(", ".join(cost["unpriced"]))
            + ": only its electricity is counted."
        )
    extra += [html.escape(a[:1].upper() + a[1:]) + "." for a in energy["assumptions"]]
    dates = ", ".join(f"{html.escape(k)} {html.escape(v)}" for k, v in cost["prices_as_of"].items())
    extra.append(f"Prices as of: {dates}. A month is {hours:g} h.")
    notes = "".join(f'<p class="note">{text}</p>' for text in extra)
    figures = "".join(
        f'<div class="figure">{_figure_html(fig, div_id, with_plotlyjs=False)}</div>'
        for fig, div_id in zip(
            (energy_figure(summary), cost_figure(summary)), COST_FIGURE_IDS, strict=True
        )
    )
    return f"""<section id="energy-cost">
<h2>Energy and cost</h2>
<p class="note">Energy after the warm-up: every card at its idle power all the time, plus
(active − idle) power while busy, plus the radio energy of wireless links. The cost scales the
window to a month: owned hardware amortised over its life plus electricity, rented hardware
per GPU-hour used (or reserved for the month), data priced per GB.</p>
<p>{facts}</p>
{_table(headers, rows)}
{notes}
{figures}
</section>
"""


def _learning_section(results: Results, summary: Mapping[str, Any]) -> str:
    """The "Learning loop" section of ``results``; empty unless the scenario declares drift or
    learning."""
    scenario = results.scenario
    if not declares_learning(scenario):
        return ""
    workloads = list(
        dict.fromkeys(
            [str(d.workload) for d in getattr(scenario, "drift", None) or []]
            + [str(loop.workload) for loop in getattr(scenario, "learning", None) or []]
        )
    )
    bin_s = max(1.0, round(results.now_s / 60))
    return learning_section_html(
        accuracy=results.accuracy(bin_s), until_s=results.now_s, bin_s=bin_s,
        workloads=workloads, learning=summary.get("learning") or {},
        episodes=results.learning(), events=results.events, detections=results.detections(),
        decisions=results.decisions(), rollouts=results.rollouts(),
        outages=outage_windows(results.events, results.now_s),
    )  # fmt: skip


def write_report(
    results: Results,
    path: str | Path,
    *,
    title: str | None = None,
    summary: Mapping[str, Any] | None = None,
) -> Path:
    """Write a self-contained HTML report of ``results`` to ``path``; return the path.

    It holds the run's facts (scenario, seed, simulated time, warm-up), a table per workload
    (latency, throughput, SLO violations), per tier boundary (bandwidth saving) and per node
    (utilisation), the latency, boundary and load-over-time figures, and the topology. The
    file embeds plotly.js, so it opens without a network. ``summary`` saves computing
    ``results.summary()`` again.
    """
    summary = jsonable(results.summary() if summary is None else summary)
    scenario = results.scenario
    names = _tier_names()
    heading = title or f"{scenario.name}: simulation report"
    figures = [
        latency_figure(results),
        boundary_figure(results),
        utilisation_figure(results),
        _tidy_degraded(timeline_figure(results), results, counts=True),
        _tidy_degraded(buffer_figure(results), results, counts=False),
        topology_figure(scenario),
    ]
    divs = [
        _figure_html(fig, div_id, with_plotlyjs=index == 0)
        for index, (fig, div_id) in enumerate(zip(figures, FIGURE_IDS, strict=True))
    ]
    if not _stores_used(results):  # an empty plot says less than a sentence
        divs[FIGURE_IDS.index("buffer-figure")] = (
            '<p class="note" id="buffer-figure">No local store held anything during the run: '
            "no request had to wait for a link to return.</p>"
        )
    per_workload = "\n".join(
        '<div class="figure">'
        + _figure_html(
            _tidy_degraded(timeline_figure(results, workload=name), results, counts=True),
            f"timeline-{name}",
            with_plotlyjs=False,
        )
        + "</div>"
        for name in affected_workloads(results)
    )
    window = results.now_s - results.warmup_s
    facts = {
        "scenario": scenario.name,
        "seed": str(results.seed),
        "simulated time": _seconds(results.now_s)
        + ("" if results.now_s >= results.until_s else f" (of {_seconds(results.until_s)})"),
        "warm-up": f"{_seconds(results.warmup_s)} (statistics cover the last {_seconds(window)})",
        "summary version": str(summary["version"]),
    }
    if summary.get("engine", {}).get("plane"):
        facts["engine"] = _engine_line(summary)[0].removeprefix("engine: ")
    facts_html = "\n".join(
        f"<dt>{html.escape(k)}</dt><dd>{html.escape(v)}</dd>" for k, v in facts.items()
    )
    description = (
        f'<p class="lead">{html.escape(scenario.description)}</p>' if scenario.description else ""
    )
    notes_html = "".join(
        f'<p class="note">{html.escape(n)}</p>' for n in summary.get("notes") or []
    )
    page = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(heading)}</title>
<style>{_CSS}</style>
</head>
<body>
<h1>{html.escape(heading)}</h1>
{description}
{notes_html}
<dl class="facts">
{facts_html}
</dl>

<section id="workloads">
<h2>Workloads</h2>
<p class="note">Requests created after the warm-up. Latency is end to end, from the data's
creation to the result at its sink: propagation, transmission, queueing and compute. Requests
still in flight at the end are counted apart and not in the latency figures.</p>
{_workload_table(summary)}
</section>

<section id="boundaries">
<h2>Bandwidth at each tier boundary</h2>
<p class="note">Bytes per second that crossed each boundary upward in this run, against the
counterfactual of shipping every raw input byte to the cloud; the saving is
1 − up / raw. Downward traffic (results to sinks, model pushes) is shown for completeness.</p>
{_boundary_table(summary, names, {node.tier for node in scenario.nodes})}
</section>

<section id="nodes">
<h2>Nodes</h2>
<p class="note">Utilisation: busy server-seconds over available server-seconds after the
warm-up, all instances of a group together; 80 % or more is marked.</p>
{_node_table(results, summary, names)}
</section>

{_events_section(results)}
<section id="latency">
<h2>Latency</h2>
<div class="figure">{divs[0]}</div>
</section>

<section id="bandwidth">
<h2>Bandwidth saving</h2>
<div class="figure">{divs[1]}</div>
</section>

<section id="load">
<h2>Load over time</h2>
<div class="figure">{divs[2]}</div>
</section>

<section id="degraded">
<h2>Degraded mode</h2>
<p class="note">What happened to requests over time: served by the primary model, by a
fallback, waiting in a local store for a link to return, or dropped; failure windows shaded.
Then the bytes waiting in each node's store: filling during an outage, draining after it.</p>
<div class="figure">{divs[3]}</div>
{per_workload}
<div class="figure">{divs[4]}</div>
{_drain_table(summary)}
</section>

{_energy_cost_section(summary, names) if "cost" in summary else ""}
{_models_section(results, summary, names)}
{_learning_section(results, summary)}
{_federated_section(results, summary)}
<section id="topology">
<h2>Topology</h2>
<div class="figure">{divs[5]}</div>
</section>

<footer>Edge AI Tier Workbench · the same scenario and seed give the same numbers.</footer>
</body>
</html>
"""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    return out


# ----------------------------------------------------------------------------------------------
# Federated learning (issue 13)

FEDERATED_FIGURE_IDS = ("federated-accuracy-figure", "federated-bytes-figure")


def epsilon_text(epsilon: float | None, delta: float | None) -> str:
    """'epsilon 3.2 at delta 1e-05', or that the run gives no privacy guarantee."""
    if epsilon is None:
        return "no privacy noise (no differential-privacy guarantee)"
    return f"epsilon {epsilon:.3g} at delta {delta:g}"


def _federated_lines(summary: Mapping[str, Any]) -> list[str]:
    """One line about the federated rounds: accuracy, clients, privacy, bytes."""
    fed = summary.get("federated")
    if not fed:
        return []
    rounds = fed["rounds"]
    if not rounds:
        return ["", "federated: no round closed before the end of the run"]
    moved = sum(r["bytes_up"] + r["bytes_down"] for r in rounds)
    counts = [r["participants"] for r in rounds]
    quarantined = sum(r["quarantined"] for r in rounds)
    return [
        "",
        f"federated: {len(rounds)} rounds, test accuracy {rounds[0]['accuracy']:.3f} -> "
        f"{rounds[-1]['accuracy']:.3f}, {min(counts)}-{max(counts)} updates a round, "
        f"{quarantined} quarantined; {epsilon_text(fed['epsilon'], fed['delta'])}; "
        f"{byte_text(moved)} moved, against {byte_text(fed['centralised_bytes'])} of raw "
        "training data centralised",
    ]


def _federated_section(results: Results, summary: Mapping[str, Any]) -> str:
    """The "Federated learning" section: rounds, privacy, bytes against centralised training.
    Empty when the scenario has no federated section."""
    fed = summary.get("federated")
    if fed is None:
        return ""
    from .plots_federated import federated_accuracy_figure, federated_bytes_figure

    rounds = results.federated_rounds()
    boundaries = results.federated_boundaries()
    figures = [federated_accuracy_figure(rounds), federated_bytes_figure(boundaries)]
    divs = "\n".join(
        f'<div class="figure">{_figure_html(f, div_id, with_plotlyjs=False)}</div>'
        for f, div_id in zip(figures, FEDERATED_FIGURE_IDS, strict=True)
    )
    rows = [
        [
            str(r.round),
            _seconds(round(r.start_s, 3)),
            _seconds(round(r.duration_s, 3)),
            f"{r.accuracy:.3f}",
            f"{r.participants} of {r.picked}",
            str(r.quarantined),
            str(r.dropped),
            byte_text(r.bytes_up),
            byte_text(r.bytes_down),
        ]
        for r in rounds.itertuples()
    ]
    table = _table(
        ["round", "start", "duration", "accuracy", "updates", "quarantined", "dropped", "up",
         "down"],
        rows,
    )  # fmt: skip
    bytes_rows = [
        [
            html.escape(str(b.boundary)),
            byte_text(b.up_bytes),
            byte_text(b.down_bytes),
            byte_text(b.centralised_bytes),
        ]
        for b in boundaries.itertuples()
    ]
    bytes_table = _table(["boundary", "up", "down", "centralised (raw up)"], bytes_rows)
    return f"""<section id="federated">
<h2>Federated learning</h2>
<p class="note">Each round the global model goes down to the clients and their updates come
up, over the same links as the requests; accuracy is measured on a held-out test set after
each round. Privacy: {html.escape(epsilon_text(fed["epsilon"], fed["delta"]))}. Only model
parameters moved; centralised training would have shipped the raw training data.</p>
{table}
{bytes_table}
{divs}
</section>
"""
