"""The dashboard's tenant filter in real JupyterLab (issue 14): choosing a tenant leaves only
that tenant's latency traces with data, the axes keep their titles and units, and the page
logs no error.

The test opens a copy of ``notebooks/tenants_dashboard_demo.ipynb`` (the dashboard of 60 s of
``smart_city_tenants.yaml``), runs it through the menu, picks a tenant in the dropdown and
waits for plotly's own state in the page to show the change.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser_support import (
    assert_dashboard_axes,
    console_errors,
    open_and_run,
)

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
Page = sync_api.Page
expect = sync_api.expect

# the tenant of each latency trace that has at least one point, read from the page
TENANTS_WITH_DATA = """
() => {
  const el = document.querySelector('.etw-dashboard .js-plotly-plot');
  const real = (v) => v !== null && v !== undefined && !Number.isNaN(v);
  return (el._fullData || el.data || [])
    .filter((t) => !(t.name || '').endsWith('SLO') && Array.from(t.y || []).some(real))
    .map((t) => t.meta.tenant);
}
"""

TITLES = """
() => [...document.querySelectorAll('.etw-dashboard .js-plotly-plot')]
  .map((el) => (el._fullLayout && el._fullLayout.title && el._fullLayout.title.text) || '')
"""


def _tenants_with_data(page: Page) -> list[Any]:
    return sorted(set(page.evaluate(TENANTS_WITH_DATA)))


def test_choosing_a_tenant_leaves_only_its_traces(page: Page, fresh_lab: str, shots: Path) -> None:
    errors = console_errors(page)
    open_and_run(
        page, fresh_lab, "tenants_dashboard_demo.ipynb", ".etw-dashboard .js-plotly-plot", 4
    )
    # el.data holds the figures as sent whole (numpy columns as base64 typed arrays, which
    # browser_support.wait_for_plot_data does not read): wait on plotly's decoded _fullData
    page.wait_for_function(f"() => ({TENANTS_WITH_DATA})().length > 0", timeout=60_000)
    assert _tenants_with_data(page) == ["city", "mall"]
    choice = page.locator(".etw-tenant-filter select")
    expect(choice).to_be_visible()
    choice.select_option(label="Northgate shopping mall (mall)")
    # the figures are redrawn one per animation frame: wait for the latency and bandwidth plots
    page.wait_for_function(
        f"() => {{ const t = ({TENANTS_WITH_DATA})(); "
        "return t.length > 0 && t.every((x) => x === 'mall') "
        f"&& ({TITLES})()[1].endsWith('(all tenants)'); }}",
        timeout=60_000,
    )
    assert _tenants_with_data(page) == ["mall"]
    shown = assert_dashboard_axes(page)  # titles, units and tick labels intact
    assert shown[0]["title"].endswith("tenant mall"), shown[0]["title"]
    assert shown[1]["title"].endswith("(all tenants)"), shown[1]["title"]
    choice.select_option(label="All tenants")
    page.wait_for_function(
        f"() => new Set(({TENANTS_WITH_DATA})()).size === 2",
        timeout=60_000,
    )
    page.locator(".etw-dashboard").screenshot(path=str(shots / "dashboard_tenants.png"))
    assert errors == [], errors
