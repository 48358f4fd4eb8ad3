"""The event log says what happened to each request: a fallback is logged as a fallback, not
as a reroute (before, every fallback request was logged as ``reroute``)."""

from __future__ import annotations

import pandas as pd

from workbench.loading import data_dir
from workbench.scenario import load_scenario
from workbench.sim import simulate


def _requests(events: pd.DataFrame, kind: str, workload: str) -> set[int]:
    mine = events[(events["kind"] == kind) & (events["element"] == workload)]
    return {int(detail.split()[1]) for detail in mine["detail"]}


def test_fallbacks_are_logged_as_fallbacks() -> None:
    """The factory's WAN cut at 120 s: the fleet model falls back to the plant data centre."""
    scenario = load_scenario(data_dir() / "scenarios" / "factory_floor.yaml")
    result = simulate(scenario, until=200, seed=1)
    events = result.events
    table = result.requests
    checked = 0
    for workload in table["workload"].unique():
        mine = table[table["workload"] == workload]
        fell_back = set(mine.loc[mine["outcome"] == "fallback", "request"].astype(int))
        logged = _requests(events, "fallback", workload)
        assert logged == fell_back, workload
        assert not _requests(events, "reroute", workload) & fell_back, workload
        checked += len(fell_back)
    assert checked > 40
