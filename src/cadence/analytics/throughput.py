"""Throughput: how many items were delivered per day or per week."""

from __future__ import annotations

import datetime as dt
from typing import Literal

import polars as pl

from cadence.analytics.days import counts_per_day, day_range, local_day

__all__ = ["Period", "daily_series", "throughput", "weekly"]

Period = Literal["day", "week"]


def daily_series(
    frame: pl.DataFrame, column: str, *, start: dt.date, end: dt.date, tz: str, name: str = "count"
) -> pl.DataFrame:
    """How many rows of ``frame`` have ``column`` (an instant) on each date of [start, end]: date, ``name``."""
    days = frame.select(local_day(pl.col(column), tz)).to_series()
    return pl.DataFrame({"date": day_range(start, end), name: counts_per_day(days, start, end)})


def weekly(daily: pl.DataFrame) -> pl.DataFrame:
    """Sum every count column of a daily series into ISO weeks labelled by their Monday."""
    columns = [c for c in daily.columns if c != "date"]
    return (
        daily.with_columns(pl.col("date").dt.truncate("1w"))
        .group_by("date", maintain_order=True)
        .agg(pl.col(c).sum() for c in columns)
    )


def throughput(
    milestones: pl.DataFrame, *, start: dt.date, end: dt.date, tz: str = "UTC", period: Period = "day"
) -> pl.DataFrame:
    """**Throughput** counts delivered items on the date (in the team's time zone) of their delivery — the last entry
    into done for a reopened item — for every date of [start, end], zero-filled. Weekly throughput sums those days into
    ISO weeks (Monday first), each labelled by its Monday; the first and last week hold only the days inside the range.
    Discarded items (``Won't Do``) are not throughput.

    Delivered items per day (or ISO week) of [start, end], zero-filled: columns date, count.
    """
    daily = daily_series(milestones.filter("delivered"), "done_at", start=start, end=end, tz=tz)
    return daily if period == "day" else weekly(daily)
