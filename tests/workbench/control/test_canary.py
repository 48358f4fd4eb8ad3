"""The canary catches a worse model and lets an equal or better one through.

Over 20 seeds each (the README reports 200): labels are given for every request after 1 s so
the runs are short; which requests are labelled does not depend on whether they were right, so
the test sees the same evidence as with the scenario's 25 % after 10 s, only sooner.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from workbench.control import non_inferiority, power
from workbench.control.decisions import restricted_mle
from workbench.scenario import Labels, Scenario
from workbench.sim import Simulation

from .conftest import inspection_only

SEEDS = range(20)


def _canary(accuracy: float | None = None) -> Scenario:
    s = inspection_only()
    (workload,) = s.workloads
    s.workloads = [workload.model_copy(update={"labels": Labels(share=1.0, delay_s=1.0)})]
    if accuracy is not None:
        s.model_versions = [
            v.model_copy(update={"accuracy": accuracy}) if v.id == "defect-v2" else v
            for v in s.model_versions
        ]
    return s


def _decisions(s: Scenario) -> list[str]:
    out = []
    for seed in SEEDS:
        sim = Simulation(s, until=90, seed=seed)
        result = sim.run()
        out.append(result.rollouts().iloc[0]["decision"])
    return out


def test_bad_model_is_rolled_back() -> None:
    decisions = _decisions(_canary())
    assert decisions.count("rolled_back") >= 19, decisions


@pytest.mark.parametrize("accuracy", [0.95, 0.97])
def test_equal_or_better_model_is_promoted(accuracy: float) -> None:
    decisions = _decisions(_canary(accuracy))
    assert decisions.count("promoted") >= 19, decisions


def test_decision_event_and_what_follows() -> None:
    sim = Simulation(_canary(), until=90, seed=1)
    result = sim.run()
    (row,) = result.decisions().itertuples()
    assert row.decision == "rolled_back"
    assert row.n_new == 500 and row.n_old >= 500
    assert row.statistic < row.threshold == pytest.approx(1.6448536)
    events = result.events
    (detail,) = events.loc[events["kind"] == "decision", "detail"]
    assert detail.startswith("rolled_back: old 0.9")
    # v1 serves everything again, v2 left the gateway's store
    assert sim.node_versions() == {"line-gw": "defect-v1"}
    slot = sim.control.book.slot("line-gw", 0, "resnet50")
    assert [sim.control.book.versions[v].id for v in slot.installed] == ["defect-v1"]
    timeline = result.version_timeline()
    canary = timeline[timeline["version"] == "defect-v2"]
    assert canary["share"].tolist() == [pytest.approx(0.1)]
    assert canary["end_s"].iloc[0] == pytest.approx(row.t_s)
    served = result.requests
    after = served[(served["created_s"] > row.t_s + 1) & (served["outcome"] == "primary")]
    assert (after["version"] == "defect-v1").all()


def test_promoted_version_replaces_the_old() -> None:
    sim = Simulation(_canary(0.97), until=90, seed=1)
    result = sim.run()
    assert result.rollouts().iloc[0]["decision"] == "promoted"
    assert sim.node_versions() == {"line-gw": "defect-v2"}
    assert result.summary()["versions"]["line-gw"] == {"version": "defect-v2", "switches": 1}


def test_restricted_mle_maximises_the_likelihood_under_h0() -> None:
    n_old, right_old, n_new, right_new, margin = 4724, 4459, 500, 412, 0.05
    p_old, p_new = restricted_mle(n_old, right_old, n_new, right_new, margin)
    assert p_new == pytest.approx(p_old - margin)
    grid = np.linspace(margin + 1e-6, 1 - 1e-6, 200_001)
    loglik = (
        right_new * np.log(grid - margin)
        + (n_new - right_new) * np.log(1 - grid + margin)
        + right_old * np.log(grid)
        + (n_old - right_old) * np.log(1 - grid)
    )
    assert p_old == pytest.approx(grid[loglik.argmax()], abs=1e-5)


def test_non_inferiority_by_hand() -> None:
    promote, e = non_inferiority(1000, 950, 500, 425, alpha=0.05, margin=0.05)
    q_old, q_new = restricted_mle(1000, 950, 500, 425, 0.05)
    se = math.sqrt(q_old * (1 - q_old) / 1000 + q_new * (1 - q_new) / 500)
    assert e.statistic == pytest.approx((0.85 - 0.95 + 0.05) / se)
    assert not promote and e.accuracy_new == 0.85 and e.accuracy_old == 0.95
    promote, e = non_inferiority(1000, 950, 500, 475, alpha=0.05, margin=0.05)
    assert promote and e.statistic > e.threshold
    promote, e = non_inferiority(1000, 1000, 500, 500, alpha=0.05, margin=0.05)
    assert promote and math.isfinite(e.statistic)  # all right in both: still a finite error


def test_power_at_the_defaults() -> None:
    """The design figures the README quotes (normal approximation, 500 labels per arm)."""
    assert power(0.95, 0.95, 500, 0.05, 0.05) > 0.97
    assert power(0.95, 0.85, 500, 0.05, 0.05) < 1e-4
    assert power(0.95, 0.90, 500, 0.05, 0.05) == pytest.approx(0.05, abs=1e-3)
