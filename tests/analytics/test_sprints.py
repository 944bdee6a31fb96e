"""Sprint commitment, scope change, velocity, say/do, carry-over and unplanned share on a hand-made history."""

from __future__ import annotations

import polars as pl
import pytest

from cadence.analytics.membership import estimates_at, sprint_membership
from cadence.analytics.sprint_scope import sprint_items, sprint_scope, sprint_windows
from cadence.analytics.team_frames import SPRINTS
from cadence.analytics.unplanned import unplanned_overall, unplanned_share
from cadence.analytics.velocity import say_do, say_do_overall, velocity
from cadence.analytics.workflow import DEFAULT_WORKFLOW
from cadence.domain import frames as F

from .histories import Team, ts

NOW = ts(2024, 3, 30)


def team() -> Team:
    ready = (ts(2024, 3, 1, 10), "Ready")
    created = ts(2024, 3, 1, 9)
    return (
        Team()
        .item(1, created, [ready, (ts(2024, 3, 5), "In Progress"), (ts(2024, 3, 12), "Done")], estimate=3)
        .item(2, created, [ready, (ts(2024, 3, 5), "In Progress"), (ts(2024, 3, 14), "Done")], estimate=8)
        .item(3, created, [ready], estimate=2)
        .item(
            4,
            created,
            [(ts(2024, 3, 6), "Ready"), (ts(2024, 3, 7), "In Progress"), (ts(2024, 3, 13), "Done")],
            estimate=1,
        )
        .item(5, created, [ready, (ts(2024, 3, 10), "In Progress"), (ts(2024, 3, 20), "Done")], estimate=8)
        .item(6, created, [(ts(2024, 3, 8), "In Progress"), (ts(2024, 3, 9), "Done")], type="incident", estimate=None)
        .item(7, created, [ready, (ts(2024, 3, 10), "Won't Do")], estimate=3)
        .item(8, created, [ready, (ts(2024, 3, 11), "In Progress")], estimate=1)
        .item(9, created, [ready, (ts(2024, 3, 6), "In Progress"), (ts(2024, 3, 14), "Done")], estimate=3)
    )


def sprints() -> pl.DataFrame:
    return F.conform(
        pl.DataFrame(
            {
                "sprint_id": [1, 2, 3],
                "team_id": [1, 1, 1],
                "name": ["S1", "S2", "S3"],
                "state": ["closed", "closed", "future"],
                "start_at": [ts(2024, 3, 4, 8), ts(2024, 3, 18, 8), ts(2024, 4, 1, 8)],
                "end_at": [ts(2024, 3, 15, 17), ts(2024, 3, 29, 17), ts(2024, 4, 12, 17)],
                "completed_at": [ts(2024, 3, 15, 17, 30), None, None],
            }
        ),
        SPRINTS,
    )


def sprint_changes() -> pl.DataFrame:
    close = ts(2024, 3, 15, 17, 30)
    events = [
        (1, 1, "added", ts(2024, 3, 1, 12)),
        (2, 1, "added", ts(2024, 3, 2)),
        (3, 1, "added", ts(2024, 3, 3)),
        (3, 1, "removed", ts(2024, 3, 7)),
        (4, 1, "added", ts(2024, 3, 6, 10)),
        (5, 1, "added", ts(2024, 3, 1, 12)),
        (5, 2, "added", close),
        (6, 1, "added", ts(2024, 3, 8)),
        (7, 1, "added", ts(2024, 3, 2)),
        (8, 1, "added", ts(2024, 3, 2)),
        (8, 1, "removed", close),  # the close moves it on: still in S1 at its close
        (8, 2, "added", close),
        (9, 1, "added", ts(2024, 3, 2)),
        (9, 1, "removed", ts(2024, 3, 5)),
        (9, 1, "added", ts(2024, 3, 6)),
    ]
    return F.conform(
        pl.DataFrame(events, schema=["item_id", "sprint_id", "change", "at"], orient="row"), F.READ_SPRINT_CHANGES
    )


def estimate_changes() -> pl.DataFrame:
    return F.conform(
        pl.DataFrame(
            {
                "item_id": [2, 9],
                "from_value": [5.0, 2.0],
                "to_value": [8.0, 3.0],
                "at": [ts(2024, 3, 6), ts(2024, 3, 3)],
            }
        ),
        F.READ_ESTIMATE_CHANGES,
    )


def rows() -> tuple[pl.DataFrame, pl.DataFrame]:
    t = team()
    frame = sprint_items(
        sprints(), sprint_changes(), estimate_changes(), t.history().intervals, t.items(), DEFAULT_WORKFLOW, now=NOW
    )
    return frame, sprint_windows(sprints(), now=NOW)


def ids(frame: pl.DataFrame, sprint: int, flag: str) -> list[int]:
    return frame.filter((pl.col("sprint_id") == sprint) & pl.col(flag))["item_id"].sort().to_list()


def test_membership_merges_repeated_events_and_reads_removals_at_close() -> None:
    stays = sprint_membership(sprint_changes(), team().items()).filter(pl.col("item_id").is_in([8, 9]))
    assert stays.rows() == [
        (8, 1, ts(2024, 3, 2), ts(2024, 3, 15, 17, 30)),
        (8, 2, ts(2024, 3, 15, 17, 30), None),
        (9, 1, ts(2024, 3, 2), ts(2024, 3, 5)),
        (9, 1, ts(2024, 3, 6), None),
    ]


def test_estimates_of_items_never_re_estimated_or_unknown() -> None:
    probes = pl.DataFrame({"item_id": [1, 6, 404], "at": [ts(2024, 3, 1), ts(2024, 3, 1), ts(2024, 3, 1)]})
    assert estimates_at(probes, "at", estimate_changes(), team().items()).to_list() == [3.0, None, None]
    nothing = F.empty(F.READ_ESTIMATE_CHANGES)
    assert estimates_at(probes, "at", nothing, team().items()).to_list() == [3.0, None, None]


def test_estimates_are_read_as_of_an_instant() -> None:
    probes = pl.DataFrame(
        {
            "item_id": [2, 2, 2, 9, 1],
            "at": [ts(2024, 3, 1), ts(2024, 3, 6), ts(2024, 3, 7), ts(2024, 3, 4), ts(2024, 3, 4)],
        }
    )
    assert estimates_at(probes, "at", estimate_changes(), team().items()).to_list() == [5.0, 8.0, 8.0, 3.0, 3.0]


def test_commitment_is_the_snapshot_at_sprint_start_and_scope_changes_are_separate() -> None:
    frame, windows = rows()
    assert ids(frame, 1, "committed") == [1, 2, 3, 5, 7, 8, 9]
    assert ids(frame, 1, "added") == [4, 6]
    assert ids(frame, 1, "removed") == [3]
    assert ids(frame, 1, "reestimated") == [2]
    scope = sprint_scope(frame, windows).filter(pl.col("sprint_id") == 1).to_dicts()[0]
    assert {k: scope[k] for k in scope if k.endswith(("_count", "_points"))} == {
        "committed_count": 7,
        "committed_points": 25.0,  # item 2 at its pre-change 5, item 9 at its pre-start re-estimate 3
        "added_count": 2,
        "added_points": 1.0,  # the incident has no estimate
        "removed_count": 1,
        "removed_points": 2.0,
        "reestimated_count": 1,
        "reestimated_points": 3.0,
    }
    assert sprint_windows(sprints(), now=NOW)["sprint_id"].to_list() == [1, 2]  # S3 has not started


def test_velocity_carry_over_and_discards_at_close() -> None:
    frame, windows = rows()
    assert ids(frame, 1, "completed") == [1, 2, 4, 6, 9]
    assert ids(frame, 1, "carried_over") == [5, 8]
    assert ids(frame, 1, "discarded") == [7]
    per_sprint = velocity(frame, windows)
    assert per_sprint.select(
        "sprint_id",
        "completed_count",
        "completed_points",
        "carried_over_count",
        "carried_over_points",
        "discarded_count",
    ).rows() == [(1, 5, 15.0, 2, 9.0, 1), (2, 1, 8.0, 1, 1.0, 0)]


def test_say_do_per_sprint_and_pooled() -> None:
    frame, windows = rows()
    per_sprint = say_do(frame, windows)
    assert per_sprint.select(
        "sprint_id", "committed_count", "completed_committed_count", "say_do_count", "say_do_points"
    ).rows() == [
        (1, 7, 3, 3 / 7, pytest.approx(11 / 25)),
        (2, 2, 1, 0.5, pytest.approx(8 / 9)),
    ]
    overall = say_do_overall(per_sprint)
    assert overall == {
        "sprints": 2,
        "committed_count": 9,
        "committed_points": 34.0,
        "say_do_count": 4 / 9,
        "say_do_points": pytest.approx(19 / 34),
    }


def test_unplanned_share_counts_added_items_and_unplanned_types() -> None:
    frame, windows = rows()
    assert ids(frame, 1, "unplanned") == [4, 6]
    per_sprint = unplanned_share(frame, windows)
    assert per_sprint.select("sprint_id", "unplanned_count", "share_count", "share_points").rows() == [
        (1, 2, 0.4, pytest.approx(1 / 15)),
        (2, 0, 0.0, 0.0),
    ]
    assert unplanned_overall(per_sprint)["share_count"] == pytest.approx(2 / 6)


def test_a_removal_without_an_add_means_the_item_was_created_in_the_sprint() -> None:
    changes = F.conform(
        pl.DataFrame({"item_id": [1], "sprint_id": [1], "change": ["removed"], "at": [ts(2024, 3, 7)]}),
        F.READ_SPRINT_CHANGES,
    )
    assert sprint_membership(changes, team().items()).rows() == [(1, 1, ts(2024, 3, 1, 9), ts(2024, 3, 7))]
