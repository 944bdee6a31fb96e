"""Work in progress per day."""

from __future__ import annotations

import datetime as dt

import polars as pl

from cadence.analytics.days import day_range, end_of_day_levels, local_day
from cadence.analytics.history import same_item_as_next, same_item_as_previous
from cadence.analytics.workflow import Workflow

__all__ = ["wip", "zone_spans"]


def zone_spans(intervals: pl.DataFrame, low: int, high: int, tz: str) -> pl.DataFrame:
    """Each uninterrupted stay of an item in stages ``low <= index < high``: item_id, enter_day, leave_day."""
    inside = pl.col("stage_index").is_between(low, high, closed="left")
    was_inside = same_item_as_previous() & pl.col("stage_index").shift(1).is_between(low, high, closed="left")
    edges = intervals.select(
        "item_id", "entered_at", (inside & ~was_inside).alias("_in"), (~inside & was_inside).alias("_out")
    )
    edges = edges.filter(pl.col("_in") | pl.col("_out"))
    edges = edges.with_columns(local_day(pl.col("entered_at"), tz).alias("_day"))
    spans = edges.select(
        "item_id",
        "_in",
        pl.col("_day").alias("enter_day"),
        pl.when(same_item_as_next()).then(pl.col("_day").shift(-1)).alias("leave_day"),
    )
    return spans.filter("_in").drop("_in")


def wip(intervals: pl.DataFrame, workflow: Workflow, *, start: dt.date, end: dt.date, tz: str = "UTC") -> pl.DataFrame:
    """**WIP** at the end of a day is the number of items whose stage at that moment (the last instant of the date in
    the team's time zone) lies between the commitment stage (included) and the delivery stage (excluded). An item
    entering and leaving that zone on the same date is not counted that day; an item reopened from done counts again
    from the date it came back; an item moved back to the backlog stops counting.

    Items between commitment and delivery at the end of each date of [start, end]: columns date, wip.
    """
    spans = zone_spans(intervals, workflow.commitment_index, workflow.delivery_index, tz)
    levels = end_of_day_levels(spans["enter_day"], spans["leave_day"], start, end)[0]
    return pl.DataFrame({"date": day_range(start, end), "wip": levels})
