"""Versions and right-or-wrong predictions: drawn from a stream of their own."""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.loading import data_dir
from workbench.scenario import ModelVersion, load_scenario
from workbench.sim import Simulation, simulate

from .conftest import bad_rollout

FACTORY = data_dir() / "scenarios" / "factory_floor.yaml"


def _with_versions() -> object:
    s = load_scenario(FACTORY)
    s.model_versions = [
        ModelVersion(id="v1", model="resnet50", version="1", size_bytes=98e6, accuracy=0.9)
    ]
    s.nodes = [
        n.model_copy(update={"versions": ["v1"]}) if n.id == "line-gw" else n for n in s.nodes
    ]
    return s


def test_versions_change_nothing_else() -> None:
    """Judging predictions draws from its own generator: every other column, link byte and
    event is what the same scenario gives without versions."""
    # Versions run on the reference engine: so does the plain run it is compared with.
    plain = simulate(load_scenario(FACTORY), until=60, seed=3, engine="reference")
    judged = simulate(_with_versions(), until=60, seed=3)  # type: ignore[arg-type]
    a, b = plain.requests, judged.requests
    assert "version" not in a.columns and "correct" not in a.columns
    pd.testing.assert_frame_equal(a, b[a.columns])
    pd.testing.assert_frame_equal(plain.links, judged.links)
    pd.testing.assert_frame_equal(plain.events, judged.events)
    assert "versions" not in plain.summary() and "rollouts" not in plain.summary()
    assert judged.summary()["versions"] == {"line-gw": {"version": "v1", "switches": 0}}


def test_served_requests_are_right_at_the_true_accuracy() -> None:
    result = simulate(_with_versions(), until=120, seed=5)  # type: ignore[arg-type]
    table = result.requests
    mine = table[(table["workload"] == "visual-inspection") & (table["outcome"] == "primary")]
    assert (mine["version"] == "v1").all()
    n, right = len(mine), int(mine["correct"].sum())
    # 0.9 within 4 standard errors
    assert abs(right / n - 0.9) < 4 * np.sqrt(0.9 * 0.1 / n)
    others = table[table["workload"] != "visual-inspection"]
    assert (others["version"] == "").all() and others["correct"].isna().all()


def test_fallback_uses_its_own_accuracy() -> None:
    """During the bad-rollout's... a gateway outage, frames are classified on the cameras by
    the fallback model, judged with the catalogue's accuracy of that model."""
    s = bad_rollout()
    s.rollouts = []
    s.failures = [s.failures[0].model_copy(update={"link": "cam-lan"})]
    result = simulate(s, until=300, seed=2)
    table = result.requests
    fallback = table[table["outcome"] == "fallback"]
    assert len(fallback) > 1000
    assert (fallback["version"] == "fallback:mobilenet_v3_large").all()
    accuracy = result.sim.catalogue.models["mobilenet_v3_large"].accuracy
    share = fallback["correct"].mean()
    assert abs(share - accuracy) < 4 * np.sqrt(accuracy * (1 - accuracy) / len(fallback))


def test_step_report_has_version_columns() -> None:
    sim = Simulation(_with_versions(), until=20, seed=1)  # type: ignore[arg-type]
    step = sim.advance(to=10)
    inspection = step.completed[step.completed["workload"] == "visual-inspection"]
    served = inspection[inspection["outcome"] == "primary"]
    assert len(served) and (served["version"] == "v1").all()
    assert served["correct"].notna().all()
    assert sim.node_versions() == {"line-gw": "v1"}
