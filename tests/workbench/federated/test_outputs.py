"""summary.json's federated section, the line ``workbench run`` prints, the report section."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pandas as pd
import pytest

from workbench.cli import main
from workbench.federated import privacy
from workbench.loading import data_dir

SCENARIO = data_dir() / "scenarios" / "hospital_federated.yaml"


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("fed")
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        assert main(["run", str(SCENARIO), "-q", "--until", "400", "--out", str(out)]) == 0
    return out, buffer.getvalue()


def test_summary_has_exactly_the_issues_keys(run_dir: tuple[Path, str]) -> None:
    fed = json.loads((run_dir[0] / "summary.json").read_text())["federated"]
    assert list(fed) == ["rounds", "epsilon", "delta", "centralised_bytes"]
    assert len(fed["rounds"]) == 6  # rounds at 60, 120, ..., 360 s
    for row in fed["rounds"]:
        assert list(row) == [
            "accuracy", "participants", "quarantined", "bytes_up", "bytes_down", "duration_s"
        ]  # fmt: skip
    assert fed["rounds"][0]["quarantined"] == 2
    assert fed["centralised_bytes"] == 8 * 2000 * 240e3


def test_the_printed_epsilon_is_dp_accountings(run_dir: tuple[Path, str]) -> None:
    fed = json.loads((run_dir[0] / "summary.json").read_text())["federated"]
    expected = privacy.epsilon(0.5, 1.0, 6, 1e-5)
    assert fed["epsilon"] == expected
    line = next(x for x in run_dir[1].splitlines() if x.startswith("federated:"))
    assert f"epsilon {expected:.3g} at delta 1e-05" in line
    assert "6 rounds" in line and "2 quarantined" in line and "3.84 GB" in line


def test_the_report_has_a_federated_section(run_dir: tuple[Path, str]) -> None:
    page = (run_dir[0] / "report.html").read_text()
    assert '<section id="federated">' in page
    assert 'id="federated-accuracy-figure"' in page and 'id="federated-bytes-figure"' in page
    assert "premises" in page


def test_reports_without_federated_have_no_section(tmp_path: Path) -> None:
    out = tmp_path / "out"
    hospital = str(data_dir() / "scenarios" / "hospital.yaml")
    assert main(["run", hospital, "-q", "--until", "120", "--out", str(out)]) == 0
    assert '<section id="federated">' not in (out / "report.html").read_text()
    assert "federated" not in json.loads((out / "summary.json").read_text())


def test_run_writes_the_federated_tables(run_dir: tuple[Path, str]) -> None:
    rounds = pd.read_parquet(run_dir[0] / "federated_rounds.parquet")
    assert len(rounds) == 6 and rounds["quarantined"].tolist()[0] == 2
    boundaries = pd.read_parquet(run_dir[0] / "federated_boundaries.parquet")
    assert "premises" in set(boundaries["boundary"])


def test_validate_names_a_bad_federated_field_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = SCENARIO.read_text().replace("aggregator: cloud", "aggregator: clod")
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    assert main(["validate", str(path)]) == 2
    out = capsys.readouterr().out.strip().splitlines()
    expected = "federated.aggregator: unknown node 'clod'; use a node id of this scenario"
    assert out == [f"{path}: {expected}"]
