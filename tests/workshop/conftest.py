"""Workshop fixtures: Voila serving a copy of ``notebooks/`` on loopback, and Playwright on
Debian's Chromium (``/usr/bin/chromium``; never ``playwright install``).

The Voila tests are marked ``browser`` and skipped, with the reason, when Chromium,
Playwright or Voila is missing. The Binder test needs none of them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser_support import (  # noqa: F401 - fixtures for pytest-playwright
    BIN,
    browser_context_args,
    browser_type_launch_args,
    free_port,
    mark_browser_tests,
    missing,
)

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
RESULTS = REPO / "test-results"
APP = "app.ipynb"  # the code-free workbench app (notebooks/app.ipynb)


def _missing() -> str | None:
    return missing("voila", "pip install voila")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    is_browser = lambda p: p.parent == HERE and p.name.endswith("_browser.py")  # noqa: E731
    mark_browser_tests(items, is_browser, _missing())


@pytest.fixture(scope="session")
def voila_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Voila on a free loopback port serving the app from a COPY of ``notebooks/``; stopped
    by its PID at the end. Voila runs the notebook in its own kernel for every page load."""
    if not (REPO / "notebooks" / APP).exists():
        pytest.skip(f"notebooks/{APP} is missing")
    tmp = tmp_path_factory.mktemp("voila")
    shutil.copytree(REPO / "notebooks", tmp / "nb")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": f"{tmp}/cfg",
        "JUPYTER_DATA_DIR": f"{tmp}/data",
        "JUPYTER_RUNTIME_DIR": f"{tmp}/rt",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
    }
    command = [
        str(BIN / "voila"), APP, "--no-browser", f"--port={port}", "--Voila.ip=127.0.0.1",
    ]  # fmt: skip
    log_path = tmp / "voila.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            command, cwd=tmp / "nb", env=env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            for _ in range(120):  # any HTTP answer will do: GET / would run the notebook
                try:
                    with urllib.request.urlopen(f"{url}/voila/static/", timeout=2):
                        break
                except urllib.error.HTTPError:
                    break
                except OSError:
                    if proc.poll() is not None:
                        raise RuntimeError(log_path.read_text()) from None
                    time.sleep(0.5)
            else:
                raise RuntimeError("voila did not start:\n" + log_path.read_text())
            yield url
        finally:
            proc.terminate()  # only the PID we started; it shuts its kernels down
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)


@pytest.fixture(scope="session")
def shots() -> Path:
    """Where screenshots go (``test-results/``, ignored by git)."""
    RESULTS.mkdir(exist_ok=True)
    return RESULTS
