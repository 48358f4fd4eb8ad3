"""The "Optimise placement" button in real JupyterLab: the chips move to the optimiser's
answer and the reasons show under the button."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser_support import probe
from tests.widgets.browser.test_workbench_browser import chip, open_workbench

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
Page = sync_api.Page
expect = sync_api.expect


def test_optimise_placement_moves_the_chips_and_says_why(
    page: Page, fresh_lab: str, shots: Path
) -> None:
    errors = open_workbench(page, fresh_lab)
    page.get_by_role("button", name="Optimise placement").click()
    # The cheapest design runs the digital twin on the line gateway, not the plant DC.
    expect(chip(page, "bearing-wear.twin")).to_have_attribute(
        "data-host", "line-gw", timeout=60_000
    )
    expect(page.locator(".etw-toast")).to_contain_text("optimised placement (cost)")
    expect(page.locator(".etw-workbench")).to_contain_text("Against the runner-up")
    assert probe(page)["placement"]["bearing-wear.twin"] == "line-gw"
    page.locator(".etw-canvas").scroll_into_view_if_needed()
    page.screenshot(path=shots / "workbench_optimise.png")
    assert not errors, errors
