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
