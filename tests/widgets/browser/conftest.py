"""Real-browser fixtures: JupyterLab on loopback serving a copy of ``notebooks/``, and
Playwright on Debian's Chromium (``/usr/bin/chromium``; never ``playwright install``).

Every test here is marked ``browser`` and skipped, with the reason, when Chromium or
Playwright is missing. CI needs: ``apt-get install -y chromium`` and
``pip install playwright pytest-playwright``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
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
REPO = HERE.parents[2]
RESULTS = REPO / "test-results"


def _missing() -> str | None:
    return missing("jupyter-lab", "pip install -e '.[lab]'")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # nbval runs the notebook here headless: only the .py files need a browser
    mark_browser_tests(items, lambda p: HERE in p.parents and p.suffix == ".py", _missing())


@pytest.fixture(scope="session")
def nb_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A COPY of the notebooks: Lab autosaves outputs (and MBs of widget state) every 120 s."""
    tmp = tmp_path_factory.mktemp("jl")
    shutil.copytree(HERE / "notebooks", tmp / "nb")
    # No news or update checks: a toast over the page and an outbound request.
    settings = tmp / "settings" / "@jupyterlab"
    for plugin, file, values in (
        ("apputils-extension", "notification", {"fetchNews": "false", "checkForUpdates": False}),
        # start the notebook's own kernel without asking (else a "Select Kernel" dialog)
        ("docmanager-extension", "plugin", {"autoStartDefaultKernel": True}),
    ):
        (settings / plugin).mkdir(parents=True)
        (settings / plugin / f"{file}.jupyterlab-settings").write_text(json.dumps(values))
    return tmp


@pytest.fixture(scope="session")
def lab_url(nb_copy: Path) -> Iterator[str]:
    """JupyterLab on a free loopback port, no token; stopped by its PID at the end."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": f"{nb_copy}/cfg",
        "JUPYTER_DATA_DIR": f"{nb_copy}/data",
        "JUPYTER_RUNTIME_DIR": f"{nb_copy}/rt",
        "JUPYTERLAB_WORKSPACES_DIR": f"{nb_copy}/ws",
        "JUPYTERLAB_SETTINGS_DIR": f"{nb_copy}/settings",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
    }
    command = [
        str(BIN / "jupyter"), "lab", "--no-browser", "--allow-root", "--ip=127.0.0.1",
        f"--port={port}", "--IdentityProvider.token=", "--ServerApp.password=",
        "--ServerApp.disable_check_xsrf=True", "--LabApp.news_url=None",
        "--LabApp.extension_manager=readonly",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]  # fmt: skip
    log_path = nb_copy / "lab.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            command, cwd=nb_copy / "nb", env=env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            for _ in range(240):
                try:
                    with urllib.request.urlopen(f"{url}/api/status", timeout=2):
                        break
                except OSError:
                    if proc.poll() is not None:
                        raise RuntimeError(log_path.read_text()) from None
                    time.sleep(0.5)
            yield url
        finally:
            proc.terminate()  # only the PID we started; it shuts its kernels down
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)


def forget_workspaces(url: str) -> None:
    """Delete Lab's saved workspaces: else the next test's page reopens this notebook too."""
    with urllib.request.urlopen(f"{url}/lab/api/workspaces") as response:
        ids = json.load(response)["workspaces"]["ids"]
    for workspace in ids:
        request = urllib.request.Request(f"{url}/lab/api/workspaces/{workspace}", method="DELETE")
        urllib.request.urlopen(request).close()


@pytest.fixture
def fresh_lab(lab_url: str) -> Iterator[str]:
    """Each test starts from a clean kernel with only its own notebook open (no session and no
    saved workspace of an earlier test), and leaves no tab behind."""
    with urllib.request.urlopen(f"{lab_url}/api/sessions") as response:
        sessions = json.load(response)
    for session in sessions:
        request = urllib.request.Request(f"{lab_url}/api/sessions/{session['id']}", method="DELETE")
        urllib.request.urlopen(request).close()
    forget_workspaces(lab_url)
    yield lab_url
    forget_workspaces(lab_url)


@pytest.fixture(scope="session")
def shots() -> Path:
    """Where screenshots go (``test-results/``, ignored by git)."""
    RESULTS.mkdir(exist_ok=True)
    return RESULTS
