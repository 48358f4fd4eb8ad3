"""Bytes per round and per boundary, against shipping the raw training data up."""

from __future__ import annotations

import pytest

from workbench.sim import Simulation

from .conftest import variant

MODEL = 4 * 161  # float32 parameters of the 8-16-1 MLP
RAW = 8 * 2000 * 240e3  # 8 gateways x 2000 samples x 240 kB


def test_bytes_per_boundary_against_centralised() -> None:
    """Hierarchical, 10 rounds, fp16 updates, no skew: the gateway-to-data-centre boundary
    carries every update; the WAN (premises, on_prem|telco_edge, telco_edge|cloud) one sum and
    one model per hospital and round; centralised would ship all 3.84 GB across each."""
    scenario = variant({"rounds": 10, "skew": None}, failures=[])
    results = Simulation(scenario, until=700).run()
    table = results.federated_boundaries().set_index("boundary")
    edge = table.loc["aggregation_edge|on_prem"]
    assert edge["up_bytes"] == 10 * 8 * 2 * 161
    assert edge["down_bytes"] == 10 * 8 * MODEL
    for name in ("premises", "on_prem|telco_edge", "telco_edge|cloud"):
        row = table.loc[name]
        assert row["up_bytes"] == 10 * 4 * 2 * 161
        assert row["down_bytes"] == 10 * 4 * MODEL
        assert row["centralised_bytes"] == pytest.approx(RAW)
    summary = results.summary()["federated"]
    assert summary["centralised_bytes"] == pytest.approx(RAW)
    total = sum(r["bytes_up"] + r["bytes_down"] for r in summary["rounds"])
    assert total == 10 * (12 * MODEL + 12 * 2 * 161)
    assert total < RAW / 30_000  # 116 kB against 3.84 GB
