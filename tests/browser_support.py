"""What every real-browser test shares: Debian's Chromium with the flags that work here
(offline, as root), the skip reason when something is missing, and a free loopback port.

Never ``playwright install``: the browser is ``/usr/bin/chromium`` (``apt-get install -y
chromium``); Python needs ``pip install playwright pytest-playwright``.
"""

from __future__ import annotations

import importlib.util
import socket
import sys
from pathlib import Path
from typing import Any

import pytest

BIN = Path(sys.executable).parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1500, "height": 2000}  # the whole workbench on screen


def missing(server: str, install: str) -> str | None:
    """Why browser tests cannot run here (None when they can); ``server`` is the console
    script they start (``jupyter-lab``, ``voila``)."""
    if importlib.util.find_spec("playwright") is None:
        return "playwright is not installed (pip install playwright pytest-playwright)"
    if importlib.util.find_spec("pytest_playwright") is None:
        return "pytest-playwright is not installed (pip install pytest-playwright)"
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (apt-get install -y chromium)"
    if not (BIN / server).exists():
        return f"{server} is not installed in this environment ({install})"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- pytest-playwright settings shared by every browser conftest (import them there) ---------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """pytest-playwright hook: Debian's Chromium with flags that work offline and as root."""
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    """Wide and tall enough that canvas, side panel and dashboard are all on screen."""
    return {**browser_context_args, "viewport": VIEWPORT}


def mark_browser_tests(items: list[pytest.Item], is_browser: Any, reason: str | None) -> None:
    """Mark the items ``is_browser(path)`` selects as ``browser``; skip them with ``reason``."""
    for item in items:
        if is_browser(Path(str(item.fspath))):
            item.add_marker(pytest.mark.browser)
            if reason:
                item.add_marker(pytest.mark.skip(reason=f"browser test: {reason}"))


# --- the workbench canvas seen from a page (JupyterLab or Voila) -----------------------------


def node(page: Any, node_id: str) -> Any:
    return page.locator(f'svg.etw-svg g.etw-node[data-node="{node_id}"]')


def centre(locator: Any) -> tuple[float, float]:
    locator.scroll_into_view_if_needed()
    box = locator.bounding_box()
    assert box is not None
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def click_link(page: Any, a: str, b: str) -> None:
    """Click the middle of the link between nodes ``a`` and ``b`` (a vertical line has an
    empty bounding box, so aim between its ends)."""
    ax, ay = centre(node(page, a))
    bx, by = centre(node(page, b))
    page.mouse.click((ax + bx) / 2, (ay + by) / 2)


def clock(page: Any) -> float:
    """The simulated time the workbench shows."""
    return float(page.locator(".etw-clock b").get_attribute("data-now") or 0)


def wait_for_time(page: Any, t: float, timeout_ms: int = 30_000) -> None:
    page.wait_for_function(
        f"Number(document.querySelector('.etw-clock b')?.dataset.now) > {t}", timeout=timeout_ms
    )


# --- what a person sees: plots and console errors ---------------------------------------------

# Console errors that are not ours: the page asks for web fonts (Voila's template loads the
# Font Awesome icon font from a CDN), which an offline test machine cannot fetch. Everything
# else logged as an error fails the test.
ALLOWED_CONSOLE = (
    "fonts.googleapis.com",
    "fonts.gstatic.com",
    "cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free",
)

PLOTS_JS = """
(root) => [...document.querySelectorAll(root + ' .js-plotly-plot')].map((el) => {
  const L = el._fullLayout || {};
  const axis = (a) => a ? {type: a.type, title: (a.title && a.title.text) || '',
                           ticks: [...el.querySelectorAll('.' + a._id + 'tick text')]
                                     .map((t) => t.textContent)} : null;
  return {
    title: (L.title && L.title.text) || '',
    x: axis(L.xaxis), y: axis(L.yaxis), y2: axis(L.yaxis2),
    points: (el._fullData || el.data || [])
      .map((t) => (t.z ? Array.from(t.z).flat() : Array.from(t.y || [])))
      .map((v) => v.filter((x) => x !== null && x !== undefined && !Number.isNaN(x)).length),
    annotations: [...el.querySelectorAll('text.annotation-text')].map((t) => t.textContent),
  };
})
"""


def console_errors(page: Any) -> list[str]:
    """Collect the page's console errors and uncaught exceptions (the allowlist aside)."""
    errors: list[str] = []

    def on_console(message: Any) -> None:
        if message.type == "error":
            text = f"{message.text} @ {message.location.get('url', '')}"
            if not any(allowed in text for allowed in ALLOWED_CONSOLE):
                errors.append(text)

    page.on("console", on_console)
    page.on("pageerror", lambda exc: errors.append(f"uncaught: {exc}"))
    return errors


def plots(page: Any, root: str = ".etw-dashboard") -> list[dict[str, Any]]:
    """Title, axes (type, title, tick labels), points per trace and labels of every plot
    under ``root``, read from plotly's own state in the page."""
    return list(page.evaluate(PLOTS_JS, root))


def wait_for_plot_data(
    page: Any, index: int, root: str = ".etw-dashboard", timeout_ms: int = 60_000
) -> None:
    """Wait until plot ``index`` under ``root`` draws at least one point."""
    page.wait_for_function(
        """([root, index]) => {
          const el = document.querySelectorAll(root + ' .js-plotly-plot')[index];
          const real = (v) => v !== null && v !== undefined && !Number.isNaN(v) && v !== 0;
          return !!el && (el.data || []).some((t) => (t.y || []).some(real));
        }""",
        arg=[root, index],
        timeout=timeout_ms,
    )


def assert_axes(plot: dict[str, Any], x_title: str, y_type: str, y_units: tuple[str, ...]) -> None:
    """A plot has titled axes of the right kind, tick labels in ``y_units``, and no second
    y-axis printing over the first."""
    assert plot["title"], plot
    assert plot["x"]["title"] == x_title, plot
    assert plot["y"]["type"] == y_type and plot["y"]["title"], plot
    ticks = [t for t in plot["y"]["ticks"] if t]
    assert ticks and all(t.endswith(y_units) for t in ticks), (plot["title"], ticks)
    assert plot["y2"] is None, plot["title"]


DASHBOARD_AXES = [  # (x title, y type, y tick units) of latency, bandwidth, degraded mode, stores
    ("simulated time (s)", "log", (" ms", " s")),
    ("tier boundary", "log", ("B/s",)),
    ("simulated time (s)", "linear", tuple("0123456789")),
    ("simulated time (s)", "linear", (" B", " kB", " MB", " GB")),
]


def assert_dashboard_axes(page: Any) -> list[dict[str, Any]]:
    """The four dashboard plots with their axes, titles and units (data or not)."""
    shown = plots(page)
    assert len(shown) == 4, shown
    for plot, (x_title, y_type, units) in zip(shown, DASHBOARD_AXES, strict=True):
        assert_axes(plot, x_title, y_type, units)
    return shown
