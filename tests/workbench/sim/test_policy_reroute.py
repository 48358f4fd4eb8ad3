"""Policy on every path: reroutes, fallbacks and store-and-forward never carry data of a
restricted class above its tier (the rule validation applies, :mod:`workbench.policy`)."""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from workbench.loading import data_dir, read_yaml
from workbench.scenario import Scenario
from workbench.sim import simulate
from workbench.topology import Topology
from workbench.validation import validate_scenario

EXAMPLES = int(os.environ.get("HYPOTHESIS_EXAMPLES", "60"))


def hospital_with_cloud_shortcut(**degraded: Any) -> Scenario:
    """The hospital plus a link icu-gw--cloud (valid: phi never has to use it), with the ICU's
    link to the data centre down from 100 s for 100 s."""
    raw = read_yaml(data_dir() / "scenarios" / "hospital.yaml")
    raw["links"].append({"id": "icu-gw--cloud", "ends": ["icu-gw", "cloud"], "profile": "mpls_wan"})
    raw["failures"] = [{"link": "icu-core", "at": 100.0, "duration": 100.0}]
    if degraded:
        for workload in raw["workloads"]:
            workload["degraded"] = degraded
    scenario = Scenario.model_validate(raw)
    assert validate_scenario(scenario) == []
    return scenario


def cloud_bytes(result: Any, link: str = "icu-gw--cloud") -> float:
    links = result.links
    return float(links.loc[links["link"] == link, "bytes"].sum())


def test_reroute_never_carries_phi_through_the_cloud() -> None:
    """Before: 60 sepsis results went icu-gw -> cloud -> hospital-dc, served as primary."""
    result = simulate(hospital_with_cloud_shortcut(), until=400, seed=1)
    events = result.events
    assert cloud_bytes(result) == 0.0
    assert not (events["kind"] == "reroute").any()
    refused = events[events["kind"] == "policy"]
    assert len(refused) > 40  # a result a bed a minute for 100 s, 30 beds: ~50-60
    assert set(refused["element"]) == {"sepsis-ews"}
    assert refused["detail"].str.contains("crosses cloud").all()
    # They waited in the ICU gateway's store and were delivered after the repair.
    table = result.requests
    sepsis = table[table["workload"] == "sepsis-ews"]
    decided = sepsis[sepsis["created_s"] < 399]  # not those still on their way at the end
    assert set(decided["outcome"].astype(str)) == {"primary"}
    held = sepsis[(sepsis["created_s"] > 101) & (sepsis["created_s"] < 199)]
    assert (held["end_s"] >= 200).all()


def test_no_allowed_path_and_no_store_is_dropped_policy() -> None:
    result = simulate(hospital_with_cloud_shortcut(buffer=False), until=400, seed=1)
    assert cloud_bytes(result) == 0.0
    summary = result.summary()["workloads"]["sepsis-ews"]
    refused = (result.events["kind"] == "policy").sum()
    assert summary["dropped"]["policy"] == refused > 40
    assert summary["dropped"]["no_route"] == 0
    outcomes = result.requests["outcome"].astype(str)
    assert (outcomes == "dropped_policy").sum() == refused
    accounting = result.accounting()["sepsis-ews"]
    assert accounting["generated"] == sum(accounting["outcomes"].values())


def test_planned_route_stays_within_policy_when_the_fastest_path_does_not() -> None:
    """A 1 us detour through the cloud is faster than the campus LAN, but phi may not take it:
    the planned route keeps to the ward network (before: the plan took the fastest path)."""
    raw = read_yaml(data_dir() / "scenarios" / "hospital.yaml")
    raw["links"] += [
        {"id": "short-a", "ends": ["icu-gw", "cloud"], "bandwidth": 1e10, "latency": 1e-6},
        {"id": "short-b", "ends": ["cloud", "handhelds"], "bandwidth": 1e10, "latency": 1e-6},
    ]
    scenario = Scenario.model_validate(raw)
    assert validate_scenario(scenario) == []
    fastest = Topology(scenario).path("icu-gw", "handhelds") or []
    assert [hop.link for hop in fastest] == ["short-a", "short-b"]
    result = simulate(scenario, until=120, seed=1)
    assert cloud_bytes(result, "short-b") == 0.0  # the only way phi could use the detour
    # short-a carries only de-identified (public) notes on their way to the cloud: 12 kB each.
    notes = result.requests["workload"] == "population-health"
    assert cloud_bytes(result, "short-a") <= 12e3 * notes.sum()
    sepsis = result.requests[result.requests["workload"] == "sepsis-ews"]
    assert (sepsis["state"] == "done").sum() > 40


# ---------------------------------------------------------------- property test
TIERS = {
    "gwA": "aggregation_edge",
    "gwB": "aggregation_edge",
    "dc": "on_prem",
    "mec": "telco_edge",
    "cloud": "cloud",
}
HARDWARE = {
    "aggregation_edge": "jetson_orin_nx",
    "on_prem": "a100_node",
    "telco_edge": "mec_server_l4",
    "cloud": "h100_node",
}
OPTIONAL_LINKS = [
    ("dev", "gwB"),
    ("gwA", "gwB"),
    ("gwA", "dc"),
    ("gwB", "dc"),
    ("gwA", "mec"),
    ("gwB", "mec"),
    ("gwA", "cloud"),
    ("gwB", "cloud"),
    ("dc", "mec"),
    ("dc", "cloud"),
    ("mec", "cloud"),
]
ABOVE_ON_PREM = {"mec", "cloud"}


@st.composite
def restricted_worlds(draw: Any) -> Scenario:
    """Devices, two gateways, a DC, MEC and cloud, joined by a random set of (often redundant)
    links with random latencies; one or two workloads of restricted classes (phi, confidential)
    with fallbacks and sinks on the premises; random link and node outages."""
    links = [("dev", "gwA"), *draw(st.lists(st.sampled_from(OPTIONAL_LINKS), unique=True))]
    link_rows = [
        {
            "id": f"{a}--{b}",
            "ends": [a, b],
            "bandwidth": draw(st.sampled_from([1e6, 1e7, 1e8])),
            "latency": draw(st.sampled_from([1e-4, 1e-3, 1e-2])),
        }
        for a, b in links
    ]
    nodes = [
        {"id": "dev", "tier": "far_edge", "hardware": "jetson_orin_nano_super", "count": 2}
    ] + [
        {"id": node, "tier": tier, "hardware": HARDWARE[tier], "storage": 50e3}
        for node, tier in TIERS.items()
    ]
    nodes[0]["storage"] = 20e3
    workloads, placement = [], {}
    for index in range(draw(st.integers(1, 2))):
        wid = f"w{index}"
        stages = []
        for k in range(draw(st.integers(1, 2))):
            stage: dict[str, Any] = {
                "id": f"s{k}",
                "model": "tinyml_anomaly_ae",
                "output_size": 500.0,
                "service": {"dist": "deterministic", "mean": 1e-3},
            }
            fallback = draw(st.sampled_from([None, "here", "gwB", "dc"]))
            if fallback == "here":
                stage["fallback"] = {"model": "tinyml_anomaly_ae"}
            elif fallback is not None:
                stage["fallback"] = {"model": "tinyml_anomaly_ae", "node": fallback}
            stages.append(stage)
            placement[f"{wid}.s{k}"] = draw(st.sampled_from(["gwA", "gwB", "dc"]))
        workloads.append(
            {
                "id": wid,
                "source": {
                    "node": "dev",
                    "kind": "vibration_3axis",
                    "rate": 2.0,
                    "input_size": 2e3,
                },
                "data_class": draw(st.sampled_from(["phi", "confidential"])),
                "slo": 1.0,
                "sink": draw(st.sampled_from([None, "dev", "gwA", "gwB", "dc"])),
                "degraded": {
                    "buffer": draw(st.booleans()),
                    "reroute": draw(st.booleans()),
                },
                "stages": stages,
            }
        )
    targets = [("link", row["id"]) for row in link_rows] + [("node", n) for n in TIERS]
    failures = [
        {kind: target, "at": at, "duration": duration}
        for (kind, target), at, duration in draw(
            st.lists(
                st.tuples(
                    st.sampled_from(targets),
                    st.floats(0, 15).map(lambda t: round(t, 3)),
                    st.floats(0.5, 10).map(lambda t: round(t, 3)),
                ),
                max_size=4,
            )
        )
    ]
    scenario = Scenario.model_validate(
        {
            "name": "restricted",
            "nodes": nodes,
            "links": link_rows,
            "workloads": workloads,
            "placement": placement,
            "failures": failures,
        }
    )
    assume(validate_scenario(scenario) == [])
    return scenario


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    derandomize=True,
)
@given(restricted_worlds(), st.integers(0, 2**16))
def test_restricted_data_never_crosses_its_tier(scenario: Scenario, seed: int) -> None:
    """Checked from the result tables: no byte on a link that touches the MEC or the cloud,
    nothing served there, and every request in exactly one outcome."""
    result = simulate(scenario, until=20, seed=seed)
    links = result.links
    touching = links["link"].map(lambda link: bool(set(link.split("--")) & ABOVE_ON_PREM))
    assert links.loc[touching, "bytes"].sum() == 0.0
    table = result.requests
    assert not set(table["served_at"].dropna().astype(str)) & ABOVE_ON_PREM
    if "fallback_at" in table:
        assert not set(table["fallback_at"].dropna()) & ABOVE_ON_PREM
    for workload, accounting in result.accounting().items():
        assert accounting["generated"] == sum(accounting["outcomes"].values()), workload
        held = accounting["bytes_received"] + accounting["bytes_dropped"]
        assert np.isclose(accounting["bytes_sent"], held + accounting["bytes_held"])


@pytest.mark.parametrize("buffer", [True, False])
def test_policy_refusals_are_counted_in_the_conservation(buffer: bool) -> None:
    result = simulate(hospital_with_cloud_shortcut(buffer=buffer), until=300, seed=3)
    for accounting in result.accounting().values():
        assert accounting["generated"] == sum(accounting["outcomes"].values())
