"""Reopens and backward moves: rework loops, kept in the history and counted, never erased."""

from __future__ import annotations

import datetime as dt

import polars as pl

from cadence.analytics.days import epoch_day, local_day
from cadence.analytics.history import same_item_as_previous
from cadence.analytics.workflow import Workflow, stage_from_index

__all__ = ["backward_move_events", "backward_moves", "reopen_rate"]


def reopen_rate(
    milestones: pl.DataFrame, *, start: dt.date, end: dt.date, tz: str = "UTC"
) -> dict[str, float | int | None]:
    """**Reopen rate** over a range: of the items delivered in the range (last entry into done on a date of the range),
    the share that had left the done zone at least once before (they were done, went back to work, and came back to
    done). ``still_reopened`` counts items that left done and are not done again now.

    ``delivered``, ``reopened`` (of those, items that had left done before), ``rate``, ``still_reopened``.
    """
    day = local_day(pl.col("done_at"), tz)
    delivered = milestones.filter(pl.col("delivered") & day.is_between(epoch_day(start), epoch_day(end)))
    reopened = int((delivered["reopens"] > 0).sum())
    still = int(milestones.filter(~pl.col("done") & (pl.col("reopens") > 0)).height)
    return {
        "delivered": delivered.height,
        "reopened": reopened,
        "rate": reopened / delivered.height if delivered.height else None,
        "still_reopened": still,
    }


def backward_move_events(intervals: pl.DataFrame, workflow: Workflow) -> pl.DataFrame:
    """Every move to an earlier stage: item_id, at, from_stage, to_stage."""
    previous = pl.when(same_item_as_previous()).then(pl.col("stage_index").shift(1)).alias("_previous")
    return (
        intervals.with_columns(previous)
        .filter(pl.col("stage_index") < pl.col("_previous"))
        .select(
            "item_id",
            pl.col("entered_at").alias("at"),
            stage_from_index(pl.col("_previous"), workflow).alias("from_stage"),
            pl.col("stage").alias("to_stage"),
        )
    )


def backward_moves(
    intervals: pl.DataFrame,
    workflow: Workflow,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    tz: str = "UTC",
) -> pl.DataFrame:
    """A **backward move** is a stage change to an earlier stage of the workflow (for example Review -> In Progress or
    Done -> In Progress); moves are counted per (from stage, to stage) pair with the number of distinct items.

    Backward moves (on dates of [start, end] when given) per pair: from_stage, to_stage, moves, items.
    """
    events = backward_move_events(intervals, workflow)
    if start is not None and end is not None:
        events = events.filter(local_day(pl.col("at"), tz).is_between(epoch_day(start), epoch_day(end)))
    return (
        events.group_by("from_stage", "to_stage")
        .agg(pl.len().cast(pl.Int64).alias("moves"), pl.col("item_id").n_unique().cast(pl.Int64).alias("items"))
        .sort("moves", "from_stage", "to_stage", descending=[True, False, False])
    )
