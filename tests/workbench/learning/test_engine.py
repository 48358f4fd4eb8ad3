"""The learning loop in the engine: drift, detection, retraining, recovery, bytes, residency,
GPU competition (each test fails if its behaviour breaks)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from workbench.errors import ScenarioError
from workbench.learning.bound import adwin_delay_bound
from workbench.scenario import Drift, Failure, Scenario
from workbench.sim import Simulation, simulate

from .conftest import drift_scenario, inspection_only

LABEL_RATE = 8 * 15 * 0.25  # cameras x fps x labelled share: labels per second at line-gw


def no_drift(scenario: Scenario) -> Scenario:
    s = scenario.model_copy(deep=True)
    s.drift = []
    return s


def test_no_drift_no_retraining_over_seeds() -> None:
    """Without drift ADWIN raises no alarm and nothing retrains: 0 false alarms in 6 runs of
    ~17,000 labels each (river's ADWIN at delta 0.002 measured 0 in 720,000, README)."""
    scenario = no_drift(inspection_only(drift_scenario()))
    labels = 0
    for seed in range(6):
        sim = Simulation(scenario, until=600, seed=seed)
        result = sim.run()
        assert result.detections().empty
        summary = result.summary()["learning"]
        assert summary["loops"]["defect-loop"]["retrainings"] == 0
        assert summary["episodes"] == []
        assert not any(k in set(result.events["kind"]) for k in ("retrain_start", "upload_end"))
        labels += sim.control.labels.delivered
    assert labels > 6 * 550 * LABEL_RATE


def test_a_loop_that_never_fires_changes_nothing() -> None:
    """Declaring a loop draws nothing from the run's streams: every prediction is the same."""
    with_loop = no_drift(inspection_only(drift_scenario()))
    without = with_loop.model_copy(update={"learning": []})
    a = simulate(with_loop, until=120, seed=3).requests
    b = simulate(without, until=120, seed=3).requests
    assert a["correct"].equals(b["correct"]) and a["version"].astype(str).equals(
        b["version"].astype(str)
    )
    assert "feature" in a.columns and "feature" not in b.columns


@pytest.mark.parametrize("seed", range(8))
def test_step_drift_detected_within_the_bound(seed: int) -> None:
    """ADWIN on the error stream detects the step (0.05 -> 0.20 errors) after the label delay
    and within label delay + transport + N / label rate (workbench.learning.bound)."""
    scenario = inspection_only(drift_scenario())
    sim = Simulation(scenario, until=360, seed=seed)
    result = sim.run()
    found = result.detections()
    assert len(found) >= 1 and not found["false_alarm"].iloc[0]
    delay = found["t_s"].iloc[0] - 300.0
    n0 = 0.9 * LABEL_RATE * (300.0 - 10.0)  # labels before the step (at least)
    bound = adwin_delay_bound(0.05, 0.20, n0, LABEL_RATE, label_delay_s=10.0, transport_s=0.01)
    assert 10.0 < delay <= bound, (delay, bound)


def test_an_episode_completes_and_the_new_version_is_as_declared() -> None:
    """Detect, wait for samples, upload, train, canary, recover; the retrained version's true
    accuracy is its declaration (0.93 here, not the pre-drift 0.95): measured on every
    prediction it made after promotion, and on its labelled ones alone, each within 4
    binomial standard deviations (here 48,541 predictions, 0.9281, tolerance 0.0046; 12,071
    labelled, 0.9250, tolerance 0.0093)."""
    scenario = inspection_only(drift_scenario())
    scenario.learning[0].retrain.accuracy = 0.93
    scenario.learning[0].tolerance = 0.03
    sim = Simulation(scenario, until=900, seed=2)
    result = sim.run()
    row = result.learning().iloc[0]
    assert row["state"] == "recovered"
    order = ["drift_at_s", "detected_at_s", "retrain_start_s", "retrain_end_s", "recovered_at_s"]
    times = [row[c] for c in order]
    assert times == sorted(times) and not any(math.isnan(t) for t in times)
    kinds = list(result.events.query("element == 'defect-loop'")["kind"])
    for kind in ("drift_start", "detection", "samples_ready", "upload_end", "retrain_end"):
        assert kind in kinds
    requests = result.requests
    mine = requests[
        (requests["version"] == row["version"]) & (requests["end_s"] > row["recovered_at_s"])
    ]
    n = len(mine)
    assert n > 20_000
    measured = mine["correct"].astype(float).mean()
    assert abs(measured - 0.93) <= 4 * math.sqrt(0.93 * 0.07 / n)
    # and on its labelled requests alone (what the plant would measure)
    judge = next(iter(sim.control.judges.values()))
    labelled = np.frombuffer(judge.labelled, dtype=np.int8)
    rows = mine["request"].to_numpy()
    rows = rows[labelled[rows] == 1]
    n_labelled = len(rows)
    assert n_labelled > 5_000
    right = mine.set_index("request").loc[rows, "correct"].astype(float).mean()
    assert abs(right - 0.93) <= 4 * math.sqrt(0.93 * 0.07 / n_labelled)
    # the expected accuracy says the same, noise-free
    table = result.accuracy(bin_s=60)
    late = table[(table["version"] == row["version"]) & (table["t_s"] >= 600)]
    assert np.allclose(late["expected"], 0.93)
    before = table[(table["t_s"] < 300) & (table["version"] == "defect-v1")]
    assert np.allclose(before["expected"], 0.95)


def test_label_and_sample_bytes_are_on_the_links() -> None:
    """Labels to the plant DC and samples to the cloud: the plant LAN's upward bytes are
    exactly the label messages' and the WAN's exactly the samples' (nothing else goes up)."""
    s = inspection_only(drift_scenario())
    workload = s.workload("visual-inspection")
    workload.sink = None
    assert workload.labels is not None
    workload.labels.to = "plant-dc"
    s.learning[0].detector.node = "plant-dc"
    s.learning[0].retrain.node = "cloud"
    s.learning[0].retrain.samples = 300
    s.learning[0].rollout = {"strategy": "all_at_once"}
    sim = Simulation(s, until=600, seed=1)
    result = sim.run()
    assert not math.isnan(result.learning()["retrain_end_s"].iloc[0])  # the upload is over
    links = result.links.groupby(["link", "direction"])["bytes"].sum()
    learning = sim.control.learning
    plant_lan = sim.plan.links.index(next(i for i in sim.plan.links if i.id == "plant-lan"))
    label_bytes = sum(size for _, _, link, size in learning.label_hops if link == plant_lan)
    assert label_bytes > 0
    assert links[("plant-lan", "up")] == pytest.approx(label_bytes, rel=1e-12)
    assert links[("plant-lan", "up")] == pytest.approx(
        200.0 * sum(1 for _, _, link, _ in learning.label_hops if link == plant_lan)
    )
    upload = 300 * 2.2e6
    assert links[("wan", "up")] == pytest.approx(upload, rel=1e-12)
    episode = result.summary()["learning"]["episodes"][0]
    assert episode["label_bytes_up_by_boundary"]["telco_edge|cloud"] == pytest.approx(upload)


def test_the_engine_never_sends_confidential_samples_above_on_prem() -> None:
    """Validation refuses it; and should a live change ask for it, the engine refuses too:
    no sample byte leaves the plant, the episode is 'refused'."""
    s = inspection_only(drift_scenario())
    s.workload("visual-inspection").data_class = "confidential"
    s.learning[0].retrain.samples = 200
    sim = Simulation(s, until=360, seed=1)
    sim.scenario.learning[0].retrain.node = "cloud"  # behind validation's back
    result = sim.run()
    assert result.links.query("link == 'wan'")["bytes"].sum() == 0
    assert result.learning()["state"].iloc[0] == "refused"
    assert "retrain_refused" in set(result.events["kind"])


def test_training_holds_the_cards_and_inference_waits() -> None:
    """Classify runs on the plant DC; a scheduled retraining holds all 4 of its cards for
    ~40 s: frames served there during the job wait for it (latency rises) and after it the
    latency is back."""
    s = inspection_only(drift_scenario())
    s.drift = []
    s.placement["visual-inspection.classify"] = "plant-dc"
    s.node("plant-dc").versions = ["defect-v1"]
    s.learning[0].detector.node = "line-gw"  # the site's aggregation edge: labels go there
    s.learning[0].retrain = s.learning[0].retrain.model_copy(
        update={"trigger": "schedule", "at_s": [20.0], "samples": 100, "gpus": 4, "epochs": 8000}
    )
    s.learning[0].rollout = {"strategy": "all_at_once"}
    result = simulate(s, until=150, seed=1)
    row = result.learning().iloc[0]
    start, end = row["retrain_start_s"], row["retrain_end_s"]
    assert end - start == pytest.approx(100 * 8000 * 25e9 / (4 * 312e12 * 0.4))  # 40 s
    requests = result.requests.dropna(subset=["classify.start_s"])
    arrive = requests["classify.arrive_s"]
    wait = requests["classify.start_s"] - arrive
    during = wait[(arrive > start + 1) & (arrive < end - 1)]
    before = wait[arrive < start]
    after = wait[arrive > end + 20]
    assert during.min() > 1.0  # every frame arriving mid-job waits for the cards
    assert before.mean() < 0.01 and after.mean() < 0.01
    assert row["gpu_hours"] == pytest.approx(4 * (end - start) / 3600)


def test_gradual_drift_and_the_feature_shift() -> None:
    """A gradual drift ramps the expected accuracy down over 'over'; the feature moves from
    N(0, 1) to N(shift, 1)."""
    s = inspection_only(drift_scenario())
    s.learning = []
    s.drift[0] = Drift.model_validate(
        {
            "id": "g",
            "workload": "visual-inspection",
            "at": 60.0,
            "shape": "gradual",
            "over": 120.0,
            "accuracy_drop": 0.2,
            "feature_shift": 2.0,
        }
    )
    result = simulate(s, until=240, seed=1)
    table = result.accuracy(bin_s=30).query("version == 'defect-v1'").set_index("t_s")
    assert table.loc[0.0, "expected"] == pytest.approx(0.95)
    assert table.loc[120.0, "expected"] == pytest.approx(
        0.95 - 0.2 * (135 - 60) / 120, abs=0.005
    )  # bin mid
    assert table.loc[210.0, "expected"] == pytest.approx(0.75)
    requests = result.requests
    early = requests.loc[requests["created_s"] < 60, "feature"]
    late = requests.loc[requests["created_s"] > 180, "feature"]
    assert abs(early.mean()) < 0.05 and abs(early.std() - 1) < 0.05
    assert abs(late.mean() - 2.0) < 0.05


def test_feature_detector_and_live_drift() -> None:
    """A drift injected live is detected by ADWIN on the feature stream; learning_state
    follows the episode."""
    s = no_drift(inspection_only(drift_scenario()))
    s.learning[0].detector.on = "features"
    sim = Simulation(s, until=400, seed=4)
    sim.advance(to=100)
    assert sim.learning_state() == {"defect-loop": "idle"}
    sim.inject_drift(
        Drift.model_validate(
            {
                "id": "live",
                "workload": "visual-inspection",
                "at": 0.0,
                "accuracy_drop": 0.1,
                "feature_shift": 1.0,
            }
        )
    )
    sim.advance(to=101)
    assert sim.learning_state()["defect-loop"] == "waiting_for_samples"  # features: at once
    result = sim.run()
    found = result.detections()
    assert found["stream"].iloc[0] == "features" and 100 <= found["t_s"].iloc[0] < 101
    assert result.learning()["drift_at_s"].iloc[0] == 100.0
    with pytest.raises(ScenarioError, match="unknown workload"):
        sim.inject_drift(
            Drift.model_validate({"id": "x", "workload": "nope", "at": 0.0, "accuracy_drop": 0.1})
        )


def test_a_worse_retrained_version_is_rolled_back_by_the_canary() -> None:
    """Retrained at 0.70 (worse than the drifted 0.80): the canary rolls it back, the episode
    ends 'rolled_back', unrecovered."""
    s = inspection_only(drift_scenario())
    s.learning[0].retrain.accuracy = 0.70
    result = simulate(s, until=700, seed=1)
    row = result.learning().iloc[0]
    assert row["state"] == "rolled_back" and math.isnan(row["recovered_at_s"])
    assert result.rollouts()["decision"].iloc[0] == "rolled_back"


def test_the_sample_upload_pauses_on_a_cut_and_resumes() -> None:
    """Samples to the cloud across a WAN cut: the upload pauses and resumes from the last
    byte, and the WAN carries exactly the samples' bytes once."""
    s = inspection_only(drift_scenario())
    s.learning[0].retrain.node = "cloud"
    s.learning[0].retrain.samples = 300
    s.learning[0].rollout = {"strategy": "all_at_once"}
    s.failures = [Failure.model_validate({"link": "wan", "at": 340.0, "duration": 30.0})]
    sim = Simulation(s, until=700, seed=1)
    result = sim.run()
    kinds = list(result.events.query("element == 'defect-loop'")["kind"])
    assert "transfer_pause" in kinds and "transfer_resume" in kinds
    job = sim.control.learning.loops[0].jobs[0]
    assert job.transfer is not None and job.transfer.sent == pytest.approx(300 * 2.2e6)
    wan_up = result.links.query("link == 'wan' and direction == 'up'")["bytes"].sum()
    assert wan_up == pytest.approx(300 * 2.2e6, rel=1e-12)
    assert result.learning()["state"].iloc[0] == "recovered"
