"""The workbench in real JupyterLab: drag a chip to another tier, fail a link during a run,
end the schedule's outage of a link early with a click.

Each test opens a copy of ``notebooks/workbench_demo.ipynb``, runs it through the menu, acts
with the mouse, and asks the kernel itself (by re-running the notebook's probe cell) whether
the placement or the engine's failure state changed. Screenshots go to ``test-results/``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser_support import (
    assert_dashboard_axes,
    centre,
    click_link,
    clock,
    console_errors,
    node,
    open_and_run,
    plots,
    probe,
    wait_for_plot_data,
    wait_for_time,
)

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
Page = sync_api.Page
Locator = sync_api.Locator
expect = sync_api.expect

NOTEBOOK = "workbench_demo.ipynb"


NODES = ["vib-sensors", "cameras", "line-gw", "plant-dc", "cloud"]
LINKS = ["vib-lan", "cam-lan", "plant-lan", "wan"]


def open_workbench(page: Page, url: str) -> list[str]:
    """Open the notebook, run all cells, wait for the canvas and the dashboard with its axes;
    return the list that collects console errors from then on."""
    errors = console_errors(page)
    open_and_run(page, url, NOTEBOOK, "svg.etw-svg g.etw-node", 5)
    for node_id in NODES:
        expect(node(page, node_id)).to_have_count(1)
    for link in LINKS:
        expect(page.locator(f'svg.etw-svg g.etw-link[data-link="{link}"]')).to_have_count(1)
    expect(page.locator("svg.etw-svg g.etw-chip")).to_have_count(7)  # one per placed stage
    expect(page.locator(".etw-dashboard .js-plotly-plot")).to_have_count(4, timeout=90_000)
    page.wait_for_function(
        "[...document.querySelectorAll('.etw-dashboard .js-plotly-plot')]"
        ".every((el) => el.querySelectorAll('.ytick text').length > 0)",
        timeout=60_000,
    )
    assert_dashboard_axes(page)  # before any run: titled axes with units
    assert not errors, errors
    return errors


def drag(page: Page, source: Locator, target: Locator) -> None:
    """Press on ``source``, move in small steps onto ``target``, release."""
    x0, y0 = centre(source)
    x1, y1 = centre(target)
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move(x1, y1, steps=15)
    page.mouse.up()


def button(page: Page, name: str) -> Locator:
    return page.locator(".etw-controls button", has_text=name)


def pause(page: Page) -> None:
    button(page, "Pause").click()
    expect(page.locator(".etw-clock")).to_contain_text("paused", timeout=30_000)


def chip(page: Page, key: str) -> Locator:
    return page.locator(f'g.etw-chip[data-chip="{key}"]')


def test_drag_a_chip_to_another_tier_changes_the_placement(
    page: Page, fresh_lab: str, shots: Path
) -> None:
    errors = open_workbench(page, fresh_lab)
    toast = page.locator(".etw-toast")
    # aggregation edge -> on-prem: allowed (ResNet-50 fits, public data, a path exists)
    drag(page, chip(page, "visual-inspection.classify"), node(page, "plant-dc"))
    moved = page.locator('g.etw-chip[data-chip="visual-inspection.classify"][data-host="plant-dc"]')
    expect(moved).to_have_count(1, timeout=30_000)
    expect(toast).to_contain_text("placed on plant-dc")
    assert probe(page)["placement"]["visual-inspection.classify"] == "plant-dc"
    # on-prem -> cloud with confidential data: refused, the chip snaps back, the reason shows
    drag(page, chip(page, "bearing-wear.twin"), node(page, "cloud"))
    expect(toast).to_contain_text("may not go above the on-premises datacentre", timeout=30_000)
    expect(chip(page, "bearing-wear.twin")).to_have_attribute("data-host", "plant-dc")
    state = probe(page)
    assert state["placement"]["bearing-wear.twin"] == "plant-dc"
    assert state["placement"]["visual-inspection.classify"] == "plant-dc"
    page.locator(".etw-canvas").scroll_into_view_if_needed()
    page.screenshot(path=shots / "workbench_drag.png")
    assert not errors, errors


def test_click_a_link_during_a_run_fails_it_in_the_engine(
    page: Page, fresh_lab: str, shots: Path
) -> None:
    errors = open_workbench(page, fresh_lab)
    button(page, "Play").click()
    wait_for_time(page, 30, 90_000)
    for index in (0, 1, 2):
        wait_for_plot_data(page, index)
    pause(page)
    click_link(page, "plant-dc", "cloud")  # the WAN
    failed = page.locator('g.etw-link.etw-failed[data-link="wan"]')
    expect(failed).to_have_count(1, timeout=30_000)
    expect(page.locator(".etw-toast")).to_contain_text("wan failed at t =")
    button(page, "Play").click()
    wait_for_time(page, clock(page) + 40, 90_000)
    pause(page)
    # the degraded-mode figure marks the outage and names it; the plant's store fills
    timeline = page.locator(".etw-dashboard .js-plotly-plot").nth(2)
    expect(timeline.locator("text.annotation-text", has_text="wan down")).to_have_count(1)
    wait_for_plot_data(page, 3)
    for plot in assert_dashboard_axes(page):
        assert sum(plot["points"]) > 0, plot["title"]
    state = probe(page)
    assert state["failed"] == ["wan"]
    assert [kind for _, kind, element in state["outages"] if element == "wan"] == ["fail"]
    assert state["fallback"] > 0 and state["buffered_max"] > 0  # fleet model, defect images
    page.locator(".etw-dashboard").scroll_into_view_if_needed()
    page.screenshot(path=shots / "workbench_failure.png")
    # click again: restored in the engine
    click_link(page, "plant-dc", "cloud")
    expect(failed).to_have_count(0, timeout=30_000)
    button(page, "Play").click()
    wait_for_time(page, clock(page) + 20, 90_000)  # the backlog drains
    pause(page)
    state = probe(page)
    assert state["failed"] == []
    assert [kind for _, kind, element in state["outages"] if element == "wan"] == [
        "fail",
        "restore",
    ]
    assert not state["errors"], state["errors"]
    # the store plot follows the engine: the plant's store drained to zero on screen too
    store = page.evaluate(
        "() => { const el = document.querySelectorAll('.etw-dashboard .js-plotly-plot')[3];"
        " const t = el.data.find((d) => d.name === 'plant-dc'); return t.y[t.y.length - 1]; }"
    )
    assert store == state["plant_store_bytes"] == 0
    assert plots(page)[2]["annotations"] == ["wan down"]
    page.locator(".etw-canvas").scroll_into_view_if_needed()
    page.screenshot(path=shots / "workbench_restored.png")
    # the schedule cuts the WAN from 200 s to 800 s: a click ends that outage now
    button(page, "Play").click()
    wait_for_time(page, 201, 90_000)
    pause(page)
    expect(failed).to_have_count(1, timeout=30_000)
    click_link(page, "plant-dc", "cloud")
    expect(failed).to_have_count(0, timeout=30_000)
    expect(page.locator(".etw-toast")).to_contain_text(
        re.compile(r"wan restored by hand at t = [0-9.]+ s, [0-9.]+ s before its scheduled end")
    )
    state = probe(page)
    assert state["failed"] == []
    wan = [(t, kind) for t, kind, element in state["outages"] if element == "wan"]
    assert [kind for _, kind in wan] == ["fail", "restore", "fail", "override", "restore"]
    assert wan[2][0] == 200.0 and 200.0 < wan[3][0] == wan[4][0] < 800.0
    assert not state["errors"], state["errors"]
    assert not errors, errors
