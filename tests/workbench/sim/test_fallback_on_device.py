"""A fallback served on the devices: on the request's own device, and without waiting behind
requests the engine took ahead of their time.

The factory's visual inspection classifies in the cloud here; while the WAN is down each
camera's detection result comes back down to that camera, which runs the fallback model.
"""

from __future__ import annotations

from typing import Any

import pytest

from workbench.loading import data_dir
from workbench.scenario import Scenario, load_scenario
from workbench.sim import degraded, simulate
from workbench.sim.plan import FALLBACK


def _classify_in_the_cloud(fallback_model: str = "mobilenet_v3_large") -> Scenario:
    base = load_scenario(data_dir() / "scenarios" / "factory_floor.yaml")
    data = base.model_dump(by_alias=True, exclude_none=True)
    for workload in data["workloads"]:
        if workload["id"] == "visual-inspection":
            workload["stages"][1]["fallback"]["model"] = fallback_model
    data["placement"]["visual-inspection.classify"] = "cloud"
    return Scenario.model_validate(data)  # the WAN is cut from 120 s to 180 s


def test_a_fallback_on_the_device_does_not_wait_for_later_requests() -> None:
    """Before: the camera's server was booked up to 256 arrivals (about 2 s) ahead, and each
    fallback waited behind that: 1.03 s on average. Now: the way down plus the model."""
    result = simulate(_classify_in_the_cloud(), until=200, seed=1)
    requests = result.requests
    fallback = requests[
        (requests.workload == "visual-inspection") & (requests.outcome == "fallback")
    ]
    assert len(fallback) > 7000  # 8 cameras x 15 fps x 60 s
    assert fallback.latency_s.max() < 0.05
    waits = fallback["classify.start_s"] - fallback["classify.arrive_s"]
    assert waits.max() < 0.03  # behind at most a few of the camera's own detections


def test_each_request_falls_back_on_its_own_device(monkeypatch: pytest.MonkeyPatch) -> None:
    """Before: the way back down from the data centre led every request to camera 0."""
    served: list[tuple[int, int]] = []
    original = degraded.serve_fallback

    def spy(run: Any, req: int, server: Any, *args: Any) -> None:
        if run.plan.workload.id == "visual-inspection":
            instance = next(k[1] for k, v in run.sim.plan.servers.items() if v is server)
            served.append((int(run.device[req]), instance))
        original(run, req, server, *args)

    monkeypatch.setattr(degraded, "serve_fallback", spy)
    simulate(_classify_in_the_cloud(), until=130, seed=1, engine="reference")
    assert len(served) > 1000
    assert {device for device, _ in served} == set(range(8))
    assert all(device == instance for device, instance in served)


def test_each_request_falls_back_on_its_own_device_on_the_fast_plane() -> None:
    """The same on the fast plane, from the route each request took: its fallback step is on
    the camera (the node instance) that made it."""
    result = simulate(_classify_in_the_cloud(), until=130, seed=1)
    assert result.engine["plane"] == "fast"
    run = next(r for r in result.sim.workloads if r.plan.workload.id == "visual-inspection")
    served = [
        (int(run.device[req]), step[3])
        for req, route in run.taken.items()
        for step in route
        if step[0] == FALLBACK and run.via_fallback[req]
    ]
    assert len(served) > 1000
    assert {device for device, _ in served} == set(range(8))
    assert all(where == ("cameras", device) for device, where in served)


def test_links_that_labels_travel_are_not_taken_ahead_of_time() -> None:
    """Labels are sent up the cameras' links at run time: requests must meet them on those
    links in time order, so only the camera's own model (before the link) is taken at once."""
    from workbench.sim.engine import Simulation
    from workbench.sim.plan import SERVER

    scenario = load_scenario(data_dir() / "scenarios" / "factory_bad_rollout.yaml")
    data = scenario.model_dump(by_alias=True, exclude_none=True)
    # the labelled workload alone on the cameras' links, without a fallback on the cameras
    source = next(w for w in data["workloads"] if "labels" in w)["source"]["node"]
    data["workloads"] = [
        w for w in data["workloads"] if "labels" in w or w["source"]["node"] != source
    ]
    data["placement"] = {
        k: v for k, v in data["placement"].items() if k.split(".")[0] in
        {w["id"] for w in data["workloads"]}
    }  # fmt: skip
    for workload in data["workloads"]:
        for stage in workload["stages"]:
            stage.pop("fallback", None)
    plan = Simulation(Scenario.model_validate(data), until=10, seed=1).plan
    labelled = next(w for w in plan.workloads if w.workload.labels is not None)
    for route, prefix in zip(labelled.routes, labelled.prefixes, strict=True):
        assert prefix >= 1 and all(kind == SERVER for kind, *_ in route[:prefix])
        assert route[prefix][0] != SERVER  # stops at the first link
