"""Validation of drift: and learning: (one sentence per problem, naming the field and the fix)."""

from __future__ import annotations

import pytest

from workbench.errors import ScenarioError
from workbench.scenario import Drift, Scenario, load_scenario, save_scenario
from workbench.validation import validate_scenario

from .conftest import DRIFT


def messages(scenario: Scenario) -> dict[str, str]:
    return {p.path: p.message for p in validate_scenario(scenario)}


def test_the_drift_scenarios_are_valid(scenario: Scenario) -> None:
    assert validate_scenario(scenario) == []
    cloud = load_scenario(DRIFT.with_name("factory_drift_cloud.yaml"))
    assert cloud.learning[0].retrain.node == "cloud"


def test_yaml_on_key_is_read_as_on(scenario: Scenario) -> None:
    """A bare YAML 1.1 'on' key is read as true; the detector takes it back as 'on'."""
    assert scenario.learning[0].detector.on == "errors"
    detector = type(scenario.learning[0].detector).model_validate({True: "features"})
    assert detector.on == "features"


def test_save_and_load_back(tmp_path, scenario: Scenario) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "s.yaml"
    save_scenario(scenario, path)
    assert load_scenario(path) == scenario


def test_unknown_workload_site_and_nodes(scenario: Scenario) -> None:
    scenario.drift[0].workload = "visual-inspektion"
    scenario.learning[0].retrain.node = "plant-dcc"
    scenario.learning[0].detector.node = "line-gww"
    found = messages(scenario)
    assert "unknown workload 'visual-inspektion'" in found["drift[0].workload"]
    assert "unknown node 'plant-dcc'" in found["learning[0].retrain.node"]
    assert "unknown node 'line-gww'" in found["learning[0].detector.node"]


def test_unknown_site(scenario: Scenario) -> None:
    scenario.drift[0].sites = ["plant-b"]
    assert (
        "unknown site 'plant-b'; choose one of: plant-a" in messages(scenario)["drift[0].sites[0]"]
    )


def test_model_without_versions(scenario: Scenario) -> None:
    scenario.learning[0].model = "yolov8n"
    assert "has no declared versions" in messages(scenario)["learning[0].model"]
    scenario.learning[0].model = "bert_base"
    assert "not a stage model" in messages(scenario)["learning[0].model"]


def test_detector_kind_and_params(scenario: Scenario) -> None:
    scenario.learning[0].detector.kind = "adwinn"
    assert "unknown detector 'adwinn'" in messages(scenario)["learning[0].detector.kind"]
    scenario.learning[0].detector.kind = "adwin"
    scenario.learning[0].detector.params = {"delt": 0.01}
    found = messages(scenario)["learning[0].detector.params.delt"]
    assert "river's adwin has no parameter 'delt'" in found and "delta" in found


def test_binary_detector_on_features(scenario: Scenario) -> None:
    scenario.learning[0].detector.kind = "ddm"
    scenario.learning[0].detector.params = {}
    scenario.learning[0].detector.on = "features"
    assert "use on: errors" in messages(scenario)["learning[0].detector.on"]


def test_errors_stream_needs_labels(scenario: Scenario) -> None:
    scenario.workload("visual-inspection").labels = None
    found = messages(scenario)["learning[0].workload"]
    assert "has no labels" in found and "labels: {share: 0.2" in found


def test_confidential_data_may_not_retrain_in_the_cloud(scenario: Scenario) -> None:
    scenario.workload("visual-inspection").data_class = "confidential"
    scenario.learning[0].retrain.node = "cloud"
    found = messages(scenario)["learning[0].retrain.node"]
    assert "confidential data" in found and "retrain on a node of the" in found
    assert "on_prem" in found


def test_confidential_data_retrains_on_prem(scenario: Scenario) -> None:
    scenario.workload("visual-inspection").data_class = "confidential"
    assert validate_scenario(scenario) == []


def test_retrain_node_without_gpus(scenario: Scenario) -> None:
    scenario.learning[0].retrain.node = "plant-dc"
    scenario.learning[0].retrain.gpus = 64
    assert "ask for at most" in messages(scenario)["learning[0].retrain.gpus"]


def test_gradual_needs_over() -> None:
    with pytest.raises(ValueError, match="a gradual drift needs 'over'"):
        Drift.model_validate(
            {"id": "d", "workload": "w", "at": 1.0, "shape": "gradual", "accuracy_drop": 0.1}
        )


def test_rollout_template_refuses_fixed_keys(tmp_path) -> None:  # type: ignore[no-untyped-def]
    text = DRIFT.read_text().replace(
        "rollout: {strategy: canary,", "rollout: {registry: cloud, strategy: canary,"
    )
    path = tmp_path / "factory_drift.yaml"
    path.write_text(text)
    (tmp_path / "factory_floor.yaml").write_text(DRIFT.with_name("factory_floor.yaml").read_text())
    with pytest.raises(ScenarioError, match=r"learning\[0\].rollout: registry is set by the loop"):
        load_scenario(path)


def test_schedule_needs_times(scenario: Scenario) -> None:
    data = scenario.learning[0].retrain.model_dump()
    data["trigger"] = "schedule"
    with pytest.raises(ValueError, match="trigger 'schedule' needs 'at'"):
        type(scenario.learning[0].retrain).model_validate(data)


def test_detector_param_of_the_wrong_type(scenario: Scenario) -> None:
    scenario.learning[0].detector.params = {"delta": "small"}
    found = messages(scenario)["learning[0].detector.params"]
    assert "river's adwin refuses {delta: 'small'}" in found
    scenario.learning[0].detector.params = {"delta": -1.0}
    assert "give ADWIN's delta in (0, 1)" in messages(scenario)["learning[0].detector.params.delta"]
