"""Federated learning in real JupyterLab: press "Start rounds now", play, and watch the accuracy
per round grow as the rounds close; a second press is refused in one sentence.

The test opens a copy of ``notebooks/federated_demo.ipynb`` (``hospital_federated.yaml`` cut to
600 s, at 20 simulated seconds a second), runs it through the menu, clicks the button and Play,
waits for rounds to close, then reads the figure's plotly state from the page (points, axis
titles and tick labels), the line about the latest round and the status area, and asks the
kernel.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser_support import console_errors, open_and_run, plots, probe
from tests.widgets.browser.test_workbench_browser import button, pause

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
Page = sync_api.Page
expect = sync_api.expect

NOTEBOOK = "federated_demo.ipynb"
ROOT = ".etw-federated"
PLOT = f"{ROOT} .js-plotly-plot"
START = f"{ROOT} button.etw-start-federated"
LINE = f"{ROOT} .widget-html-content"

# the points of the accuracy line as plotly drew them (``_fullData``: numpy arrays arrive
# base64-encoded in ``data`` and are decoded there)
POINTS_JS = f"""() => {{
  const el = document.querySelector('{PLOT}');
  const trace = el && (el._fullData || [])[0];
  const y = trace ? Array.from(trace.y || []) : [];
  return y.filter((v) => v !== null && v !== undefined && !Number.isNaN(v)).length;
}}"""


def _points(page: Page) -> int:
    return int(page.evaluate(POINTS_JS))


def _wait_for_points(page: Page, more_than: int, timeout_ms: int = 60_000) -> int:
    page.wait_for_function(f"({POINTS_JS})() > {more_than}", timeout=timeout_ms)
    return _points(page)


def test_start_rounds_now_then_play_draws_accuracy_per_round_live(
    page: Page, fresh_lab: str, shots: Path
) -> None:
    errors = console_errors(page)
    open_and_run(page, fresh_lab, NOTEBOOK, "svg.etw-svg g.etw-node", 10)
    expect(page.locator(PLOT)).to_have_count(1, timeout=90_000)
    page.wait_for_function(
        f"document.querySelector('{PLOT}').querySelectorAll('.ytick text').length > 0",
        timeout=60_000,
    )
    # before the run: titled axes, no points, the sentence that says what will happen
    (before,) = plots(page, ROOT)
    assert before["title"] == "Test accuracy after each round", before
    assert before["x"]["title"] == "round" and before["y"]["title"] == "test accuracy", before
    assert sum(before["points"]) == 0, before
    line = page.locator(ROOT).get_by_text(re.compile(r"^(No round yet|Round \d+ of)"))
    expect(line).to_have_text(
        "No round yet: 30 rounds from t = 60 s, or press Start rounds now.", timeout=30_000
    )

    start = page.locator(START)
    expect(start).to_have_text("Start rounds now")
    start.click()
    status = page.locator(".etw-status")
    expect(status).to_contain_text("federated rounds started at t = 0 s", timeout=30_000)
    button(page, "Play").click()

    # rounds close a minute apart: the line names each; the points grow with them
    expect(line).to_have_text(
        re.compile(r"^Round \d+ of 30: test accuracy 0\.\d{3}, "), timeout=60_000
    )
    first = _wait_for_points(page, 0)
    later = _wait_for_points(page, first)
    assert later > first >= 1, (first, later)
    pause(page)
    shown = _points(page)
    expect(line).to_have_text(
        re.compile(
            rf"^Round {shown} of 30: test accuracy 0\.\d{{3}}, \d updates, \d quarantined, "
            r"\d dropped, \d+\.\d\d s\.$"
        ),
        timeout=30_000,
    )

    (after,) = plots(page, ROOT)
    assert after["x"]["title"] == "round" and after["y"]["title"] == "test accuracy", after
    rounds = [t for t in after["x"]["ticks"] if t]
    assert rounds and all(t.isdigit() for t in rounds), rounds  # round numbers are labelled
    ticks = [t for t in after["y"]["ticks"] if t]
    assert ticks and all(t.endswith("%") for t in ticks), ticks  # accuracy in per cent
    assert after["points"] == [shown], after

    # a second press: one plain sentence in the status area, not a traceback or a repeated tag
    start.click()
    refusal = status.locator(".etw-status-error").first
    expect(refusal).to_contain_text(
        re.compile(r"Start rounds now: the rounds started at t = 0 s; \d+ of 30 so far$"),
        timeout=30_000,
    )
    assert "federated:" not in refusal.inner_text()

    kernel = probe(page)
    assert kernel["first_start_s"] == 0.0  # at the click, not at the section's 60 s
    assert kernel["closed"] == shown == len(kernel["rounds"]), (kernel, shown)
    assert kernel["rounds"] == list(range(1, shown + 1)), kernel
    assert all(0.5 < a <= 1.0 for a in kernel["accuracy"]), kernel["accuracy"]
    assert kernel["accuracy"][-1] > kernel["accuracy"][0], kernel["accuracy"]  # it learns
    assert kernel["line"].startswith(f"Round {shown} of 30: test accuracy "), kernel["line"]
    assert kernel["started"] in (shown, shown + 1), kernel  # the next may have begun
    assert kernel["errors"] == [
        f"Start rounds now: the rounds started at t = 0 s; {kernel['started']} of 30 so far"
    ], kernel["errors"]
    assert refusal.inner_text().endswith(f"{kernel['started']} of 30 so far")
    page.locator(ROOT).scroll_into_view_if_needed()
    page.screenshot(path=shots / "federated_accuracy.png")
    assert not errors, errors
