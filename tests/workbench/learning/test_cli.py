"""`workbench run` of the drift scenario: one line per episode, the learning tables and the
summary's learning section; a scenario without drift imports nothing of river."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd

from workbench.loading import data_dir

from .conftest import DRIFT


def test_run_prints_one_line_per_episode(tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "workbench.cli",
            "run",
            str(DRIFT),
            "--until",
            "420",
            "--out",
            str(out),
            "--html",
            str(tmp_path / "r.html"),
            "--quiet",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    lines = [line for line in done.stdout.splitlines() if line.startswith("  defect-loop (")]
    assert len(lines) == 1
    assert "drift 300 s, detected 31" in lines[0] and "on plant-dc" in lines[0]
    summary = json.loads((out / "summary.json").read_text())
    episode = summary["learning"]["episodes"][0]
    assert episode["recovered_at_s"] is None and episode["state"] == "rolling_out"
    assert summary["learning"]["loops"]["defect-loop"]["detections"] == 1
    table = pd.read_parquet(out / "learning.parquet")
    assert list(table["state"]) == ["rolling_out"]
    assert len(pd.read_parquet(out / "detections.parquet")) == 1


def test_a_scenario_without_drift_imports_no_river() -> None:
    bad = str(data_dir() / "scenarios" / "factory_bad_rollout.yaml")
    code = (
        "import sys; from workbench.scenario import load_scenario; from workbench.sim import "
        f"simulate; r = simulate(load_scenario({bad!r}), "
        "until=30); r.summary(); r.accuracy(); "
        "assert 'learning' not in r.summary(); "
        "assert not [m for m in sys.modules if m.startswith(('river', 'workbench.learning'))]"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
