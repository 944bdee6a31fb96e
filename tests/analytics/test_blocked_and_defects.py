"""Blocked time from flag changes, bug share and escaped defects."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from cadence.analytics.blocked import blocked_spells, blocked_time
from cadence.analytics.defects import bug_share, escaped_defect_items, escaped_defects
from cadence.domain import frames as F

from .histories import Team, ts


def flags(events: list[tuple[int, bool, dt.datetime]]) -> pl.DataFrame:
    return F.conform(pl.DataFrame(events, schema=["item_id", "flagged", "at"], orient="row"), F.READ_FLAG_CHANGES)


def test_overlapping_flags_are_merged_and_open_flags_run_to_now() -> None:
    changes = flags(
        [
            (1, True, ts(2024, 3, 1)),
            (1, True, ts(2024, 3, 1, 12)),  # already flagged: overlaps, adds nothing
            (1, False, ts(2024, 3, 2)),
            (1, True, ts(2024, 3, 3)),  # still flagged at now
            (2, False, ts(2024, 3, 1)),  # an unflag with nothing to close
            (2, True, ts(2024, 3, 2)),
            (2, False, ts(2024, 3, 2, 6)),
            (3, True, ts(2024, 3, 5)),  # after now: ignored
        ]
    )
    now = ts(2024, 3, 4)
    assert blocked_spells(changes, now=now).rows() == [
        (1, ts(2024, 3, 1), ts(2024, 3, 2), False),
        (1, ts(2024, 3, 3), now, True),
        (2, ts(2024, 3, 2), ts(2024, 3, 2, 6), False),
    ]
    assert blocked_time(changes, now=now).rows() == [(1, 2.0, 2, True), (2, 0.25, 1, False)]


def defects_team() -> Team:
    done = [(ts(2024, 3, 2), "In Progress"), (ts(2024, 3, 3), "Done")]
    return (
        Team()
        .item(1, ts(2024, 3, 1), done, type="bug", estimate=2, labels=["Found-In-Production"])
        .item(2, ts(2024, 3, 1), done, type="bug", estimate=None)
        .item(3, ts(2024, 3, 1), done, type="story", estimate=6)
        .item(4, ts(2024, 3, 1), done, type="story", estimate=2)
        .item(5, ts(2024, 3, 1), type="bug")  # open, linked to a support ticket
        .item(6, ts(2024, 2, 1), type="bug", labels=["found-in-production"])  # created before the range
    )


def test_bug_share_of_delivered_items_by_count_and_points() -> None:
    share = bug_share(defects_team().milestones(), start=dt.date(2024, 3, 1), end=dt.date(2024, 3, 31))
    assert share == {
        "delivered": 4,
        "bugs": 2,
        "share_count": 0.5,
        "points": 10.0,
        "bug_points": 2.0,
        "share_points": 0.2,
    }


def test_escaped_defects_are_labelled_or_linked_bugs() -> None:
    items = defects_team().items()
    linked = pl.DataFrame({"item_id": [5, 3]})  # a linked story is not a defect
    assert escaped_defect_items(items, linked_bug_ids=linked)["item_id"].to_list() == [1, 5, 6]
    counts = escaped_defects(items, start=dt.date(2024, 3, 1), end=dt.date(2024, 3, 31), linked_bug_ids=linked)
    assert counts == {"bugs_created": 3, "escaped": 2, "linked": 1, "labelled": 1, "rate": pytest.approx(2 / 3)}
    custom = escaped_defects(items, start=dt.date(2024, 3, 1), end=dt.date(2024, 3, 31), label="prod")
    assert custom["escaped"] == 0
