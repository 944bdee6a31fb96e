"""Sprint scope: what a sprint committed to, and what was added, removed and re-estimated after it started."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import polars as pl

from cadence.analytics.days import instant
from cadence.analytics.history import done_at
from cadence.analytics.membership import EstimateHistory, sprint_membership
from cadence.analytics.milestones import discarded_resolution
from cadence.analytics.segments import find_ids, instants
from cadence.analytics.workflow import Workflow

__all__ = ["UNPLANNED_TYPES", "sprint_items", "sprint_scope", "sprint_windows"]

UNPLANNED_TYPES: tuple[str, ...] = ("incident", "support")


def sprint_windows(sprints: pl.DataFrame, *, now: dt.datetime) -> pl.DataFrame:
    """Started sprints: sprint_id, name, state, start_at, close_at, closed."""
    closed = pl.col("completed_at").is_not_null() | (pl.col("state").str.to_lowercase() == "closed")
    return (
        sprints.filter(pl.col("start_at").is_not_null() & (pl.col("start_at") <= instant(now)))
        .select(
            "sprint_id",
            "name",
            "state",
            "start_at",
            pl.when(closed).then(pl.coalesce("completed_at", "end_at")).otherwise(instant(now)).alias("close_at"),
            closed.alias("closed"),
        )
        .filter(pl.col("close_at").is_not_null())
        .sort("start_at", "sprint_id")
    )


def sprint_items(
    sprints: pl.DataFrame,
    sprint_changes: pl.DataFrame,
    estimate_changes: pl.DataFrame,
    intervals: pl.DataFrame,
    items: pl.DataFrame,
    workflow: Workflow,
    *,
    now: dt.datetime,
    unplanned_types: Sequence[str] = UNPLANNED_TYPES,
) -> pl.DataFrame:
    """* A sprint runs from ``start_at`` to its **close**: ``completed_at``, else ``end_at`` for a closed sprint, else
      ``now`` for the active sprint. Sprints not started by ``now`` are left out.
    * **Commitment** is the snapshot at ``start_at``: the items in the sprint at that instant, with their estimates at
      that instant.
    * **Added**: items not in the commitment that joined during the sprint (points: the estimate when first added).
      **Removed**: committed or added items that left during the sprint and are not in it at close (points: the estimate
      when they left). A removal at the close instant itself is the close moving the item on, so the item still counts
      as in the sprint at close.
    * **Re-estimated**: items whose estimate changed while they were in the sprint's scope after the start (points: the
      net change, to - from, a missing value counting as 0).
    * At close each item in the sprint is **completed** (in the delivery stage or later, not discarded), **carried
      over** (not done) or **discarded** (Won't Do at close). Points at close use the estimate at close.

    One row per (sprint, item) that was in the sprint at some point between its start and close, sorted by item
    then sprint.

    Flags: committed, added, removed, in_at_close, completed, carried_over, discarded, unplanned, reestimated.
    Points: points_committed (at start), points_added, points_removed, points_at_close, points_reestimated.
    """
    windows = sprint_windows(sprints, now=now)
    stays = sprint_membership(sprint_changes, items).join(windows, on="sprint_id", how="inner", maintain_order="left")
    start, close = pl.col("start_at"), pl.col("close_at")
    added, removed = pl.col("added_at"), pl.col("removed_at")
    in_start = (added <= start) & (removed.is_null() | (removed > start))
    add_during = (added > start) & (added <= close)
    flags = stays.select(
        "sprint_id",
        "item_id",
        "start_at",
        "close_at",
        in_start.alias("committed"),
        ((added <= close) & (removed.is_null() | (removed >= close))).alias("in_at_close"),
        pl.when(add_during).then(added).alias("_first_added"),
        pl.when((removed > start) & (removed < close)).then(removed).alias("_last_removed"),
        (in_start | add_during).alias("_touched"),
    )
    # Most items stay in a sprint once; only pairs with several stays need grouping.
    same = (pl.col("item_id") == pl.col("item_id").shift(1)) & (pl.col("sprint_id") == pl.col("sprint_id").shift(1))
    repeated = same.fill_null(False) | same.shift(-1).fill_null(False)
    several = (
        flags.filter(repeated)
        .group_by("sprint_id", "item_id")
        .agg(
            pl.first("start_at", "close_at"),
            pl.col("committed", "in_at_close", "_touched").any(),
            pl.col("_first_added").min(),
            pl.col("_last_removed").max(),
        )
    )
    rows = flags.filter(~repeated)
    if several.height:  # stays arrive sorted by item and sprint; merged pairs need putting back in place
        rows = pl.concat([rows, several.select(flags.columns)]).sort("item_id", "sprint_id")
    rows = rows.filter("_touched").with_columns(
        (~pl.col("committed") & pl.col("_first_added").is_not_null()).alias("added"),
        (~pl.col("in_at_close") & pl.col("_last_removed").is_not_null()).alias("removed"),
    )
    estimates = EstimateHistory.of(estimate_changes, items)
    rows = _with_estimates(rows, estimates)
    rows = _with_state_at_close(rows, intervals, items, workflow, unplanned_types)
    return _with_reestimates(rows, estimates).drop("_touched")


_PROBES = (
    ("points_committed", "committed", "start_at"),
    ("points_added", "added", "_first_added"),
    ("points_removed", "removed", "_last_removed"),
    ("points_at_close", "in_at_close", "close_at"),
)


def _with_estimates(rows: pl.DataFrame, estimates: EstimateHistory) -> pl.DataFrame:
    """Estimates at start, first add, last removal and close, where the row has that instant."""
    item_ids = rows["item_id"].to_numpy()
    located = estimates.locate(item_ids)
    columns = []
    for name, flag, at in _PROBES:
        when = rows.select(pl.coalesce(at, "start_at").dt.epoch("us")).to_series().to_numpy()
        values = np.where(rows[flag].to_numpy(), estimates.at(item_ids, when, located), np.nan)
        columns.append(pl.Series(name, values).fill_nan(None))
    return rows.with_columns(columns)


def _with_state_at_close(
    rows: pl.DataFrame,
    intervals: pl.DataFrame,
    items: pl.DataFrame,
    workflow: Workflow,
    unplanned_types: Sequence[str],
) -> pl.DataFrame:
    item_ids = rows["item_id"].to_numpy()
    facts = items.select("type", discarded_resolution(workflow).alias("_bad_resolution"))
    rows = pl.concat([rows, facts[np.maximum(find_ids(items["item_id"].to_numpy(), item_ids), 0)]], how="horizontal")
    done_now, discarded_status = done_at(intervals, workflow, item_ids, instants(rows, "close_at"))
    done = pl.lit(pl.Series(done_now))
    discarded = done & (pl.lit(pl.Series(discarded_status)) | pl.col("_bad_resolution"))
    unplanned_type = pl.col("type").str.to_lowercase().is_in([t.casefold() for t in unplanned_types]).fill_null(False)
    return (
        rows.with_columns(
            (pl.col("in_at_close") & done & ~discarded).alias("completed"),
            (pl.col("in_at_close") & ~done).alias("carried_over"),
            (pl.col("in_at_close") & discarded).alias("discarded"),
        )
        .with_columns((pl.col("completed") & (pl.col("added") | unplanned_type)).alias("unplanned"))
        .drop("_bad_resolution")
    )


def _with_reestimates(rows: pl.DataFrame, estimates: EstimateHistory) -> pl.DataFrame:
    scope_from = pl.when("committed").then("start_at").otherwise("_first_added").dt.epoch("us")
    scope_to = pl.when("removed").then("_last_removed").otherwise("close_at").dt.epoch("us")
    bounds = rows.select(scope_from.fill_null(0).alias("lo"), scope_to.fill_null(0).alias("hi"))
    count, net = estimates.changes_between(rows["item_id"].to_numpy(), bounds["lo"].to_numpy(), bounds["hi"].to_numpy())
    return rows.with_columns(
        pl.Series("points_reestimated", np.where(count > 0, net, np.nan)).fill_nan(None),
        pl.Series("reestimated", count > 0),
    ).drop("_first_added", "_last_removed")


def _count_points(flag: str, points: str) -> list[pl.Expr]:
    prefix = flag.removesuffix("_at_close")
    return [
        pl.col(flag).sum().cast(pl.Int64).alias(f"{prefix}_count"),
        pl.col(points).filter(flag).sum().alias(f"{prefix}_points"),
    ]


def sprint_scope(rows: pl.DataFrame, windows: pl.DataFrame) -> pl.DataFrame:
    """Per sprint: committed, added, removed and re-estimated counts and points (re-estimated points are net)."""
    totals = rows.group_by("sprint_id").agg(
        *_count_points("committed", "points_committed"),
        *_count_points("added", "points_added"),
        *_count_points("removed", "points_removed"),
        pl.col("reestimated").sum().cast(pl.Int64).alias("reestimated_count"),
        pl.col("points_reestimated").sum().alias("reestimated_points"),
    )
    return windows.join(totals, on="sprint_id", how="left", maintain_order="left").with_columns(
        pl.col(c).fill_null(0) for c in totals.columns if c != "sprint_id"
    )
