"""Planned versus unplanned work."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import polars as pl

from cadence.analytics.days import epoch_day, local_day
from cadence.analytics.sprint_scope import UNPLANNED_TYPES

__all__ = ["unplanned_by_type", "unplanned_overall", "unplanned_share"]


def unplanned_share(rows: pl.DataFrame, windows: pl.DataFrame) -> pl.DataFrame:
    """**Unplanned share** of a sprint: of the items completed in it, those that were added after the sprint started or
    whose type is unplanned by nature (``incident``, ``support`` by default), by count and by points at close. The
    overall share pools the closed sprints. For teams without sprints, the flow variant is the share of items delivered
    in a date range whose type is unplanned.

    Per sprint: completed_count/points, unplanned_count/points, share_count, share_points.
    """
    totals = (
        rows.filter("completed")
        .group_by("sprint_id")
        .agg(
            pl.len().cast(pl.Int64).alias("completed_count"),
            pl.col("points_at_close").sum().alias("completed_points"),
            pl.col("unplanned").sum().cast(pl.Int64).alias("unplanned_count"),
            pl.col("points_at_close").filter("unplanned").sum().alias("unplanned_points"),
        )
    )
    return (
        windows.select("sprint_id", "name", "closed")
        .join(totals, on="sprint_id", how="left", maintain_order="left")
        .with_columns(pl.col(c).fill_null(0) for c in totals.columns if c != "sprint_id")
        .with_columns(
            pl.when(pl.col("completed_count") > 0)
            .then(pl.col("unplanned_count") / pl.col("completed_count"))
            .alias("share_count"),
            pl.when(pl.col("completed_points") > 0)
            .then(pl.col("unplanned_points") / pl.col("completed_points"))
            .alias("share_points"),
        )
    )


def unplanned_overall(per_sprint: pl.DataFrame) -> dict[str, float | int | None]:
    """Pooled unplanned share over the closed sprints of ``per_sprint``."""
    closed = per_sprint.filter("closed")
    count, unplanned = int(closed["completed_count"].sum()), int(closed["unplanned_count"].sum())
    points, unplanned_points = float(closed["completed_points"].sum()), float(closed["unplanned_points"].sum())
    return {
        "completed_count": count,
        "unplanned_count": unplanned,
        "share_count": unplanned / count if count else None,
        "completed_points": points,
        "unplanned_points": unplanned_points,
        "share_points": unplanned_points / points if points else None,
    }


def unplanned_by_type(
    milestones: pl.DataFrame,
    *,
    start: dt.date,
    end: dt.date,
    tz: str = "UTC",
    unplanned_types: Sequence[str] = UNPLANNED_TYPES,
) -> dict[str, float | int | None]:
    """Flow variant: share of items delivered on dates of [start, end] whose type is unplanned (count, points)."""
    day = local_day(pl.col("done_at"), tz)
    delivered = milestones.filter(pl.col("delivered") & day.is_between(epoch_day(start), epoch_day(end)))
    is_unplanned = delivered["type"].str.to_lowercase().is_in([t.casefold() for t in unplanned_types]).fill_null(False)
    points = delivered["estimate"].fill_null(0.0)
    total_points = float(points.sum())
    return {
        "delivered": delivered.height,
        "unplanned_count": int(is_unplanned.sum()),
        "share_count": int(is_unplanned.sum()) / delivered.height if delivered.height else None,
        "unplanned_points": float(points.filter(is_unplanned).sum()),
        "share_points": float(points.filter(is_unplanned).sum()) / total_points if total_points else None,
    }
