"""The code-free workbench app in Voila, in a real browser, checked as a person would see it.

Voila runs ``notebooks/app.ipynb`` (served from a copy) in its own kernel and shows only the
outputs: the five tier lanes, the factory's nodes, links and chips, the estimate panel and the
four dashboard plots. Before Play every plot already has its titled axes with units; Play
fills them with data; pausing and clicking a link fails it in the engine (drawn failed,
announced, marked on the degraded-mode plot); clicking again restores it. No console error
of ours at any point.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser_support import (
    assert_dashboard_axes,
    click_link,
    clock,
    console_errors,
    node,
    plots,
    wait_for_plot_data,
    wait_for_time,
)

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
Page = sync_api.Page
expect = sync_api.expect

TIERS = ["far_edge", "aggregation_edge", "on_prem", "telco_edge", "cloud"]
NODES = ["vib-sensors", "cameras", "line-gw", "plant-dc", "cloud"]
LINKS = ["vib-lan", "cam-lan", "plant-lan", "wan"]


def button(page: Page, name: str) -> sync_api.Locator:
    return page.locator(".etw-controls button", has_text=name)


def pause(page: Page) -> None:
    button(page, "Pause").click()
    expect(page.locator(".etw-clock")).to_contain_text("paused", timeout=30_000)


def test_the_voila_app_renders_and_responds(page: Page, voila_url: str, shots: Path) -> None:
    errors = console_errors(page)
    page.goto(voila_url + "/", timeout=120_000)
    # rendered: the canvas with its five tier lanes, the factory's nodes, links and chips
    expect(page.locator("svg.etw-svg g.etw-node")).to_have_count(5, timeout=90_000)
    lanes = page.locator("svg.etw-svg rect.etw-lane")
    assert [lanes.nth(i).get_attribute("data-tier") for i in range(lanes.count())] == TIERS
    for node_id in NODES:
        expect(node(page, node_id)).to_have_count(1)
    for link in LINKS:
        expect(page.locator(f'svg.etw-svg g.etw-link[data-link="{link}"]')).to_have_count(1)
    expect(page.locator("svg.etw-svg g.etw-chip")).not_to_have_count(0)
    # no code in a Voila app: no input areas, and the markdown guide is there
    assert page.locator(".jp-CodeMirrorEditor, .jp-InputPrompt").count() == 0
    assert "from widgets import Workbench" not in page.locator("body").inner_text()
    expect(page.get_by_text("Drag a chip", exact=False).first).to_be_visible()
    # before Play: four plots with titled axes, units and scales, and no data yet
    expect(page.locator(".etw-dashboard .js-plotly-plot")).to_have_count(4, timeout=90_000)
    page.wait_for_function(
        "[...document.querySelectorAll('.etw-dashboard .js-plotly-plot')]"
        ".every((el) => el.querySelectorAll('.ytick text').length > 0)",
        timeout=60_000,
    )
    before = assert_dashboard_axes(page)
    assert sum(sum(p["points"]) for p in before[2:]) == 0
    # Play: the clock runs and every time plot fills with data
    assert clock(page) == 0
    button(page, "Play").click()
    wait_for_time(page, 20, 60_000)
    for index in (0, 1, 2):
        wait_for_plot_data(page, index)
    pause(page)
    # a click while paused fails the link in the engine: drawn failed, announced
    click_link(page, "line-gw", "plant-dc")  # plant-lan: no scheduled outage of its own
    failed = page.locator('svg.etw-svg g.etw-link.etw-failed[data-link="plant-lan"]')
    expect(failed).to_have_count(1, timeout=45_000)
    expect(page.locator(".etw-toast")).to_contain_text("plant-lan failed at t =")
    start = clock(page)
    button(page, "Play").click()
    wait_for_time(page, start + 30, 90_000)
    pause(page)
    # the outage is marked on the degraded-mode plot; its stores fill (the store plot has data)
    timeline = page.locator(".etw-dashboard .js-plotly-plot").nth(2)
    expect(timeline.locator("text.annotation-text", has_text="plant-lan down")).to_have_count(
        1, timeout=45_000
    )
    wait_for_plot_data(page, 3)
    after = assert_dashboard_axes(page)
    for plot in after:
        assert sum(plot["points"]) > 0, plot["title"]
    page.screenshot(path=shots / "voila_app.png")
    # click again: restored
    click_link(page, "line-gw", "plant-dc")
    expect(failed).to_have_count(0, timeout=45_000)
    assert "plant-lan down" in plots(page)[2]["annotations"]
    assert not errors, errors
