"""The README's examples work as written."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT
from workbench.scenario import scenario_from_dict
from workbench.validation import validate_scenario

README = (ROOT / "README.md").read_text()


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.S)


def test_readme_scenario_example_is_valid() -> None:
    (block,) = [b for b in _blocks("yaml") if b.startswith("name:")]
    scenario = scenario_from_dict(yaml.safe_load(block), "README.md")
    assert validate_scenario(scenario) == []


@pytest.mark.parametrize("block", _blocks("python"), ids=lambda b: b.splitlines()[0])
def test_readme_python_examples_run(block: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    exec(compile(block, "README.md", "exec"), {})


def test_readme_names_the_two_commands_and_ci_calls_the_test_one() -> None:
    assert "make lab" in README and "make test" in README
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_readme_example_output_lines_are_current() -> None:
    """The validate lines quoted in the README are what the corpus files produce now."""
    from workbench.errors import ScenarioError
    from workbench.scenario import load_scenario

    quoted = re.findall(r"^(tests/data/broken/\S+\.yaml): (.+)$", README, flags=re.M)
    assert quoted
    for file, rest in quoted:
        with pytest.raises(ScenarioError) as info:
            load_scenario(Path(os.path.relpath(ROOT / file)))
        assert rest in str(info.value)


def test_readme_advise_excerpt_is_current() -> None:
    from workbench.advisor import advise
    from workbench.scenario import load_scenario

    excerpt = re.search(r"```\n(bearing-wear\.correlate:\n.*?)```", README, flags=re.S)
    assert excerpt
    scenario = load_scenario(ROOT / "data" / "scenarios" / "factory_floor.yaml")
    text = "\n".join(a.explain() for a in advise(scenario))
    assert excerpt[1].strip() in text


def test_readme_failure_examples_are_valid() -> None:
    from workbench.scenario import _read_with_base

    (block,) = [b for b in _blocks("yaml") if b.startswith("failures:")]
    snippet = yaml.safe_load(block)
    data = _read_with_base(ROOT / "data" / "scenarios" / "factory_floor.yaml", [])
    data["failures"] = snippet["failures"]
    scenario = scenario_from_dict(data, "README.md")
    assert validate_scenario(scenario) == []
    degraded = snippet["workloads"][0]["degraded"]
    scenario.workloads[0].degraded = type(scenario.workloads[0].degraded).model_validate(degraded)
