"""Scenario files: load to SI, save, load back equal; the JSON Schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import SCENARIOS
from workbench.builders import hierarchy
from workbench.scenario import (
    Scenario,
    load_scenario,
    save_scenario,
    scenario_json_schema,
)

EXAMPLES = sorted(SCENARIOS.glob("*.yaml"))


def test_there_are_the_three_example_scenarios() -> None:
    names = {p.stem for p in EXAMPLES}
    assert {"factory_floor", "smart_city", "hospital"} <= names


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_examples_load_and_round_trip_exactly(path: Path, tmp_path: Path) -> None:
    scenario = load_scenario(path)
    saved = tmp_path / "saved.yaml"
    save_scenario(scenario, saved)
    again = load_scenario(saved)
    assert again == scenario
    save_scenario(again, tmp_path / "twice.yaml")
    assert (tmp_path / "twice.yaml").read_text() == saved.read_text()


def test_quantities_are_si_after_load(factory: Scenario) -> None:
    wan = factory.link("wan")
    assert wan.profile == "mpls_wan"
    assert factory.link("cam-lan").bandwidth_bps == 1e9
    assert factory.workload("visual-inspection").slo_s == 0.05
    assert factory.workload("visual-inspection").source.rate == 15.0
    assert factory.node("line-gw").storage_bytes == 1e12


def test_awkward_values_round_trip_exactly(factory: Scenario, tmp_path: Path) -> None:
    factory.link("wan").latency_s = 0.1 + 0.2  # 0.30000000000000004 s
    factory.node("cameras").storage_bytes = 1 / 3 * 1e9
    factory.workloads[0].source.rate = 1 / 7
    save_scenario(factory, tmp_path / "s.yaml")
    assert load_scenario(tmp_path / "s.yaml") == factory


def test_saved_files_use_units_and_file_names(factory: Scenario, tmp_path: Path) -> None:
    save_scenario(factory, tmp_path / "s.yaml")
    text = (tmp_path / "s.yaml").read_text()
    assert "slo: 50 ms" in text
    assert "bandwidth: 1 Gbit/s" in text
    assert "storage: 1 TB" in text
    assert "slo_s" not in text and "bandwidth_bps" not in text


def test_a_built_hierarchy_round_trips(tmp_path: Path) -> None:
    scenario = hierarchy(devices=50, devices_per_gateway=10, gateways_per_site=2)
    save_scenario(scenario, tmp_path / "h.yaml")
    assert load_scenario(tmp_path / "h.yaml") == scenario


def test_json_schema_describes_scenario_files() -> None:
    schema = scenario_json_schema()
    json.dumps(schema)  # serialisable
    props = schema["properties"]
    assert {"name", "nodes", "links", "workloads", "placement", "simulation"} <= set(props)
    link = schema["$defs"]["Link"]["properties"]
    assert "bandwidth" in link and "bandwidth_bps" not in link
    assert "Mbit/s" in json.dumps(link["bandwidth"])
    node = schema["$defs"]["Node"]["properties"]
    assert set(node["tier"]["enum"]) == {
        "far_edge",
        "aggregation_edge",
        "on_prem",
        "telco_edge",
        "cloud",
    }


def test_examples_satisfy_their_own_json_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = scenario_json_schema()
    from workbench.scenario import _read_with_base

    for path in EXAMPLES:
        jsonschema.validate(_read_with_base(path, []), schema)
