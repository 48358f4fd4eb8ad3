"""Forwarding accounting: a request the last stage keeps (``forward < 1``) is served where it
ended, and counts only the bytes it actually sent (before: it was counted as if its result had
gone on to the sink, e.g. 96,000 B in ``requests.bytes`` against 84,200 B on the links)."""

from __future__ import annotations

from workbench.scenario import Scenario
from workbench.sim import simulate


def last_stage_keeps(forward: float) -> Scenario:
    """4 devices x 20 requests (1 kB) at fixed times -> a gateway stage that forwards a share
    of its 200 B results to the sink in the data centre."""
    return Scenario.model_validate(
        {
            "name": "forwarding",
            "nodes": [
                {"id": "dev", "tier": "far_edge", "hardware": "jetson_orin_nano_super", "count": 4},
                {"id": "gw", "tier": "aggregation_edge", "hardware": "jetson_orin_nx"},
                {"id": "dc", "tier": "on_prem", "hardware": "a100_node"},
            ],
            "links": [
                {"ends": ["dev", "gw"], "bandwidth": 1e8, "latency": 1e-3},
                {"ends": ["gw", "dc"], "bandwidth": 1e8, "latency": 1e-3},
            ],
            "workloads": [
                {
                    "id": "w",
                    "source": {
                        "node": "dev",
                        "kind": "vibration_3axis",
                        "rate": 1.0,
                        "input_size": 1000.0,
                        "arrival": "trace",
                        "trace": [float(t) for t in range(1, 21)],
                    },
                    "slo": 1.0,
                    "sink": "dc",
                    "stages": [
                        {
                            "id": "s",
                            "model": "tinyml_anomaly_ae",
                            "output_size": 200.0,
                            "forward": forward,
                            "service": {"dist": "deterministic", "mean": 0.001},
                        }
                    ],
                }
            ],
            "placement": {"w.s": "gw"},
            "simulation": {"until": 30.0},
        }
    )


def test_kept_requests_count_only_the_bytes_they_sent() -> None:
    result = simulate(last_stage_keeps(0.3), seed=1)
    table = result.requests
    assert (table["state"] == "done").all() and len(table) == 80
    kept = int(table["local"].sum())
    forwarded = len(table) - kept
    assert 10 < forwarded < 40  # about 30 % of 80
    sent_on_links = float(result.links["bytes"].sum())
    assert sent_on_links == 80 * 1000 + forwarded * 200
    assert table["bytes"].sum() == sent_on_links  # before: 96,000 B = 80 x 1,200 B
    assert result.accounting()["w"]["bytes_sent"] == sent_on_links
    assert set(table.loc[table["local"], "bytes"]) == {1000.0}
    assert set(table.loc[~table["local"], "bytes"]) == {1200.0}
    assert set(table["served_at"].astype(str)) == {"gw"}
    summary = result.summary()["workloads"]["w"]
    assert summary["served_locally_share"] == kept / 80  # before: 0


def test_forward_one_sends_everything_to_the_sink() -> None:
    result = simulate(last_stage_keeps(1.0), seed=1)
    table = result.requests
    assert not table["local"].any()
    assert table["bytes"].sum() == result.links["bytes"].sum() == 80 * 1200
