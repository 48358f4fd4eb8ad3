"""Multi-card models: a model fits one card unless the stage shards it across the node's cards."""

from __future__ import annotations

from typing import Any

import pytest

from workbench.analytic import estimate
from workbench.catalogue import load_catalogue
from workbench.llm import llm_service_time_s
from workbench.scenario import Scenario
from workbench.sim.plan import build_plan
from workbench.validation import validate_scenario


def _scenario(**stage: Any) -> Scenario:
    """Ten phones ask an LLM on a telco MEC server with 2 x 24 GB L4 cards."""
    return Scenario.model_validate(
        {
            "name": "chat",
            "nodes": [
                {"id": "phones", "tier": "far_edge", "hardware": "apple_a17_pro", "count": 10},
                {"id": "mec", "tier": "telco_edge", "hardware": "mec_server_l4"},
            ],
            "links": [{"ends": ["phones", "mec"], "bandwidth": 50e6, "latency": 0.01}],
            "workloads": [
                {
                    "id": "chat",
                    "source": {
                        "node": "phones",
                        "kind": "vibration_3axis",
                        "rate": 0.001,
                        "input_size": 2000,
                    },
                    "slo": 60.0,
                    "sink": "phones",
                    "stages": [
                        {"id": "answer", "model": "llama3_70b", "output_size": 2000, **stage}
                    ],
                }
            ],
            "placement": {"chat.answer": "mec"},
            "simulation": {"until": 200.0},
        }
    )


def test_42_gb_model_on_two_24_gb_cards_is_refused_without_sharding() -> None:
    """Issue 10 item 4: it was accepted (42 GB < 48 GB on the node) and served by one card."""
    problems = validate_scenario(_scenario())
    assert len(problems) == 1
    problem = problems[0]
    assert problem.path == "placement.chat.answer"
    assert "does not fit mec" in problem.message
    assert "one card of mec_server_l4 holds 24 GB" in problem.message
    assert "'shards: 2'" in problem.message


def test_sharded_model_validates_and_serves_as_one_server_on_both_cards() -> None:
    scenario = _scenario(shards=2)
    assert validate_scenario(scenario) == []
    cat = load_catalogue()
    sharded = llm_service_time_s(cat.models["llama3_70b"], cat.hardware["mec_server_l4"], shards=2)
    one_card = llm_service_time_s(cat.models["llama3_70b"], cat.hardware["mec_server_l4"])
    # Twice the bandwidth, plus 12 ms of PCIe all-reduce per token: faster than one card would be.
    assert sharded < 0.75 * one_card
    plan = build_plan(scenario, until_s=10.0)
    mec = next(n for n in plan.nodes if n.id == "mec")
    assert mec.servers == 1  # two cards, one server
    assert plan.workloads[0].stages[0].service.mean_s == pytest.approx(sharded)
    est = estimate(scenario)
    assert est.workloads["chat"].compute_s == pytest.approx(sharded)
    # 10 phones x 0.001 /s x service time on one server
    assert est.node_utilisation["mec"] == pytest.approx(0.01 * sharded)


def test_more_shards_than_cards_is_refused_with_the_limit() -> None:
    problems = validate_scenario(_scenario(shards=4))
    assert [p.path for p in problems] == ["workloads[0].stages[0].shards"]
    assert "has 2 card(s)" in problems[0].message and "at most shards: 2" in problems[0].message


def test_a_model_too_big_even_for_all_cards_says_so() -> None:
    problems = validate_scenario(_scenario(shards=2, precision="fp16"))  # 140 GB
    assert len(problems) == 1
    assert "does not fit mec on 2 cards" in problems[0].message
