"""Cumulative flow: items per stage at the end of each day."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from cadence.analytics.days import day_range, end_of_day_levels, local_day
from cadence.analytics.history import same_item_as_next
from cadence.analytics.workflow import Workflow

__all__ = ["cfd"]


def cfd(intervals: pl.DataFrame, workflow: Workflow, *, start: dt.date, end: dt.date, tz: str = "UTC") -> pl.DataFrame:
    """**CFD**: at the end of each date of [start, end] (the last instant of the date in the team's time zone), the
    number of items in each stage (``count``), and the cumulative band (``cumulative``): items in that stage or any
    later one. The cumulative band of the first stage is every item created by then; that of the delivery stage is every
    item done. Bands only fall when items move backwards (a reopen lowers the done band).

    Long frame: date, stage (Enum in flow order), count, cumulative — one row per date and stage.
    """
    # Visits over before the range or begun after it count nowhere; a day's bounds in UTC are within a day of its
    # date whatever the zone, so this cut is safe and spares most of a long history when the range is short. A
    # kept visit's next visit is kept too unless it begins after the range, so "left" is still the next "entered".
    first = dt.datetime.combine(start - dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    last = dt.datetime.combine(end + dt.timedelta(days=2), dt.time(), tzinfo=dt.UTC)
    relevant = (pl.col("left_at").is_null() | (pl.col("left_at") >= first)) & (pl.col("entered_at") < last)
    days = (
        intervals.filter(relevant)
        .select(
            "stage_index", local_day(pl.col("entered_at"), tz).alias("enter_day"), same_item_as_next().alias("_next")
        )
        .with_columns(pl.when("_next").then(pl.col("enter_day").shift(-1)).alias("leave_day"))
    )
    n_stages = len(workflow.stages)
    levels = end_of_day_levels(
        days["enter_day"],
        days["leave_day"],
        start,
        end,
        groups=days["stage_index"].to_numpy(),
        n_groups=n_stages,
    )
    cumulative = np.cumsum(levels[::-1], axis=0)[::-1]
    dates = day_range(start, end)
    return pl.DataFrame(
        {
            "date": pl.concat([dates] * n_stages),
            "stage": pl.Series(np.repeat(np.arange(n_stages), len(dates)), dtype=pl.UInt8).cat.to(workflow.stage_dtype),
            "count": levels.ravel(),
            "cumulative": cumulative.ravel(),
        }
    ).sort("date", "stage")
