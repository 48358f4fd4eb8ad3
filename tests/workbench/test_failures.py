"""Failures and degraded mode: fallbacks, store and forward, drains, reroutes, drops."""

from __future__ import annotations

import pytest

from tests.conftest import SCENARIOS
from workbench import Simulation, simulate
from workbench.builders import hierarchy
from workbench.errors import ScenarioError
from workbench.scenario import Failure, Scenario, Workload, load_scenario
from workbench.topology import Topology


def _conserved(result: object) -> None:
    """Every request is in exactly one state; every byte is received, dropped or held."""
    for workload, acc in result.accounting().items():  # type: ignore[attr-defined]
        assert acc["generated"] == sum(acc["outcomes"].values()), workload
        total = acc["bytes_received"] + acc["bytes_dropped"] + acc["bytes_held"]
        assert acc["bytes_sent"] == pytest.approx(total, rel=1e-9, abs=1e-6), workload


def test_wan_cut_falls_back_buffers_and_drains(factory: Scenario) -> None:
    result = simulate(factory, until=300, seed=1)
    summary = result.summary()
    assert [f["kind"] for f in summary["failures"]] == ["fail", "restore"]
    fleet = summary["workloads"]["fleet-analytics"]
    assert fleet["served_fallback"] > 20  # one a minute from 40 sensors during 60 s
    upload = summary["workloads"]["defect-upload"]
    assert upload["buffered"] == 0 and upload["dropped"]["store_full"] == 0
    buffers = result.buffers
    peak = buffers.loc[buffers["node"] == "plant-dc", "bytes"].max()
    assert peak == pytest.approx(60 * 8 * 200e3, rel=0.05)  # a minute of 8 images/s of 200 kB
    (drain,) = summary["drains"]
    assert drain["link"] == "wan" and drain["finished"]
    # Backlog at half the WAN's 100 Mbit/s, while live uploads also use it.
    assert drain["drain_s"] == pytest.approx(drain["bytes"] * 8 / 50e6, rel=0.1)
    timeline = result.timeline(10)
    during = timeline[(timeline["t_s"] >= 120) & (timeline["t_s"] < 180)]
    assert during["buffered"].is_monotonic_increasing and during["buffered"].iloc[-1] > 400
    _conserved(result)


def test_fallback_requests_record_where_they_were_served(factory: Scenario) -> None:
    table = simulate(factory, until=200, seed=1).requests
    fallback = table[table["outcome"] == "fallback"]
    assert set(fallback["workload"]) == {"fleet-analytics"}
    assert set(fallback["fallback_at"]) == {"plant-dc"}
    # served_at names the node that really served them, not the planned (cloud) one.
    assert set(fallback["served_at"].astype(str)) == {"plant-dc"}
    primary = table[(table["outcome"] == "primary") & (table["workload"] == "fleet-analytics")]
    assert set(primary["served_at"].astype(str)) == {"cloud"}
    summary = simulate(factory, until=200, seed=1).summary()["workloads"]["fleet-analytics"]
    assert summary["served_fallback"] == len(fallback)


def test_live_fail_and_restore_reach_the_engine(factory: Scenario) -> None:
    factory.failures = []
    sim = Simulation(factory, until=60, seed=1)
    sim.advance(to=10)
    sim.fail("wan")
    assert sim.failed() == ["wan"]
    sim.advance(to=25)
    sim.restore("wan")
    assert sim.failed() == []
    result = sim.run()
    events = result.events
    assert list(events.loc[events["kind"].isin(["fail", "restore"]), "t_s"]) == [10.0, 25.0]
    assert result.summary()["workloads"]["fleet-analytics"]["served_fallback"] > 0
    assert result.drains["finished"].all()
    _conserved(result)


def test_live_fail_of_a_typo_is_a_clear_error(factory: Scenario) -> None:
    sim = Simulation(factory, until=10)
    with pytest.raises(ScenarioError, match="no link or node 'wann'; did you mean 'wan'"):
        sim.fail("wann")
    with pytest.raises(ScenarioError, match="'wan' was not failed by hand"):
        sim.restore("wan")


def test_a_failed_gateway_holds_sensor_data_upstream(factory: Scenario) -> None:
    factory.failures = [Failure(node="line-gw", at_s=20, duration_s=10)]
    result = simulate(factory, until=60, seed=2)
    buffers = result.buffers
    assert set(buffers["node"]) >= {"vib-sensors", "cameras"}
    visual = result.summary()["workloads"]["visual-inspection"]
    # classify falls back to the camera's own model while the gateway is down
    assert visual["served_fallback"] > 0
    _conserved(result)


def test_full_store_drops_the_oldest_or_the_newest(factory: Scenario) -> None:
    factory.node("plant-dc").storage_bytes = 2e6  # ten images
    for policy in ("oldest", "newest"):
        upload = factory.workload("defect-upload")
        upload.degraded = upload.degraded.model_copy(update={"drop_policy": policy})
        result = simulate(factory, until=200, seed=1)
        table = result.requests
        dropped = table[(table["workload"] == "defect-upload") & (table["state"] == "dropped")]
        assert (dropped["outcome"] == "dropped_store_full").all() and len(dropped) > 400
        waited = table[
            (table["workload"] == "defect-upload")
            & (table["outcome"] == "primary")
            & (table["latency_s"] > 1)
        ]
        kept = waited["created_s"]
        if policy == "oldest":  # the ten kept are the last ten before the repair
            assert kept.min() > 175
        else:  # the ten kept are the first ten after the cut
            assert kept.max() < 125
        _conserved(result)


def test_deadline_drops_what_waited_too_long(factory: Scenario) -> None:
    upload = factory.workload("defect-upload")
    upload.degraded = upload.degraded.model_copy(update={"deadline_s": 30.0})
    table = simulate(factory, until=200, seed=1).requests
    mine = table[table["workload"] == "defect-upload"]
    late = mine[mine["outcome"] == "dropped_deadline"]
    # Images from the cut's start until about 160 s: those are older than 30 s when the
    # backlog (a minute of images, drained in about 16 s) reaches them: ~40 s x 8 images/s.
    assert 300 < len(late) < 350
    assert late["created_s"].max() < 162


def test_reroute_uses_a_second_uplink() -> None:
    scenario = hierarchy(devices=20, devices_per_gateway=10, gateways_per_site=2, dual_homed=True)
    scenario.workloads.append(
        Workload.model_validate(
            {
                "id": "up",
                "source": {"node": "gw1", "kind": "vibration_3axis", "rate": 5, "input_size": 1e3},
                "slo": 1.0,
                "stages": [{"id": "s", "model": "resnet50", "output_size": 100}],
            }
        )
    )
    scenario.placement["up.s"] = "cloud"
    normal = [hop.link for hop in Topology(scenario).path("gw1", "cloud") or []]
    assert normal == ["gw1--site1-dc", "site1-dc--cloud"]  # the direct uplink is faster
    scenario.failures = [Failure(link="site1-dc--cloud", at_s=10, duration_s=20)]
    result = simulate(scenario, until=40, seed=1)
    table = result.requests
    assert (table["state"] == "done").sum() == len(table) - (table["state"] == "in_flight").sum()
    assert result.buffers.empty
    assert any(result.events["kind"] == "reroute")
    _conserved(result)


def test_degraded_link_is_slower_not_down(factory: Scenario) -> None:
    factory.failures = [
        Failure(link="wan", kind="degrade", bandwidth_factor=0.2, at_s=10, duration_s=20)
    ]
    result = simulate(factory, until=40, seed=1)
    table = result.requests
    upload = table[(table["workload"] == "defect-upload") & (table["state"] == "done")]
    before = upload[upload["created_s"] < 10]["latency_s"].mean()
    during = upload[(upload["created_s"] > 12) & (upload["created_s"] < 28)]["latency_s"].mean()
    assert during > 3 * before
    assert result.buffers.empty


def test_random_failures_come_from_the_seed() -> None:
    scenario = load_scenario(SCENARIOS / "factory_random_failures.yaml")
    a = Simulation(scenario, until=3600, seed=4).outages
    b = Simulation(scenario, until=3600, seed=4).outages
    c = Simulation(scenario, until=3600, seed=5).outages
    assert [(o.label, o.start_s) for o in a] == [(o.label, o.start_s) for o in b]
    assert [(o.label, o.start_s) for o in a] != [(o.label, o.start_s) for o in c]
    assert {o.label for o in a} >= {"wan-flaps"}


@pytest.mark.parametrize(
    ("failure", "path", "message"),
    [
        (
            {"link": "wann", "at": "1 s", "duration": "1 s"},
            "failures[0].link",
            "did you mean 'wan'",
        ),
        ({"node": "line-g", "at": "1 s", "duration": "1 s"}, "failures[0].node", "'line-gw'"),
        ({"site": "plant-b", "at": "1 s", "duration": "1 s"}, "failures[0].site", "plant-a"),
        ({"link": "wan", "at": "1 s", "duration": "-5 s"}, "failures[0].duration", "greater than"),
        (
            {"link": "wan", "node": "line-gw", "at": "1 s", "duration": "1 s"},
            "failures[0]",
            "one of",
        ),
        ({"link": "wan", "at": "1 s"}, "failures[0]", "needs both 'at' and 'duration'"),
        ({"link": "wan", "mtbf": "1 h", "at": "1 s", "duration": "1 s"}, "failures[0]", "either"),
    ],
)
def test_bad_failures_are_clear_errors(
    tmp_path: object, failure: dict[str, str], path: str, message: str
) -> None:
    import yaml

    from workbench.validation import validate_scenario

    base = SCENARIOS / "factory_floor.yaml"
    data = yaml.safe_load(base.read_text())
    data["failures"] = [failure]
    file = tmp_path / "bad.yaml"  # type: ignore[operator]
    file.write_text(yaml.safe_dump(data))
    with pytest.raises(ScenarioError) as info:
        load_scenario(file)
    lines = [p.render() for p in info.value.problems]
    assert any(line.startswith(f"{path}: ") and message in line for line in lines), lines
    del validate_scenario


def test_random_outages_do_not_depend_on_the_workloads() -> None:
    scenario = load_scenario(SCENARIOS / "factory_random_failures.yaml")
    fewer = scenario.model_copy(
        update={
            "workloads": scenario.workloads[:1],
            "placement": {k: v for k, v in scenario.placement.items() if k.startswith("bearing")},
        }
    )
    a = Simulation(scenario, until=1800, seed=4).outages
    b = Simulation(fewer, until=1800, seed=4).outages
    assert [(o.label, o.start_s) for o in a] == [(o.label, o.start_s) for o in b]
