"""Nothing is lost with a learning loop: labels up, sample uploads and retrained rollouts share
the links with requests on random failure schedules (as tests/workbench/test_conservation.py)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.scenario import Drift, Failure, LearningLoop
from workbench.sim import Simulation

from ..test_conservation import EXAMPLES, ROLLOUT_WORLD, _nothing_lost, failure


def learning_world() -> object:
    s = ROLLOUT_WORLD.model_copy(deep=True)
    s.rollouts = []
    s.drift = [Drift.model_validate({"id": "d", "workload": "a", "at": 3.0, "accuracy_drop": 0.3})]
    s.learning = [
        LearningLoop.model_validate(
            {
                "id": "loop",
                "workload": "a",
                "detector": {"kind": "adwin", "params": {"clock": 1}},
                "retrain": {"node": "cloud", "samples": 20, "sample_size": 5e3, "epochs": 1},
                "rollout": {"strategy": "all_at_once", "swap_time": 0.5},
            }
        )
    ]
    return s


WORLD = learning_world()


@settings(
    max_examples=max(EXAMPLES // 10, 10),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)
@given(st.lists(failure, max_size=6), st.integers(0, 2**16), st.floats(5, 40))
def test_nothing_is_lost_with_a_learning_loop(
    failures: list[Failure], seed: int, until: float
) -> None:
    scenario = WORLD.model_copy(update={"failures": failures})  # type: ignore[attr-defined]
    sim = Simulation(scenario, until=until, seed=seed)
    sim.advance(to=until / 2)
    result = sim.run()
    _nothing_lost(sim, result, until)
    for loop in sim.control.learning.loops:
        for job in loop.jobs:
            if job.transfer is not None:
                assert job.transfer.delivered <= job.transfer.size_bytes
                assert job.transfer.sent <= job.transfer.size_bytes + 1e-6  # resume: once
    assert len(result.learning()) == sum(len(loop.episodes) for loop in sim.control.learning.loops)
