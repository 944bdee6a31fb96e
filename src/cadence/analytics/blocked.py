"""Blocked time: how long items were flagged as impeded."""

from __future__ import annotations

import datetime as dt

import polars as pl

from cadence.analytics.days import fractional_days, instant
from cadence.analytics.history import same_item_as_next, same_item_as_previous

__all__ = ["blocked_spells", "blocked_time"]


def blocked_spells(flag_changes: pl.DataFrame, *, now: dt.datetime) -> pl.DataFrame:
    """The merged flagged intervals: item_id, blocked_from, blocked_to (``now`` if still flagged), ongoing."""
    events = (
        flag_changes.select("item_id", pl.col("flagged").fill_null(False), "at")
        .filter(pl.col("at") <= instant(now))
        .sort("item_id", "at", maintain_order=True)
    )
    runs = events.filter(~same_item_as_previous() | (pl.col("flagged") != pl.col("flagged").shift(1)))
    return (
        runs.with_columns(pl.when(same_item_as_next()).then(pl.col("at").shift(-1)).alias("_until"))
        .filter("flagged")
        .select(
            "item_id",
            pl.col("at").alias("blocked_from"),
            pl.col("_until").fill_null(instant(now)).alias("blocked_to"),
            pl.col("_until").is_null().alias("ongoing"),
        )
    )


def blocked_time(flag_changes: pl.DataFrame, *, now: dt.datetime) -> pl.DataFrame:
    """**Blocked time** of an item is the length of the union of its flagged intervals: an interval opens at a ``flagged
    = true`` event and closes at the next ``flagged = false`` event of the same item; a repeated ``true`` while already
    flagged opens nothing new (the intervals overlap and merge). A flag still set is counted up to ``now``; events after
    ``now`` are ignored. An unflag with no flag before it closes nothing.

    Per item ever flagged: item_id, blocked_days (union of flagged intervals), spells, blocked_now.
    """
    return (
        blocked_spells(flag_changes, now=now)
        .group_by("item_id")
        .agg(
            fractional_days(pl.col("blocked_from"), pl.col("blocked_to")).sum().alias("blocked_days"),
            pl.len().cast(pl.Int32).alias("spells"),
            pl.col("ongoing").any().alias("blocked_now"),
        )
        .sort("item_id")
    )
