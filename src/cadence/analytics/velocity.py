"""Velocity, say/do and carry-over per sprint."""

from __future__ import annotations

import polars as pl

__all__ = ["say_do", "say_do_overall", "velocity"]


def _ratio(num: str, den: str) -> pl.Expr:
    return pl.when(pl.col(den) > 0).then(pl.col(num) / pl.col(den)).otherwise(None)


def velocity(rows: pl.DataFrame, windows: pl.DataFrame) -> pl.DataFrame:
    """**Velocity**: the estimate (points at close) of the items completed in the sprint — in the sprint at close and in
    the delivery stage or later, not discarded — plus their count.

    **Carry-over**: items in the sprint at close that are not done (count, and points at close).

    Per sprint: sprint_id, name, state, start_at, close_at, closed, completed_count, completed_points,
    carried_over_count, carried_over_points, discarded_count.
    """
    totals = rows.group_by("sprint_id").agg(
        pl.col("completed").sum().cast(pl.Int64).alias("completed_count"),
        pl.col("points_at_close").filter("completed").sum().alias("completed_points"),
        pl.col("carried_over").sum().cast(pl.Int64).alias("carried_over_count"),
        pl.col("points_at_close").filter("carried_over").sum().alias("carried_over_points"),
        pl.col("discarded").sum().cast(pl.Int64).alias("discarded_count"),
    )
    return windows.join(totals, on="sprint_id", how="left", maintain_order="left").with_columns(
        pl.col(c).fill_null(0) for c in totals.columns if c != "sprint_id"
    )


def say_do(rows: pl.DataFrame, windows: pl.DataFrame) -> pl.DataFrame:
    """**Say/do**: completed committed / committed — of the items in the sprint at its start, the share completed by its
    close, by count and by points (points at start for both numerator and denominator, so a re-estimate does not change
    the ratio). The overall ratio pools the closed sprints: sum of completed committed over sum of committed.

    Per sprint: committed_count/points, completed_committed_count/points, say_do_count, say_do_points.
    """
    committed = rows.filter("committed")
    totals = committed.group_by("sprint_id").agg(
        pl.len().cast(pl.Int64).alias("committed_count"),
        pl.col("points_committed").sum().alias("committed_points"),
        pl.col("completed").sum().cast(pl.Int64).alias("completed_committed_count"),
        pl.col("points_committed").filter("completed").sum().alias("completed_committed_points"),
    )
    return (
        windows.select("sprint_id", "name", "closed")
        .join(totals, on="sprint_id", how="left", maintain_order="left")
        .with_columns(pl.col(c).fill_null(0) for c in totals.columns if c != "sprint_id")
        .with_columns(
            _ratio("completed_committed_count", "committed_count").alias("say_do_count"),
            _ratio("completed_committed_points", "committed_points").alias("say_do_points"),
        )
    )


def say_do_overall(per_sprint: pl.DataFrame) -> dict[str, float | int | None]:
    """Pooled say/do over the closed sprints of ``per_sprint`` (the output of :func:`say_do`)."""
    closed = per_sprint.filter("closed")
    committed, done = int(closed["committed_count"].sum()), int(closed["completed_committed_count"].sum())
    points, done_points = float(closed["committed_points"].sum()), float(closed["completed_committed_points"].sum())
    return {
        "sprints": closed.height,
        "committed_count": committed,
        "committed_points": points,
        "say_do_count": done / committed if committed else None,
        "say_do_points": done_points / points if points else None,
    }
