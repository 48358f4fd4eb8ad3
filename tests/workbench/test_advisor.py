"""The placement advisor: the three questions, the lowest feasible tier, the placement check."""

from __future__ import annotations

from workbench.advisor import StageAdvice, advice_table, advise
from workbench.scenario import Scenario


def _advice(scenario: Scenario, key: str) -> StageAdvice:
    return next(a for a in advise(scenario) if a.key == key)


def _verdict_reasons(advice: StageAdvice, tier: str) -> str:
    return "; ".join(next(v for v in advice.verdicts if v.tier == tier).reasons)


def test_factory_advice_follows_the_data_up(factory: Scenario) -> None:
    advice = {a.key: a for a in advise(factory)}
    assert advice["bearing-wear.detect"].advised_tier == "far_edge"
    assert advice["bearing-wear.detect"].advised_node == "vib-sensors"
    assert advice["bearing-wear.correlate"].advised_tier == "aggregation_edge"
    assert advice["visual-inspection.detect"].advised_node == "cameras"
    assert all(a.placed is not None and a.placed.feasible for a in advice.values())


def test_aggregating_stage_is_not_advised_onto_each_device(factory: Scenario) -> None:
    advice = _advice(factory, "bearing-wear.correlate")
    assert "aggregates all 40 devices" in _verdict_reasons(advice, "far_edge")


def test_question_latency_rejects_tiers_too_far_for_the_slo(factory: Scenario) -> None:
    factory.workload("visual-inspection").slo_s = 0.020
    factory.placement["visual-inspection.classify"] = "cloud"
    advice = _advice(factory, "visual-inspection.classify")
    assert "> SLO 20 ms" in _verdict_reasons(advice, "cloud")
    assert advice.placed is not None and not advice.placed.feasible
    assert "SLO" in "; ".join(advice.placed.reasons)
    assert advice.advised_tier == "far_edge"


def test_no_tier_meets_an_impossible_slo(factory: Scenario) -> None:
    factory.workload("bearing-wear").slo_s = 0.003
    advice = _advice(factory, "bearing-wear.correlate")
    assert advice.advised_tier is None
    assert "no tier satisfies" in advice.explain()


def test_question_residency_keeps_confidential_data_on_premises(factory: Scenario) -> None:
    advice = _advice(factory, "bearing-wear.twin")
    assert "confidential data may not go above on_prem" in _verdict_reasons(advice, "cloud")


def test_question_fit_rejects_a_model_larger_than_memory(factory: Scenario) -> None:
    factory.node("cameras").hardware = "stm32h7a3"
    factory.placement["visual-inspection.detect"] = "line-gw"
    advice = _advice(factory, "visual-inspection.detect")
    assert "yolov8n needs 3.2 MB, stm32h7a3 has 1.4 MB" in _verdict_reasons(advice, "far_edge")
    assert advice.advised_tier == "aggregation_edge"


def test_question_fit_rejects_compute_that_cannot_keep_up(factory: Scenario) -> None:
    factory.workload("visual-inspection").source.rate = 200.0  # 200 fps x 5.8 ms > 1 server
    advice = _advice(factory, "visual-inspection.detect")
    assert "compute overloaded" in _verdict_reasons(advice, "far_edge")
    assert advice.advised_tier != "far_edge"


def test_a_tier_without_nodes_says_so(factory: Scenario) -> None:
    advice = _advice(factory, "bearing-wear.detect")
    assert _verdict_reasons(advice, "telco_edge") == "no node of this tier in the scenario"


def test_latency_estimate_adds_network_and_compute(factory: Scenario) -> None:
    """detect on the camera: 5.8 ms of compute plus M/D/1 wait at 8.7 % load, no network."""
    advice = _advice(factory, "visual-inspection.detect")
    service = 8.7e9 / 1.5e12
    rho = 15 * service
    expected = service + rho * service / (2 * (1 - rho))
    assert advice.placed is not None and advice.placed.latency_s is not None
    assert abs(advice.placed.latency_s - expected) < 1e-9


def test_explain_and_table_show_reasons(factory: Scenario) -> None:
    advice = advise(factory)
    text = "\n".join(a.explain() for a in advice)
    assert "bearing-wear.correlate:" in text and "rejected" in text
    table = advice_table(advice)
    assert list(table["stage"]) == [a.key for a in advice]
    assert table["placement_ok"].all()
