"""How long each estimate size takes a team, and whether bigger sizes really take longer.

The correlation between points and duration (``analytics/correlation.py``) says whether size predicts duration
overall; this table says it per size, in the team's own words ("a 5 takes 6 days at the median, 13 at P85"), and
flags the sizes whose typical duration is no longer than a smaller size's.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import polars as pl

from cadence.analytics.correlation import Correlation

__all__ = ["MIN_ITEMS_PER_SIZE", "correlation_reading", "cycle_time_by_size"]

MIN_ITEMS_PER_SIZE = 3
"""Sizes with fewer delivered items are listed but take no part in the overlap check: one item is no median."""


def cycle_time_by_size(
    points: npt.ArrayLike, days: npt.ArrayLike, *, min_items: int = MIN_ITEMS_PER_SIZE
) -> pl.DataFrame:
    """**Cycle time by size**: for each estimate value of the team's delivered items, the number of items and their
    cycle time at the median (P50) and at P85, by nearest rank, in fractional days. A size **overlaps** when its median
    is not longer than the median of some smaller size; only sizes with at least ``min_items`` items are compared, and
    ``overlaps_with`` names the smaller size with the longest median.

    Columns: points, items, p50_days, p85_days, overlaps, overlaps_with (null when it does not overlap).
    """
    frame = pl.DataFrame(
        {"points": np.asarray(points, dtype=np.float64), "days": np.asarray(days, dtype=np.float64)}
    ).filter(pl.col("points").is_not_nan() & pl.col("days").is_not_nan())
    sized = (
        frame.sort("points", "days")
        .group_by("points", maintain_order=True)
        .agg(
            pl.len().cast(pl.Int64).alias("items"),
            pl.col("days").get((pl.len() * 0.5).ceil().cast(pl.Int64) - 1).alias("p50_days"),
            pl.col("days").get((pl.len() * 0.85).ceil().cast(pl.Int64) - 1).alias("p85_days"),
        )
        .sort("points")
    )
    comparable = pl.col("items") >= min_items
    median = pl.when(comparable).then(pl.col("p50_days"))
    running = median.cum_max().forward_fill()  # the longest median so far among comparable sizes
    sized = sized.with_columns(
        running.shift(1).alias("_longest"),
        pl.when(median == running).then(pl.col("points")).forward_fill().shift(1).alias("_longest_size"),
    )
    overlaps = comparable & (pl.col("p50_days") <= pl.col("_longest")).fill_null(False)
    return sized.select(
        "points",
        "items",
        "p50_days",
        "p85_days",
        overlaps.alias("overlaps"),
        pl.when(overlaps).then(pl.col("_longest_size")).otherwise(None).alias("overlaps_with"),
    )


def correlation_reading(correlation: Correlation) -> str:
    """A word for Spearman's rho between points and cycle time: ``unknown`` (fewer than 3 items or no spread),
    ``none`` (below 0.2, size does not predict duration), ``weak`` (0.2 to below 0.4), ``moderate`` (0.4 and above;
    the ESEM 2022 projects range from 0.2 to 0.52)."""
    rho = correlation.spearman
    if rho is None:
        return "unknown"
    if rho < 0.2:
        return "none"
    return "weak" if rho < 0.4 else "moderate"
