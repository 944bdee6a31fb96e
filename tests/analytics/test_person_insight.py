"""Person insight on a hand-made history; every expected value is computed by hand in the comments."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from cadence.analytics.history import build_history
from cadence.analytics.milestones import item_milestones
from cadence.analytics.person_insight import INSIGHT_COLUMNS, insight_distribution, person_insight, review_stages
from cadence.analytics.team_frames import TeamFrames
from cadence.analytics.workflow import DEFAULT_WORKFLOW
from cadence.domain import frames as F

ANN, BOB, CY = 1, 2, 3
NOW = dt.datetime(2026, 3, 31, 12, tzinfo=dt.UTC)
SINCE = NOW - dt.timedelta(weeks=4)  # 2026-03-03 12:00


def at(day: int, month: int = 3) -> dt.datetime:
    return dt.datetime(2026, month, day, 12, tzinfo=dt.UTC)


def _result(people: list[int]) -> pl.DataFrame:
    items = pl.DataFrame(
        {
            "item_id": [10, 11, 12, 13, 14, 15, 16],
            "key": [f"T-{i}" for i in range(10, 17)],
            "type": ["story", "bug", "story", "incident", "story", "story", "story"],
            "status": ["In Progress", "In Progress", "Backlog", "Done", "Done", "Done", "Review"],
            "estimate": [3.0, None, 5.0, 1.0, 2.0, 8.0, 2.0],
            "assignee_id": [ANN, ANN, ANN, ANN, ANN, BOB, ANN],
            "created_at": [at(1, 2)] * 7,
        }
    )
    moves = [  # item, from, to, at, by
        (10, "Backlog", "In Progress", at(21), ANN),  # age 10 days
        (11, "Backlog", "In Progress", at(29), ANN),  # age 2 days
        (13, "Backlog", "In Progress", at(10), ANN),
        (13, "In Progress", "Done", at(12), ANN),  # delivered in the window, an incident
        (14, "Backlog", "In Progress", at(5), ANN),
        (14, "In Progress", "Review", at(8), ANN),
        (14, "Review", "Done", at(14), BOB),  # Bob moves it out of review: one review for Bob
        (15, "Backlog", "In Progress", at(10, 2), BOB),
        (15, "In Progress", "Done", at(20, 2), BOB),  # delivered before the window
        (16, "Backlog", "In Progress", at(20), BOB),  # age 11 days
        (16, "In Progress", "Review", at(25), BOB),  # into review: not a review
    ]
    transitions = pl.DataFrame(moves, schema=["item_id", "from_status", "to_status", "at", "by_id"], orient="row")
    assignees = pl.DataFrame(
        {"item_id": [16], "from_id": [BOB], "to_id": [ANN], "at": [at(26)]}  # handed to Ann in review: Ann reviews it
    )
    flags = pl.DataFrame(
        {
            "item_id": [10, 10, 11, 15, 15],
            "flagged": [True, False, True, True, False],
            # 10: 03-01..03-05 12:00, clipped to the window from 03-03 12:00 = 2 days; 11: 03-30 12:00 until now = 1 day
            "at": [at(1), at(5), at(30), at(12, 2), at(14, 2)],
        }
    )
    frames = TeamFrames(items=items, transitions=transitions, flag_changes=flags).conformed()
    history = build_history(frames.items, frames.transitions, DEFAULT_WORKFLOW)
    return person_insight(
        milestones=item_milestones(history.intervals, frames.items, DEFAULT_WORKFLOW),
        intervals=history.intervals,
        items=frames.items,
        transitions=frames.transitions,
        assignee_changes=F.conform(assignees, F.READ_ASSIGNEE_CHANGES),
        flag_changes=frames.flag_changes,
        workflow=DEFAULT_WORKFLOW,
        people=people,
        since=SINCE,
        until=NOW,
        now=NOW,
    )


def test_each_measure_matches_the_hand_computed_value() -> None:
    result = _result([ANN, BOB, CY])
    ann, bob, cy = result.to_dicts()
    assert ann == {
        "person_id": ANN,
        "queued_items": 1,  # T-12 in the backlog
        "wip_items": 3,  # T-10, T-11, T-16
        "wip_points": 5.0,  # 3 + unestimated 0 + 2
        "age_median_days": 10.0,  # ages 10, 2, 11
        "age_oldest_days": 11.0,
        "delivered": 2,  # T-13, T-14
        "unplanned": 1,  # T-13, an incident
        "interrupt_share": 0.5,
        "blocked_days": 3.0,  # 2 (T-10, clipped) + 1 (T-11, still flagged)
        "blocked_items": 2,
        "review_items": 1,  # T-16 handed to her in review
    }
    assert bob["review_items"] == 1  # T-14 out of review; T-16 into review does not count
    assert (bob["wip_items"], bob["delivered"], bob["blocked_days"]) == (0, 0, 0.0)  # T-15 finished before
    assert bob["interrupt_share"] is None and bob["age_median_days"] is None
    assert cy == {"person_id": CY, **{c: (None if c in {"age_median_days", "age_oldest_days", "interrupt_share"}
                                          else 0) for c in INSIGHT_COLUMNS}}  # fmt: skip


def test_people_keep_the_order_given_never_a_metric_order() -> None:
    assert _result([CY, ANN, BOB])["person_id"].to_list() == [CY, ANN, BOB]
    assert _result([BOB, CY, ANN])["person_id"].to_list() == [BOB, CY, ANN]


def test_the_distribution_has_no_names() -> None:
    distribution = insight_distribution(_result([ANN, BOB, CY]))
    assert distribution["wip_items"] == {"people": 3, "total": 3.0, "p25": 0.0, "median": 0.0, "p75": 1.5}
    assert distribution["age_median_days"] == {"people": 1, "total": None, "p25": 10.0, "median": 10.0, "p75": 10.0}
    assert distribution["review_items"]["total"] == 2.0
    assert "person_id" not in distribution and all("person" not in str(v) for v in distribution.values())


def test_review_stages_are_those_named_review() -> None:
    assert [DEFAULT_WORKFLOW.stages[i].name for i in review_stages(DEFAULT_WORKFLOW)] == ["Review"]


@pytest.mark.parametrize("people", [[], [99]])
def test_no_people_or_a_stranger(people: list[int]) -> None:
    result = _result(people)
    assert result["person_id"].to_list() == people
