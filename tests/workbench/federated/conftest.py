"""A helper to build variants of the shipped federated hospital scenario."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml

from workbench.loading import data_dir
from workbench.scenario import Scenario, scenario_from_dict
from workbench.validation import validate_scenario

_BASE = yaml.safe_load((data_dir() / "scenarios" / "hospital_federated.yaml").read_text())


def variant(federated: dict[str, Any] | None = None, **top: Any) -> Scenario:
    """hospital_federated with ``federated`` keys replaced (None values removed) and top-level
    keys replaced; checked like a file."""
    data = copy.deepcopy(_BASE)
    for key, value in (federated or {}).items():
        if value is None:
            data["federated"].pop(key, None)
        else:
            data["federated"][key] = value
    data.update(top)
    scenario = scenario_from_dict(data)
    problems = validate_scenario(scenario)
    assert not problems, problems
    return scenario


@pytest.fixture
def base_data() -> dict[str, Any]:
    return copy.deepcopy(_BASE)
