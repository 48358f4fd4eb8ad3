"""Every federated field is checked, with one sentence naming the field and the fix."""

from __future__ import annotations

from typing import Any

import pytest

from workbench.errors import ScenarioError
from workbench.scenario import scenario_from_dict
from workbench.validation import validate_scenario


def problems(data: dict[str, Any], **federated: Any) -> list[str]:
    data["federated"].update(federated)
    try:
        scenario = scenario_from_dict(data)
    except ScenarioError as exc:
        return [p.render() for p in exc.problems]
    return [p.render() for p in validate_scenario(scenario)]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"aggregator": "clod"}, "federated.aggregator: unknown node 'clod'"),
        ({"aggregator": "icu-a", "clients": ["icu-b"]}, "is a group of 2 devices; choose a single"),
        ({"clients": ["icu-a", "icu-a"]}, "federated.clients[1]: 'icu-a' is listed twice"),
        ({"clients": ["icu-a", "cloud"]}, "federated.clients[1]: 'cloud' is the aggregator"),
        ({"clients": ["icu-x"]}, "federated.clients[0]: unknown node 'icu-x'"),
        ({"min_updates": 9}, "federated.min_updates: 9 is more than the 8 client instances"),
        ({"skew": {"nodes": ["dc-a"]}}, "federated.skew.nodes[0]: 'dc-a' is not a client"),
        ({"at": "5000 s"}, "federated.at: 5000 s is not before the run's end"),
        ({"site_aggregators": {"hospital-z": "dc-a"}}, "no node has site 'hospital-z'"),
        ({"site_aggregators": {"hospital-a": "icu-a"}}, "'icu-a' is a group of devices"),
        (
            {"hierarchical": False, "site_aggregators": {"hospital-a": "dc-a"}},
            "federated.site_aggregators: is set but hierarchical is false",
        ),
        ({"algorithm": "trimmed_mean"}, "privacy needs algorithm fedavg or fedprox"),
        ({"rounds": 0}, "federated.rounds"),
        ({"sample": 0}, "sample must be above 0"),
        ({"compression": "zip"}, "federated.compression"),
        ({"privacy": {"clip": 0, "noise_multiplier": 1}}, "federated.privacy.clip"),
        ({"privacy": {"clip": 1, "noise_multiplier": -1}}, "federated.privacy.noise_multiplier"),
        ({"deadline": 20}, "federated.deadline"),
        ({"colour": "red"}, "federated.colour"),
    ],
)
def test_bad_federated_fields(
    base_data: dict[str, Any], change: dict[str, Any], expected: str
) -> None:
    found = problems(base_data, **change)
    assert any(expected in p for p in found), found


def test_a_client_without_a_site_node_on_its_way(base_data: dict[str, Any]) -> None:
    """Hierarchical needs a node of the client's site between it and the aggregator."""
    base_data["nodes"].append(
        {"id": "lone", "tier": "on_prem", "hardware": "a100_node", "site": "hospital-e"}
    )
    base_data["links"].append({"id": "wan-e", "ends": ["lone", "cloud"], "profile": "mpls_wan"})
    found = problems(base_data, clients=["icu-a", "lone"], skew=None)
    assert any("federated.clients[1]: 'lone' has no node of its own site" in p for p in found)


def test_an_unreachable_client(base_data: dict[str, Any]) -> None:
    base_data["nodes"].append(
        {"id": "island", "tier": "on_prem", "hardware": "a100_node", "site": "hospital-e"}
    )
    found = problems(base_data, clients=["icu-a", "island"], skew=None)
    assert any("'island' cannot reach 'cloud'; add a link" in p for p in found), found
