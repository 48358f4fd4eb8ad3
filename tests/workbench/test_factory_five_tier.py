"""factory_five_tier.yaml: the factory on all five tiers, with AGVs on 5G served from a MEC node
and a smaller, less accurate fallback on the vehicles while the 5G link is cut."""

from __future__ import annotations

from functools import cache

import pandas as pd

from workbench import simulate
from workbench.loading import data_dir
from workbench.scenario import Scenario, load_scenario
from workbench.sim.results import Results
from workbench.validation import validate_scenario

CUT_START_S, CUT_END_S = 240.0, 300.0  # the 5g-cut failure in the file
UNTIL_S = 330.0


@cache
def _scenario() -> Scenario:
    return load_scenario(data_dir() / "scenarios" / "factory_five_tier.yaml")


@cache
def _run() -> Results:
    return simulate(_scenario(), until=UNTIL_S, seed=1)


def test_it_validates_and_uses_all_five_tiers() -> None:
    scenario = _scenario()
    assert validate_scenario(scenario) == []
    tiers = {node.tier for node in scenario.nodes}
    assert tiers == {"far_edge", "aggregation_edge", "on_prem", "telco_edge", "cloud"}
    assert scenario.placement["agv-obstacles.classify"] == "mec"
    cut = next(f for f in scenario.failures if f.id == "5g-cut")
    assert cut.link == "agv-5g"


def test_the_fallback_is_smaller_and_less_accurate() -> None:
    scenario = _scenario()
    models = scenario.catalogue().models
    stage = next(w for w in scenario.workloads if w.id == "agv-obstacles").stages[0]
    assert stage.fallback is not None
    primary, fallback = models[stage.model], models[stage.fallback.model]
    assert fallback.size_bytes() < primary.size_bytes() / 4
    assert fallback.ops_per_inference < primary.ops_per_inference
    assert primary.accuracy is not None and fallback.accuracy is not None
    assert fallback.accuracy < primary.accuracy


def test_the_fallback_serves_during_the_cut_and_only_then() -> None:
    requests = _run().requests
    agv = requests[(requests["workload"] == "agv-obstacles") & (requests["state"] == "done")]
    during = agv[(agv["created_s"] >= CUT_START_S + 1) & (agv["created_s"] < CUT_END_S - 1)]
    outside = agv[(agv["created_s"] < CUT_START_S - 1) | (agv["created_s"] > CUT_END_S + 1)]
    assert len(during) > 1000
    assert (during["outcome"] == "fallback").all()
    # on board: no 5G hop, so faster than the primary's round trip to the MEC server
    assert during["latency_s"].mean() < outside["latency_s"].mean()
    assert (outside["outcome"] == "primary").all()


def test_effective_accuracy_is_the_cost_of_degraded_mode() -> None:
    scenario = _scenario()
    models = scenario.catalogue().models
    summary = _run().summary()["workloads"]["agv-obstacles"]
    primary, fallback = models["resnet50"], models["mobilenet_v2"]
    assert primary.accuracy is not None and fallback.accuracy is not None
    effective = summary["effective_accuracy"]
    assert isinstance(effective, float)
    assert fallback.accuracy < effective < primary.accuracy
    served = summary["served_primary"] + summary["served_fallback"]
    share = summary["served_fallback"] / served
    expected = (1 - share) * primary.accuracy + share * fallback.accuracy
    assert abs(effective - expected) < 1e-9
    assert summary["availability"] == 1.0
    assert summary["slo_violation_share"] == 0.0
    dropped = pd.Series(summary["dropped"])
    assert (dropped == 0).all()
