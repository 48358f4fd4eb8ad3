"""`workbench run`: summary.json, Parquet tables, a self-contained HTML report; clear errors."""

from __future__ import annotations

import contextlib
import io
import itertools
import json
import math
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from tests.conftest import BROKEN, SCENARIOS
from workbench.catalogue import TIER_IDS
from workbench.cli import build_parser, main
from workbench.plots import (
    OUTAGE_COLOURS,
    boundary_figure,
    latency_figure,
    outage_labels,
    saving_text,
    series_style,
    utilisation_figure,
)
from workbench.report import (
    FIGURE_IDS,
    TABLES,
    drain_summary,
    jsonable,
    summary_lines,
    write_report,
)
from workbench.scenario import load_scenario
from workbench.sim import Results, Simulation, simulate

FACTORY = SCENARIOS / "factory_floor.yaml"
SCENARIO = load_scenario(FACTORY)
WORKLOADS = [w.id for w in SCENARIO.workloads]
LATENCY_KEYS = ("latency_mean_s", "latency_p50_s", "latency_p95_s", "latency_p99_s")


def run_main(*args: str) -> tuple[int, str, str]:
    """``workbench`` in this process: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse rejects an argument
            code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One 30 s run of the factory floor with seed 7, the report written to its own path."""
    base = tmp_path_factory.mktemp("run")
    out, html = base / "out", base / "elsewhere" / "factory.html"
    code, stdout, stderr = run_main(
        "run",
        str(FACTORY),
        "--until",
        "30 s",
        "--seed",
        "7",
        "--out",
        str(out),
        "--html",
        str(html),
    )
    assert code == 0, stdout + stderr
    summary = json.loads((out / "summary.json").read_text())
    return {"out": out, "html": html, "stdout": stdout, "stderr": stderr, "summary": summary}


@pytest.fixture(scope="module")
def results() -> Results:
    return simulate(load_scenario(FACTORY), until=30, seed=7)


def test_run_prints_a_short_summary_and_no_progress_bar_off_a_terminal(run: dict[str, Any]) -> None:
    stdout = run["stdout"]
    assert stdout.startswith("factory-floor: 30 s simulated, seed 7")
    for workload, stats in run["summary"]["workloads"].items():
        if stats["completed"]:
            row = rf"^{workload}\s+{stats['completed']:,}\s+[\d.,]+\s+[\d.,]+\s+[\d.,]+\s+[\d.]+ %$"
        else:  # nothing to take a mean of: dashes, not zeros
            row = rf"^{workload}\s+0\s+–\s+–\s+[\d.,]+\s+–$"
        assert re.search(row, stdout, re.M), workload
    assert re.search(r"^Far edge → Aggregation edge .* 99\.\d+ %$", stdout, re.M)
    assert "report: " in stdout
    assert run["stderr"] == ""  # stderr is not a terminal here: no bar


def test_summary_json_has_the_documented_keys(run: dict[str, Any]) -> None:
    summary = run["summary"]
    assert summary["version"] == 1
    assert summary["scenario"] == "factory-floor"
    assert summary["seed"] == 7
    assert summary["simulated_s"] == 30.0
    assert summary["warmup_s"] == 10.0
    assert list(summary["workloads"]) == list(WORKLOADS)
    for stats in summary["workloads"].values():
        for key in (*LATENCY_KEYS, "slo_s", "slo_violation_share", "completed", "generated"):
            assert key in stats
    bearing = summary["workloads"]["bearing-wear"]
    assert 0 < bearing["latency_p50_s"] <= bearing["latency_p95_s"] <= bearing["latency_p99_s"]
    assert set(summary["boundaries"]) == {
        "far_edge|aggregation_edge",
        "aggregation_edge|on_prem",
        "on_prem|telco_edge",
        "telco_edge|cloud",
    }
    for row in summary["boundaries"].values():
        assert {"up_bytes_per_s", "raw_to_cloud_bytes_per_s", "saving_percent"} <= set(row)
    assert summary["boundaries"]["far_edge|aggregation_edge"]["saving_percent"] > 99
    assert set(summary["nodes"]) == {node.id for node in SCENARIO.nodes}


def test_parquet_tables_agree_with_the_summary(run: dict[str, Any]) -> None:
    out, summary = run["out"], run["summary"]
    tables = {name: pd.read_parquet(out / f"{name}.parquet") for name in TABLES}
    warmup, end = summary["warmup_s"], summary["simulated_s"]

    requests = tables["requests"]
    window = requests[requests["created_s"] >= warmup]
    for workload, stats in summary["workloads"].items():
        mine = window[window["workload"] == workload]
        assert len(mine) == stats["generated"]
        done = mine[mine["state"] == "done"]
        assert len(done) == stats["completed"]
        if len(done):
            assert math.isclose(done["latency_s"].mean(), stats["latency_mean_s"], rel_tol=1e-12)
        else:
            assert stats["latency_mean_s"] is None

    # Bytes up across the far-edge boundary: the links from tier 1 to a higher tier, in the
    # direction that goes up ("up" in the table is from ends[0] to ends[1]).
    links = tables["links"]
    assert len(links) == len(SCENARIO.links) * 2 * math.ceil(end)  # two directions, 1 s bins
    level = {node.id: TIER_IDS.index(node.tier) + 1 for node in SCENARIO.nodes}
    after = links[links["t_s"] >= warmup]
    crossing = 0.0
    for link in SCENARIO.links:
        a, b = (level[end] for end in link.ends)
        if min(a, b) == 1 < max(a, b):
            direction = "up" if a < b else "down"
            mine = after[(after["link"] == link.key) & (after["direction"] == direction)]
            crossing += mine["bytes"].sum()
    expected = summary["boundaries"]["far_edge|aggregation_edge"]["up_bytes_per_s"]
    assert math.isclose(crossing / (end - warmup), expected, rel_tol=1e-9)

    nodes = tables["nodes"]
    assert len(nodes) == len(SCENARIO.nodes) * math.ceil(end)
    for node, stats in summary["nodes"].items():
        busy = nodes[(nodes["node"] == node) & (nodes["t_s"] >= warmup)]["busy_s"].sum()
        capacity = (end - warmup) * stats["servers"] * stats["instances"]
        assert math.isclose(busy / capacity, stats["utilisation"], rel_tol=1e-9, abs_tol=1e-15)

    kinds = list(tables["events"]["kind"])
    assert kinds[0] == "start" and kinds[-1] == "end"
    assert {"flow", "target", "bytes"} <= set(tables["flows"].columns)


def test_html_report_is_self_contained_and_complete(run: dict[str, Any]) -> None:
    html = run["html"]
    assert html.exists() and not (run["out"] / "report.html").exists()
    text = html.read_text(encoding="utf-8")
    assert re.search(r"plotly\.js v\d+\.\d+", text), "plotly.js is not embedded"
    assert text.count("plotly.js v") == 1, "plotly.js embedded more than once"
    assert not re.search(r"<script[^>]*\bsrc\s*=\s*[\"']?(https?:)?//", text, re.I)
    assert not re.search(r"<link[^>]*\bhref\s*=\s*[\"']?(https?:)?//", text, re.I)
    for workload in WORKLOADS:
        assert workload in text
    for div_id in FIGURE_IDS:
        assert f'id="{div_id}"' in text
    assert "factory-floor" in text and "seed" in text and "99." in text


def test_same_seed_gives_the_same_summary_and_default_paths(
    run: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, stdout, _ = run_main("run", str(FACTORY), "--until", "30", "--seed", "7", "-q")
    assert code == 0, stdout
    out = tmp_path / "out" / "factory-floor"
    assert (out / "summary.json").read_bytes() == (run["out"] / "summary.json").read_bytes()
    assert (out / "report.html").exists()
    code, _, _ = run_main("run", str(FACTORY), "--until", "30", "--seed", "8", "--out", "other")
    assert code == 0
    assert (tmp_path / "other" / "summary.json").read_bytes() != (out / "summary.json").read_bytes()


def test_broken_scenario_prints_what_validate_prints_and_exits_2(tmp_path: Path) -> None:
    path = str(BROKEN / "unknown_model.yaml")

    def workbench(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "workbench.cli", *args]
        return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)

    ran = workbench("run", path, "--out", str(tmp_path / "out"))
    validated = workbench("validate", path)
    assert ran.returncode == validated.returncode == 2
    assert ran.stdout == validated.stdout
    assert f"{path}: workloads[1].stages[1].model: unknown model 'resnet-50'" in ran.stdout
    assert "Traceback" not in ran.stdout + ran.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("ten minutes", "could not read 'ten minutes'"),
        ("30 parsecs", "unknown unit 'parsecs'"),
        ("0 s", "must be a positive time"),
        ("-5", "must be a positive time"),
        ("nan", "expected a finite time"),
        ("900 h", "more than a week"),
    ],
)
def test_bad_until_is_a_clear_error(value: str, message: str) -> None:
    code, stdout, stderr = run_main("run", str(FACTORY), "--until", value)
    assert code == 2
    assert "argument --until" in stderr and message in stderr
    assert "Traceback" not in stdout + stderr


def test_until_within_the_warm_up_is_refused(tmp_path: Path) -> None:
    code, stdout, _ = run_main("run", str(FACTORY), "--until", "5 s", "--out", str(tmp_path))
    assert code == 2
    assert stdout.startswith(f"{FACTORY}: --until: 5 s is not longer than the scenario's warm-up")


@pytest.mark.parametrize(("value", "seconds"), [("600 s", 600), ("10 min", 600), ("90", 90)])
def test_until_takes_units_or_bare_seconds(value: str, seconds: float) -> None:
    args = build_parser().parse_args(["run", "f.yaml", "--until", value])
    assert args.until == seconds


def test_bad_seed_is_a_clear_error() -> None:
    code, _, stderr = run_main("run", str(FACTORY), "--seed", "-1")
    assert code == 2 and "argument --seed" in stderr


def test_unwritable_output_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    code, stdout, stderr = run_main(
        "run", str(FACTORY), "--until", "12 s", "--out", str(blocker / "out")
    )
    assert code == 2
    assert "cannot write" in stdout and "Traceback" not in stdout + stderr


def test_jsonable_turns_nan_and_infinity_into_null() -> None:
    data = {"a": math.nan, "b": [np.float64(math.inf), np.int64(3)], "c": None, "d": True}
    assert jsonable(data) == {"a": None, "b": [None, 3], "c": None, "d": True}
    json.dumps(jsonable(data), allow_nan=False)


def test_summary_lines_handle_a_workload_without_completed_requests() -> None:
    summary = {
        "scenario": "s",
        "seed": 1,
        "simulated_s": 20.0,
        "warmup_s": 10.0,
        "workloads": {
            "w": {
                "completed": 0,
                "latency_mean_s": None,
                "latency_p95_s": None,
                "slo_s": 0.05,
                "slo_violation_share": None,
            }
        },
        "boundaries": {
            "far_edge|aggregation_edge": {
                "up_bytes_per_s": 0.0,
                "raw_to_cloud_bytes_per_s": 0.0,
                "saving_percent": None,
            }
        },
    }
    lines = summary_lines(summary)
    assert re.search(r"^w\s+0\s+–\s+–\s+50\.0\s+–$", "\n".join(lines), re.M)
    assert lines[-1].endswith("n/a")


@pytest.mark.parametrize(
    ("percent", "text"),
    [(99.95559, "99.956 %"), (99.99996, "99.999960 %"), (0.176, "0.2 %"), (-12.0, "-12.0 %")],
)
def test_saving_text_shows_enough_decimals(percent: float, text: str) -> None:
    assert saving_text(percent) == text


def _kinds(fig: Any) -> list[str]:
    return [t.meta["kind"] for t in fig.data]


def test_result_figures_tag_their_traces(results: Results) -> None:
    latency = latency_figure(results)
    summary = results.workload_summary()
    completed = [w for w in WORKLOADS if summary[w]["completed"]]
    boxes = [t for t in latency.data if t.meta["kind"] == "latency"]
    assert [t.meta["workload"] for t in boxes] == completed
    notes = [a.text for a in latency.layout.annotations]
    for workload, note in zip(WORKLOADS, notes, strict=True):
        empty = note == "no completed requests after the warm-up"
        assert empty == (workload not in completed)
    slo = next(t for t in latency.data if t.meta["kind"] == "slo")
    assert list(slo.x) == [w.slo_s * 1e3 for w in SCENARIO.workloads]  # ms

    boundary = boundary_figure(results)
    assert _kinds(boundary) == ["boundary-raw", "boundary-actual"]
    assert boundary.layout.yaxis.type == "log"

    load = utilisation_figure(results)
    nodes = [t.meta["node"] for t in load.data if t.meta["kind"] == "utilisation"]
    assert "line-gw" in nodes and "cameras" in nodes
    links = [t for t in load.data if t.meta["kind"] == "link-throughput"]
    assert {(t.meta["from"], t.meta["to"]) for t in links} >= {("cameras", "line-gw")}


def test_outages_are_shaded_and_listed(tmp_path: Path) -> None:
    """A link failed by hand shows as a grey band with a border over the load figure, labelled,
    and in the events."""
    sim = Simulation(load_scenario(FACTORY), until=30, seed=7)
    sim.advance(to=15)
    sim.fail("plant-lan")
    sim.advance(to=22)
    sim.restore("plant-lan")
    results = sim.run()
    figure = utilisation_figure(results)
    bands = [s for s in figure.layout.shapes if s.fillcolor == OUTAGE_COLOURS["fail"]]
    assert {(s.x0, s.x1) for s in bands} == {(15.0, 22.0)}
    assert [a.text for a in figure.layout.annotations if a.text == "plant-lan"]
    text = write_report(results, tmp_path / "report.html").read_text(encoding="utf-8")
    assert '<section id="events">' in text and "plant-lan" in text


def test_a_workload_without_completed_requests_is_named_not_drawn() -> None:
    scenario = SCENARIO.model_copy(deep=True)
    scenario.workloads[0].source.rate = 1e-9  # per device and second: never, in 20 s
    results = simulate(scenario, until=20, seed=1)
    figure = latency_figure(results)
    drawn = [t.meta["workload"] for t in figure.data if t.meta["kind"] == "latency"]
    assert WORKLOADS[0] not in drawn
    assert figure.layout.annotations[0].text == "no completed requests after the warm-up"
    text = "\n".join(summary_lines(results.summary()))
    assert re.search(rf"^{WORKLOADS[0]}\s+0\s+–\s+–\s+[\d.,]+\s+–$", text, re.M)


def test_latency_axis_reaches_the_slowest_request(results: Results) -> None:
    """Nothing is clipped: the log axis ends beyond every workload's slowest request, which is
    marked; the utilisation axis prints plain numbers, never SI prefixes such as '200m'."""
    figure = latency_figure(results)
    slowest = next(t for t in figure.data if t.meta["kind"] == "latency-max")
    requests = results.requests
    done = requests[(requests["state"] == "done") & (requests["created_s"] >= results.warmup_s)]
    assert max(slowest.x) == pytest.approx(done["latency_s"].max() * 1e3)
    assert 10 ** figure.layout.xaxis.range[1] >= max(slowest.x)
    load = utilisation_figure(results)
    assert load.layout.yaxis.exponentformat == "none"


def _visible_text(node: Any, key: str = "") -> list[str]:
    """Every string a reader can see in a figure: names, text, tick labels, titles, hovers."""
    if isinstance(node, str):
        return [node] if key in {"text", "name", "hovertext", "ticktext", "title"} else []
    if isinstance(node, dict):
        return [t for k, v in node.items() if k != "meta" for t in _visible_text(v, k)]
    if isinstance(node, list | tuple):
        return [t for v in node for t in _visible_text(v, key)]
    return []


def test_every_tier_has_one_spelling_the_catalogues(results: Results) -> None:
    """No 'far_edge', no 'far edge', no '1 · Far edge': figures and the run summary print a
    tier by its catalogue name only."""
    from workbench.advisor import advise
    from workbench.catalogue import load_catalogue
    from workbench.plots import advice_figure, tier_figure, topology_figure

    figures = [
        tier_figure(),
        topology_figure(SCENARIO),
        advice_figure(advise(SCENARIO)),
        latency_figure(results),
        boundary_figure(results),
        utilisation_figure(results),
    ]
    seen = [text for fig in figures for text in _visible_text(fig.to_plotly_json())]
    seen += summary_lines(results.summary())
    for tier in load_catalogue().tiers_in_order():
        wrong = [tier.name.lower(), f"{tier.level} · {tier.name}", f"({tier.id})"]
        wrong += [tier.id] if "_" in tier.id else []  # a node may be called 'cloud'

        for text in seen:
            for spelling in wrong:
                assert spelling not in text, f"{spelling!r} in {text!r}"
    assert any("Far edge → Aggregation edge" in line for line in summary_lines(results.summary()))


def test_boundaries_the_scenario_does_not_have_are_passed_through(
    results: Results, tmp_path: Path
) -> None:
    """The factory has no MEC node: no 'telco edge' boundary is drawn, tabled or printed; its
    traffic crosses one 'On-premises datacentre → Hyperscale cloud' boundary, marked as passing
    through the telco edge."""
    figure = boundary_figure(results)
    labels = list(next(t for t in figure.data if t.meta["kind"] == "boundary-actual").x)
    assert len(labels) == 3
    assert labels[-1].startswith("On-premises datacentre →<br>Hyperscale cloud")
    assert "passes through Telco edge (MEC)" in labels[-1]
    assert not any(label.startswith("Telco") for label in labels)
    tiers = {node.tier for node in results.scenario.nodes}
    text = summary_lines(results.summary(), tiers_present=tiers)
    rows = [line for line in text if " → " in line and "%" in line]
    assert [r.split("  ")[0].strip() for r in rows] == [
        "Far edge → Aggregation edge",
        "Aggregation edge → On-premises datacentre",
        "On-premises datacentre → Hyperscale cloud",
    ]
    assert any("passes through Telco edge (MEC)" in line for line in text)
    page = write_report(results, tmp_path / "report.html").read_text(encoding="utf-8")
    table = page[page.index('<section id="boundaries">') : page.index('<section id="nodes">')]
    assert "Telco edge (MEC) →" not in table and "passes through Telco edge (MEC)" in table


def test_scenario_boundaries_merge_tiers_without_nodes() -> None:
    from workbench.plots import scenario_boundaries

    keys = [f"{a}|{b}" for a, b in itertools.pairwise(TIER_IDS)]
    summary = {key: {"up_bytes_per_s": float(i)} for i, key in enumerate(keys)}
    city = scenario_boundaries(summary, {"far_edge", "telco_edge", "cloud"})
    assert [(b.low, b.high, b.through) for b in city] == [
        ("far_edge", "telco_edge", ("aggregation_edge", "on_prem")),
        ("telco_edge", "cloud", ()),
    ]
    assert city[0].row == summary["far_edge|aggregation_edge"]
    assert len(scenario_boundaries(summary)) == 4
    assert scenario_boundaries(summary, {"on_prem"}) == []


RED = ("#d62728", "#c0392b", "#e74c3c", "#e63946", "red")


def test_every_line_of_the_load_figure_has_its_own_colour_and_none_is_red(
    results: Results,
) -> None:
    """vib-sensors and cameras (both far edge) no longer share a colour; no link is red, since
    red means out of service; every legend entry differs in colour."""
    figure = utilisation_figure(results)
    lines = [t for t in figure.data if t.meta["kind"] in ("utilisation", "link-throughput")]
    assert len(lines) >= 8
    colours = [t.line.color for t in lines]
    assert len(set(colours)) == len(colours), colours
    styles = [series_style(i) for i in range(50)]
    assert len(set(styles)) == 50 and not {c for c, _ in styles} & set(RED)
    assert not set(colours) & set(RED)
    tiers = {t.legendgrouptitle.text for t in lines if t.meta["kind"] == "utilisation"}
    assert {"Far edge", "Aggregation edge"} <= tiers


def test_link_directions_with_the_same_traffic_are_told_apart(results: Results) -> None:
    """line-gw → plant-dc and plant-dc → cloud carry the camera traffic: drawn dashed over the
    line they would hide, and said so in the subtitle."""
    figure = utilisation_figure(results)
    links = {t.name: t for t in figure.data if t.meta["kind"] == "link-throughput"}
    assert links["cameras → line-gw"].line.dash == "solid"
    assert links["line-gw → plant-dc"].line.dash != "solid"
    assert links["plant-dc → cloud"].line.dash not in (
        "solid",
        links["line-gw → plant-dc"].line.dash,
    )
    assert "carry the same traffic as cameras → line-gw" in figure.layout.title.subtitle.text


def test_outage_labels_never_overprint() -> None:
    """Four elements cut together share one label ('line-gw +3', the node first); labels close
    in time go to other rows; no two labels in a row overlap; no row: no label."""
    windows = [
        (100.0, 150.0, "fail", "wan"),
        (104.0, 110.0, "degrade", "plant-lan"),
        (106.0, 120.0, "fail", "vib-lan"),
        *[(2921.0, 3071.0, "fail", e) for e in ("cam-lan", "line-gw", "plant-lan", "vib-lan")],
    ]
    labels = outage_labels(windows, 3600.0, rows=2, lead=["line-gw"])
    texts = [(label.text, label.row) for label in labels]
    assert texts == [("wan", 0), ("plant-lan", 1), ("vib-lan", None), ("line-gw +3", 0)]
    assert "cam-lan, line-gw, plant-lan, vib-lan" not in labels[-1].hover  # node first
    assert labels[-1].hover.startswith("<b>line-gw, cam-lan, plant-lan, vib-lan</b> out of service")
    many = [(t, t + 5.0, "fail", f"link-{i}") for i, t in enumerate(range(0, 3600, 37))]
    placed = [label for label in outage_labels(many, 3600.0) if label.row is not None]
    for row in range(4):
        starts = sorted(label.start for label in placed if label.row == row)
        gaps = [b - a for a, b in itertools.pairwise(starts)]
        assert all(gap >= len("link-00") * 6.6 * 3600 / 800 for gap in gaps)


@pytest.fixture(scope="module")
def stormy() -> Results:
    """400 s of the factory with random WAN flaps and LAN congestion: outages close together."""
    return simulate(load_scenario(SCENARIOS / "factory_random_failures.yaml"), until=400, seed=1)


def test_outage_shading_is_neutral(stormy: Results) -> None:
    """No outage band is red or amber: shading must not change what a bar's colour means."""
    results = stormy
    figure = utilisation_figure(results)
    fills = {s.fillcolor for s in figure.layout.shapes}
    assert fills and not fills & {"#e74c3c", "#f39c12", *RED}
    assert set(OUTAGE_COLOURS.values()) <= {"#4b5563", "#9ca3af"}


def _many_drains() -> dict[str, Any]:
    """A summary of a run with 6 WAN drains and 40 short LAN drains, as in random failures."""
    drains = [
        {
            "link": "wan",
            "direction": "up",
            "start_s": 70.0 + i,
            "drain_s": 5.0 + i,
            "items": 100,
            "bytes": 2e7,
            "finished": True,
        }
        for i in range(6)
    ]
    drains += [
        {
            "link": "vib-lan",
            "direction": "up",
            "start_s": 3000.0,
            "drain_s": 0.00156672 + i * 1e-4,
            "items": 150,
            "bytes": 1e4,
            "finished": True,
        }
        for i in range(40)
    ]
    drains.append(
        {
            "link": "wan",
            "direction": "up",
            "start_s": 3500.0,
            "drain_s": 1.0,
            "items": 7,
            "bytes": 1e6,
            "finished": False,
        }
    )
    return {"drains": drains}


def test_drains_are_summarised_per_link_direction() -> None:
    rows = drain_summary(_many_drains()["drains"])
    assert [(r["link"], r["count"], r["unfinished"]) for r in rows] == [
        ("wan", 7, 1),
        ("vib-lan", 40, 0),
    ]
    wan = rows[0]
    assert wan["items"] == 607 and wan["bytes"] == pytest.approx(1.21e8)
    assert wan["total_s"] == pytest.approx(sum(5.0 + i for i in range(6)))
    assert wan["longest_s"] == pytest.approx(10.0)


def test_run_summary_prints_one_drain_line_per_link(results: Results) -> None:
    """Not ~55 lines of 'drained in 0.00156672 s': one line per link, readable durations."""
    summary = {**results.summary(), **_many_drains()}
    summary["failures"] = [{"t_s": 1.0, "kind": "fail", "element": "wan", "detail": ""}]
    lines = summary_lines(summary)
    drains = [line for line in lines if "backlog" in line]
    assert len(drains) == 3  # a heading and two links
    assert "wan (up): 7 backlogs, 607 requests, 121 MB, 45 s in all, longest 10 s" in drains[1]
    assert "1 still draining at the end" in drains[1]
    assert "longest 5.47 ms" in drains[2] and "0.00156672" not in "\n".join(lines)


def test_report_drain_table_has_one_row_per_link(results: Results, tmp_path: Path) -> None:
    page = write_report(
        results, tmp_path / "r.html", summary={**results.summary(), **_many_drains()}
    )
    degraded = page.read_text(encoding="utf-8").split('<section id="degraded">')[1]
    table = degraded.split("</table>")[0]
    assert table.count("<tr>") == 3  # header and two links
    assert "47 backlogs drained after repairs" in degraded


def test_many_failures_are_counted_per_element() -> None:
    failures = [
        {"t_s": float(t), "kind": kind, "element": "wan", "detail": ""}
        for start in range(0, 600, 100)
        for t, kind in ((start, "fail"), (start + 10, "restore"))
    ]
    lines = summary_lines(
        {
            "scenario": "x",
            "simulated_s": 600.0,
            "seed": 1,
            "warmup_s": 0.0,
            "workloads": {},
            "boundaries": {},
            "failures": failures,
        }
    )
    assert "failures (12 events, each in events.parquet):" in lines
    assert "  wan: out of service 6 times, 60 s in all" in lines


def test_an_empty_store_plot_is_a_sentence(results: Results, tmp_path: Path) -> None:
    """No store held anything in 30 s without failures: the report says so in words instead
    of drawing an empty plot with an x-axis of -1..6 s; with an outage the plot is back."""
    text = write_report(results, tmp_path / "calm.html").read_text(encoding="utf-8")
    assert '<p class="note" id="buffer-figure">No local store held anything' in text
    assert '<div id="buffer-figure"' not in text
    sim = Simulation(load_scenario(FACTORY), until=40, seed=7)
    sim.advance(to=12)
    sim.fail("wan")
    sim.advance(to=25)
    sim.restore("wan")
    stormy = write_report(sim.run(), tmp_path / "stormy.html").read_text(encoding="utf-8")
    assert '<div id="buffer-figure"' in stormy


def test_report_toolbar_is_small(results: Results, tmp_path: Path) -> None:
    """Two toolbar buttons, not twelve: the Plotly toolbar no longer covers titles."""
    text = write_report(results, tmp_path / "r.html").read_text(encoding="utf-8")
    assert '"modeBarButtons": [["toImage", "resetScale2d"]]' in text
    assert '"displaylogo": false' in text
    for fig in (latency_figure(results), boundary_figure(results), utilisation_figure(results)):
        assert "lasso2d" in fig.layout.modebar.remove  # also short in notebooks and the app


def test_report_degraded_figures_label_outages_without_overprinting(stormy: Results) -> None:
    """In the report the timeline's outage labels ('wan', 'plant-lan' at 224 s and 254 s) sit
    in different rows, and its request axis prints whole numbers, never '25k' or '200m'."""
    from workbench.plots_degraded import timeline_figure
    from workbench.report import _tidy_degraded

    figure = _tidy_degraded(timeline_figure(stormy), stormy, counts=True)
    labels = [a for a in figure.layout.annotations if a.bordercolor in OUTAGE_COLOURS.values()]
    assert len(labels) >= 3 and not [a for a in labels if a.text.endswith((" down", " degraded"))]
    for a, b in itertools.combinations(labels, 2):
        if a.y == b.y:  # same row: the later one starts after the earlier one's text ends
            first, second = sorted((a, b), key=lambda label: label.x)
            assert second.x - first.x >= len(first.text) * 6.6 * stormy.now_s / 800
    assert figure.layout.yaxis.tickformat == ",d" and figure.layout.yaxis.exponentformat == "none"


def test_report_store_lines_are_never_red(stormy: Results) -> None:
    """Plotly's default first colour is red, which here means out of service."""
    from workbench.plots_degraded import buffer_figure
    from workbench.report import _tidy_degraded

    figure = _tidy_degraded(buffer_figure(stormy), stormy, counts=False)
    colours = [t.line.color for t in figure.data]
    assert colours and None not in colours and not set(colours) & set(RED)
    assert len(set(colours)) == len(colours)


def test_report_lists_outage_windows_not_single_events(stormy: Results, tmp_path: Path) -> None:
    """One row per outage window (from, to, how long, elements, cause) instead of one per fail
    and restore event; a window still open at the end says so."""
    from workbench.plots import outage_windows

    page = write_report(stormy, tmp_path / "r.html").read_text(encoding="utf-8")
    events = page.split('<section id="events">')[1].split("</table>")[0]
    windows = {(s, e, k) for s, e, k, _ in outage_windows(stormy.events, stormy.now_s)}
    assert events.count("<tr>") == 1 + len(windows)
    assert "from (s)" in events and "wan-flaps" in events
    sim = Simulation(load_scenario(FACTORY), until=30, seed=7)
    sim.advance(to=15)
    sim.fail("line-gw")
    page = write_report(sim.run(), tmp_path / "gw.html").read_text(encoding="utf-8")
    events = page.split('<section id="events">')[1].split("</table>")[0]
    assert events.count("<tr>") == 2  # header and one row
    assert "line-gw" in events and "still out at the end" in events
