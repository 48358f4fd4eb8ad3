"""The code-free workbench app in Voila, in a real browser: it renders and it responds.

Voila runs ``notebooks/app.ipynb`` (served from a copy) in its own kernel and shows only the
outputs: the five tier lanes, the factory's nodes and links, the chips, the estimate panel and
the four dashboard plots. Pressing Play advances the simulated clock; clicking the WAN fails it
in the engine (drawn failed, announced in the toast); clicking again restores it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser_support import click_link, clock, node, wait_for_time

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
Page = sync_api.Page
Locator = sync_api.Locator
expect = sync_api.expect

TIERS = ["far_edge", "aggregation_edge", "on_prem", "telco_edge", "cloud"]
NODES = ["vib-sensors", "cameras", "line-gw", "plant-dc", "cloud"]


def test_the_voila_app_renders_and_responds(page: Page, voila_url: str, shots: Path) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(voila_url + "/")
    # rendered: the canvas with its five tier lanes, the factory's nodes and links, the chips
    expect(page.locator("svg.etw-svg g.etw-node")).to_have_count(5, timeout=45_000)
    lanes = page.locator("svg.etw-svg rect.etw-lane")
    assert [lanes.nth(i).get_attribute("data-tier") for i in range(lanes.count())] == TIERS
    for node_id in NODES:
        expect(node(page, node_id)).to_have_count(1)
    expect(page.locator('svg.etw-svg g.etw-link[data-link="wan"]')).to_have_count(1)
    expect(page.locator("svg.etw-svg g.etw-chip")).not_to_have_count(0)
    expect(page.locator(".etw-dashboard .js-plotly-plot")).to_have_count(4, timeout=30_000)
    # no code in a Voila app: no input areas, and the markdown guide is there
    assert page.locator(".jp-CodeMirrorEditor, .jp-InputPrompt").count() == 0
    assert "from widgets import Workbench" not in page.locator("body").inner_text()
    expect(page.get_by_text("Drag a chip", exact=False).first).to_be_visible()
    # responds: Play advances the simulated clock
    assert clock(page) == 0
    page.locator(".etw-controls button", has_text="Play").click()
    wait_for_time(page, 20)
    # clicking the WAN during the run fails it in the engine: drawn failed, announced
    click_link(page, "plant-dc", "cloud")
    failed = page.locator('svg.etw-svg g.etw-link.etw-failed[data-link="wan"]')
    expect(failed).to_have_count(1, timeout=45_000)
    expect(page.locator(".etw-toast")).to_contain_text("wan failed at t =")
    wait_for_time(page, clock(page) + 40)
    # the degraded-mode timeline shades the outage and names it
    timeline = page.locator(".etw-dashboard .js-plotly-plot").nth(2)
    expect(timeline.locator("text.annotation-text", has_text="wan fail")).to_have_count(
        1, timeout=45_000
    )
    page.locator(".etw-controls button", has_text="Pause").click()
    page.screenshot(path=shots / "voila_app.png")
    # click again: restored
    click_link(page, "plant-dc", "cloud")
    expect(failed).to_have_count(0, timeout=45_000)
    assert not errors, errors
