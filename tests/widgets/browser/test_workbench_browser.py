"""The workbench in real JupyterLab: drag a chip to another tier, fail a link during a run.

Each test opens a copy of ``notebooks/workbench_demo.ipynb``, runs it through the menu, acts
with the mouse, and asks the kernel itself (by re-running the notebook's probe cell) whether
the placement or the engine's failure state changed. Screenshots go to ``test-results/``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.browser_support import centre, click_link, clock, node, wait_for_time

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
Page = sync_api.Page
Locator = sync_api.Locator
expect = sync_api.expect

NOTEBOOK = "workbench_demo.ipynb"


def open_workbench(page: Page, url: str) -> None:
    """Open the notebook, run all cells, wait for the canvas and the dashboard."""
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{url}/lab/tree/{NOTEBOOK}")
    idle = page.locator('.jp-Notebook-ExecutionIndicator[data-status="idle"]')
    expect(idle).to_be_visible(timeout=90_000)
    select = page.locator(".jp-Dialog").get_by_role("button", name="Select")
    if select.count():  # Lab asks for the kernel when it has no preference stored
        select.click()
    for _ in range(4):  # a click right after start-up can go to a kernel not yet connected
        page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
        page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
        started = page.locator(".jp-InputPrompt", has_text=re.compile(r"\[[0-9*]+\]"))
        try:
            expect(started).not_to_have_count(0, timeout=10_000)
            break
        except AssertionError:
            continue
    expect(page.locator("svg.etw-svg g.etw-node")).to_have_count(5, timeout=90_000)
    expect(page.locator(".etw-dashboard .js-plotly-plot")).to_have_count(4, timeout=90_000)
    assert not errors, errors


def drag(page: Page, source: Locator, target: Locator) -> None:
    """Press on ``source``, move in small steps onto ``target``, release."""
    x0, y0 = centre(source)
    x1, y1 = centre(target)
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move(x1, y1, steps=15)
    page.mouse.up()


def probe(page: Page) -> dict[str, Any]:
    """Re-run the probe cell in place (Ctrl+Enter) and read what the kernel printed."""
    cell = page.locator(".jp-CodeCell", has_text="def probe()").first
    output = cell.locator(".jp-OutputArea-output", has_text="PROBE")
    before = output.inner_text() if output.count() else ""
    cell.locator(".jp-InputArea-editor").click()
    page.keyboard.press("Control+Enter")
    expect(output).to_contain_text("PROBE", timeout=30_000)
    if before:
        expect(output).not_to_have_text(before, timeout=30_000)
    return json.loads(output.inner_text().split("PROBE ", 1)[1])


def button(page: Page, name: str) -> Locator:
    return page.locator(".etw-controls button", has_text=name)


def chip(page: Page, key: str) -> Locator:
    return page.locator(f'g.etw-chip[data-chip="{key}"]')


def test_drag_a_chip_to_another_tier_changes_the_placement(
    page: Page, fresh_lab: str, shots: Path
) -> None:
    open_workbench(page, fresh_lab)
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


def test_click_a_link_during_a_run_fails_it_in_the_engine(
    page: Page, fresh_lab: str, shots: Path
) -> None:
    open_workbench(page, fresh_lab)
    button(page, "Play").click()
    wait_for_time(page, 30, 90_000)
    click_link(page, "plant-dc", "cloud")  # the WAN
    failed = page.locator('g.etw-link.etw-failed[data-link="wan"]')
    expect(failed).to_have_count(1, timeout=30_000)
    expect(page.locator(".etw-toast")).to_contain_text("wan failed at t =")
    wait_for_time(page, clock(page) + 40, 90_000)
    # the degraded-mode figure shades the outage and names it
    timeline = page.locator(".etw-dashboard .js-plotly-plot").nth(2)
    expect(timeline.locator("text.annotation-text", has_text="wan fail")).to_have_count(1)
    state = probe(page)
    assert state["failed"] == ["wan"]
    assert [kind for _, kind, element in state["outages"] if element == "wan"] == ["fail"]
    assert state["fallback"] > 0 and state["buffered_max"] > 0  # fleet model, defect images
    page.locator(".etw-dashboard").scroll_into_view_if_needed()
    page.screenshot(path=shots / "workbench_failure.png")
    # click again: restored in the engine
    click_link(page, "plant-dc", "cloud")
    expect(failed).to_have_count(0, timeout=30_000)
    wait_for_time(page, clock(page) + 20, 90_000)  # the backlog drains
    button(page, "Pause").click()
    state = probe(page)
    assert state["failed"] == []
    assert [kind for _, kind, element in state["outages"] if element == "wan"] == [
        "fail",
        "restore",
    ]
    assert not state["errors"], state["errors"]
    page.locator(".etw-canvas").scroll_into_view_if_needed()
    page.screenshot(path=shots / "workbench_restored.png")
