"""Net flow: arrivals into committed work minus departures to done."""

from __future__ import annotations

import datetime as dt

import polars as pl

from cadence.analytics.throughput import Period, daily_series, weekly

__all__ = ["net_flow"]


def net_flow(
    milestones: pl.DataFrame, *, start: dt.date, end: dt.date, tz: str = "UTC", period: Period = "day"
) -> pl.DataFrame:
    """**Net flow** on a day (or ISO week) is the number of items that crossed the commitment point for the first time
    (their start) minus the number delivered (throughput), dates in the team's time zone, zero-filled over [start, end].
    Positive net flow means WIP is growing. Discarded items and reopened items re-entering work are neither arrivals nor
    departures, so net flow can differ from the change in WIP by those.

    Columns: date, arrivals, departures, net (= arrivals - departures).
    """
    arrivals = daily_series(milestones, "start_at", start=start, end=end, tz=tz, name="arrivals")
    departures = daily_series(milestones.filter("delivered"), "done_at", start=start, end=end, tz=tz, name="departures")
    daily = arrivals.with_columns(departures["departures"])
    out = daily if period == "day" else weekly(daily)
    return out.with_columns((pl.col("arrivals") - pl.col("departures")).alias("net"))
