"""The ``workbench`` command: exit codes, messages, never a traceback."""

from __future__ import annotations

import json
import re
import shutil
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
    assert "llama3_70b" in out and re.search(r"^yolov8n .* 8\.7 ", out, re.M)


def test_console_script_is_installed() -> None:
    exe = Path(sys.executable).parent / "workbench"
    result = subprocess.run([exe, "--help"], capture_output=True, text=True, check=False)
    assert result.returncode == 0 and "validate" in result.stdout


@pytest.mark.parametrize(
    "table", ["tiers", "hardware", "models", "links", "data_sources", "data_classes"]
)
def test_catalogue_tables_fit_100_columns_with_units(
    table: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """No line over 100 characters, no dict reprs, no exponents, no NaN: '-' for a gap."""
    assert main(["catalogue", table]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert max(map(len, lines)) <= 100, max(lines, key=len)
    assert not re.search(r"\{'|NaN|nan\b|None|\de[+-]\d", out), out
    units = {
        "tiers": "(ms)",
        "hardware": "(GB)",
        "models": "(MB)",
        "links": "(Mbit/s)",
        "data_sources": "(kbit/s)",
        "data_classes": "max tier",
    }
    assert units[table] in "\n".join(lines[:2])


def test_catalogue_marks_a_missing_figure_with_a_dash(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["catalogue", "hardware"]) == 0
    stm32 = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("stm32"))
    assert stm32.split()[-1] == "-"  # no hourly price for a microcontroller


def test_version_prints_the_package_version_and_exits_0() -> None:
    from workbench.cli import package_version

    result = run("--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"workbench {package_version()}"
    assert re.fullmatch(r"\d+\.\d+\.\d+.*|unknown", package_version())


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
@pytest.mark.parametrize(("target", "command"), [("lab", "jupyter lab"), ("app", "voila")])
def test_make_lab_and_app_pass_args(target: str, command: str) -> None:
    """`make lab ARGS="--port 8891 --no-browser"` (and `make app`) hand the options on."""
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        ["make", "-n", "-o", ".venv/.installed-stamp", target, "ARGS=--port 8891 --no-browser"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    line = next(x for x in result.stdout.splitlines() if command in x)
    assert "--port 8891 --no-browser" in line
