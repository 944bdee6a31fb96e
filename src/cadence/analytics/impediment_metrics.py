"""How a team's impediments flow: how many are open, how old they are, how long they take to resolve."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from cadence.analytics.days import fractional_days, instant
from cadence.analytics.percentiles import nearest_rank

__all__ = ["IMPEDIMENT_SPANS", "impediment_flow"]

IMPEDIMENT_SPANS: dict[str, pl.DataType | type[pl.DataType]] = {
    "impediment_id": pl.Int64,
    "opened_at": pl.Datetime("us", "UTC"),
    "resolved_at": pl.Datetime("us", "UTC"),
}
"""One row per impediment (dismissed candidates are not impediments): when it opened and, if so, was resolved."""


def impediment_flow(spans: pl.DataFrame, *, now: dt.datetime, window_days: int = 84) -> dict[str, Any]:
    """**Impediment flow** reads the team's impediments (confirmed or raised by hand; dismissed candidates are left
    out) at ``now``. **Open** impediments are those opened at or before ``now`` and not resolved by then; their
    **age** is ``now`` - opened, in days, given as the median (nearest-rank P50) and the maximum. **Time to resolve**
    is resolved - opened, in days, of the impediments resolved in the window of the last W [84] days up to ``now``
    (resolved after ``now`` - W and at or before ``now``), given as the median and P85 (nearest rank) with the
    count. A statistic of an empty sample is null.

    Returns ``open``, ``age_median_days``, ``age_max_days``, ``resolved``, ``resolve_median_days``,
    ``resolve_p85_days`` and ``window_days``.
    """
    if window_days < 1:
        raise ValueError(f"the window must hold at least one day, not {window_days}")
    at = instant(now)
    start = instant(now - dt.timedelta(days=window_days))
    opened = spans.filter(pl.col("opened_at") <= at)
    still_open = opened.filter(pl.col("resolved_at").is_null() | (pl.col("resolved_at") > at))
    ages = still_open.select(fractional_days(pl.col("opened_at"), at).alias("age"))["age"]
    resolved = opened.filter((pl.col("resolved_at") > start) & (pl.col("resolved_at") <= at))
    durations = resolved.select(fractional_days(pl.col("opened_at"), pl.col("resolved_at")).alias("d"))["d"]
    age_levels = nearest_rank(ages, (50,))
    resolve_levels = nearest_rank(durations, (50, 85))
    return {
        "open": still_open.height,
        "age_median_days": age_levels[50],
        "age_max_days": float(ages.max()) if len(ages) else None,  # type: ignore[arg-type]
        "resolved": resolved.height,
        "resolve_median_days": resolve_levels[50],
        "resolve_p85_days": resolve_levels[85],
        "window_days": window_days,
    }
