"""Nothing is lost: on random failure schedules, every request ends in exactly one state and
every byte is received, dropped or held.

Runs ``HYPOTHESIS_EXAMPLES`` schedules (default 200 in CI; ``HYPOTHESIS_EXAMPLES=3000 pytest
tests/workbench/test_conservation.py`` for the long local run).
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.builders import hierarchy
from workbench.scenario import Failure, Flow, Labels, ModelVersion, Rollout, Scenario, Workload
from workbench.sim import Simulation

EXAMPLES = int(os.environ.get("HYPOTHESIS_EXAMPLES", "200"))


def small_world() -> Scenario:
    """Two device groups, two gateways, a site DC with two uplinks, MEC, cloud; three
    workloads with fallback, deadlines, both drop policies and no buffering; a model push."""
    s = hierarchy(
        devices=6,
        devices_per_gateway=3,
        gateways_per_site=2,
        group_devices=True,
        dual_homed=True,
        storage={"far_edge": 30e3, "aggregation_edge": 60e3, "on_prem": 200e3, "telco_edge": 1e6},
    )
    workloads = [
        {
            "id": "a",
            "source": {
                "node": "gw1-devices",
                "kind": "vibration_3axis",
                "rate": 5,
                "input_size": 2e3,
            },
            "slo": 1.0,
            "sink": "cloud",
            "degraded": {"deadline": 5.0, "drop_policy": "oldest"},
            "stages": [
                {
                    "id": "detect",
                    "model": "mobilenet_v2",
                    "output_size": 500,
                    "fallback": {"model": "tinyml_anomaly_ae"},
                },
                {"id": "correlate", "model": "resnet50", "output_size": 200, "forward": 0.5},
            ],
        },
        {
            "id": "b",
            "source": {
                "node": "gw2-devices",
                "kind": "vibration_3axis",
                "rate": 3,
                "input_size": 10e3,
            },
            "slo": 1.0,
            "degraded": {"drop_policy": "newest", "reroute": False},
            "stages": [{"id": "infer", "model": "resnet50", "output_size": 100}],
        },
        {
            "id": "c",
            "source": {
                "node": "gw2-devices",
                "kind": "vibration_3axis",
                "rate": 2,
                "arrival": "periodic",
                "input_size": 1e3,
            },
            "slo": 1.0,
            "sink": "site1-dc",
            "degraded": {"buffer": False},
            "stages": [{"id": "infer", "model": "mobilenet_v2", "output_size": 100}],
        },
    ]
    s.workloads = [Workload.model_validate(w) for w in workloads]
    s.placement = {
        "a.detect": "gw1",
        "a.correlate": "site1-dc",
        "b.infer": "cloud",
        "c.infer": "gw2",
    }
    s.flows = [
        Flow(id="push", origin="cloud", targets=["gw1"], size_bytes=2e6, start_s=5, every_s=10)
    ]
    return s


WORLD = small_world()
TARGETS = [("link", link.key) for link in WORLD.links] + [("node", n.id) for n in WORLD.nodes]

failure = st.builds(
    lambda target, at, duration, degrade, factor: Failure.model_validate(
        {
            target[0]: target[1],
            "at": at,
            "duration": duration,
            **(
                {"kind": "degrade", "bandwidth_factor": factor}
                if degrade and target[0] == "link"
                else {}
            ),
        }
    ),
    st.sampled_from([*TARGETS, ("site", "site1")]),
    st.floats(0, 25),
    st.floats(0.01, 15),
    st.booleans(),
    st.floats(0.05, 0.9),
)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)
@given(st.lists(failure, max_size=6), st.integers(0, 2**16), st.floats(5, 40))
def test_nothing_is_lost(failures: list[Failure], seed: int, until: float) -> None:
    scenario = WORLD.model_copy(update={"failures": failures})
    sim = Simulation(scenario, until=until, seed=seed)
    sim.advance(to=until / 2)
    result = sim.run()
    _nothing_lost(sim, result, until)


def _nothing_lost(sim: Simulation, result: Any, until: float) -> None:
    """Every request in one state; every byte received, dropped or held; stores consistent."""
    table = result.requests
    for run in sim.workloads:
        mine = table[table["workload"] == run.plan.workload.id]
        acc = result.accounting()[run.plan.workload.id]
        assert acc["generated"] == len(mine) == run.n
        assert acc["generated"] == sum(acc["outcomes"].values())
        held = acc["bytes_received"] + acc["bytes_dropped"] + acc["bytes_held"]
        assert np.isclose(acc["bytes_sent"], held, rtol=1e-9, atol=1e-6)
        carrying = np.frombuffer(run.carrying, dtype=float, count=run.n)
        decided = mine["state"].isin(["done", "dropped"]).to_numpy()
        end = np.frombuffer(run.end, dtype=float, count=run.n)
        assert (carrying[decided & (end <= until)] == 0).all()
        assert (carrying[(mine["state"] == "buffered").to_numpy()] > 0).all()
    for store in sim.plan.stores.values():
        waiting = sum(entry.size for entry in store.queue if entry.alive)
        assert np.isclose(store.used_bytes, waiting)
        assert store.used_bytes <= store.capacity_bytes + 1e-6


def with_rollouts() -> Scenario:
    """The small world with model versions on both gateways, labels going up from workload a,
    a canary to gw1 and a waves rollout to gw2 (which restarts after a cut)."""
    s = WORLD.model_copy(deep=True)
    s.model_versions = [
        ModelVersion(id="m1", model="mobilenet_v2", version="1", size_bytes=10e3, accuracy=0.9),
        ModelVersion(id="m2", model="mobilenet_v2", version="2", size_bytes=10e3, accuracy=0.8),
    ]
    s.nodes = [
        n.model_copy(update={"versions": ["m1"]}) if n.id in ("gw1", "gw2") else n for n in s.nodes
    ]
    s.workloads = [
        w.model_copy(update={"labels": Labels(share=0.5, delay_s=1.0)}) if w.id == "a" else w
        for w in s.workloads
    ]
    s.rollouts = [
        Rollout.model_validate(
            {
                "id": "canary",
                "version": "m2",
                "targets": {"nodes": ["gw1"]},
                "registry": "cloud",
                "at": 2.0,
                "strategy": "canary",
                "share": 0.5,
                "samples": 10,
                "swap_time": 0.5,
            }
        ),
        Rollout.model_validate(
            {
                "id": "waves",
                "version": "m2",
                "targets": {"nodes": ["gw2"]},
                "registry": "cloud",
                "at": 1.0,
                "strategy": "waves",
                "on_interrupt": "restart",
                "bandwidth_share": 0.1,
            }
        ),
    ]
    return s


ROLLOUT_WORLD = with_rollouts()


@settings(
    max_examples=max(EXAMPLES // 10, 10),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)
@given(st.lists(failure, max_size=6), st.integers(0, 2**16), st.floats(5, 40))
def test_nothing_is_lost_with_rollouts(failures: list[Failure], seed: int, until: float) -> None:
    """Checkpoints down and labels up share the links: requests are still conserved, every
    label is delivered or on its way, and a transfer never delivers more than its size."""
    scenario = ROLLOUT_WORLD.model_copy(update={"failures": failures})
    sim = Simulation(scenario, until=until, seed=seed)
    sim.advance(to=until / 2)
    result = sim.run()
    _nothing_lost(sim, result, until)
    labels = sim.control.labels
    waiting = sum(
        1 for c in sim.plan.channels.values() for e in c.backlog if e.alive and e.run is labels
    )
    assert labels.delivered <= labels.sent
    assert labels.sent - labels.delivered >= waiting
    for run in sim.control.rollouts:
        for transfer in run.transfers:
            assert transfer.delivered <= transfer.size_bytes
            if transfer.state == "done":
                assert transfer.delivered == transfer.size_bytes
            if not transfer.restart:  # resumed: no byte twice on any link
                assert all(
                    v <= transfer.size_bytes * (1 + 1e-12) for v in transfer.by_link.values()
                )
    table = result.requests
    judged = table[table["workload"] == "a"]
    assert judged.loc[judged["stages_done"] == 0, "correct"].isna().all()  # never predicted
