"""The placement optimiser: its answer is feasible, nothing in the searched space beats it on
the estimate (brute force), the space keeps the advisor's rules, the winner is explained."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from workbench.builders import add_wear_workloads, hierarchy
from workbench.cli import main
from workbench.loading import data_dir
from workbench.optimiser import (
    Candidate,
    Optimum,
    evaluate,
    optimise,
    placement_of,
    placement_space,
    validated,
)
from workbench.scenario import Scenario, load_scenario
from workbench.topology import Topology
from workbench.validation import validate_scenario
from workbench.workloads import max_level, stage_classes

SCENARIOS = data_dir() / "scenarios"


def _load(name: str) -> Scenario:
    return load_scenario(SCENARIOS / f"{name}.yaml")


def _designs(scenario: Scenario) -> list[dict[str, str]]:
    space, none = placement_space(scenario)
    assert not none
    workloads = [scenario.workload(w) for w in space]
    out = []
    for combo in itertools.product(*(space[w.id] for w in workloads)):
        placement: dict[str, str] = {}
        for workload, chain in zip(workloads, combo, strict=True):
            placement |= placement_of(workload, chain)
        out.append(placement)
    return out


@pytest.mark.parametrize(
    ("name", "objective"),
    [("hospital", "cost"), ("factory_floor", "cost"), ("factory_floor", "energy")],
)
def test_no_feasible_design_in_the_space_beats_the_answer(name: str, objective: str) -> None:
    scenario = _load(name)
    result = optimise(scenario, objective=objective, confirm=0)  # type: ignore[arg-type]
    best = result.best
    assert best is not None and result.exhaustive
    # The answer is feasible: it validates, every mean is within its SLO, nothing overloaded.
    design = result.scenario(scenario)
    assert validate_scenario(design) == []
    assert all(best.latency_s[w] <= best.slo_s[w] for w in best.latency_s)
    # Brute force: every design of the space, estimated on its own.
    topo = Topology(scenario)
    designs = _designs(scenario)
    assert len(designs) == result.space
    feasible = 0
    for placement in designs:
        other = evaluate(scenario, placement, topology=topo)
        if not other.feasible:
            continue
        feasible += 1
        if other.rank(objective) < best.rank(objective):  # type: ignore[arg-type]
            assert not validated(scenario, other).feasible, placement
    assert feasible > 1


def test_the_greedy_search_finds_the_exhaustive_answer_on_the_factory() -> None:
    scenario = _load("factory_floor")
    exact = optimise(scenario, confirm=0)
    greedy = optimise(scenario, confirm=0, exhaustive=0)
    assert not greedy.exhaustive and greedy.best is not None and exact.best is not None
    assert greedy.best.feasible
    assert greedy.best.rank("cost")[0] == exact.best.rank("cost")[0]


def test_the_space_keeps_the_advisors_rules() -> None:
    scenario = _load("factory_floor")
    cat = scenario.catalogue()
    topo = Topology(scenario, cat)
    space, _ = placement_space(scenario)
    for wid, chains in space.items():
        workload = scenario.workload(wid)
        ceilings = [max_level(c, cat) for c, _ in stage_classes(workload, cat)]
        for chain in chains:
            levels = [topo.level(workload.source.node)] + [topo.level(n) for n in chain]
            assert levels == sorted(levels), chain  # data flows up
            assert all(topo.level(n) <= c for n, c in zip(chain, ceilings, strict=True))
    # Bearing-wear data is confidential: never in the cloud; the scenario's own chain is there.
    assert all("cloud" not in chain for chain in space["bearing-wear"])
    assert ("vib-sensors", "line-gw", "plant-dc") in space["bearing-wear"]


def test_the_winner_is_confirmed_and_explained_against_the_runner_up() -> None:
    scenario = _load("factory_floor")
    result = optimise(scenario, confirm=2, until=40.0)
    best, runner = result.best, result.runner_up
    assert best is not None and runner is not None
    assert best.confirmed is True
    assert best.simulated_p95_s is not None and set(best.simulated_p95_s) == set(best.slo_s)
    text = result.explain()
    moved = [k for k in best.placement if best.placement[k] != runner.placement[k]]
    assert moved and all(f"{k} runs on {best.placement[k]}" in text for k in moved)
    assert "Against the runner-up" in text and "The simulation confirms it" in text
    assert "Against the scenario's own placement" in text and "saves $" in text


def test_a_candidate_refuted_by_simulation_loses_its_place() -> None:
    def candidate(cost: float, p95: float | None) -> Candidate:
        c = Candidate(
            {"w.s": f"n{cost}"},
            {"cost_usd_per_month": cost, "latency_share": 0.1, "average_power_w": 1.0},
            {"w": 0.01},
            {"w": 0.05},
            0.0,
            True,
        )
        c.simulated_p95_s = None if p95 is None else {"w": p95}
        return c

    cheap, middle, dear = candidate(1, 0.2), candidate(2, 0.04), candidate(3, None)
    result = Optimum("cost", "s", 3, 3, True, [cheap, middle, dear], None, 0.1)
    assert cheap.confirmed is False and middle.confirmed is True
    assert result.best is middle and result.runner_up is dear
    assert "missed an SLO in simulation" in result.explain()


def test_a_winner_whose_tail_misses_the_slo_says_so() -> None:
    """p95 within the SLO but 4 % of requests over it: explain() names the share and the p99."""
    best = Candidate(
        {"w.s": "mec"},
        {"cost_usd_per_month": 1.0, "latency_share": 0.1, "average_power_w": 1.0},
        {"w": 0.168, "v": 0.01},
        {"w": 0.2, "v": 0.05},
        0.0,
        True,
    )
    best.simulated_p95_s = {"w": 0.0244, "v": 0.02}
    best.simulated_p99_s = {"w": 2.87, "v": 0.03}
    best.simulated_over_slo = {"w": 0.044, "v": 0.0}
    text = Optimum("cost", "s", 1, 1, True, [best], None, 0.1).explain()
    assert "Mind the tail: 4.4 % of w's requests took longer than its SLO (p99 2.87 s)" in text
    assert "v's requests" not in text  # a workload without a tail gets no sentence
    best.simulated_over_slo = {"w": 0.005, "v": 0.0}
    assert "Mind the tail" not in Optimum("cost", "s", 1, 1, True, [best], None, 0.1).explain()


def test_a_fleet_is_searched_greedily_and_each_workload_placed() -> None:
    fleet = add_wear_workloads(hierarchy(devices=40, devices_per_gateway=10, gateways_per_site=2))
    result = optimise(fleet, confirm=0, exhaustive=100)
    assert not result.exhaustive and result.best is not None
    assert set(result.best.placement) == {k for w in fleet.workloads for k in w.stage_keys()}
    assert validate_scenario(result.scenario(fleet)) == []


def test_cli_optimise(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "best.yaml"
    file = str(SCENARIOS / "hospital.yaml")
    assert main(["optimise", file, "--confirm", "1", "--until", "90 s", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "Winner:" in printed and "wrote the winning design" in printed
    assert validate_scenario(load_scenario(out)) == []
    assert main(["optimise", str(SCENARIOS / "factory_floor.yaml"), "--until", "5 s"]) == 2
    assert capsys.readouterr().out.startswith(f"{SCENARIOS / 'factory_floor.yaml'}: --until: 5 s")
