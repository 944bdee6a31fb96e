"""Stage intervals, milestones, cycle and lead time on hand-computed histories, asserted exactly."""

from __future__ import annotations

import polars as pl
import pytest

from cadence.analytics.cycle_time import control_chart_cycle_times, cycle_times
from cadence.analytics.flow_efficiency import flow_efficiency, summarize_flow_efficiency
from cadence.analytics.lead_time import lead_times
from cadence.analytics.milestones import item_milestones
from cadence.analytics.reopens import backward_move_events, backward_moves
from cadence.analytics.stage_time import stage_time_summary, stage_times, time_in_stage
from cadence.analytics.workflow import DEFAULT_WORKFLOW

from .histories import Team, days, row, ts


def straight() -> Team:
    return Team().item(
        1,
        ts(2024, 3, 1, 9),
        [
            (ts(2024, 3, 4, 10), "Ready"),
            (ts(2024, 3, 5, 9), "In Progress"),
            (ts(2024, 3, 7, 15), "Review"),
            (ts(2024, 3, 8, 9), "QA"),
            (ts(2024, 3, 8, 21), "Done"),
        ],
    )


def reopened() -> Team:
    return Team().item(
        2,
        ts(2024, 3, 1),
        [
            (ts(2024, 3, 2), "Ready"),
            (ts(2024, 3, 3), "In Progress"),
            (ts(2024, 3, 5), "Done"),
            (ts(2024, 3, 6), "In Progress"),
            (ts(2024, 3, 8, 12), "Done"),
        ],
    )


def test_stage_intervals_of_a_straight_item() -> None:
    intervals = straight().history().intervals
    assert intervals.select(pl.col("stage").cast(pl.String), "entered_at", "left_at").rows() == [
        ("Backlog", ts(2024, 3, 1, 9), ts(2024, 3, 4, 10)),
        ("Ready", ts(2024, 3, 4, 10), ts(2024, 3, 5, 9)),
        ("In Progress", ts(2024, 3, 5, 9), ts(2024, 3, 7, 15)),
        ("Review", ts(2024, 3, 7, 15), ts(2024, 3, 8, 9)),
        ("QA", ts(2024, 3, 8, 9), ts(2024, 3, 8, 21)),
        ("Done", ts(2024, 3, 8, 21), None),
    ]


def test_statuses_of_one_stage_merge_and_unknown_statuses_keep_the_previous_stage() -> None:
    team = Team().item(
        1,
        ts(2024, 3, 1),
        [
            (ts(2024, 3, 2), "In Progress"),
            (ts(2024, 3, 3), "Doing"),
            (ts(2024, 3, 4), "Mystery"),
            (ts(2024, 3, 5), "Done"),
        ],
    )
    history = team.history()
    assert history.intervals.select(pl.col("stage").cast(pl.String), "entered_at").rows() == [
        ("Backlog", ts(2024, 3, 1)),
        ("In Progress", ts(2024, 3, 2)),
        ("Done", ts(2024, 3, 5)),
    ]
    assert [(u.status, u.count, u.fallback_stage) for u in history.unmapped] == [("Mystery", 1, None)]


def test_transitions_are_taken_in_time_order_and_orphans_are_counted() -> None:
    team = straight()
    shuffled = team.transitions().reverse()
    orphan = pl.DataFrame(
        {"item_id": [99], "from_status": ["Backlog"], "to_status": ["Done"], "at": [ts(2024, 3, 1)], "by_id": [None]},
        schema=shuffled.schema,
    )
    from cadence.analytics.history import build_history

    history = build_history(team.items(), pl.concat([shuffled, orphan]), DEFAULT_WORKFLOW)
    assert history.intervals.height == 6 and history.orphan_transitions == 1
    assert history.intervals["entered_at"].is_sorted()


def test_cycle_and_lead_time_of_a_straight_item() -> None:
    team = straight()
    milestones = team.milestones()
    cycle = row(cycle_times(milestones), 1)
    assert cycle["start_at"] == ts(2024, 3, 4, 10) and cycle["done_at"] == ts(2024, 3, 8, 21)
    assert cycle["cycle_time_days"] == pytest.approx(days(d=4, hours=11))
    assert cycle["cycle_time_calendar_days"] == 5  # 4th..8th inclusive
    lead = row(lead_times(milestones), 1)
    assert lead["lead_time_days"] == pytest.approx(7.5)
    assert lead["lead_time_calendar_days"] == 8


def test_a_reopened_item_is_done_at_its_last_entry_into_done() -> None:
    team = reopened()
    milestones = team.milestones()
    m = row(milestones, 2)
    assert (m["done_entries"], m["reopens"], m["delivered"]) == (2, 1, True)
    cycle = row(cycle_times(milestones), 2)
    assert cycle["done_at"] == ts(2024, 3, 8, 12)
    assert cycle["cycle_time_days"] == pytest.approx(6.5)
    assert cycle["cycle_time_calendar_days"] == 7
    events = backward_move_events(team.history().intervals, DEFAULT_WORKFLOW)
    assert events.select("item_id", "at", pl.col("from_stage", "to_stage").cast(pl.String)).rows() == [
        (2, ts(2024, 3, 6), "Done", "In Progress")
    ]


def test_an_item_reopened_and_not_done_again_has_no_done_date() -> None:
    team = Team().item(
        3, ts(2024, 3, 1), [(ts(2024, 3, 2), "In Progress"), (ts(2024, 3, 3), "Done"), (ts(2024, 3, 4), "Review")]
    )
    m = row(team.milestones(), 3)
    assert (m["done"], m["done_at"], m["reopens"], m["start_at"]) == (False, None, 1, ts(2024, 3, 2))
    assert cycle_times(team.milestones()).height == 0


def test_an_item_skipping_the_commitment_stage_starts_at_the_first_later_stage() -> None:
    team = (
        Team()
        .item(3, ts(2024, 3, 1), [(ts(2024, 3, 4, 12), "In Progress"), (ts(2024, 3, 6, 12), "Done")])
        .item(4, ts(2024, 3, 1), [(ts(2024, 3, 5, 18), "Done")])
    )
    cycle = cycle_times(team.milestones())
    skipped, straight_to_done = row(cycle, 3), row(cycle, 4)
    assert (skipped["start_stage"], skipped["cycle_time_days"], skipped["cycle_time_calendar_days"]) == (
        "In Progress",
        2.0,
        3,
    )
    assert (straight_to_done["start_stage"], straight_to_done["cycle_time_days"]) == ("Done", 0.0)
    assert straight_to_done["cycle_time_calendar_days"] == 1


def test_a_trip_back_to_the_backlog_does_not_move_the_start() -> None:
    team = Team().item(
        5,
        ts(2024, 3, 1),
        [(ts(2024, 3, 2), "Ready"), (ts(2024, 3, 3), "Backlog"), (ts(2024, 3, 10), "Ready"), (ts(2024, 3, 12), "Done")],
    )
    cycle = row(cycle_times(team.milestones()), 5)
    assert cycle["cycle_time_days"] == 10.0
    pairs = backward_moves(team.history().intervals, DEFAULT_WORKFLOW)
    assert pairs.select(pl.col("from_stage", "to_stage").cast(pl.String), "moves", "items").rows() == [
        ("Ready", "Backlog", 1, 1)
    ]


def test_discarded_items_are_done_but_not_delivered() -> None:
    team = (
        Team()
        .item(6, ts(2024, 3, 1), [(ts(2024, 3, 2), "In Progress"), (ts(2024, 3, 3), "Won't Do")])
        .item(7, ts(2024, 3, 1), [(ts(2024, 3, 2), "In Progress"), (ts(2024, 3, 3), "Closed")], resolution="Duplicate")
        .item(8, ts(2024, 3, 1), [(ts(2024, 3, 2), "In Progress"), (ts(2024, 3, 3), "Closed")], resolution="Done")
    )
    milestones = team.milestones()
    assert milestones.select("item_id", "done", "delivered", "discarded").rows() == [
        (6, True, False, True),
        (7, True, False, True),
        (8, True, True, False),
    ]
    assert cycle_times(milestones)["item_id"].to_list() == [8]


def test_flow_efficiency_and_time_in_stage_of_a_straight_item() -> None:
    team = straight()
    history, milestones = team.history(), team.milestones()
    eff = row(flow_efficiency(history.intervals, milestones, DEFAULT_WORKFLOW), 1)
    # Active: In Progress 2d 6h + QA 12h = 2.75 days of a 4d 11h cycle.
    assert eff["active_days"] == pytest.approx(2.75)
    assert eff["efficiency"] == pytest.approx(2.75 / days(d=4, hours=11))
    per_stage = time_in_stage(history.intervals, now=ts(2024, 3, 10, 21))
    assert per_stage.select(pl.col("stage").cast(pl.String), "days", "visits").rows() == [
        ("Backlog", pytest.approx(days(d=3, hours=1)), 1),
        ("Ready", pytest.approx(days(hours=23)), 1),
        ("In Progress", pytest.approx(2.25), 1),
        ("Review", pytest.approx(0.75), 1),
        ("QA", pytest.approx(0.5), 1),
        ("Done", pytest.approx(2.0), 1),  # open: counted up to now
    ]
    summary = stage_time_summary(per_stage, DEFAULT_WORKFLOW)
    assert summary.filter(pl.col("stage") == "Review").select("items", "p50_days").row(0) == (1, pytest.approx(0.75))


def test_flow_efficiency_aggregate_weighs_items_by_their_cycle_time() -> None:
    team = straight().item(2, ts(2024, 3, 1), [(ts(2024, 3, 2), "In Progress"), (ts(2024, 3, 3), "Done")])
    per_item = flow_efficiency(team.history().intervals, team.milestones(), DEFAULT_WORKFLOW)
    summary = summarize_flow_efficiency(per_item)
    assert summary["aggregate"] == pytest.approx((2.75 + 1.0) / (days(d=4, hours=11) + 1.0))
    assert summary["n"] == 2


def test_control_chart_cycle_time_sums_every_visit_to_the_chosen_stages() -> None:
    team = reopened()
    control = control_chart_cycle_times(
        team.history().intervals, team.milestones(), DEFAULT_WORKFLOW, ["In Progress"], now=ts(2024, 4, 1)
    )
    # In Progress 3rd -> 5th, then 6th -> 8th noon.
    assert row(control, 2)["days"] == pytest.approx(4.5)
    with pytest.raises(ValueError, match="'Testing' is not a stage"):
        control_chart_cycle_times(
            team.history().intervals, team.milestones(), DEFAULT_WORKFLOW, ["Testing"], now=ts(2024, 4, 1)
        )


def test_milestones_do_not_depend_on_the_order_of_the_items_frame() -> None:
    team = reopened().item(1, ts(2024, 3, 1), [(ts(2024, 3, 2), "Ready")]).item(9, ts(2024, 3, 1))
    history = team.history()
    shuffled = team.items().reverse()
    assert item_milestones(history.intervals, shuffled, DEFAULT_WORKFLOW).equals(team.milestones())


def test_the_stage_summary_is_the_same_from_the_matrix_and_from_the_long_frame() -> None:
    team = straight().item(2, ts(2024, 3, 1), [(ts(2024, 3, 2), "In Progress"), (ts(2024, 3, 6), "Review")])
    intervals = team.history().intervals
    now = ts(2024, 3, 10)
    from_matrix = stage_time_summary(stage_times(intervals, now=now), DEFAULT_WORKFLOW)
    from_frame = stage_time_summary(time_in_stage(intervals, now=now), DEFAULT_WORKFLOW)
    assert from_matrix.equals(from_frame)
    assert from_matrix.filter(pl.col("stage") == "In Progress")["items"].item() == 2
