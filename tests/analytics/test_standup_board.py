"""The walk of the board: right to left, oldest first within a column, with what changed since the last stand-up."""

from __future__ import annotations

import polars as pl
import pytest

from cadence.analytics.standup_board import board_changes, walk_the_board
from cadence.domain import frames as F

from .histories import Team, row, ts

NOW = ts(2024, 5, 16, 9)
SINCE = ts(2024, 5, 15, 9)  # yesterday's stand-up


def team() -> Team:
    created = ts(2024, 5, 1, 9)
    return (
        Team()
        .item(1, created, [(ts(2024, 5, 2, 9), "Ready"), (ts(2024, 5, 3, 9), "In Progress")])
        .item(2, created, [(ts(2024, 5, 6, 9), "In Progress"), (ts(2024, 5, 15, 10), "In Review")])
        .item(3, created, [(ts(2024, 5, 7, 9), "Ready"), (ts(2024, 5, 8, 9), "Doing"), (ts(2024, 5, 9, 9), "QA")])
        # 4 started earlier than 2 and reached review before it: it comes first in the review column.
        .item(4, created, [(ts(2024, 5, 5, 9), "Ready"), (ts(2024, 5, 14, 9), "Review")])
        # Status changes inside a stage are changes too; 5 started last of the in-progress column.
        .item(5, created, [(ts(2024, 5, 10, 9), "In Progress"), (ts(2024, 5, 15, 12), "Doing")])
        .item(6, created, [(ts(2024, 5, 2, 9), "Ready")])  # committed, not in progress: not on the walk
        .item(7, created, [(ts(2024, 5, 2, 9), "In Progress"), (ts(2024, 5, 15, 11), "Done")])  # done yesterday
    )


def events() -> dict[str, pl.DataFrame]:
    assignees = pl.DataFrame(
        {
            "item_id": [1, 1, 2],
            "from_id": [None, 10, 10],
            "to_id": [10, 11, 12],
            "at": [ts(2024, 5, 3, 9), ts(2024, 5, 15, 14), ts(2024, 5, 16, 8)],
        }
    )
    flags = pl.DataFrame(
        {
            "item_id": [3, 3, 1],
            "flagged": [True, False, True],
            "at": [ts(2024, 5, 14, 9), ts(2024, 5, 15, 16), ts(2024, 5, 15, 17)],
        }
    )
    estimates = pl.DataFrame(
        {
            "item_id": [5, 5],
            "from_value": [None, 3.0],
            "to_value": [3.0, 5.0],
            "at": [ts(2024, 5, 10, 9), ts(2024, 5, 15, 13)],
        }
    )
    return {
        "assignee_changes": F.conform(assignees, F.READ_ASSIGNEE_CHANGES),
        "flag_changes": F.conform(flags, F.READ_FLAG_CHANGES),
        "estimate_changes": F.conform(estimates, F.READ_ESTIMATE_CHANGES),
    }


def people() -> pl.DataFrame:
    return pl.DataFrame({"person_id": [10, 11], "name": ["Ann", "Bo"]})


def test_the_board_is_walked_right_to_left_oldest_first() -> None:
    t = team()
    board = walk_the_board(t.history(), t.items(), since=SINCE, now=NOW, people=people(), **events())
    assert board.select("position", "key", "stage").rows() == [
        (1, "T-3", "QA"),
        (2, "T-4", "Review"),
        (3, "T-2", "Review"),
        (4, "T-1", "In Progress"),
        (5, "T-5", "In Progress"),
    ]
    assert row(board, 2)["age_days"] == 10.0  # started 6 May at 09:00 (straight into In Progress)
    assert row(board, 2)["days_in_stage"] == pytest.approx(23 / 24)
    assert (row(board, 1)["flagged"], row(board, 3)["flagged"]) == (True, False)


def test_each_item_lists_what_changed_since_the_last_stand_up() -> None:
    t = team()
    board = walk_the_board(t.history(), t.items(), since=SINCE, now=NOW, people=people(), **events())
    changes = dict(zip(board["key"].to_list(), board["changes"].to_list(), strict=True))
    assert changes == {
        "T-3": ["flag cleared"],
        "T-4": [],
        "T-2": ["status In Progress -> In Review", "assignee Ann -> #12"],
        "T-1": ["assignee Ann -> Bo", "flagged"],
        "T-5": ["status In Progress -> Doing", "estimate 3.0 -> 5.0"],
    }
    assert board["changed"].to_list() == [True, False, True, True, True]


def test_board_changes_is_the_long_form_in_the_window_only() -> None:
    t = team()
    changes = board_changes(t.history(), since=SINCE, now=NOW, **events())
    assert changes.filter(pl.col("item_id") == 7).select("kind", "from_value", "to_value").rows() == [
        ("status", "In Progress", "Done")
    ]
    # The first assignment of item 1 and the first estimate of item 5 happened before the window.
    assert changes.filter(pl.col("kind") == "assignee")["text"].to_list() == [
        "assignee #10 -> #11",
        "assignee #10 -> #12",
    ]
    assert changes.height == 8  # 3 status, 2 assignee, 2 flag, 1 estimate changes


def test_an_empty_board() -> None:
    t = Team().item(1, ts(2024, 5, 1, 9))
    board = walk_the_board(t.history(), t.items(), since=SINCE, now=NOW)
    assert board.is_empty()
    assert "changes" in board.columns and board.schema["changes"] == pl.List(pl.String)
