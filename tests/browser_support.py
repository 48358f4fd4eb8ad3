"""What every real-browser test shares: Debian's Chromium with the flags that work here
(offline, as root), the skip reason when something is missing, and a free loopback port.

Never ``playwright install``: the browser is ``/usr/bin/chromium`` (``apt-get install -y
chromium``); Python needs ``pip install playwright pytest-playwright``.
"""

from __future__ import annotations

import importlib.util
import json
import re
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
RESULTS = Path(__file__).resolve().parents[1] / "test-results"


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
    # JupyterLab's own, when a notebook is opened again (open_and_run, after a Run All that ran
    # nothing) while its requests to the kernel were still in flight: they are cancelled
    "Canceled future for debug_request message",
    "Canceled future for create_subshell_request message",
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

    def on_page_error(exc: Any) -> None:
        text = f"uncaught: {exc}"
        if not any(allowed in text for allowed in ALLOWED_CONSOLE):
            errors.append(text)

    page.on("console", on_console)
    page.on("pageerror", on_page_error)
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


# --- a notebook in JupyterLab: open it, run it, re-run a cell ---------------------------------


def _expect() -> Any:
    from playwright.sync_api import expect

    return expect


def open_and_run(page: Any, url: str, notebook: str, ready: str, count: int) -> None:
    """Open ``notebook`` in JupyterLab, Run All Cells, and wait until ``count`` elements match
    the CSS selector ``ready``.

    On a loaded machine a Run All can go to a kernel that is not connected yet: the prompts
    show that cells were queued, yet nothing runs. Then the notebook is opened once more (and
    a third time). When ``ready`` never shows, the failure says what the page showed instead
    (prompts, kernel status, the first outputs) and leaves a screenshot in ``test-results/``.
    """
    for attempt, within in enumerate((90_000, 120_000, 150_000)):
        if attempt:
            print(f"{notebook}: no {ready!r} after Run All, opening the notebook again")
        page.goto(f"{url}/lab/tree/{notebook}")
        _run_all(page)
        try:
            _expect()(page.locator(ready)).to_have_count(count, timeout=within)
            return
        except AssertionError:
            continue
    RESULTS.mkdir(exist_ok=True)
    shot = RESULTS / f"{Path(notebook).stem}-not-drawn.png"
    page.screenshot(path=str(shot))
    raise AssertionError(
        f"{notebook}: {ready!r} never showed {count} times; {_page_state(page)}; see {shot}"
    )


def _run_all(page: Any) -> None:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    expect = _expect()
    idle = page.locator('.jp-Notebook-ExecutionIndicator[data-status="idle"]')
    expect(idle).to_be_visible(timeout=90_000)
    # The FIRST code cell must have started: on a busy machine Lab can drop its execution
    # while the kernel connects, and run only the later cells.
    first = page.locator(".jp-CodeCell .jp-InputPrompt").first
    for _ in range(12):  # a click right after start-up can go to a kernel not yet connected
        dismiss_dialogs(page)
        try:
            page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click(
                timeout=10_000
            )
            page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click(
                timeout=10_000
            )
            expect(first).to_have_text(re.compile(r"\[[0-9*]+\]"), timeout=10_000)
            return
        except (AssertionError, PlaywrightTimeout):
            page.keyboard.press("Escape")  # close the menu if it is open


def _page_state(page: Any) -> str:
    prompts = page.locator(".jp-InputPrompt").all_inner_texts()
    status = page.locator(".jp-Notebook-ExecutionIndicator").first.get_attribute("data-status")
    outputs = [t[:160] for t in page.locator(".jp-OutputArea-output").all_inner_texts()[:4]]
    return f"prompts {prompts}, kernel {status}, outputs {outputs}"


def dismiss_dialogs(page: Any) -> None:
    """Accept a dialog Lab shows while it starts ("Select Kernel" when it has no preference
    stored, whenever it comes): it would take every click meant for the page. Under load a
    click on its button can be lost, so try again, then with Enter."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    dialog = page.locator(".jp-Dialog")
    for attempt in range(6):
        if not dialog.count():
            return
        print("dialog:", dialog.first.inner_text()[:120].replace("\n", " | "))
        try:
            choice = dialog.locator("select")
            if choice.count():  # the kernel, not "No Kernel" (then nothing would run)
                choice.first.select_option(label="Python 3 (ipykernel)", timeout=5_000)
            if attempt % 2 == 0:
                dialog.locator(".jp-mod-accept").first.click(timeout=5_000)
            else:
                page.keyboard.press("Enter")
            _expect()(dialog).to_have_count(0, timeout=5_000)
            return
        except (AssertionError, PlaywrightTimeout):
            continue


def run_cell(page: Any, marker: str, printed: str) -> str:
    """Re-run the cell containing ``marker`` in place (Ctrl+Enter); the new output text."""
    expect = _expect()
    cell = page.locator(".jp-CodeCell", has_text=marker).first
    output = cell.locator(".jp-OutputArea-output", has_text=printed)
    before = output.inner_text() if output.count() else ""
    cell.scroll_into_view_if_needed()  # Lab does not render cells far off screen
    cell.locator(".jp-InputArea-editor").click()
    page.keyboard.press("Control+Enter")
    expect(output).to_contain_text(printed, timeout=30_000)
    if before:
        expect(output).not_to_have_text(before, timeout=30_000)
    return str(output.inner_text())


def probe(page: Any) -> dict[str, Any]:
    """Re-run the notebook's probe cell (``def probe()``, printing ``PROBE {json}``) in place
    and read what the kernel printed."""
    return dict(json.loads(run_cell(page, "def probe()", "PROBE").split("PROBE ", 1)[1]))
