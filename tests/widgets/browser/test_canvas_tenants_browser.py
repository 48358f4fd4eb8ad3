"""Tenants on the canvas in real JupyterLab (issue 14): each node of a tenant wears its badge,
the shared MEC node one badge per slice with its servers, in one colour per tenant.

The test opens a copy of ``notebooks/tenants_demo.ipynb`` (the canvas on
``smart_city_tenants.yaml``), runs it through the menu and reads the SVG.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser_support import console_errors, node, open_and_run

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
Page = sync_api.Page
expect = sync_api.expect


def test_tenant_badges_and_slices_on_the_canvas(page: Page, fresh_lab: str, shots: Path) -> None:
    errors = console_errors(page)
    open_and_run(page, fresh_lab, "tenants_demo.ipynb", "svg.etw-svg g.etw-node", 7)
    mec = node(page, "mec-north").locator("g.etw-tenant")
    expect(mec).to_have_count(2)
    assert mec.evaluate_all("(bs) => bs.map((b) => b.dataset.tenant)") == ["city", "mall"]
    assert mec.evaluate_all("(bs) => bs.map((b) => b.querySelector('text').textContent)") == [
        "2",
        "2",
    ]
    fills = mec.evaluate_all(
        "(bs) => bs.map((b) => b.querySelector('circle').getAttribute('fill'))"
    )
    assert fills[0] != fills[1]
    cams = node(page, "cams-north").locator("g.etw-tenant")
    expect(cams).to_have_count(1)
    assert cams.get_attribute("data-tenant") == "city"
    assert cams.locator("circle").get_attribute("fill") == fills[0]
    expect(node(page, "cloud").locator("g.etw-tenant")).to_have_count(0)
    title = mec.nth(1).locator("title").text_content()
    assert title == "mec-north: a slice of 2 server(s) for tenant mall"
    page.locator("svg.etw-svg").screenshot(path=str(shots / "canvas_tenants.png"))
    assert errors == []
