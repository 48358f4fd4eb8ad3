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
