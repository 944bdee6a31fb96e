"""The data-quality report shows what would make a metric less trustworthy, row by row."""

from __future__ import annotations

import polars as pl

from cadence.analytics.data_quality import assess_data_quality
from cadence.analytics.history import build_history
from cadence.analytics.milestones import item_milestones
from cadence.analytics.workflow import DEFAULT_WORKFLOW
from cadence.domain import frames as F

from .histories import Team, ts


def report(team: Team, transitions: pl.DataFrame | None = None):  # type: ignore[no-untyped-def]
    items = team.items()
    moves = team.transitions() if transitions is None else transitions
    history = build_history(items, moves, DEFAULT_WORKFLOW)
    milestones = item_milestones(history.intervals, items, DEFAULT_WORKFLOW)
    return assess_data_quality(history, milestones, items, moves)


def test_the_report_lists_each_kind_of_problem() -> None:
    team = (
        Team()
        .item(1, ts(2024, 3, 1), [(ts(2024, 3, 2), "Ready"), (ts(2024, 3, 3), "Mystery"), (ts(2024, 3, 4), "Done")])
        .item(2, ts(2024, 3, 1), [(ts(2024, 3, 2), "In Progress"), (ts(2024, 3, 4), "Done")])
        .item(3, ts(2024, 3, 1), [(ts(2024, 3, 4), "Done")])
        .item(4, ts(2024, 3, 5), [(ts(2024, 3, 3), "Ready")])  # created after its first move
        .item(5, ts(2024, 3, 1), [(ts(2024, 3, 2), "Ready"), (ts(2024, 3, 2), "In Progress")], estimate=None)
    )
    dq = report(team)
    assert [(u.status, u.count) for u in dq.unmapped_statuses] == [("Mystery", 1)]
    assert dq.done_without_commitment.select(
        "item_id", pl.col("start_stage").cast(pl.String), "inferred_from"
    ).rows() == [
        (2, "In Progress", "skipped the commitment stage: start = first later stage entered"),
        (3, "Done", "moved straight to done: start = done"),
    ]
    assert dq.odd_durations.select("item_id", pl.col("stage").cast(pl.String), "hours", "kind").rows() == [
        (4, "Backlog", -48.0, "negative"),
        (5, "Ready", 0.0, "zero"),
    ]
    assert dq.missing_estimates.rows() == [(5, "T-5", "story")]
    assert dq.out_of_order.height == 0
    summary = dq.to_dict(sample=1)
    assert summary["odd_durations"]["count"] == 2 and summary["odd_durations"]["negative"] == 1
    assert len(summary["odd_durations"]["sample"]) == 1
    assert summary["missing_estimates"]["by_type"] == [{"type": "story", "count": 1}]


def test_transitions_out_of_order_in_stored_order_are_reported() -> None:
    team = Team().item(6, ts(2024, 3, 1)).item(7, ts(2024, 3, 1))
    stored = F.conform(
        pl.DataFrame(
            {
                "item_id": [6, 6, 7, 7],
                "from_status": ["Backlog", "In Progress", "Backlog", "Ready"],
                "to_status": ["Ready", "Done", "Ready", "Done"],
                "at": [ts(2024, 3, 2), ts(2024, 3, 4), ts(2024, 3, 3), ts(2024, 3, 2)],
            }
        ),
        F.READ_TRANSITIONS,
    )
    dq = report(team, stored)
    assert dq.out_of_order.select("item_id", "row", "problem").rows() == [
        (6, 1, "from_status is not the previous to_status"),
        (7, 3, "timestamp before the previous transition"),
    ]
    # Interleaved items are compared with their own previous row, not the row above.
    dq = report(team, stored[[0, 2, 1, 3]])
    assert dq.out_of_order.select("item_id", "row").rows() == [(6, 2), (7, 3)]


def test_statuses_used_in_only_part_of_the_history_hint_at_a_workflow_change() -> None:
    team = Team()
    for month in range(1, 13):
        review = "In Review" if month <= 3 else "Review"
        team.item(
            month,
            ts(2024, month, 1),
            [(ts(2024, month, 2), "In Progress"), (ts(2024, month, 3), review), (ts(2024, month, 4), "Done")],
        )
    partial = report(team).partial_statuses
    assert partial.select("status", "change").rows() == [("In Review", "disappeared"), ("Review", "appeared")]
