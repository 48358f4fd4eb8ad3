"""Overriding the schedule: ``Simulation.override`` ends a scheduled outage now, and the run is
then the run of the same scenario whose outage ended at that time (before, an element the
schedule cut could not be brought back: ``restore`` refused it)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.workbench.test_conservation import WORLD, failure
from workbench.errors import ScenarioError
from workbench.loading import data_dir
from workbench.scenario import Failure, Scenario, load_scenario
from workbench.sim import Simulation, failures, simulate
from workbench.sim.results import Results

UNTIL = 200.0
LINE_GW_LINKS = ["cam-lan", "plant-lan", "vib-lan"]


@pytest.fixture(scope="module")
def factory() -> Scenario:
    scenario = load_scenario(data_dir() / "scenarios" / "factory_floor.yaml")
    scenario.failures = []
    return scenario


def _with(scenario: Scenario, *failures: Failure) -> Scenario:
    return scenario.model_copy(update={"failures": list(failures)})


def _assert_same_run(expected: Results, live: Results) -> None:
    pd.testing.assert_frame_equal(expected.requests, live.requests)
    pd.testing.assert_frame_equal(expected.links, live.links)
    pd.testing.assert_frame_equal(expected.drains, live.drains)
    assert expected.accounting() == live.accounting()


def reference(scenario: Scenario) -> Results:
    """The run in one go on the reference engine, which a run taken in steps (to override an
    outage) takes too: the same seed gives the same run, request by request."""
    return simulate(scenario, until=UNTIL, seed=1, engine="reference")


def _overridden(scenario: Scenario, element: str, at: float) -> tuple[Simulation, Results]:
    sim = Simulation(scenario, until=UNTIL, seed=1)
    sim.advance(to=at)
    sim.override(element)
    return sim, sim.run()


def test_an_overridden_link_outage_is_the_outage_that_ended_then(factory: Scenario) -> None:
    """The WAN cut 60 s to 150 s, overridden at 90 s, gives the run of a cut 60 s to 90 s."""
    expected = reference(_with(factory, Failure(link="wan", at_s=60, duration_s=30)))
    sim, live = _overridden(_with(factory, Failure(link="wan", at_s=60, duration_s=90)), "wan", 90)
    _assert_same_run(expected, live)
    assert len(live.drains) == 1  # the plant's store drained once, from 90 s
    assert live.drains["start_s"].iloc[0] == 90.0
    assert sim.plan.link_elements["wan"].down == 0


def test_an_overridden_node_outage_brings_its_links_back_with_it(factory: Scenario) -> None:
    expected = reference(_with(factory, Failure(node="line-gw", at_s=60, duration_s=30)))
    scheduled = _with(factory, Failure(node="line-gw", at_s=60, duration_s=100))
    sim = Simulation(scheduled, until=UNTIL, seed=1)
    sim.advance(to=90)
    assert sorted(sim.failed()) == sorted(["line-gw", *LINE_GW_LINKS])
    sim.override("line-gw")
    assert sim.failed() == []
    _assert_same_run(expected, sim.run())


def test_an_overridden_degradation_returns_the_link_to_nominal(factory: Scenario) -> None:
    slow = {"link": "wan", "kind": "degrade", "bandwidth_factor": 0.1, "extra_latency": 0.2}
    expected = reference(_with(factory, Failure.model_validate({**slow, "at": 60, "duration": 30})))
    scheduled = _with(factory, Failure.model_validate({**slow, "at": 60, "duration": 100}))
    sim = Simulation(scheduled, until=UNTIL, seed=1)
    sim.advance(to=90)
    channels = sim.plan.link_elements["wan"].channels
    assert all(c.bandwidth_bps < c.nominal[0] for c in channels)
    sim.override("wan")
    assert all((c.bandwidth_bps, c.latency_s) == c.nominal for c in channels)
    live = sim.run()
    _assert_same_run(expected, live)
    ends = live.events[live.events["kind"] == "degrade_end"]
    assert ends["t_s"].tolist() == [90.0]  # not again at the scheduled end, 160 s


def test_a_later_outage_of_the_same_element_still_happens(factory: Scenario) -> None:
    expected = reference(
        _with(
            factory,
            Failure(link="wan", at_s=40, duration_s=20),
            Failure(link="wan", at_s=120, duration_s=30),
        )
    )
    scheduled = _with(
        factory,
        Failure(link="wan", at_s=40, duration_s=50),
        Failure(link="wan", at_s=120, duration_s=30),
    )
    sim = Simulation(scheduled, until=UNTIL, seed=1)
    sim.advance(to=60)
    sim.override("wan")
    sim.advance(to=100)  # past the first outage's scheduled end: no second restore
    assert sim.plan.link_elements["wan"].down == 0
    sim.advance(to=121)
    assert sim.failed() == ["wan"]
    assert sim.plan.link_elements["wan"].down == 1
    sim.advance(to=151)
    assert sim.failed() == []
    _assert_same_run(expected, sim.run())


def test_the_override_is_logged_with_the_outage_it_cut_short(factory: Scenario) -> None:
    _sim, live = _overridden(
        _with(factory, Failure(id="wan-cut", link="wan", at_s=60, duration_s=90)), "wan", 90
    )
    events = live.events
    mine = events[events["element"] == "wan"][["t_s", "kind", "detail"]]
    assert mine.values.tolist() == [
        [60.0, "fail", "wan-cut"],
        [90.0, "override", "wan-cut (scheduled 60 s to 150 s) ended 60 s early"],
        [90.0, "restore", "override of wan-cut"],
    ]


def test_a_hand_failure_and_a_scheduled_outage_keep_their_own_counts(factory: Scenario) -> None:
    sim = Simulation(_with(factory, Failure(link="wan", at_s=60, duration_s=90)), until=UNTIL)
    sim.advance(to=70)
    sim.fail("wan")
    sim.override("wan")
    assert sim.failed() == ["wan"]  # still failed by hand
    assert [e[1] for e in sim.events if e[2] == "wan"] == ["fail", "override"]
    sim.advance(to=160)  # the outage's scheduled end changes nothing
    assert sim.failed() == ["wan"]
    sim.restore("wan")
    assert sim.failed() == []
    assert sim.plan.link_elements["wan"].down == 0


def test_override_explains_in_one_sentence_when_it_cannot(factory: Scenario) -> None:
    sim = Simulation(_with(factory, Failure(node="line-gw", at_s=60, duration_s=90)), until=UNTIL)
    sim.advance(to=10)
    with pytest.raises(ScenarioError, match=r"wan is not cut .* at t = 10 s; nothing to override"):
        sim.override("wan")
    sim.advance(to=70)
    with pytest.raises(
        ScenarioError,
        match=r"vib-lan is down because node line-gw is down in the scheduled outage .*"
        r"\(until t = 150 s\); restore line-gw to bring both back",
    ):
        sim.override("vib-lan")
    with pytest.raises(ScenarioError, match=r"schedule cut it, override\('line-gw'\) ends that"):
        sim.restore("line-gw")
    sim.fail("wan")
    with pytest.raises(ScenarioError, match="wan was failed by hand, not by the schedule"):
        sim.override("wan")
    assert sorted(sim.failed()) == sorted(["line-gw", "wan", *LINE_GW_LINKS])  # nothing changed


def test_a_tier_outage_is_overridden_node_by_node(factory: Scenario) -> None:
    sim = Simulation(_with(factory, Failure(tier="far_edge", at_s=60, duration_s=90)), until=UNTIL)
    sim.advance(to=70)
    assert sorted(sim.failed()) == ["cam-lan", "cameras", "vib-lan", "vib-sensors"]
    sim.override("vib-sensors")
    assert sorted(sim.failed()) == ["cam-lan", "cameras"]
    sim.override("cameras")
    assert sim.failed() == []
    sim.advance(to=UNTIL)
    elements = [*sim.plan.link_elements.values(), *sim.plan.node_elements.values()]
    assert [e.id for e in elements if e.down] == []


def test_a_link_between_two_cut_nodes_comes_back_with_the_second(factory: Scenario) -> None:
    plan = Simulation(factory, until=UNTIL).plan
    nodes, links = plan.node_elements, plan.link_elements
    held = {nodes["line-gw"], nodes["plant-dc"], links["plant-lan"], links["vib-lan"]}
    first = failures.released_by(plan, nodes["line-gw"], held)
    assert [e.id for e in first] == ["line-gw", "vib-lan"]  # plant-dc, at the far end, is held
    assert failures.released_by(plan, links["plant-lan"], held) == ()
    assert failures.holding_node(plan, links["plant-lan"], held) is nodes["line-gw"]
    held -= set(first)
    assert [e.id for e in failures.released_by(plan, nodes["plant-dc"], held)] == [
        "plant-dc",
        "plant-lan",
    ]


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)
@given(st.lists(failure, min_size=1, max_size=6), st.integers(0, 2**16), st.data())
def test_nothing_is_lost_and_counts_stay_right_after_overrides(
    failures: list[Failure], seed: int, data: st.DataObject
) -> None:
    """On random schedules, override what the schedule holds at some time: conservation holds
    and, at the end, every element is down exactly as often as outages still hold it."""
    until = 40.0
    sim = Simulation(WORLD.model_copy(update={"failures": failures}), until=until, seed=seed)
    first = failures[0]  # override while it lasts (times up to 40 s)
    assert first.at_s is not None and first.duration_s is not None
    sim.advance(to=first.at_s + first.duration_s * data.draw(st.floats(0.1, 0.9)))
    cut = [e for e in [*sim.plan.link_elements, *sim.plan.node_elements] if sim.held_by_schedule(e)]
    for element in cut:
        if sim.held_by_schedule(element) and not data.draw(st.booleans()):  # simplest: all
            try:
                sim.override(element)
            except ScenarioError as exc:
                assert "to bring both back" in str(exc)  # a link that comes back with its node
    result = sim.run()
    for run in sim.workloads:
        acc = result.accounting()[run.plan.workload.id]
        assert acc["generated"] == sum(acc["outcomes"].values()) == run.n
        kept = acc["bytes_received"] + acc["bytes_dropped"] + acc["bytes_held"]
        assert np.isclose(acc["bytes_sent"], kept, rtol=1e-9, atol=1e-6)
    for store in sim.plan.stores.values():
        assert np.isclose(store.used_bytes, sum(e.size for e in store.queue if e.alive))
    for element in [*sim.plan.link_elements.values(), *sim.plan.node_elements.values()]:
        holding = sim.held_by_schedule(element.id)
        assert element.down == sum(o.kind == "down" for o in holding), element.id
        assert len(element.degradations) == sum(o.kind == "degrade" for o in holding)
        assert all(c.in_service == element.up for c in element.channels)


def test_an_override_is_an_event_of_the_element_in_the_summary_and_the_report(
    factory: Scenario,
) -> None:
    """The override sits with the failures and restores (summary.json's ``failures``, the
    report's outage table), not among the events of single requests."""
    from workbench.report import _events_section

    _, live = _overridden(_with(factory, Failure(link="wan", at_s=60, duration_s=90)), "wan", 90)
    kinds = [f["kind"] for f in live.summary()["failures"]]
    assert kinds == ["fail", "override", "restore"]
    html = _events_section(live)
    single = html.split("Events of single requests", 1)[1] if "single requests" in html else ""
    assert "override" not in single
