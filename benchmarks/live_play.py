"""Live play as a person sees it: dashboard updates per second in the Voila app, in Chromium.

Serves ``notebooks/app.ipynb`` (the factory, 600 s at speed 20) with Voila on loopback, opens
it in Debian's Chromium through Playwright, presses Play and watches the page for ``--seconds``:

* **updates**: every ``plotly_afterplot`` of a dashboard plot, merged when several plots redraw
  within one 16 ms frame (one dashboard update), and the redraws per second of each plot;
* **stalls**: main-thread long tasks (PerformanceObserver ``longtask``; over 50 ms each);
* **growth**: the median interval between updates in the first and in the last third of the
  watch (a per-frame cost that grows with the run shows as a larger last third).

Run it from the repository root (``python benchmarks/live_play.py``); ``--repo DIR`` measures
another checkout (e.g. an older commit unpacked with ``git archive``) with the same script, so
the two can be compared: ``--compare DIR`` runs both and prints the ratio. Targets (issue 9):
>= 10 updates/s, 95th percentile interval <= 150 ms, no stall over 200 ms.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
        "--disable-background-networking", "--disable-component-update"]  # fmt: skip

WATCH = """
(() => {
  window.__bench = { updates: [], plots: {}, longtasks: [] };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.__bench.longtasks.push([e.startTime, e.duration]);
  }).observe({ type: "longtask", buffered: true });
  const seen = new WeakSet();
  const hook = () => {
    document.querySelectorAll(".etw-dashboard .js-plotly-plot").forEach((el, i) => {
      if (seen.has(el) || !el.on) return;
      seen.add(el);
      el.on("plotly_afterplot", () => {
        window.__bench.updates.push(performance.now());
        (window.__bench.plots[i] = window.__bench.plots[i] || []).push(performance.now());
      });
    });
  };
  new MutationObserver(hook).observe(document, { childList: true, subtree: true });
})();
"""


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(repo: Path, tmp: Path) -> tuple[subprocess.Popen[bytes], str]:
    shutil.copytree(repo / "notebooks", tmp / "nb")
    port = _port()
    env = {**os.environ, "PYTHONPATH": str(repo), "JUPYTER_CONFIG_DIR": f"{tmp}/cfg",
           "JUPYTER_DATA_DIR": f"{tmp}/data", "JUPYTER_RUNTIME_DIR": f"{tmp}/rt"}  # fmt: skip
    log = (tmp / "voila.log").open("w")
    proc = subprocess.Popen(
        [str(BIN / "voila"), "app.ipynb", "--no-browser", f"--port={port}",
         "--Voila.ip=127.0.0.1"],
        cwd=tmp / "nb", env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    for _ in range(240):
        try:
            urllib.request.urlopen(f"{url}/voila/static/", timeout=2).close()
            break
        except urllib.error.HTTPError:
            break
        except OSError:
            time.sleep(0.5)
    return proc, url


def _merge(times: list[float], within_ms: float = 16.0) -> list[float]:
    merged: list[float] = []
    for t in sorted(times):
        if not merged or t - merged[-1] > within_ms:
            merged.append(t)
    return merged


def measure(repo: Path, seconds: float) -> dict[str, Any]:
    """Watch live play of ``repo``'s Voila app for ``seconds``; the numbers."""
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as name:
        proc, url = _serve(repo, Path(name))
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                page = browser.new_page(viewport={"width": 1500, "height": 2000})
                page.add_init_script(WATCH)
                errors: list[str] = []
                page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
                page.on("pageerror", lambda e: errors.append(f"uncaught: {e}"))
                page.goto(url + "/", timeout=180_000)
                page.locator(".etw-dashboard .js-plotly-plot").nth(3).wait_for(timeout=180_000)
                page.wait_for_timeout(2000)  # let the first render settle (benchmark, not test)
                page.evaluate(
                    "() => { const b = window.__bench; b.updates = []; b.plots = {};"
                    " b.longtasks = []; }"
                )
                began = page.evaluate("() => performance.now()")
                page.locator(".etw-controls button", has_text="Play").click()
                page.wait_for_timeout(seconds * 1000)
                data = page.evaluate("() => window.__bench")
                sim_s = float(page.locator(".etw-clock b").get_attribute("data-now") or 0)
                browser.close()
        finally:
            proc.terminate()
            proc.wait(20)
    updates = [t for t in _merge(data["updates"]) if t >= began]
    gaps = [b - a for a, b in itertools.pairwise(updates)]
    stalls = [d for t, d in data["longtasks"] if t >= began]
    third = max(1, len(gaps) // 3)
    ordered = sorted(gaps) or [float("nan")]
    per_plot = {
        name: len([t for t in data["plots"].get(str(i), []) if t >= began]) / seconds
        for i, name in enumerate(("latency", "bandwidth", "degraded_mode", "stores"))
    }
    return {
        "console_errors": len(errors),
        "first_console_error": errors[0][:160] if errors else "",
        "redraws_per_s_per_plot": per_plot,
        "watched_s": seconds,
        "simulated_s": sim_s,
        "updates": len(updates),
        "updates_per_s": len(updates) / seconds,
        "interval_ms_median": statistics.median(ordered),
        "interval_ms_p95": ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))],
        "interval_ms_max": ordered[-1],
        "stalls_over_100ms": sum(d > 100 for d in stalls),
        "stalls_over_200ms": sum(d > 200 for d in stalls),
        "longest_stall_ms": max(stalls, default=0.0),
        "interval_ms_median_first_third": statistics.median(gaps[:third]) if gaps else None,
        "interval_ms_median_last_third": statistics.median(gaps[-third:]) if gaps else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repo", type=Path, default=REPO, help="checkout to measure")
    parser.add_argument("--compare", type=Path, help="an older checkout to compare against")
    parser.add_argument("--seconds", type=float, default=25.0, help="wall seconds to watch")
    args = parser.parse_args()
    with open("/proc/loadavg") as f:
        load = f.read().split()[:3]
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"load average {' '.join(load)}; Chromium {CHROMIUM}")  # fmt: skip
    new = measure(args.repo, args.seconds)
    print("this checkout:", json.dumps(new, indent=1))
    if args.compare:
        old = measure(args.compare, args.seconds)
        print("compared checkout:", json.dumps(old, indent=1))
        print(
            f"updates/s {new['updates_per_s']:.1f} vs {old['updates_per_s']:.1f} "
            f"(x{new['updates_per_s'] / max(old['updates_per_s'], 1e-9):.1f}); p95 interval "
            f"{new['interval_ms_p95']:.0f} ms vs {old['interval_ms_p95']:.0f} ms; stalls > 200 ms "
            f"{new['stalls_over_200ms']} vs {old['stalls_over_200ms']}"
        )


if __name__ == "__main__":
    main()
