"""Lead time: how long a delivered item took from creation to delivery."""

from __future__ import annotations

import polars as pl

from cadence.analytics.days import calendar_days, fractional_days

__all__ = ["lead_times"]


def lead_times(milestones: pl.DataFrame, *, tz: str = "UTC") -> pl.DataFrame:
    """**Lead time** runs from the item's ``created_at`` to its entry into the delivery stage (the last entry for a
    reopened item), in fractional days and in whole calendar days inclusive (same date = 1), dates taken in the team's
    time zone.

    Lead time of each delivered item: item_id, key, type, created_at, done_at, lead_time_days,
    lead_time_calendar_days.
    """
    return milestones.filter("delivered").select(
        "item_id",
        "key",
        "type",
        "created_at",
        "done_at",
        fractional_days(pl.col("created_at"), pl.col("done_at")).alias("lead_time_days"),
        calendar_days(pl.col("created_at"), pl.col("done_at"), tz).alias("lead_time_calendar_days"),
    )
