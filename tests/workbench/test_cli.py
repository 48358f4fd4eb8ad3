"""The ``workbench`` command: exit codes, messages, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import BROKEN, SCENARIOS
from workbench.cli import main


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "workbench.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_validate_passes_every_shipped_scenario() -> None:
    result = run("validate", *map(str, sorted(SCENARIOS.glob("*.yaml"))))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count(": valid") == len(list(SCENARIOS.glob("*.yaml")))


def test_validate_rejects_the_whole_corpus_with_exit_2_and_no_traceback() -> None:
    files = sorted(BROKEN.glob("*.yaml"))
    result = run("validate", "-q", *map(str, files))
    assert result.returncode == 2
    assert "Traceback" not in result.stdout + result.stderr
    for path in files:
        assert f"{path}: " in result.stdout, f"{path.name} printed no problem"
    for line in result.stdout.splitlines():
        file, where, message = line.split(": ", 2)
        assert Path(file).exists() and where and message


@pytest.mark.parametrize("arg", ["/no/such/file.yaml", "/", "/dev/null"])
def test_validate_odd_paths_are_clear_errors(arg: str) -> None:
    result = run("validate", arg)
    assert result.returncode == 2
    assert result.stdout.startswith(f"{arg}: ")
    assert not result.stderr


def test_advise_explains_choices_and_placement(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["advise", str(SCENARIOS / "factory_floor.yaml")]) == 0
    out = capsys.readouterr().out
    assert "bearing-wear.correlate:" in out
    assert "advice: aggregation_edge (line-gw)" in out
    assert "far_edge (vib-sensors): rejected:" in out
    assert "placed: line-gw (aggregation_edge) (est. latency" in out
    assert "matches the advice; ok" in out


def test_advise_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["advise", "--table", str(SCENARIOS / "factory_floor.yaml")]) == 0
    assert "advised_tier" in capsys.readouterr().out


def test_advise_on_a_broken_file_prints_the_problems(capsys: pytest.CaptureFixture[str]) -> None:
    path = BROKEN / "unknown_model.yaml"
    assert main(["advise", str(path)]) == 2
    assert "workloads[1].stages[1].model: unknown model 'resnet-50'" in capsys.readouterr().out


def test_schema_prints_json_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["title"] == "Edge AI Tier Workbench scenario"


def test_catalogue_lists_a_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["catalogue", "models"]) == 0
    out = capsys.readouterr().out
    assert "llama3_70b" in out and "8.7 GOP" in out


def test_console_script_is_installed() -> None:
    exe = Path(sys.executable).parent / "workbench"
    result = subprocess.run([exe, "--help"], capture_output=True, text=True, check=False)
    assert result.returncode == 0 and "validate" in result.stdout
