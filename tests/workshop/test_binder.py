"""Binder: repo2docker reads ``binder/`` as intended.

``jupyter-repo2docker --no-build`` prints the Dockerfile it would build, without a Docker
engine or the network: Python 3.11, ``binder/requirements.txt`` installed after the repository
is copied (it ends with ``-e .``, the project itself), then ``binder/postBuild``.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BINDER = ROOT / "binder"
REPO2DOCKER = Path(sys.executable).parent / "jupyter-repo2docker"
PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>[0-9][0-9A-Za-z.+!-]*)$")
# The project's direct dependencies (pyproject.toml: dependencies and the lab extra) plus voila.
DIRECT = {
    "pydantic", "pyyaml", "networkx", "numpy", "pandas", "simpy", "plotly", "pyarrow", "tqdm",
    "jupyterlab", "ipywidgets", "anywidget", "voila",
}  # fmt: skip


def requirement_lines() -> list[str]:
    lines = (BINDER / "requirements.txt").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def pins() -> dict[str, str]:
    found = {}
    for line in requirement_lines():
        match = PIN.match(line)
        if match:
            found[match["name"].lower().replace("_", "-")] = match["version"]
    return found


@pytest.fixture(scope="module")
def dockerfile(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The Dockerfile repo2docker would build for a copy of the repository's Binder files."""
    if not REPO2DOCKER.exists():
        pytest.skip("jupyter-repo2docker is not installed (pip install jupyter-repo2docker)")
    # Only what repo2docker inspects: binder/ and the project root's build files (not .venv).
    repo = tmp_path_factory.mktemp("r2d") / "repo"
    shutil.copytree(BINDER, repo / "binder")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, repo / name)
    command = [
        str(REPO2DOCKER), "--no-build", "--debug", "--no-run",
        "--user-id", "1000", "--user-name", "jovyan", str(repo),
    ]  # fmt: skip
    env = {**os.environ, "PATH": f"{REPO2DOCKER.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


def test_every_line_is_a_valid_pin_or_the_project() -> None:
    lines = requirement_lines()
    assert lines[-1] == "-e .", "the last line installs the project itself"
    for line in lines[:-1]:
        assert PIN.match(line), f"not an exact pin (name==version): {line!r}"
    assert set(pins()) == DIRECT, set(pins()) ^ DIRECT


def test_pins_satisfy_the_projects_requirements() -> None:
    """Every pin is a version the project declares it works with (pyproject.toml)."""
    import tomllib

    from packaging.requirements import Requirement

    project = tomllib.loads((BINDER.parent / "pyproject.toml").read_text())["project"]
    declared = [*project["dependencies"], *project["optional-dependencies"]["lab"]]
    ranges = {Requirement(r).name.lower(): Requirement(r).specifier for r in declared}
    for name, version in pins().items():
        if name.lower() in ranges:
            assert version in ranges[name.lower()], f"{name} {version} not in {ranges[name]}"


def test_runtime_and_post_build_files() -> None:
    assert (BINDER / "runtime.txt").read_text().strip() == "python-3.11"
    post_build = BINDER / "postBuild"
    assert post_build.stat().st_mode & stat.S_IXUSR, "postBuild must be executable"
    text = post_build.read_text()
    assert text.startswith("#!/usr/bin/env bash")
    assert '"fetchNews": "false"' in text and '"checkForUpdates": false' in text


def test_repo2docker_uses_python_3_11(dockerfile: str) -> None:
    assert "Building conda environment for python=3.11" in dockerfile
    # the conda lock file for 3.11 is copied in (its path is escaped: "." is "-2e", "-" is "-2d")
    lock = "environment.py-3.11-linux-64.lock"
    escaped = lock.replace("-", "-2d").replace(".", "-2e")
    assert lock in dockerfile or escaped in dockerfile


def test_repo2docker_installs_the_requirements_after_copying_the_repo(dockerfile: str) -> None:
    install = (
        'RUN ${KERNEL_PYTHON_PREFIX}/bin/pip install --no-cache-dir -r "binder/requirements.txt"'
    )
    assert install in dockerfile
    copy_repo = "COPY --chown=1000:1000 src/ ${REPO_DIR}/"
    assert dockerfile.index(copy_repo) < dockerfile.index(install), "-e . needs the repo copied"
    # with binder/ present the root pyproject.toml is ignored: no second install of it
    assert "pip install --no-cache-dir ." not in dockerfile


def test_repo2docker_runs_post_build(dockerfile: str) -> None:
    install = dockerfile.index('-r "binder/requirements.txt"')
    run = dockerfile.index("RUN ./binder/postBuild")
    assert run > install, "postBuild runs after the requirements are installed"
