"""The fast estimate against the engine on stable loads.

Tolerance: on every shipped scenario, for each workload with at least 2,000 completed requests
in a 300 s run, the estimated mean latency is within 3 % of the simulated mean (the engine's
own sampling error at that size is well under 1 %; the rest is the M/G/c approximation for
mixed loads on shared nodes). Bytes across each tier boundary (where more than 1 kB/s) are
within 3 %.
"""

from __future__ import annotations

import sys

import pytest

from tests.conftest import ROOT, SCENARIOS
from workbench.analytic import estimate
from workbench.scenario import Scenario, load_scenario
from workbench.sim import simulate

sys.path.insert(0, str(ROOT / "benchmarks"))
from reference import ANALYTIC_MS, reference_scenario

TOLERANCE = 0.03


def test_reference_scenario_matches_the_hand_derivation() -> None:
    """9.764 ms by hand, plus the M/D/1 wait on each device's own link (rho = 0.0008)."""
    est = estimate(reference_scenario(100))
    tx, rho = 0.0008, 0.0008
    link_wait_ms = 1e3 * rho * tx / (2 * (1 - rho))
    uplink_wait_ms = 1e3 * 8e-6 * 8e-6 / (2 * (1 - 8e-6))  # 1 message/s of 8 us per uplink
    expected = ANALYTIC_MS + link_wait_ms + 0.1 * uplink_wait_ms
    assert est.workloads["ref"].latency_s * 1e3 == pytest.approx(expected, rel=1e-9)
    assert est.workloads["ref"].compute_s == pytest.approx(0.005 + 0.1 * 0.002)


LONGER = {"hospital": 1200.0}  # low rates: run longer for 2,000 samples
LONGER["hospital_federated"] = 15000.0  # 10 monitors at 1 /min: 2,500 requests


def _compare(scenario: Scenario) -> None:
    """Steady state: the estimate knows no failures, so the comparison runs without them."""
    scenario = scenario.model_copy(update={"failures": []})
    est = estimate(scenario)
    summary = simulate(scenario, until=LONGER.get(scenario.name, 300.0), seed=11).summary()
    checked = 0
    for workload, simulated in summary["workloads"].items():
        if simulated["completed"] < 2000:
            continue
        expected = est.workloads[workload].latency_s
        assert expected == pytest.approx(simulated["latency_mean_s"], rel=TOLERANCE), workload
        checked += 1
    assert checked
    for boundary, simulated in summary["boundaries"].items():
        estimated = est.boundaries[boundary]
        if simulated["up_bytes_per_s"] > 1e3:
            assert estimated.up_bytes_per_s == pytest.approx(
                simulated["up_bytes_per_s"], rel=TOLERANCE
            ), boundary
        assert estimated.raw_to_cloud_bytes_per_s == pytest.approx(
            simulated["raw_to_cloud_bytes_per_s"], rel=TOLERANCE
        )


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.yaml")), ids=lambda p: p.stem)
def test_estimate_agrees_with_the_engine(path: object) -> None:
    _compare(load_scenario(path))  # type: ignore[arg-type]


def test_estimate_agrees_on_the_reference_scenario() -> None:
    _compare(reference_scenario(200))


def test_utilisation_and_slo_flags(factory: Scenario) -> None:
    est = estimate(factory)
    assert est.node_utilisation["line-gw"] == pytest.approx(0.2459, abs=0.01)
    assert all(w.meets_slo for w in est.workloads.values())
    factory.workload("visual-inspection").slo_s = 0.005
    assert not estimate(factory).workloads["visual-inspection"].meets_slo


def test_overload_gives_an_unbounded_estimate(factory: Scenario) -> None:
    factory.workload("visual-inspection").source.rate = 200.0
    latency = estimate(factory).workloads["visual-inspection"].latency_s
    assert latency == float("inf")
