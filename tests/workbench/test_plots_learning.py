"""Figures of the learning loop, from small hand-built tables shaped as the issue-12 contract
says (``Results.accuracy()`` with ``expected``, events, ``detections()``, ``learning()``,
``summary()["learning"]``)."""

from __future__ import annotations

import itertools
import math

import pandas as pd
import pytest

from tests.workbench.learning_tables import (
    ACCURACY_COLUMNS,
    LEARNING,
    accuracy_table,
    decisions_table,
    detections_table,
    episodes_table,
    events_table,
    rollouts_table,
)
from workbench.plots_learning import (
    EPISODE_COLUMNS,
    MARK_COLOURS,
    NO_EPISODES,
    accuracy_points,
    episode_table,
    label_bytes_by_loop,
    label_bytes_figure,
    learning_accuracy_figure,
    learning_marks,
    loop_rollouts,
    site_accuracy,
)
from workbench.plots_models import DECISION_COLOURS


@pytest.fixture
def accuracy() -> pd.DataFrame:
    return accuracy_table()


@pytest.fixture
def events() -> pd.DataFrame:
    return events_table()


@pytest.fixture
def detections() -> pd.DataFrame:
    return detections_table()


@pytest.fixture
def decisions() -> pd.DataFrame:
    return decisions_table()


@pytest.fixture
def rollouts() -> pd.DataFrame:
    return rollouts_table()


def test_site_accuracy_weights_the_true_accuracy_by_requests_served(
    accuracy: pd.DataFrame,
) -> None:
    table = site_accuracy(accuracy, "inspect")
    canary = table[(table["site"] == "plant-a") & (table["t_s"] == 240.0)].iloc[0]
    assert canary["served"] == 110 and canary["correct"] == 90
    assert canary["accuracy"] == pytest.approx(90 / 110)
    assert canary["expected"] == pytest.approx((100 * 0.8 + 10 * 0.95) / 110)
    assert set(table["site"]) == {"plant-a", "plant-b"}  # the other workload is left out
    everything = site_accuracy(accuracy)
    assert everything[everything["t_s"] == 0.0]["served"].sum() == 160


def test_site_accuracy_without_expected_column_gives_nan_truth(accuracy: pd.DataFrame) -> None:
    table = site_accuracy(accuracy.drop(columns=["expected"]), "inspect")
    assert table["expected"].isna().all()
    assert table["accuracy"].notna().all()


def test_points_sit_at_bin_centres_in_percent(accuracy: pd.DataFrame) -> None:
    points = accuracy_points(site_accuracy(accuracy, "inspect"), "plant-b", 60.0)
    assert list(points["measured"]["x"][:2]) == [30.0, 90.0]
    assert points["measured"]["y"][0] == pytest.approx(94.0)
    assert points["expected"]["y"][0] == pytest.approx(95.0)
    assert points["measured"]["customdata"][0] == "47 of 50 served (10 labelled)"


def test_accuracy_figure_has_a_line_and_points_per_site_and_titled_axes(
    accuracy: pd.DataFrame,
) -> None:
    figure = learning_accuracy_figure(accuracy, until_s=420, bin_s=60, workload="inspect")
    kinds = [(t.meta["site"], t.meta["kind"], t.mode) for t in figure.data]
    assert kinds == [
        ("plant-a", "expected", "lines"), ("plant-a", "measured", "markers"),
        ("plant-b", "expected", "lines"), ("plant-b", "measured", "markers"),
    ]  # fmt: skip
    assert figure.data[0].line.color == figure.data[1].marker.color  # one colour per site
    assert figure.data[0].line.color != figure.data[2].line.color
    assert figure.layout.yaxis.title.text == "accuracy (%)"
    assert figure.layout.xaxis.title.text.endswith("time (s)")
    assert all(t.endswith(" %") for t in figure.layout.yaxis.ticktext)
    low, _top = figure.layout.yaxis.range
    assert low <= 80 - 5 and low % 5 == 0  # the drifted 80 % is well inside the axis
    assert len(figure.data[1].y) == 7 and max(figure.data[1].y) == pytest.approx(95.0)


def test_every_step_of_the_loop_is_marked_and_labelled(
    accuracy: pd.DataFrame,
    events: pd.DataFrame,
    detections: pd.DataFrame,
    decisions: pd.DataFrame,
    rollouts: pd.DataFrame,
) -> None:
    figure = learning_accuracy_figure(
        accuracy, until_s=420, bin_s=60, workload="inspect", events=events,
        detections=detections, decisions=decisions, rollouts=rollouts,
        outages=[(125.0, 165.0, "fail", "wan")],
    )  # fmt: skip
    labels = {a.text: a for a in figure.layout.annotations}
    for text in (
        "drift starts", "drift full", "detected (adwin)", "false alarm", "upload",
        "retraining", "r1 rollout", "r1 promoted", "recovered",
        "wan down",
    ):  # fmt: skip
        assert text in labels, (text, sorted(labels))
    assert "manual-canary: rolled back" not in labels  # not the loop's rollout
    assert "adwin on the errors stream at line-gw" in labels["detected (adwin)"].hovertext
    assert labels["false alarm"].font.color == MARK_COLOURS["false_alarm"]
    assert labels["r1 promoted"].font.color == DECISION_COLOURS["promoted"]
    bands = [s for s in figure.layout.shapes if s.type == "rect"]
    spans = {(s.x0, s.x1) for s in bands}
    assert {(190.0, 200.0), (200.0, 260.0), (125.0, 165.0)} == spans
    lines = {s.x0 for s in figure.layout.shapes if s.type == "line"}
    assert {120.0, 180.0, 40.0, 150.0, 262.0, 300.0, 330.0} <= lines
    # labels sit above the data: the axis reaches above 100 % to make room for them
    assert figure.layout.yaxis.range[1] > 100


def test_labels_in_one_row_never_overlap(
    accuracy: pd.DataFrame, events: pd.DataFrame, detections: pd.DataFrame
) -> None:
    figure = learning_accuracy_figure(
        accuracy, until_s=420, bin_s=60, events=events, detections=detections
    )
    per_px = 420 / 760
    rows: dict[float, list[tuple[float, float]]] = {}
    for label in figure.layout.annotations:
        width = (len(label.text) * 6.6 + 8) * per_px
        low = label.x if label.xanchor == "left" else label.x - width
        rows.setdefault(label.y, []).append((low, low + width))
    for spans in rows.values():
        spans.sort()
        assert all(a[1] <= b[0] + 1e-9 for a, b in itertools.pairwise(spans))


def test_a_retraining_still_running_is_a_band_to_now(events: pd.DataFrame) -> None:
    running = events[events["t_s"] < 240]
    marks = learning_marks(running, now_s=240.0)
    band = next(m for m in marks if m.text == "retraining")
    assert (band.t_s, band.end_s) == (200.0, 240.0)
    assert [m.text for m in marks if m.text == "recovered"] == []


def test_detections_come_from_the_events_when_no_table_is_given(events: pd.DataFrame) -> None:
    marks = learning_marks(events)
    assert [m.text for m in marks if m.colour == MARK_COLOURS["detection"]] == ["detected"]


def test_with_two_loops_each_label_names_its_loop(events: pd.DataFrame) -> None:
    other = events.assign(element="vibration-loop", t_s=events["t_s"] + 1000)
    marks = learning_marks(pd.concat([events, other]))
    texts = {m.text for m in marks}
    assert {"defect-loop: drift starts", "vibration-loop: recovered"} <= texts


def test_loop_rollouts_keeps_only_retrained_versions(rollouts: pd.DataFrame) -> None:
    assert list(loop_rollouts(rollouts)["rollout"]) == ["defect-loop-r1"]
    assert loop_rollouts(rollouts, ["vibration-loop"]).empty
    assert loop_rollouts(None).empty


def test_an_empty_timeline_says_so_in_a_sentence() -> None:
    empty = pd.DataFrame(columns=ACCURACY_COLUMNS)
    figure = learning_accuracy_figure(empty, until_s=600, bin_s=10, sites=["plant-a"])
    assert [t.meta["kind"] for t in figure.data] == ["expected", "measured"]
    assert all(len(t.x) == 0 for t in figure.data)
    (note,) = [a for a in figure.layout.annotations if a.name == "empty"]
    assert note.text.startswith("No prediction has been judged yet")
    assert figure.layout.yaxis.title.text == "accuracy (%)"


def test_label_bytes_are_summed_per_loop_overepisodes_table() -> None:
    per = label_bytes_by_loop(LEARNING)
    assert per["defect-loop"]["far_edge|aggregation_edge"] == 3.0e6
    assert per["quiet-loop"] == {}


def test_label_bytes_figure_has_a_bar_per_loop_at_each_boundary_crossed() -> None:
    figure = label_bytes_figure(LEARNING)
    assert [t.name for t in figure.data] == ["defect-loop", "cloud-loop", "quiet-loop"]
    # far edge, aggregation -> on-prem, telco -> cloud; not on-prem -> telco (0 bytes)
    assert list(figure.data[0].x) == [
        "Far edge →<br>Aggregation edge", "Aggregation edge →<br>On-premises datacentre",
        "Telco edge (MEC) →<br>Hyperscale cloud",
    ]  # fmt: skip
    assert list(figure.data[0].y) == [3.0e6, 4.4e9, None]  # nothing: no bar on a log axis
    assert list(figure.data[1].y) == [3.0e6, None, 4.4e9]
    assert list(figure.data[1].text) == ["3 MB", "", "4.4 GB"]
    assert figure.layout.yaxis.title.text == "bytes up (log scale)"
    assert figure.layout.yaxis.type == "log"
    assert figure.layout.yaxis.range[0] <= 6.0 - 0.9  # 3 MB stands a decade above the axis
    assert all(t.endswith(("B", "kB", "MB", "GB")) for t in figure.layout.yaxis.ticktext)
    assert figure.layout.xaxis.title.text == "tier boundary"
    assert figure.layout.yaxis.ticktext[-1].endswith("GB")
    assert figure.data[1].customdata[2] == "4.4 GB"


def test_label_bytes_figure_without_labels_says_so() -> None:
    for learning in (None, {"episodes": [], "loops": {"l": {}}}):
        figure = label_bytes_figure(learning)
        (note,) = [a for a in figure.layout.annotations if a.name == "empty"]
        assert "No label" in note.text
        assert figure.data == ()


def test_episode_table_reads_as_an_architect_would() -> None:
    table = episode_table(episodes_table())
    assert list(table.columns) == list(EPISODE_COLUMNS.values())
    first, second = table.iloc[0], table.iloc[1]
    assert first["sites"] == "plant-a, plant-b"
    assert first["time to detect (s)"] == 30.3 and first["time to recover (s)"] == 209.9
    assert first["GPU-hours"] == 0.139
    assert first["label bytes up"] == "4.4 GB"
    assert first["excess wrong predictions"] == 4100
    assert first["retrained on"] == "plant-dc"
    assert math.isnan(second["time to detect (s)"])
    assert second["retrained on"] == "–" and second["state"] == "undetected"


def test_no_episode_gives_an_empty_table_and_a_sentence() -> None:
    table = episode_table(pd.DataFrame(columns=list(episodes_table().columns)))
    assert table.empty and list(table.columns) == list(EPISODE_COLUMNS.values())
    assert NO_EPISODES.endswith(".") and "No drift episode" in NO_EPISODES


def test_a_step_drift_gets_one_mark_not_two(events: pd.DataFrame) -> None:
    step = events.copy()
    step.loc[step["kind"] == "drift_full", "t_s"] = 120.0
    texts = [m.text for m in learning_marks(step)]
    assert "drift starts" in texts and "drift full" not in texts


def test_recovery_is_marked_when_the_episode_says_not_when_the_engine_checked(
    events: pd.DataFrame,
) -> None:
    """The engine records 'recovered' when it checks; the episode's recovered_at_s is when the
    accuracy was back: with the episodes, the mark sits there, once."""
    marks = learning_marks(events, episodes=episodes_table())
    (recovered,) = [m for m in marks if m.text == "recovered"]
    assert recovered.t_s == 329.94 and "209.9 s after the drift" in recovered.hover
    assert [m.t_s for m in learning_marks(events) if m.text == "recovered"] == [330.0]
