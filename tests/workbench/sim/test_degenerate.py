"""Degenerate but valid scenarios run and say what they lacked: no links (the workload is
served where its data is born), one node, no workloads, a workload with no request in the
measured window. Before, the first three ended ``workbench run FILE -q`` with "internal error
(ValueError: No objects to concatenate)" (or "min() arg is an empty sequence")."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workbench.cli import main
from workbench.scenario import load_scenario
from workbench.sim import simulate

CAMERA = {"node": "cam", "kind": "ip_camera_1080p_h264", "rate": "5 Hz"}
DETECT = {"id": "infer", "model": "yolov8n", "output_size": "1 kB"}
CAM = {"id": "cam", "tier": "far_edge", "hardware": "jetson_orin_nano_super"}
GW = {"id": "gw", "tier": "aggregation_edge", "hardware": "jetson_orin_nx"}
SCENARIOS = {
    "no-links": {
        "nodes": [{**CAM, "count": 2}, GW],
        "workloads": [{"id": "detect", "source": CAMERA, "slo": "100 ms", "stages": [DETECT]}],
        "placement": {"detect.infer": "cam"},
    },
    "one-node": {
        "nodes": [CAM],
        "workloads": [{"id": "detect", "source": CAMERA, "slo": "100 ms", "stages": [DETECT]}],
        "placement": {"detect.infer": "cam"},
    },
    "no-workloads": {"nodes": [CAM]},
    "quiet": {
        "nodes": [CAM, GW],
        "links": [{"ends": ["cam", "gw"], "profile": "wifi6"}],
        "workloads": [
            {
                "id": "detect",
                "source": {**CAMERA, "rate": "1 /h", "arrival": "periodic"},
                "slo": "1 s",
                "stages": [DETECT],
            }
        ],
        "placement": {"detect.infer": "gw"},
    },
}
NOTES = {
    "no-links": ["no links"],
    "one-node": ["no links"],
    "no-workloads": ["no links", "no workloads"],
    "quiet": ["'detect' made no requests in the measured window", "every 3600 s"],
}


def write(tmp_path: Path, name: str) -> Path:
    data = {"name": name, **SCENARIOS[name], "simulation": {"until": "60 s"}}
    path = tmp_path / f"{name}.yaml"
    path.write_text(json.dumps(data))  # JSON is YAML
    return path


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_cli_runs_and_the_report_says_why_it_is_empty(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, name)
    out = tmp_path / "out"
    assert main(["validate", str(path)]) == 0
    assert main(["run", str(path), "-q", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "internal error" not in printed
    summary = json.loads((out / "summary.json").read_text())
    report = (out / "report.html").read_text()
    for phrase in NOTES[name]:
        assert any(phrase in note for note in summary["notes"]), (phrase, summary["notes"])
        assert phrase in report.replace("&#x27;", "'")
    assert main(["run", str(path), "--out", str(out)]) == 0
    assert "note: " in capsys.readouterr().out


def test_no_links_serves_every_request_where_its_data_is_born(tmp_path: Path) -> None:
    result = simulate(load_scenario(write(tmp_path, "no-links")), seed=1)
    table = result.requests
    assert len(table) > 400  # 2 cameras x 5 Hz x 60 s
    assert set(table["served_at"].astype(str)) == {"cam"}
    assert (table["bytes"] == 0).all()
    assert result.links.empty
    assert list(result.links.columns) == ["link", "direction", "t_s", "bytes"]
    summary = result.summary()
    assert summary["workloads"]["detect"]["completed"] == (table["state"] == "done").sum()
    assert all(row["up_bytes_per_s"] == 0 for row in summary["boundaries"].values())


def test_a_quiet_workload_reports_nothing_rather_than_failing(tmp_path: Path) -> None:
    result = simulate(load_scenario(write(tmp_path, "quiet")), seed=1)
    stats = result.summary()["workloads"]["detect"]
    assert stats["generated"] == stats["completed"] == 0
    assert stats["latency_mean_s"] is None and stats["availability"] is None
