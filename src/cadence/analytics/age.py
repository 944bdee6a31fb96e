"""Work item age: how long open work has been going, against how long finished work took."""

from __future__ import annotations

import datetime as dt

import polars as pl

from cadence.analytics.days import calendar_days, fractional_days, instant
from cadence.analytics.percentiles import exceeded_percentile, nearest_rank, percentile_rank

__all__ = ["work_item_age"]


def work_item_age(
    milestones: pl.DataFrame, cycle_time_days: pl.Series, *, now: dt.datetime, tz: str = "UTC"
) -> pl.DataFrame:
    """**Age** of an open item (started — it crossed the commitment point — and not done) is ``now - start`` in
    fractional days, and in whole calendar days inclusive in the team's time zone. Its **pace** is the percentile rank
    of that age among historical cycle times (the share of past items that finished in that many days or fewer), and
    ``exceeds`` names the highest of P50/P70/P85/P95 (nearest rank) the age is above — an item past P85 is older than
    85% of finished work ever got.

    Open items, oldest first: item_id, key, type, stage, start_at, age_days, age_calendar_days, pace, exceeds.
    """
    now_lit = instant(now)
    open_items = milestones.filter(pl.col("start_at").is_not_null() & ~pl.col("done")).select(
        "item_id",
        "key",
        "type",
        "stage",
        "start_at",
        fractional_days(pl.col("start_at"), now_lit).alias("age_days"),
        calendar_days(pl.col("start_at"), now_lit, tz).alias("age_calendar_days"),
    )
    levels = nearest_rank(cycle_time_days)
    ages = open_items["age_days"]
    return open_items.with_columns(
        pl.Series("pace", percentile_rank(ages, cycle_time_days)).fill_nan(None),
        pl.Series("exceeds", exceeded_percentile(ages, levels), dtype=pl.String),
    ).sort("age_days", descending=True, maintain_order=True)
