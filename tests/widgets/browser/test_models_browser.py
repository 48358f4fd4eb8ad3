"""Models in real JupyterLab: start a rollout from the panel and see the node's version change.

The test opens a copy of ``notebooks/models_demo.ipynb`` (the factory with two versions of its
defect classifier), runs it through the menu, chooses "all at once" in the rollout panel,
presses Start rollout and Play, and waits for the line gateway's ring to take the new
version's colour; then it reads the progress figure's plotly state and asks the kernel.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser_support import console_errors, node, open_and_run, probe
from tests.widgets.browser.test_workbench_browser import button, pause

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
Page = sync_api.Page
expect = sync_api.expect

NOTEBOOK = "models_demo.ipynb"
PLOTS = ".etw-models .js-plotly-plot"


def open_models(page: Page, url: str, shots: Path) -> list[str]:
    """Open the notebook, run all cells, wait for the canvas with its version rings and the
    models figures with their axes; return the list that collects console errors."""
    errors = console_errors(page)
    open_and_run(page, url, NOTEBOOK, "svg.etw-svg g.etw-node", 5)
    expect(page.locator(PLOTS)).to_have_count(2, timeout=90_000)
    page.wait_for_function(
        f"[...document.querySelectorAll('{PLOTS}')]"
        ".every((el) => el.querySelectorAll('.xtick text').length > 0)",
        timeout=60_000,
    )
    return errors


def ring(page: Page, node_id: str) -> Any:
    return node(page, node_id).locator("circle.etw-version-ring")


def test_start_a_rollout_from_the_panel_and_see_the_node_version_change(
    page: Page, fresh_lab: str, shots: Path
) -> None:
    errors = open_models(page, fresh_lab, shots)
    # before the run: the gateway wears v1's ring; the key names both versions
    expect(ring(page, "line-gw")).to_have_attribute("data-version", "defect-v1")
    keys = page.locator(".etw-legend .etw-version-key")
    expect(keys).to_have_count(2)
    assert keys.evaluate_all("(ks) => ks.map((k) => k.dataset.version)") == [
        "defect-v1",
        "defect-v2",
    ]
    v1 = ring(page, "line-gw").get_attribute("stroke")
    panel = page.locator(".etw-rollout-panel")
    selects = panel.locator("select")
    expect(selects.nth(0)).to_have_value("defect-v2")  # the version no node runs yet
    selects.nth(3).select_option(label="all at once")
    panel.locator("button.etw-start-rollout").click()
    started = page.locator(".etw-status", has_text="rollout defect-v2-all-at-once-1")
    expect(started.first).to_be_visible(timeout=30_000)
    button(page, "Play").click()
    # the checkpoint comes down the links, is swapped in, and the ring changes colour
    expect(ring(page, "line-gw")).to_have_attribute("data-version", "defect-v2", timeout=120_000)
    pause(page)
    assert ring(page, "line-gw").get_attribute("stroke") != v1
    progress = page.evaluate(
        f"() => {{ const el = document.querySelectorAll('{PLOTS}')[1];"
        " return {x: el.data[0].x, y: el.data[0].y, title: el.layout.xaxis.title.text}; }"
    )
    assert progress == {"x": [100], "y": ["line-gw"], "title": "checkpoint received (%)"}
    # paused: the accuracy figure is brought up to now, with the served predictions of both
    page.wait_for_function(
        f"(() => {{ const el = document.querySelectorAll('{PLOTS}')[0];"
        " const names = (el.data || []).map((d) => d.name);"
        " return names.includes('defect-v1') && names.includes('defect-v2'); })()",
        timeout=30_000,
    )
    accuracy = page.evaluate(
        f"() => {{ const el = document.querySelectorAll('{PLOTS}')[0];"
        " return {names: el.data.map((d) => d.name), y: el.layout.yaxis.title.text}; }"
    )
    assert accuracy["y"] == "accuracy of served predictions (%)"
    assert {"defect-v1", "defect-v2"} <= set(accuracy["names"])
    state = probe(page)
    assert state["versions"] == {"line-gw": "defect-v2"}
    assert state["started"] == ["defect-v2-all-at-once-1"]
    assert state["progress"] == {"defect-v2-all-at-once-1": {"line-gw": 1.0}}
    assert not state["errors"], state["errors"]
    page.locator(".etw-canvas").scroll_into_view_if_needed()
    page.screenshot(path=shots / "models_rollout.png")
    page.locator(".etw-models").scroll_into_view_if_needed()
    page.screenshot(path=shots / "models_panel.png")
    assert not errors, errors


def test_a_canary_from_the_panel_shows_its_share_on_the_node(
    page: Page, fresh_lab: str, shots: Path
) -> None:
    """The panel's default strategy is a 10 % canary: once the checkpoint is in, the gateway
    keeps v1's ring and gains a dashed outer ring in v2's colour, with its share."""
    errors = open_models(page, fresh_lab, shots)
    panel = page.locator(".etw-rollout-panel")
    expect(panel.locator("select").nth(3)).to_have_value("canary")
    panel.locator("button.etw-start-rollout").click()
    button(page, "Play").click()
    split = node(page, "line-gw").locator("circle.etw-version-split")
    expect(split).to_have_count(1, timeout=120_000)
    pause(page)
    expect(split).to_have_attribute("data-version", "defect-v2")
    expect(split).to_have_attribute("data-share", "0.1")
    expect(ring(page, "line-gw").first).to_have_attribute("data-version", "defect-v1")
    page.locator(".etw-canvas").scroll_into_view_if_needed()
    page.screenshot(path=shots / "models_canary.png")
    assert not probe(page)["errors"]
    assert not errors, errors
