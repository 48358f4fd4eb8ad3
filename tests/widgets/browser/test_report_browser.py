"""The HTML report in a real browser: every figure drawn with data, titled axes, no errors.

``workbench run data/scenarios/factory_floor.yaml --out DIR --html DIR/report.html`` writes a
self-contained page (plotly.js inside); opened with ``file://`` it must show each figure with
points in it and axis titles, as a reader sees them, and log no console error.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.browser_support import console_errors, plots

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
Page = sync_api.Page
expect = sync_api.expect

REPO = Path(__file__).resolve().parents[3]
# figure div id -> (x-axis title, y-axis title) that must be on screen; the topology has none
TIME = "simulated time (s)"
CARTESIAN = ("latency-figure", "boundary-figure", "utilisation-figure", "timeline-figure",
             "buffer-figure")  # fmt: skip


def test_the_html_report_shows_every_figure_with_data_and_axes(
    page: Page, tmp_path: Path, shots: Path
) -> None:
    out = tmp_path / "run"
    report = out / "report.html"
    done = subprocess.run(
        [sys.executable, "-m", "workbench.cli", "run",
         str(REPO / "data" / "scenarios" / "factory_floor.yaml"), "--out", str(out),
         "--html", str(report)],
        cwd=REPO, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    errors = console_errors(page)
    page.goto(report.as_uri())
    figures = page.locator(".js-plotly-plot")
    expect(figures).not_to_have_count(0, timeout=60_000)
    page.wait_for_function(
        "[...document.querySelectorAll('.js-plotly-plot')].every((el) => el._fullLayout)",
        timeout=60_000,
    )
    shown = {figures.nth(i).get_attribute("id"): p for i, p in enumerate(plots(page, "body"))}
    for div_id in (*CARTESIAN, "topology-figure"):
        plot = shown[div_id]
        assert plot["title"], div_id
        assert sum(plot["points"]) > 0, f"{div_id} draws no data"
    for div_id in CARTESIAN:
        plot = shown[div_id]
        assert plot["x"]["title"] and plot["y"]["title"], (div_id, plot["x"], plot["y"])
        assert [t for t in plot["y"]["ticks"] if t], div_id
    for div_id in ("timeline-figure", "buffer-figure"):
        assert shown[div_id]["x"]["title"] == TIME
        labels = shown[div_id]["annotations"]
        assert any(label.startswith("wan") for label in labels), (div_id, labels)
    ticks = shown["buffer-figure"]["y"]["ticks"]
    assert all(t.endswith((" B", " kB", " MB", " GB")) for t in ticks), ticks
    page.screenshot(path=shots / "report.png", full_page=True)
    assert not errors, errors
