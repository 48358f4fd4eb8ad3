"""Streaming runs (workbench.sim.fast.stream) against the full fast-plane run they summarise.

A streaming run draws the same arrivals and service times in the same order as a whole run on
the fast plane (the event heap and the stations' state carry over from piece to piece), so its
aggregates must equal those computed from the whole run's per-request table: counts exactly,
means to rounding, percentiles within the histogram's 1.2 % bins.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from workbench.cli import main
from workbench.errors import RunArgumentError
from workbench.loading import data_dir
from workbench.scenario import load_scenario
from workbench.sim import simulate
from workbench.sim.fast.stream import EDGES, stream

pytest.importorskip("numba")
sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "benchmarks"))
from reference import reference_scenario

SCENARIOS = data_dir() / "scenarios"


@pytest.fixture(scope="module")
def pair() -> tuple[object, object]:
    scenario = reference_scenario(300)
    return stream(scenario, until=60.0, seed=5, piece_requests=4000), simulate(
        scenario, until=60.0, seed=5
    )


def test_counts_means_and_maximum_equal_the_whole_run(pair: tuple) -> None:
    streamed, whole = pair
    mine = streamed.summary["workloads"]["ref"]
    theirs = whole.summary()["workloads"]["ref"]
    for key in ("generated", "completed", "in_flight"):
        assert mine[key] == theirs[key], key
    for key in ("latency_mean_s", "latency_max_s", "slo_violation_share", "throughput_per_s"):
        assert mine[key] == pytest.approx(theirs[key], rel=1e-9), key
    assert mine["generated"] > 10_000  # several pieces of about 4,000 requests


def test_requests_past_their_deadline_are_counted_as_dropped_not_completed() -> None:
    """Gateways at utilisation 0.8 and a 0.3 s deadline: about half the requests are dropped;
    the streaming run counts them as the whole run does, and keeps them out of the latency."""
    spec = reference_scenario(200).model_dump(by_alias=True, mode="json")
    spec["workloads"][0]["stages"][0] |= {
        "forward": 1.0,
        "service": {"dist": "exponential", "mean": 0.08},
    }
    spec["workloads"][0]["degraded"]["deadline"] = 0.3
    scenario = type(reference_scenario(10)).model_validate(spec)
    streamed = stream(scenario, until=60.0, seed=3, piece_requests=3000)
    whole = simulate(scenario, until=60.0, seed=3).summary()["workloads"]["ref"]
    mine = streamed.summary["workloads"]["ref"]
    assert mine["dropped"] == whole["dropped"]
    assert mine["dropped"]["deadline"] > 0.3 * mine["generated"]
    for key in ("generated", "completed", "in_flight"):
        assert mine[key] == whole[key], key
    for key in ("latency_mean_s", "latency_max_s", "availability"):
        assert mine[key] == pytest.approx(whole[key], rel=1e-9), key


def test_percentiles_within_the_histograms_resolution(pair: tuple) -> None:
    streamed, whole = pair
    mine = streamed.summary["workloads"]["ref"]
    theirs = whole.summary()["workloads"]["ref"]
    width = EDGES[1] / EDGES[0] - 1  # 1.16 %
    for key in ("latency_p50_s", "latency_p95_s", "latency_p99_s"):
        assert mine[key] == pytest.approx(theirs[key], rel=width), key


def test_boundaries_nodes_stages_and_timeline_equal_the_whole_run(pair: tuple) -> None:
    streamed, whole = pair
    summary = whole.summary()
    assert streamed.summary["boundaries"] == summary["boundaries"]
    assert streamed.summary["nodes"] == summary["nodes"]
    table = whole.requests
    done = table[(table.state == "done") & (table.created_s >= whole.warmup_s)]
    stages = streamed.summary["workloads"]["ref"]["stages"]
    for stage in ("gw", "cloud"):
        wait = (done[f"{stage}.start_s"] - done[f"{stage}.arrive_s"]).mean()
        service = (done[f"{stage}.done_s"] - done[f"{stage}.start_s"]).mean()
        assert stages[stage]["mean_wait_s"] == pytest.approx(wait, rel=1e-9, abs=1e-15)
        assert stages[stage]["mean_service_s"] == pytest.approx(service, rel=1e-9)
    all_done = table[table.state == "done"]
    per_bin = np.bincount((all_done.end_s // 1.0).astype(int), minlength=60)[:60]
    timeline = streamed.timeline
    assert timeline["completed"].to_numpy().tolist() == per_bin.tolist()
    created = np.bincount((table.created_s // 1.0).astype(int), minlength=60)[:60]
    assert timeline["created"].to_numpy().tolist() == created.tolist()
    assert (
        int(streamed.histogram["requests"].sum())
        == streamed.summary["workloads"]["ref"]["completed"]
    )


def test_the_piece_size_changes_nothing() -> None:
    scenario = load_scenario(SCENARIOS / "smart_city.yaml")
    small = stream(scenario, until=40.0, seed=2, piece_requests=3000).summary
    large = stream(scenario, until=40.0, seed=2, piece_requests=10**7).summary
    assert_same(small, large)


def assert_same(a: object, b: object, where: str = "summary") -> None:
    """Equal structure and values; floats to 1e-12 (sums in another order round otherwise)."""
    if isinstance(a, dict) and isinstance(b, dict):
        assert a.keys() == b.keys(), where
        for key in a:
            assert_same(a[key], b[key], f"{where}.{key}")
    elif isinstance(a, float) and isinstance(b, float):
        assert a == pytest.approx(b, rel=1e-12, abs=1e-18), where
    else:
        assert a == b, where


def test_a_scenario_the_fast_plane_does_not_cover_is_refused_in_one_sentence() -> None:
    scenario = load_scenario(SCENARIOS / "factory_floor.yaml")
    with pytest.raises(RunArgumentError, match="schedules failures") as caught:
        stream(scenario, until=10.0)
    assert "drop --stream" in str(caught.value)


def test_cli_stream_writes_the_aggregates(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "city"
    code = main(
        ["run", str(SCENARIOS / "smart_city.yaml"), "--stream", "--until", "30", "--out", str(out)]
    )
    assert code == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["engine"] == {
        "plane": "fast",
        "reason": "the scenario uses only what the fast plane covers",
        "mode": "streaming",
    }
    timeline = pd.read_parquet(out / "timeline.parquet")
    assert set(timeline.workload) == set(summary["workloads"])
    assert len(pd.read_parquet(out / "latency_histogram.parquet")) > 0
    printed = capsys.readouterr().out
    assert "engine: the fast plane" in printed and "traffic-north" in printed

    code = main(["run", str(SCENARIOS / "factory_floor.yaml"), "--stream", "--out", str(out)])
    assert code == 2
    assert "needs the fast plane" in capsys.readouterr().out
