"""Figures of models flowing down, from small hand-built tables that follow the contract."""

from __future__ import annotations

import pandas as pd
import pytest

from workbench.plots_models import (
    DECISION_COLOURS,
    VERSION_COLOURS,
    DecisionMark,
    accuracy_by_version,
    accuracy_figure,
    decision_marks,
    mark_layout,
    node_rows,
    progress_from_transfers,
    rollout_progress_figure,
    transfer_states,
    update_progress,
    version_colours,
    version_timeline_figure,
)

TIMELINE_COLUMNS = ["node", "model", "version", "start_s", "end_s", "share"]
DECISION_COLUMNS = [
    "t_s", "rollout", "decision", "n_old", "n_new", "accuracy_old", "accuracy_new",
    "statistic", "threshold",
]  # fmt: skip
TIERS = {"gw1": "aggregation_edge", "gw2": "aggregation_edge", "cam1": "far_edge", "dc": "cloud"}


@pytest.fixture
def timeline() -> pd.DataFrame:
    """gw1 runs a 10 % canary of det-v2 from 100 s to 250 s; cam1 switches at 150 s."""
    return pd.DataFrame(
        [
            ("gw1", "det", "det-v1", 0.0, 100.0, 1.0),
            ("gw1", "det", "det-v1", 100.0, 250.0, 0.9),
            ("gw1", "det", "det-v2", 100.0, 250.0, 0.1),
            ("gw1", "det", "det-v1", 250.0, 400.0, 1.0),
            ("gw2", "det", "det-v1", 0.0, 400.0, 1.0),
            ("cam1", "det", "det-v1", 0.0, 150.0, 1.0),
            ("cam1", "det", "det-v2", 150.0, 400.0, 1.0),
            ("dc", "llm", "llm-a", 0.0, 400.0, 1.0),
        ],
        columns=TIMELINE_COLUMNS,
    )


@pytest.fixture
def decisions() -> pd.DataFrame:
    return pd.DataFrame(
        [
            (250.0, "canary-v2", "rolled_back", 200, 200, 0.95, 0.85, 3.1, 2.9),
            (255.0, "ab-v3", "promoted", 150, 150, 0.9, 0.93, 1.2, 0.8),
        ],
        columns=DECISION_COLUMNS,
    )


@pytest.fixture
def accuracy() -> pd.DataFrame:
    """det-v1 right 95 of 100 served per bin (two sites), det-v2 17 of 20 while canaried."""
    rows = []
    for t in range(0, 400, 50):
        rows.append((t, "inspect", "line-a", "det-v1", 50, 10, 48))
        rows.append((t, "inspect", "line-b", "det-v1", 50, 10, 47))
        if 100 <= t < 250:
            rows.append((t, "inspect", "line-a", "det-v2", 20, 6, 17))
    table = pd.DataFrame(
        rows, columns=["t_s", "workload", "site", "version", "served", "labelled", "correct"]
    )
    return table.assign(accuracy=table["correct"] / table["served"])


def test_version_colours_follow_the_declared_order_and_skip_no_version() -> None:
    colours = version_colours(["det-v1", "", "det-v2", "det-v1"])
    assert colours == {"det-v1": VERSION_COLOURS[0], "det-v2": VERSION_COLOURS[1]}
    assert "#e63946" not in colours.values()


def test_nodes_are_drawn_highest_tier_first_and_in_natural_order() -> None:
    levels = {"far_edge": 1, "aggregation_edge": 2, "cloud": 5}
    tiers = {
        "gw10": "aggregation_edge",
        "gw2": "aggregation_edge",
        "cam": "far_edge",
        "dc": "cloud",
    }
    assert node_rows(["gw10", "cam", "gw2", "dc"], tiers, levels) == ["dc", "gw2", "gw10", "cam"]


def test_timeline_has_one_trace_per_version_as_its_colour_key(timeline: pd.DataFrame) -> None:
    colours = version_colours(["det-v1", "det-v2", "llm-a"])
    figure = version_timeline_figure(timeline, until_s=400, tiers=TIERS, colours=colours)
    assert [t.name for t in figure.data] == ["det-v1", "det-v2", "llm-a"]
    assert [t.marker.color for t in figure.data] == list(colours.values())
    assert figure.layout.xaxis.title.text == "simulated time (s)"
    assert figure.layout.yaxis.title.text == "node"
    assert list(figure.layout.yaxis.ticktext) == ["dc", "gw1", "gw2", "cam1"]
    tiers = [a.text for a in figure.layout.annotations if (a.name or "").startswith("tier")]
    assert tiers == ["Hyperscale cloud", "Aggregation edge", "Far edge"]  # catalogue names
    v2 = figure.data[1]
    spans = sorted(zip(v2.base, v2.x, strict=True))
    assert spans == [(100.0, 150.0), (150.0, 250.0)]  # the canary on gw1, then cam1 from 150 s


def test_a_canary_splits_its_row_with_hatched_labelled_bars(timeline: pd.DataFrame) -> None:
    figure = version_timeline_figure(timeline, until_s=400)
    v1, v2 = figure.data[0], figure.data[1]
    canary = next(i for i, base in enumerate(v2.base) if base == 100.0)
    old = [i for i, (b, x) in enumerate(zip(v1.base, v1.x, strict=True)) if (b, x) == (100, 150)]
    assert v2.marker.pattern.shape[canary] == "/" and v1.marker.pattern.shape[old[0]] == "/"
    assert v2.width[canary] < v1.width[old[0]] and v2.width[canary] > 0.2  # visible, smaller
    assert v2.width[canary] + v1.width[old[0]] == pytest.approx(0.8)  # together one full row
    assert "det-v1 90 %" in v1.text[old[0]] and "det-v2 10 %" in v1.text[old[0]]
    assert v1.marker.pattern.shape[0] == ""  # the legend shows the plain colour
    full = [i for i, b in enumerate(v1.base) if b == 0.0]
    assert all(v1.width[i] == pytest.approx(0.8) for i in full)


def test_an_open_segment_ends_at_the_end_of_the_run(timeline: pd.DataFrame) -> None:
    timeline.loc[timeline["node"] == "gw2", "end_s"] = float("nan")
    figure = version_timeline_figure(timeline, until_s=300)
    assert max(b + x for b, x in zip(figure.data[0].base, figure.data[0].x, strict=True)) == 300


def test_timeline_marks_decisions(timeline: pd.DataFrame, decisions: pd.DataFrame) -> None:
    figure = version_timeline_figure(timeline, until_s=400, decisions=decisions)
    lines = [s for s in figure.layout.shapes if (s.name or "").startswith("decision")]
    assert [(s.x0, s.line.color) for s in lines] == [
        (250.0, DECISION_COLOURS["rolled_back"]),
        (255.0, DECISION_COLOURS["promoted"]),
    ]
    assert figure.layout.yaxis.range[1] < -0.5  # room above the top row for the labels


def test_an_empty_timeline_says_so_in_a_sentence() -> None:
    figure = version_timeline_figure(pd.DataFrame(columns=TIMELINE_COLUMNS), until_s=60)
    assert not figure.data
    assert figure.layout.annotations[0].text == "No node runs a declared model version."


def test_accuracy_sums_sites_per_version(accuracy: pd.DataFrame) -> None:
    table = accuracy_by_version(accuracy)
    v1 = table[(table["version"] == "det-v1") & (table["t_s"] == 0)].iloc[0]
    assert (v1["served"], v1["labelled"], v1["correct"], v1["accuracy"]) == (100, 20, 95, 0.95)
    assert set(table.loc[table["version"] == "det-v2", "t_s"]) == {100, 150, 200}


def test_accuracy_figure_has_a_line_per_version_and_decisions_marked(
    accuracy: pd.DataFrame, decisions: pd.DataFrame
) -> None:
    rollouts = pd.DataFrame(
        [("canary-v2", "det-v2", "canary", 100.0)],
        columns=["rollout", "version", "strategy", "start_s"],
    )
    figure = accuracy_figure(
        accuracy, until_s=400, decisions=decisions, rollouts=rollouts,
        true_accuracy={"det-v1": 0.95, "det-v2": 0.85},
    )  # fmt: skip
    lines = [t for t in figure.data if t.meta["kind"] == "accuracy"]
    assert [t.name for t in lines] == ["det-v1", "det-v2"]
    assert list(lines[0].x[:2]) == [25, 75]  # bin centres, 50 s bins
    assert list(lines[1].y) == pytest.approx([85.0] * 3)
    assert [t.name for t in figure.data if t.meta["kind"] == "true-accuracy"] == [
        "det-v1: true 95 %",
        "det-v2: true 85 %",
    ]
    assert figure.layout.yaxis.title.text == "accuracy of served predictions (%)"
    assert figure.layout.yaxis.ticktext[-1] == "100 %" and figure.layout.yaxis.range[1] > 100
    assert figure.layout.xaxis.title.text == "simulated time (s)"
    texts = [a.text for a in figure.layout.annotations]
    assert texts == ["canary-v2 starts", "canary-v2: rolled back", "ab-v3: promoted"]
    back = figure.layout.annotations[1]
    assert "200 old, 200 new" in back.hovertext and "95.0 % old, 85.0 % new" in back.hovertext
    assert "statistic 3.1 against threshold 2.9" in back.hovertext
    dashes = [s.line.dash for s in figure.layout.shapes]
    assert dashes == ["dot", "dash", "dash"]


def test_decision_labels_never_overprint() -> None:
    """Ten decisions two seconds apart on a 400 s axis: every label placed clears the others
    in its row; those with no room are left out, their lines kept."""
    marks = [
        DecisionMark(100 + 2 * i, f"rollout-{i}: rolled back", "", "#b03a2e") for i in range(10)
    ]
    shapes, labels, free = mark_layout(marks, 400, 250, width_px=760, rows=3)
    assert len(shapes) == 10 and len(labels) == 3 and 0 < free < 0.5
    for a in labels:
        assert a["xanchor"] == "left"
    rows = {}
    for a in labels:
        rows.setdefault(a["y"], []).append(a)
    assert all(len(group) == 1 for group in rows.values())  # one label per row here
    late = mark_layout([DecisionMark(399, "late: promoted", "", "#1e7b45")], 400, 250)[1]
    assert late[0]["xanchor"] == "right"  # runs leftward rather than off the plot


def test_decision_marks_read_nan_evidence_as_a_dash() -> None:
    table = pd.DataFrame(
        [(10.0, "all", "completed", 0, 0, float("nan"), float("nan"), float("nan"), 0.0)],
        columns=DECISION_COLUMNS,
    )
    (mark,) = decision_marks(table)
    assert mark.text == "all: completed" and "– % old" in mark.hover


def test_accuracy_without_served_requests_says_so(accuracy: pd.DataFrame) -> None:
    figure = accuracy_figure(accuracy.iloc[:0], until_s=400)
    assert [t.meta["kind"] for t in figure.data if t.meta] == []
    assert "No request was served by a declared version" in figure.layout.annotations[0].text


def test_rollout_progress_per_node_in_percent_with_bytes() -> None:
    figure = rollout_progress_figure(
        {"push-v2": {"gw10": 0.0, "gw2": 0.4, "gw1": 1.0}},
        versions={"push-v2": "det-v2"},
        colours=version_colours(["det-v1", "det-v2"]),
        sizes={"push-v2": 4e9},
    )
    (bars,) = figure.data
    assert bars.name == "push-v2 → det-v2" and bars.marker.color == VERSION_COLOURS[1]
    assert list(bars.y) == ["gw1", "gw2", "gw10"] and list(bars.x) == [100.0, 40.0, 0.0]
    assert list(bars.text) == ["done", "40 %", "0 %"]
    assert bars.customdata[1] == "(1.6 GB of 4 GB)"
    assert figure.layout.xaxis.title.text == "checkpoint received (%)"
    update_progress(figure, {"push-v2": {"gw10": 0.5, "gw2": 1.0, "gw1": 1.0}})
    assert list(figure.data[0].x) == [100.0, 100.0, 50.0]


def test_progress_from_transfers_counts_bytes_against_the_checkpoint() -> None:
    transfers = pd.DataFrame(
        [
            ("push", "gw1", 0, 0.0, 10.0, 4e9, 0, "done"),
            ("push", "gw2", 0, 0.0, None, 1e9, 1, "paused"),
            ("push", "cams", 0, 0.0, 9.0, 4e9, 0, "done"),
            ("push", "cams", 1, 0.0, None, 0.0, 0, "queued"),
        ],
        columns=["rollout", "node", "instance", "start_s", "end_s", "bytes", "pauses", "state"],
    )
    expected = {"push": {"gw1": 1.0, "gw2": 0.25, "cams": 0.5}}  # a group: mean of instances
    assert progress_from_transfers(transfers, {"push": 4e9}) == expected


def test_no_rollout_says_so() -> None:
    figure = rollout_progress_figure({})
    assert figure.layout.annotations[0].text == "No rollout has started."


def test_transfers_and_outages_show_on_the_timeline(timeline: pd.DataFrame) -> None:
    """The checkpoint's transfer is a thin bar above its node (a group's instances as one,
    an unfinished one drawn to the end); an outage is a shaded, labelled band."""
    transfers = pd.DataFrame(
        [
            ("canary-v2", "gw1", 0, 20.0, 95.0, 98e6, 1, "done"),
            ("canary-v2", "cam1", 0, 20.0, None, 40e6, 0, "paused"),
        ],
        columns=["rollout", "node", "instance", "start_s", "end_s", "bytes", "pauses", "state"],
    )
    figure = version_timeline_figure(
        timeline, until_s=400, transfers=transfers, versions={"canary-v2": "det-v2"},
        outages=[(30.0, 90.0, "fail", "wan")],
    )  # fmt: skip
    (bars,) = [t for t in figure.data if t.meta["kind"] == "transfer"]
    assert list(bars.base) == [20.0, 20.0] and list(bars.x) == [75.0, 380.0]
    assert bars.customdata[0][4] == 1 and bars.customdata[1][5] == "still going"
    (band,) = [s for s in figure.layout.shapes if (s.name or "").startswith("outage")]
    assert (band.type, band.x0, band.x1) == ("rect", 30.0, 90.0)
    assert "wan down" in [a.text for a in figure.layout.annotations]


def test_a_paused_transfer_says_so_on_its_bar() -> None:
    transfers = pd.DataFrame(
        [
            ("push", "gw1", 0, 0.0, None, 1e9, 1, "paused"),
            ("push", "cams", 0, 0.0, 9.0, 4e9, 0, "done"),
            ("push", "cams", 1, 0.0, None, 0.0, 0, "queued"),
            ("push", "gw2", 0, 0.0, None, 2e9, 0, "sending"),
        ],
        columns=["rollout", "node", "instance", "start_s", "end_s", "bytes", "pauses", "state"],
    )
    states = transfer_states(transfers)
    assert states == {"push": {"gw1": "paused", "cams": "queued", "gw2": "sending"}}
    figure = rollout_progress_figure(
        progress_from_transfers(transfers, {"push": 4e9}), sizes={"push": 4e9}, states=states
    )
    (bars,) = figure.data
    assert list(bars.y) == ["cams", "gw1", "gw2"]
    assert list(bars.text) == ["queued 50 %", "paused 25 %", "50 %"]
    assert bars.customdata[1] == "(1 GB of 4 GB), paused"
