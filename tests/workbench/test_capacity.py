"""Capacity in validation (issue 10, item 7): offered load >= 100 % of a node or link is an
error, >= 90 % a warning that `workbench validate` prints while exiting 0."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import SCENARIOS
from workbench.cli import main
from workbench.errors import Problem
from workbench.scenario import Scenario, save_scenario
from workbench.sim.plan import build_plan
from workbench.validation import scenario_warnings, validate_scenario


def test_problem_stays_an_error_by_default() -> None:
    problem = Problem("links[0]", "too slow")
    assert problem.severity == "error"
    assert problem.render("f.yaml") == "f.yaml: links[0]: too slow"
    assert Problem("links[0]", "busy", "warning").render("f.yaml") == (
        "f.yaml: links[0]: warning: busy"
    )


def test_an_overloaded_node_is_an_error_with_the_figure_and_the_fixes(factory: Scenario) -> None:
    """Before: validate said valid, and the run's queue grew without bound."""
    # line-gw: 40 sensors x 1 Hz x 4.25 ms (17 %) + 120 frames/s x 0.63 ms (7.6 %); at 6 Hz
    # per sensor the wear model alone asks 102 %.
    factory.workload("bearing-wear").source.rate = 6.0
    problems = validate_scenario(factory)
    assert [p.path for p in problems] == ["nodes[2]"]
    message = problems[0].message
    assert message.startswith("offered load 110 % of 1 server(s) of line-gw")
    assert "most of it from workload bearing-wear" in message
    assert "add servers" in message and "move a stage" in message and "lower the rate" in message
    # `workbench run` refuses it (the file does not load); from Python the engine may still
    # simulate an overloaded design on purpose (tests/workbench/sim/test_theory.py does).
    assert build_plan(factory, until_s=1.0).nodes[2].id == "line-gw"


def test_an_overloaded_link_is_an_error_naming_its_bandwidth(factory: Scenario) -> None:
    factory.link("wan").bandwidth_bps = 10e6  # the WAN carries 12.8 Mbit/s up
    problems = validate_scenario(factory)
    assert [p.path for p in problems] == ["links[3]"]
    message = problems[0].message
    assert message.startswith("offered load 128 % of 10 Mbit/s (uplink of wan)")
    assert "raise the bandwidth" in message and "lower the rate" in message


def test_a_busy_node_is_a_warning_printed_by_validate_with_exit_0(
    factory: Scenario, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    factory.workload("bearing-wear").source.rate = 5.0  # line-gw 92.5 % busy

    assert validate_scenario(factory) == []
    warnings = scenario_warnings(factory)
    assert [w.severity for w in warnings] == ["warning"]
    path = tmp_path / "busy.yaml"
    save_scenario(factory, path)
    assert main(["validate", str(path)]) == 0
    out = capsys.readouterr().out
    assert f"{path}: nodes[2]: warning: offered load 9" in out
    assert f"{path}: valid" in out


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.yaml")), ids=lambda p: p.stem)
def test_shipped_scenarios_are_well_within_capacity(path: Path) -> None:
    from workbench.scenario import load_scenario

    assert scenario_warnings(load_scenario(path)) == []


def test_validate_exits_2_on_an_overloaded_file(
    factory: Scenario, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    factory.link("wan").bandwidth_bps = 10e6
    path = tmp_path / "slow_wan.yaml"
    save_scenario(factory, path)
    assert main(["validate", str(path)]) == 2
    assert f"{path}: links[3]: offered load 128 % of 10 Mbit/s" in capsys.readouterr().out
