"""Waves, A/B tests and rollouts started live."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.scenario import Failure, Rollout
from workbench.sim import Simulation, simulate

from .conftest import bad_rollout, inspection_only


def _cameras_too(**rollout: object) -> object:
    s = inspection_only(targets={"nodes": ["cameras", "line-gw"]}, **rollout)
    s.nodes = [
        n.model_copy(update={"versions": ["defect-v1"]}) if n.id == "cameras" else n
        for n in s.nodes
    ]
    return s


def test_waves_top_down_with_a_limit_and_a_pause() -> None:
    s = _cameras_too(strategy="waves", by="tier", max_concurrent=3, pause_s=10.0)
    result = simulate(s, until=300, seed=1)  # type: ignore[arg-type]
    transfers = result.transfers()
    assert (transfers["state"] == "done").all() and len(transfers) == 9
    gateway = transfers[transfers["node"] == "line-gw"].iloc[0]
    cameras = transfers[transfers["node"] == "cameras"]
    events = result.events
    activated = events[(events["kind"] == "activate") & (events["element"] == "line-gw")]
    # the aggregation-edge wave first; the cameras' after its activation and the pause
    assert gateway["start_s"] == 0.0
    assert cameras["start_s"].min() == pytest.approx(activated["t_s"].iloc[0] + 10.0)
    # never more than 3 camera transfers at once
    times = np.sort(np.concatenate([cameras["start_s"], cameras["end_s"]]))
    for t in times:
        running = ((cameras["start_s"] <= t) & (cameras["end_s"] > t)).sum()
        assert running <= 3
    row = result.rollouts().iloc[0]
    assert row["decision"] == "completed" and row["nodes_reached"] == 2
    assert result.summary()["versions"]["cameras"]["version"] == "defect-v2"


def test_ab_splits_for_a_fixed_time_then_reports() -> None:
    s = inspection_only(strategy="ab", split=0.5, duration_s=60.0)
    sim = Simulation(s, until=150, seed=1)
    result = sim.run()
    (decision,) = result.decisions().itertuples()
    assert decision.decision == "completed"
    assert decision.n_old > 500 and decision.n_new > 500  # 25 % of 60 frames/s, 10 s late
    assert decision.accuracy_new == pytest.approx(0.85, abs=0.03)
    assert decision.accuracy_old == pytest.approx(0.95, abs=0.02)
    assert decision.statistic < -decision.threshold  # clearly worse, and reported so
    timeline = result.version_timeline()
    split = timeline[timeline["share"] < 1]
    assert sorted(split["share"].round(3)) == [0.5, 0.5]
    assert (split["end_s"] - split["start_s"]).iloc[0] == pytest.approx(60.0)
    assert sim.node_versions() == {"line-gw": "defect-v1"}  # the old version serves again
    assert result.rollouts().iloc[0]["decision"] == "completed"


def test_start_rollout_live() -> None:
    s = bad_rollout()
    s.rollouts = []
    s.failures = []
    sim = Simulation(s, until=120, seed=1)
    sim.advance(to=10)
    assert sim.node_versions() == {"line-gw": "defect-v1"}
    assert sim.rollout_progress() == {}
    push = Rollout.model_validate(
        {
            "id": "live",
            "version": "defect-v2",
            "targets": {"nodes": ["line-gw"]},
            "registry": "cloud",
        }
    )
    sim.start_rollout(push)
    sim.advance(to=15)
    assert 0 < sim.rollout_progress()["live"]["line-gw"] < 1
    step = sim.advance(to=60)
    assert sim.rollout_progress()["live"]["line-gw"] == 1.0
    assert sim.node_versions() == {"line-gw": "defect-v2"}
    served = step.completed[step.completed["outcome"] == "primary"]
    inspection = served[served["workload"] == "visual-inspection"]
    assert inspection["version"].iloc[-1] == "defect-v2"
    row = sim.results().rollouts().iloc[0]
    assert row["start_s"] == 10.0 and row["decision"] == "completed"


def test_cut_off_target_keeps_its_version_and_reconciles() -> None:
    """The cameras' LAN is down while the new version goes out: the gateway switches, the
    cameras keep serving v1 (their fallback stage runs on them) and get v2 when it returns."""
    s = _cameras_too(strategy="all_at_once")
    s.failures = [Failure.model_validate({"link": "cam-lan", "at": 1.0, "duration": 249.0})]
    sim = Simulation(s, until=300, seed=1)  # type: ignore[arg-type]
    sim.advance(to=200)  # 9 copies of 98 MB at half the WAN's 100 Mbit/s: about 141 s
    assert sim.node_versions() == {"line-gw": "defect-v2", "cameras": "defect-v1"}
    assert sim.rollout_progress()["defect-v2-canary"]["cameras"] < 1
    result = sim.run()
    assert sim.node_versions() == {"line-gw": "defect-v2", "cameras": "defect-v2"}
    cameras = result.transfers().query("node == 'cameras'")
    assert (cameras["pauses"] == 1).all() and (cameras["start_s"] == 0).all()
    assert (cameras["end_s"] > 250.0).all() and (cameras["bytes"] == 98e6).all()


def test_failing_a_link_by_hand_pauses_the_transfer() -> None:
    """What a click on a link in the workbench does during a rollout: the transfer stops at
    the link, and carries on from where it was when the link is restored."""
    s = inspection_only(strategy="all_at_once")
    sim = Simulation(s, until=120, seed=1)
    sim.advance(to=8)
    sim.fail("wan")
    sim.advance(to=9)
    held = sim.rollout_progress()["defect-v2-canary"]["line-gw"]
    sim.advance(to=40)
    assert 0 < sim.rollout_progress()["defect-v2-canary"]["line-gw"] == held < 1
    sim.restore("wan")
    result = sim.run()
    transfer = result.transfers().iloc[0]
    assert transfer["state"] == "done" and transfer["pauses"] == 1
    assert transfer["bytes"] == 98e6 and transfer["end_s"] > 40
    assert sim.node_versions() == {"line-gw": "defect-v2"}
