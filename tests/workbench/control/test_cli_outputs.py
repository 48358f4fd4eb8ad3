"""`workbench run` writes the model tables and summary keys only for scenarios with versions."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd

from .conftest import BAD


def test_run_writes_model_tables(tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "workbench.cli",
            "run",
            str(BAD),
            "--until",
            "200",
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
    summary = json.loads((out / "summary.json").read_text())
    rollout = summary["rollouts"]["defect-v2-canary"]
    assert rollout["strategy"] == "canary" and rollout["decision"] == "incomplete"
    assert rollout["bytes_down"] == 98e6
    # the printed summary says what became of the rollout, in words
    assert (
        "defect-v2-canary (canary): not finished by the end of the run; "
        f"{rollout['wrong_predictions']:,} wrong predictions served by the new version; "
        "98 MB down to 1 of 1 nodes"
    ) in done.stdout
    assert summary["versions"]["line-gw"]["version"] == "defect-v1"
    transfers = pd.read_parquet(out / "transfers.parquet")
    assert transfers["state"].tolist() == ["done"] and transfers["pauses"].tolist() == [1]
    timeline = pd.read_parquet(out / "versions.parquet")
    assert set(timeline["version"]) == {"defect-v1", "defect-v2"}
    for name in ("accuracy", "rollouts", "decisions"):
        assert (out / f"{name}.parquet").is_file()
    requests = pd.read_parquet(out / "requests.parquet")
    assert {"version", "correct"} <= set(requests.columns)
