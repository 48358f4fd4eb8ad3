"""The engine: runs, steps, flows, accounting. (Queueing theory: tests/workbench/sim/.)"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest

from tests.conftest import ROOT
from workbench import Simulation, simulate
from workbench.errors import ScenarioError
from workbench.scenario import Flow, Scenario

sys.path.insert(0, str(ROOT / "benchmarks"))
from reference import reference_scenario


def test_factory_runs_and_summarises(factory: Scenario) -> None:
    summary = simulate(factory, until=60, seed=3).summary()
    assert summary["version"] == 1 and summary["seed"] == 3
    bearing = summary["workloads"]["bearing-wear"]
    assert bearing["completed"] == pytest.approx(40 * 50, rel=0.1)  # 40 sensors, 1 Hz, 50 s
    assert 0.005 < bearing["latency_mean_s"] < 0.010
    assert bearing["latency_p50_s"] <= bearing["latency_p95_s"] <= bearing["latency_p99_s"]
    edge = summary["boundaries"]["far_edge|aggregation_edge"]
    assert edge["saving_percent"] > 99  # cameras and sensors send results, not raw data


def test_stepping_gives_the_same_run_as_one_go(factory: Scenario) -> None:
    whole = simulate(factory, until=40, seed=7, engine="reference").requests  # as steps run
    sim = Simulation(factory, until=40, seed=7)
    seen = []
    for t in np.linspace(2.5, 40, 15):
        report = sim.advance(to=float(t))
        assert (report.completed["end_s"] > report.start_s).all()
        assert (report.completed["end_s"] <= report.end_s).all()
        seen.append(report.completed)
    stepped = sim.results().requests
    pd.testing.assert_frame_equal(whole, stepped)
    reported = pd.concat(seen)
    assert len(reported) == int((whole["state"] == "done").sum())


def test_results_mid_run_hide_the_future(factory: Scenario) -> None:
    sim = Simulation(factory, until=60, seed=1)
    sim.advance(to=20)
    table = sim.results().requests
    assert table["created_s"].max() <= 20
    assert (table["end_s"].dropna() <= 20).all()
    assert (table.filter(like=".done_s").stack().dropna() <= 20).all()
    assert sim.now == 20 and not sim.done


def test_forward_share_serves_the_rest_locally() -> None:
    result = simulate(reference_scenario(100), until=120, seed=2)
    summary = result.summary()["workloads"]["ref"]
    assert summary["served_locally_share"] == pytest.approx(0.9, abs=0.01)
    done = result.requests[result.requests["state"] == "done"]
    assert set(done.loc[done["local"], "served_at"]) == {"gateways"}


def test_bytes_per_request_add_up_to_link_bytes() -> None:
    result = simulate(reference_scenario(100), until=60, seed=2)
    done = result.requests[result.requests["state"] == "done"]
    local = done[done["local"]]
    assert (local["bytes"] == 10_000).all()
    assert (done.loc[~done["local"], "bytes"] == 11_000).all()
    link_bytes = result.links["bytes"].sum()
    assert link_bytes == pytest.approx(result.requests["bytes"].sum(), rel=0.01)


def test_same_seed_same_run_other_seed_other_run(factory: Scenario) -> None:
    a = simulate(factory, until=20, seed=5).requests
    b = simulate(factory, until=20, seed=5).requests
    c = simulate(factory, until=20, seed=6).requests
    pd.testing.assert_frame_equal(a, b)
    assert not a["created_s"].equals(c["created_s"])


def test_a_model_push_flows_down_and_is_counted(factory: Scenario) -> None:
    factory.flows.append(
        Flow(id="rollout", origin="cloud", targets=["cameras"], size_bytes=25e6, start_s=5.0)
    )
    result = simulate(factory, until=30, seed=1)
    flows = result.flows
    assert len(flows) == 8  # one copy per camera
    assert (flows["bytes"] == 25e6).all()
    # WAN 100 Mbit/s (2 s), campus LAN 10 Gbit/s, camera LAN 1 Gbit/s: store and forward.
    expected = 25e6 * 8 * (1 / 100e6 + 1 / 10e9 + 1 / 1e9) + 0.015 + 0.0001 + 0.0005
    first = flows["end_s"].min() - 5.0
    assert first == pytest.approx(expected, rel=0.01)
    # Eight copies queue on the one WAN link: the last arrives about 8 x 2 s after the first.
    assert flows["end_s"].max() - 5.0 == pytest.approx(expected + 7 * 2.0, rel=0.02)
    wan = result.links[(result.links["link"] == "wan") & (result.links["direction"] == "down")]
    assert wan["bytes"].sum() == pytest.approx(8 * 25e6, rel=1e-3)  # + fleet results going down
    summary = result.summary()["boundaries"]["on_prem|telco_edge"]
    assert summary["down_bytes_per_s"] > 0


def test_trace_arrivals_follow_the_trace(factory: Scenario) -> None:
    workload = factory.workload("fleet-analytics")
    workload.source = workload.source.model_copy(update={"arrival": "trace", "trace": [1, 2, 3.5]})
    table = simulate(factory, until=10, seed=1).requests
    mine = table[table["workload"] == "fleet-analytics"]
    assert len(mine) == 3 * 40
    assert sorted(set(mine["created_s"])) == [1.0, 2.0, 3.5]


def test_an_invalid_scenario_is_refused_with_its_problems(factory: Scenario) -> None:
    factory.placement["bearing-wear.twin"] = "cloud"
    with pytest.raises(ScenarioError, match="may not go above the on-premises datacentre"):
        Simulation(factory)


def test_results_before_the_first_step_have_every_column(factory: Scenario) -> None:
    results = Simulation(factory, until=10).results()
    assert {"state", "outcome", "latency_s", "detect.done_s"} <= set(results.requests.columns)
    assert list(results.timeline(1).columns) == [
        "t_s",
        "primary",
        "fallback",
        "dropped",
        "buffered",
    ]
