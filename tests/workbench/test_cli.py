"""The ``workbench`` command: exit codes, messages, never a traceback."""

from __future__ import annotations

import json
import os
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
    for line in result.stdout.splitlines():  # FILE: field: message, or FILE: message
        file, rest = line.split(": ", 1)
        assert Path(file).exists() and rest and "(top level)" not in rest


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


def test_validate_refuses_a_fifo_and_a_device_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    result = run("validate", str(fifo), "/dev/zero")
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"{fifo}: is not a regular file (a pipe, device or socket)" in result.stdout
    assert "/dev/zero: is not a regular file" in result.stdout


def _write_big_fleet(tmp_path: Path) -> Path:
    """The factory for a week: valid and within every node's and link's capacity, but far more
    requests than one run may take."""
    text = (SCENARIOS / "factory_floor.yaml").read_text()
    path = tmp_path / "fleet.yaml"
    path.write_text(text.replace('until: "600 s"', 'until: "7 d"'))
    return path


def test_run_refuses_a_run_too_large_and_says_how_to_force_it(tmp_path: Path) -> None:
    path = _write_big_fleet(tmp_path)
    assert main(["validate", "-q", str(path)]) == 0  # valid, just too large to simulate
    result = run("run", str(path), "-q", "--out", str(tmp_path / "out"))
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stdout.startswith(f"{path}: simulation.until: this run of 604,800 simulated")
    assert "--force" in result.stdout and not result.stderr
    assert not (tmp_path / "out").exists()


def test_run_with_force_skips_the_size_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import workbench.budget as budget

    monkeypatch.setattr(budget, "MAX_EVENTS", 10)
    out = tmp_path / "out"
    factory = str(SCENARIOS / "factory_floor.yaml")
    assert main(["run", factory, "--until", "15", "-q", "--out", str(out)]) == 2
    assert "--force" in capsys.readouterr().out
    assert main(["run", factory, "--until", "15", "-q", "--out", str(out), "--force"]) == 0
    assert (out / "summary.json").exists()


def test_a_file_until_of_a_century_is_refused_like_the_option() -> None:
    path = BROKEN / "until_too_long.yaml"
    result = run("run", str(path), "-q")
    assert result.returncode == 2
    assert "simulation.until: '36500 d' is more than the limit of 7 d" in result.stdout


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


def test_catalogue_tokens_fits_100_columns_and_marks_models_that_do_not_fit(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["catalogue", "tokens"]) == 0
    out = capsys.readouterr().out
    assert max(map(len, out.splitlines())) <= 100
    assert "h100_node" in out and "jetson_orin_nano_super" in out
    row = next(line for line in out.splitlines() if line.startswith("llama3_70b fp16"))
    assert row.split()[2] == "-"  # 140 GB does not fit a Jetson Nano
    assert not re.search(r"NaN|nan\b", out)
