"""The learning loop in real JupyterLab: play the drifting factory and watch the accuracy
timeline fill, the loop's marks appear and the state line reach "recovered".

The test opens a copy of ``notebooks/learning_demo.ipynb`` (``factory_drift.yaml`` without its
WAN cut), runs it through the menu, presses Play and waits for the loop to recover; then it
reads the timeline's plotly state from the page (points, axis titles and ticks, the labels of
the marks) and asks the kernel.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser_support import console_errors, open_and_run, plots, probe
from tests.widgets.browser.test_workbench_browser import button, pause

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
Page = sync_api.Page
expect = sync_api.expect

NOTEBOOK = "learning_demo.ipynb"
ROOT = ".etw-learning"
PLOT = f"{ROOT} .js-plotly-plot"


def test_the_accuracy_timeline_fills_with_the_loop_marked_as_the_run_plays(
    page: Page, fresh_lab: str, shots: Path
) -> None:
    errors = console_errors(page)
    open_and_run(page, fresh_lab, NOTEBOOK, "svg.etw-svg g.etw-node", 5)
    expect(page.locator(PLOT)).to_have_count(1, timeout=90_000)
    page.wait_for_function(
        f"document.querySelector('{PLOT}').querySelectorAll('.ytick text').length > 0",
        timeout=60_000,
    )
    # before the run: titled axes, no points, the sentence that says why
    (before,) = plots(page, ROOT)
    assert before["x"]["title"] == "simulated time (s)"
    assert before["y"]["title"] == "accuracy (%)"
    assert sum(before["points"]) == 0
    assert any(a.startswith("No prediction has been judged yet") for a in before["annotations"])
    expect(page.locator(".etw-learning-state")).to_contain_text("press Play")
    button(page, "Play").click()
    # the drift at 300 s, its detection, the retrained version's canary, then recovery
    state = page.locator(".etw-learning-state [data-state]")
    expect(state).to_have_attribute("data-state", "recovered", timeout=180_000)
    pause(page)
    page.wait_for_function(
        f"[...document.querySelectorAll('{PLOT} text.annotation-text')]"
        ".some((t) => t.textContent === 'recovered')",
        timeout=30_000,
    )
    (after,) = plots(page, ROOT)
    assert after["x"]["title"] == "simulated time (s)" and after["y"]["title"] == "accuracy (%)"
    ticks = [t for t in after["y"]["ticks"] if t]
    assert ticks and all(t.endswith(" %") for t in ticks), ticks
    assert after["points"][0] > 10 and after["points"][1] > 10  # true accuracy and measured
    for label in ("drift starts", "detected (adwin)", "recovered"):
        assert label in after["annotations"], (label, after["annotations"])
    assert "r1 promoted" in after["annotations"], after["annotations"]
    kernel = probe(page)
    assert kernel["loops"] == {"defect-loop": "recovered"}
    assert kernel["points"] >= after["points"][0] + after["points"][1]
    assert not kernel["errors"], kernel["errors"]
    page.locator(ROOT).scroll_into_view_if_needed()
    page.screenshot(path=shots / "learning_timeline.png")
    assert not errors, errors
