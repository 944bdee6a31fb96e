"""Relay stages, time to release from a stage, and hand-off points on a hand-made history (default workflow:
Backlog, Ready (commitment), In Progress, Review, QA, Done (delivery))."""

from __future__ import annotations

import datetime as dt

import polars as pl

from cadence.analytics.dev_handoff import current_relay_stage, handoff_points, release_p85_days
from cadence.analytics.history import build_history
from cadence.analytics.workflow import DEFAULT_WORKFLOW as W


def _t(day: int, hour: int = 0) -> dt.datetime:
    return dt.datetime(2024, 5, day, hour, tzinfo=dt.UTC)


ITEMS = pl.DataFrame({"item_id": [1, 2, 3, 4], "created_at": [_t(1)] * 4,
                      "status": ["In Review", "Done", "Backlog", "Won't Do"]})  # fmt: skip
MOVES = [  # item, from, to, at
    (1, "Backlog", "In Progress", _t(2)), (1, "In Progress", "Doing", _t(3)), (1, "Doing", "Done", _t(5)),
    (1, "Done", "Reopened", _t(6)), (1, "Reopened", "In Review", _t(7)),
    (2, "Backlog", "Ready", _t(2)), (2, "Ready", "In Progress", _t(3)), (2, "In Progress", "Review", _t(4, 12)),
    (2, "Review", "Done", _t(6)),
    (4, "Backlog", "In Progress", _t(2)), (4, "In Progress", "Won't Do", _t(3)),
]  # fmt: skip
TRANSITIONS = pl.DataFrame(
    {
        "item_id": [m[0] for m in MOVES],
        "from_status": [m[1] for m in MOVES],
        "to_status": [m[2] for m in MOVES],
        "at": [m[3] for m in MOVES],
    }
)
INTERVALS = build_history(ITEMS, TRANSITIONS, W).intervals


def test_the_current_relay_stage_and_when_its_run_began() -> None:
    got = current_relay_stage(INTERVALS, W, [1, 2, 3, 4]).sort("item_id")
    assert got.select("item_id", "relay", "since", "stage").rows() == [
        (1, "in review", _t(7), "Review"),  # reopened on the 6th, then in review
        (2, "done", _t(6), "Done"),
        (3, None, _t(1), "Backlog"),  # never committed: nothing to relay
        (4, "done", _t(3), "Done"),  # discarded: the relay words it as closed without a fix
    ]
    assert current_relay_stage(INTERVALS, W, [99]).height == 0


def test_time_to_release_counts_released_items_in_the_window_only() -> None:
    # Item 2 is the only release that is not discarded: started (Ready) on the 2nd, review at 12:00 on the 4th,
    # done on the 6th -> 4 days and 1.5 days. Item 1 was done but is reopened now; item 4 was discarded.
    assert release_p85_days(INTERVALS, W, since=_t(1), until=_t(31)) == {"started": 4.0, "in review": 1.5}
    assert release_p85_days(INTERVALS, W, since=_t(7), until=_t(31)) == {"started": None, "in review": None}


def test_handoff_points() -> None:
    got = handoff_points(INTERVALS, W, [1, 2, 3]).sort("item_id")
    assert got.rows() == [(1, _t(2), None), (2, _t(2), _t(6)), (3, None, None)]
