"""The dashboard's tenant filter (issue 14): shown only for scenarios with tenants, it restricts
the latency figure (SLO lines included) to one tenant's workloads, keeps appending per frame,
and survives Reset and Load."""

from __future__ import annotations

import numpy as np
import pytest

from widgets.dashboard import ALL_TENANTS, Dashboard
from widgets.workbench import Workbench
from workbench.scenario import Scenario, load_scenario
from workbench.sim import Simulation

from ..conftest import SCENARIOS

CITY = ["traffic-north", "pedestrian-safety"]
MALL = ["footfall"]


@pytest.fixture
def tenants() -> Scenario:
    return load_scenario(SCENARIOS / "smart_city_tenants.yaml")


def _run(dash: Dashboard, sim: Simulation, *, by: float, to: float) -> None:
    while not sim.done and sim.now < to - 1e-9:
        dash.extend(sim.advance(by=min(by, to - sim.now)), sim)


def _with_data(dash: Dashboard) -> list[str]:
    """Workloads whose latency traces (not the SLO line) have at least one point."""
    return sorted(
        {
            t.meta["workload"]
            for t in dash.latency.data
            if not t.name.endswith("SLO") and np.isfinite(np.asarray(t.y, dtype=float)).any()
        }
    )


def _slo_lines(dash: Dashboard) -> list[str]:
    return [t.meta["workload"] for t in dash.latency.data if t.name.endswith("SLO")]


def test_the_filter_is_absent_without_tenants(factory: Scenario) -> None:
    dash = Dashboard(factory, until_s=60)
    assert dash.tenant_filter not in _descendants(dash.widget)
    assert dash.tenant == ALL_TENANTS
    assert dash.shown == [w.id for w in factory.workloads[: dash.max_workloads]]
    assert all(t.meta["tenant"] == "" for t in dash.latency.data)


def test_the_filter_lists_the_tenants_and_restricts_latency_and_slo(tenants: Scenario) -> None:
    dash = Dashboard(tenants, until_s=60)
    assert dash.tenant_filter in _descendants(dash.widget)
    assert [v for _, v in dash.tenant_filter.options] == [ALL_TENANTS, "city", "mall"]
    sim = Simulation(tenants, until=60, seed=1)
    _run(dash, sim, by=1.0, to=30)
    assert _with_data(dash) == sorted(CITY + MALL)
    before = dash.messages
    dash.tenant_filter.value = "mall"
    assert dash.messages == before  # a change of tenant redraws whole, once (no patch)
    assert dash.shown == MALL
    assert _with_data(dash) == MALL and _slo_lines(dash) == MALL
    assert {t.meta["tenant"] for t in dash.latency.data} == {"mall"}
    assert dash.latency.layout.title.text.endswith(", tenant mall")
    assert dash.bandwidth.layout.title.text.endswith("(all tenants)")
    assert dash.latency.layout.xaxis.title.text == "simulated time (s)"
    assert dash.latency.layout.yaxis.title.text == "latency"
    dash.tenant_filter.value = "city"
    assert _with_data(dash) == sorted(CITY) and _slo_lines(dash) == CITY
    dash.tenant_filter.value = ALL_TENANTS
    assert _with_data(dash) == sorted(CITY + MALL)
    assert not dash.bandwidth.layout.title.text.endswith("(all tenants)")


def test_after_a_change_of_tenant_frames_append_and_match_a_full_redraw(
    tenants: Scenario,
) -> None:
    sim = Simulation(tenants, until=60, seed=2)
    live = Dashboard(tenants, until_s=60)
    _run(live, sim, by=1.0, to=20)
    live.tenant_filter.value = "mall"
    shown = live.grid.state["seq"]
    sent: list[dict] = []
    live.grid.send = lambda content, buffers=None: sent.append(content)  # type: ignore[method-assign]
    _run(live, sim, by=1.0, to=60)
    assert live.grid.state["seq"] == shown  # no whole-state resend per frame
    latency = [c for m in sent for c in m["changes"] if c["figure"] == 0 and "append" in c]
    # one bin per frame (the last frame also closes the run's last bin)
    assert latency and all(len(c["append"]["x"]) == 1 for c in latency[:-3])
    assert {c["trace"] for c in latency} == {0, 1, 2}  # p50, p99, p95 of footfall only
    whole = Dashboard.from_results(sim.results())
    whole.tenant_filter.value = "mall"
    for part in ("p50", "p95", "p99"):
        np.testing.assert_allclose(
            np.asarray(live.latency_trace("footfall", part).y, dtype=float),
            np.asarray(whole.latency_trace("footfall", part).y, dtype=float),
        )


def test_reset_clears_the_traces_and_load_repopulates_the_filter(
    tenants: Scenario, factory: Scenario
) -> None:
    dash = Dashboard(tenants, until_s=60)
    dash.tenant_filter.value = "mall"
    _run(dash, Simulation(tenants, until=60, seed=1), by=2.0, to=20)
    assert _with_data(dash) == MALL
    dash.reset(tenants, until_s=60)  # a new run of the same scenario: the tenant stays
    assert dash.tenant == "mall" and dash.tenant_filter.value == "mall"
    assert _with_data(dash) == [] and _slo_lines(dash) == MALL
    dash.reset(factory, until_s=60)  # a scenario without tenants: no filter, every workload
    assert dash.tenant == ALL_TENANTS and dash.tenant_filter not in _descendants(dash.widget)
    assert dash.shown == [w.id for w in factory.workloads[: dash.max_workloads]]
    assert not dash.bandwidth.layout.title.text.endswith("(all tenants)")
    dash.reset(tenants, until_s=60)  # and back: listed again, from "All tenants"
    assert dash.tenant_filter in _descendants(dash.widget)
    assert dash.tenant_filter.value == ALL_TENANTS and dash.shown == CITY + MALL
    renamed = tenants.model_copy(deep=True)
    renamed.tenants = [renamed.tenants[0]]  # a scenario declaring only the city
    dash.tenant_filter.value = "city"
    dash.reset(renamed, until_s=60)
    assert [v for _, v in dash.tenant_filter.options] == [ALL_TENANTS, "city"]
    assert dash.tenant == "city"


def test_the_workbench_keeps_the_filter_through_play_and_reset_and_clears_it_on_load(
    tenants: Scenario,
) -> None:
    wb = Workbench(tenants, until=30)
    dash = wb.dashboard
    dash.tenant_filter.value = "mall"
    wb.controls.step(by=10)  # the first step starts the run (and resets the dashboard)
    assert dash.tenant == "mall" and _with_data(dash) == MALL
    wb.controls.reset()
    assert dash.tenant == "mall" and _with_data(dash) == []
    wb.controls.load(str(SCENARIOS / "factory_floor.yaml"))
    assert dash.tenant == ALL_TENANTS
    assert dash.tenant_filter not in _descendants(dash.widget)


def _descendants(widget: object) -> list[object]:
    children = list(getattr(widget, "children", ()))
    return children + [d for c in children for d in _descendants(c)]
