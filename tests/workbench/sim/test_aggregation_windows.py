"""Aggregation windows: a stage with ``aggregate: {window, count}`` makes one output per window;
each input's latency includes the wait for its window; bytes above the stage and the estimate
follow (before, every stage emitted one output per input whatever ``aggregate`` said)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.analytic import estimate, window_wait
from workbench.errors import ScenarioError
from workbench.scenario import Failure, Scenario, load_scenario, save_scenario
from workbench.sim import simulate

OUTPUT = 1000.0  # bytes of one stage output (one per window)


def windowed(
    aggregate: Any, *, arrival: str = "periodic", devices: int = 1, until: float = 60.0
) -> Scenario:
    """``devices`` sensors at 10 requests/s in all (100 B each) -> a gateway stage (1 ms) with
    the given ``aggregate`` -> its 1 kB output to the data centre, over fast, zero-latency
    links so that the window is the only wait."""
    return Scenario.model_validate(
        {
            "name": "windows",
            "nodes": [
                {"id": "dev", "tier": "far_edge", "hardware": "jetson_orin_nano_super"}
                | {"count": devices},
                {"id": "gw", "tier": "aggregation_edge", "hardware": "jetson_orin_nx"},
                {"id": "dc", "tier": "on_prem", "hardware": "a100_node"},
            ],
            "links": [
                {"ends": ["dev", "gw"], "bandwidth": 1e9, "latency": 0.0},
                {"ends": ["gw", "dc"], "bandwidth": 1e9, "latency": 0.0},
            ],
            "workloads": [
                {
                    "id": "w",
                    "source": {
                        "node": "dev",
                        "kind": "vibration_3axis",
                        "rate": 10.0 / devices,
                        "input_size": 100.0,
                        "arrival": arrival,
                    },
                    "slo": 1.0,
                    "sink": "dc",
                    "stages": [
                        {
                            "id": "fuse",
                            "model": "tinyml_anomaly_ae",
                            "output_size": OUTPUT,
                            "aggregate": aggregate,
                            "service": {"dist": "deterministic", "mean": 0.001},
                        }
                    ],
                }
            ],
            "placement": {"w.fuse": "gw"},
            "simulation": {"until": until},
        }
    )


def window_figures(result: Any) -> tuple[float, int, int]:
    """(mean wait for the window of served inputs, inputs in windows closed by the end, their
    outputs sent on)."""
    table = result.requests
    done = table[table["state"] == "done"]
    wait = float((done["fuse.start_s"] - done["fuse.arrive_s"]).mean())
    closed = table[table["fuse.done_s"].notna()]
    return wait, len(closed), int((~closed["merged"]).sum())


def test_count_window_with_periodic_inputs() -> None:
    """Inputs every 0.1 s, 5 a window: they wait 0.4, 0.3, 0.2, 0.1, 0 s, a mean of 0.2 s."""
    result = simulate(windowed({"count": 5}), seed=1)
    wait, inputs, outputs = window_figures(result)
    assert wait == pytest.approx(0.2, abs=1e-9)
    assert inputs == 600 and outputs == inputs / 5
    links = result.links
    up = links[(links["link"] == "gw--dc") & (links["direction"] == "up")]
    assert up["bytes"].sum() == outputs * OUTPUT  # before: one output per input, 600 kB
    assert result.requests["bytes"].sum() == links["bytes"].sum()
    latency = result.requests["latency_s"].mean()
    assert latency == pytest.approx(0.2 + 0.001, abs=1e-5)  # + the inference, links ~ 0


def test_time_window_with_periodic_inputs() -> None:
    """A 0.45 s window opened by an input at t holds the inputs at t, t + 0.1 ... t + 0.4: they
    wait 0.45, 0.35 ... 0.05 s, a mean of 0.25 s; one output per 5 inputs."""
    result = simulate(windowed({"window": 0.45}), seed=1)
    wait, inputs, outputs = window_figures(result)
    assert wait == pytest.approx(0.25, abs=1e-9)
    assert inputs > 590 and outputs == inputs / 5


@pytest.mark.parametrize("aggregate", [{"window": 1.0}, {"count": 8}, {"window": 1.0, "count": 10}])
def test_poisson_windows_match_the_estimate(aggregate: dict[str, Any]) -> None:
    """Ten Poisson sensors (10 inputs/s in all) for 2,000 s: the engine's mean wait and bytes
    above the gateway agree with the closed form within 3 %."""
    scenario = windowed(aggregate, arrival="poisson", devices=10, until=2000.0)
    result = simulate(scenario, seed=2)
    wait, inputs, outputs = window_figures(result)
    expected_wait, outputs_per_input = window_wait(
        aggregate.get("window"), aggregate.get("count"), 10.0
    )
    assert wait == pytest.approx(expected_wait, rel=0.03)
    assert outputs / inputs == pytest.approx(outputs_per_input, rel=0.03)
    est = estimate(scenario)
    engine_latency = result.summary()["workloads"]["w"]["latency_mean_s"]
    assert est.workloads["w"].latency_s == pytest.approx(engine_latency, rel=0.03)
    boundary = "aggregation_edge|on_prem"
    engine_up = result.summary()["boundaries"][boundary]["up_bytes_per_s"]
    assert est.boundaries[boundary].up_bytes_per_s == pytest.approx(engine_up, rel=0.03)
    assert est.boundaries[boundary].up_bytes_per_s == pytest.approx(
        10.0 * outputs_per_input * OUTPUT
    )


def test_merged_inputs_share_their_carriers_fate() -> None:
    result = simulate(windowed({"count": 5}), seed=1)
    table = result.requests
    merged = table[table["merged"]]
    assert len(merged) == 480
    assert set(merged["outcome"].astype(str)) == {"primary"}
    carriers = table[~table["merged"]]
    assert set(merged["end_s"]) <= set(carriers["end_s"])  # each ends with its carrier
    assert (merged["bytes"] == 100.0).all() and (carriers["bytes"] == 100.0 + OUTPUT).all()
    accounting = result.accounting()["w"]
    assert accounting["generated"] == sum(accounting["outcomes"].values())


def test_an_open_window_at_the_end_is_in_flight() -> None:
    result = simulate(windowed({"window": 100.0}), seed=1)  # never closes within 60 s
    table = result.requests
    assert (table["state"] == "in_flight").all()
    assert result.accounting()["w"]["generated"] == len(table)


def test_aggregate_true_keeps_one_output_per_input() -> None:
    """``aggregate: true`` stays the placement rule alone (documented default: no window)."""
    result = simulate(windowed(True), seed=1)
    wait, inputs, outputs = window_figures(result)
    assert wait == 0.0 and outputs == inputs == 600
    assert not result.requests["merged"].any()


def test_window_in_a_file_round_trips_and_mistakes_are_one_clear_line(tmp_path: Path) -> None:
    scenario = windowed({"window": 10.0, "count": 50})
    path = tmp_path / "windows.yaml"
    save_scenario(scenario, path)
    assert "window: 10 s" in path.read_text()
    assert load_scenario(path) == scenario
    for bad, message in (
        ("{}", "give a 'window' (e.g. '10 s'), a 'count' (e.g. 50) or both"),
        ("{window: 10}", "window: 10 has no unit"),
        ("{windw: 10 s}", "'windw' is not a field here; did you mean 'window'?"),
        ("{count: 0}", "count: 0 is less than 1; give a value at least 1"),
    ):
        data = yaml.safe_load(path.read_text())
        data["workloads"][0]["stages"][0]["aggregate"] = yaml.safe_load(bad)
        broken = tmp_path / "broken.yaml"
        broken.write_text(yaml.safe_dump(data))
        with pytest.raises(ScenarioError) as caught:
            load_scenario(broken)
        problems = caught.value.problems
        assert len(problems) == 1, problems
        assert problems[0].path == "workloads[0].stages[0].aggregate"
        assert message in problems[0].message


def test_window_wait_closed_forms() -> None:
    assert window_wait(None, 5, 10.0) == (pytest.approx(0.2), pytest.approx(0.2))
    wait, ratio = window_wait(1.0, None, 10.0)
    assert wait == pytest.approx((1 + 10 / 2) / 11) and ratio == pytest.approx(1 / 11)
    # Both: a count far above the expected arrivals acts as no count, and one far below as
    # no window; in between, a window closes at whichever comes first: shorter than either.
    assert window_wait(1.0, 1000, 10.0)[0] == pytest.approx(window_wait(1.0, None, 10.0)[0])
    assert window_wait(100.0, 3, 10.0)[0] == pytest.approx(window_wait(None, 3, 10.0)[0])
    both = window_wait(1.0, 10, 10.0)[0]
    assert both < min(window_wait(None, 10, 10.0)[0], window_wait(1.0, None, 10.0)[0])
    assert np.isfinite(window_wait(10.0, 3000, 300.0)[0])


@settings(max_examples=40, deadline=None, derandomize=True)
@given(
    st.lists(
        st.tuples(
            st.sampled_from([("link", "dev--gw"), ("link", "gw--dc"), ("node", "gw")]),
            st.floats(0, 20),
            st.floats(0.1, 10),
        ),
        max_size=3,
    ),
    st.sampled_from([{"window": 0.5}, {"count": 4}, {"window": 2.0, "count": 7}]),
    st.booleans(),
    st.integers(0, 1000),
)
def test_windows_under_failures_lose_nothing(
    outages: list[tuple[tuple[str, str], float, float]],
    aggregate: dict[str, Any],
    buffer: bool,
    seed: int,
) -> None:
    scenario = windowed(aggregate, arrival="poisson", devices=3, until=30.0)
    scenario.nodes[1].storage_bytes = 5e3
    workload = scenario.workloads[0]
    workload.degraded = workload.degraded.model_copy(update={"buffer": buffer, "deadline_s": 5.0})
    scenario.failures = [
        Failure.model_validate({kind: target, "at": at, "duration": duration})
        for (kind, target), at, duration in outages
    ]
    result = simulate(scenario, seed=seed)
    accounting = result.accounting()["w"]
    assert accounting["generated"] == sum(accounting["outcomes"].values())
    held = accounting["bytes_received"] + accounting["bytes_dropped"] + accounting["bytes_held"]
    assert np.isclose(accounting["bytes_sent"], held)
    table = result.requests
    merged = table[table["merged"] & (table["state"] != "in_flight")]
    carriers = table[~table["merged"]].set_index("end_s")["outcome"].astype(str)
    for end, outcome in zip(merged["end_s"], merged["outcome"].astype(str), strict=True):
        assert outcome in set(carriers.loc[[end]])
