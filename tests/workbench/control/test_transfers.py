"""Checkpoints go down the real links in paced chunks; a cut pauses them, nothing is lost."""

from __future__ import annotations

import numpy as np

from workbench.sim import Simulation, simulate

from .conftest import bad_rollout, inspection_only

SIZE = 98e6


def _down_bytes(result: object, link: str) -> float:
    links = result.links  # type: ignore[attr-defined]
    mine = links[(links["link"] == link) & (links["direction"] == "down")]
    return float(mine["bytes"].sum())


def test_bytes_down_equal_size_times_nodes_per_boundary() -> None:
    s = inspection_only(strategy="all_at_once", targets={"nodes": ["line-gw", "cameras"]})
    s.nodes = [
        n.model_copy(update={"versions": ["defect-v1"]}) if n.id == "cameras" else n
        for n in s.nodes
    ]
    result = simulate(s, until=200, seed=1)
    row = result.summary()["rollouts"]["defect-v2-canary"]
    assert row["decision"] == "completed"
    reached = 1 + 8  # the gateway and each of the 8 cameras get their own copy
    assert row["nodes_reached"] == 2
    by = row["bytes_down_by_boundary"]
    assert by["far_edge|aggregation_edge"] == SIZE * 8
    assert by["aggregation_edge|on_prem"] == SIZE * reached
    assert by["telco_edge|cloud"] == SIZE * reached
    transfers = result.transfers()
    assert (transfers["bytes"] == SIZE).all() and (transfers["state"] == "done").all()
    # Nothing else goes down these links in this scenario: the links table shows exactly it.
    assert np.isclose(_down_bytes(result, "wan"), SIZE * reached, rtol=1e-12)
    assert np.isclose(_down_bytes(result, "cam-lan"), SIZE * 8, rtol=1e-12)
    assert result.summary()["versions"]["cameras"] == {"version": "defect-v2", "switches": 1}


def test_wan_cut_pauses_and_resumes_without_loss() -> None:
    s = bad_rollout()  # the checkpoint is on the WAN when it is cut (120-180 s)
    sim = Simulation(s, until=600, seed=1)
    sim.advance(to=150)
    assert 0.3 < sim.rollout_progress()["defect-v2-canary"]["line-gw"] < 1
    paused = sim.rollout_progress()["defect-v2-canary"]["line-gw"]
    sim.advance(to=179)
    assert sim.rollout_progress()["defect-v2-canary"]["line-gw"] == paused  # nothing moves
    result = sim.run()
    transfer = result.transfers().iloc[0]
    assert transfer["pauses"] == 1 and transfer["state"] == "done"
    assert transfer["bytes"] == SIZE
    assert transfer["end_s"] > 180
    # resumed from the last byte: no byte sent twice on any link of the way
    sent = sim.control.rollouts[0].transfers[0].by_link
    names = {sim.plan.links[i].id: size for i, size in sent.items()}
    assert names == {"wan": SIZE, "plant-lan": SIZE}
    # the fleet model's results (cloud -> plant-dc) are the only other bytes down the WAN
    fleet = result.requests[result.requests["workload"] == "fleet-analytics"]
    other = fleet["outcome"].eq("primary").sum() * 2e3  # served in the cloud
    assert np.isclose(_down_bytes(result, "wan"), SIZE + other, rtol=1e-9)
    events = result.events
    assert (events["kind"] == "transfer_pause").sum() == 1
    assert (events["kind"] == "transfer_resume").sum() == 1


def test_restart_sends_again_from_the_first_byte() -> None:
    s = bad_rollout()
    s.rollouts = [s.rollouts[0].model_copy(update={"on_interrupt": "restart"})]
    sim = Simulation(s, until=600, seed=1)
    result = sim.run()
    transfer = result.transfers().iloc[0]
    assert transfer["bytes"] == SIZE and transfer["state"] == "done"
    by_link = sim.control.rollouts[0].transfers[0].by_link
    wan = by_link[next(i for i, info in enumerate(sim.plan.links) if info.id == "wan")]
    assert SIZE * 1.3 < wan < SIZE * 2  # the bytes sent before the cut were sent in vain
    assert result.rollouts().iloc[0]["bytes_down"] == wan


def test_transfer_shares_the_link_with_requests() -> None:
    """Paced at half of each link's time: the WAN leg of 98 MB at 100 Mbit/s takes about twice
    its 7.84 s transmission time."""
    s = inspection_only(strategy="all_at_once")
    result = simulate(s, until=60, seed=1)
    transfer = result.transfers().iloc[0]
    duration = transfer["end_s"] - transfer["start_s"]
    assert 2 * 7.84 * 0.95 < duration < 2 * 7.84 * 1.3
    assert np.isclose(result.rollouts().iloc[0]["bytes_down"], SIZE)
