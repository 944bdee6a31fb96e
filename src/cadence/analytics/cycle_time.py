"""Cycle time: how long delivered work took from commitment to delivery."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import polars as pl

from cadence.analytics.days import calendar_days, fractional_days
from cadence.analytics.stage_time import StageTimes, stage_times
from cadence.analytics.workflow import Workflow

__all__ = ["control_chart_cycle_times", "cycle_times"]


def cycle_times(milestones: pl.DataFrame, *, tz: str = "UTC") -> pl.DataFrame:
    """**Cycle time** runs from the item's first entry into the commitment stage to its entry into the delivery stage;
    for a reopened item, its last entry into done. An item that skips the commitment stage starts at the first later
    stage it enters. It is given in fractional days (elapsed time / 24 h) and in whole calendar days inclusive
    (ActionableAgile's convention: started and finished on the same date = 1 day), dates taken in the team's time zone.
    Backward moves stay in the history and count inside the cycle (see ``backward_moves``): time spent in a reopen loop
    is cycle time.

    One row per delivered item. Columns: item_id, key, type, start_at, start_stage, done_at,
    cycle_time_days (fractional), cycle_time_calendar_days (whole, inclusive).
    """
    return milestones.filter("delivered").select(
        "item_id",
        "key",
        "type",
        "start_at",
        "start_stage",
        "done_at",
        fractional_days(pl.col("start_at"), pl.col("done_at")).alias("cycle_time_days"),
        calendar_days(pl.col("start_at"), pl.col("done_at"), tz).alias("cycle_time_calendar_days"),
    )


def control_chart_cycle_times(
    intervals: pl.DataFrame,
    milestones: pl.DataFrame,
    workflow: Workflow,
    stages: Sequence[str],
    *,
    now: dt.datetime,
    times: StageTimes | None = None,
) -> pl.DataFrame:
    """**Control-chart cycle time** (Jira's variant) is the total time an item spent in a chosen set of stages, however
    many visits that took, ignoring time elsewhere.

    Per delivered item, the days spent in ``stages``. A visit still open is counted up to ``now``; ``times`` (from
    :func:`stage_times` with the same ``now``) saves a pass. Columns: item_id, key, done_at, days.
    """
    wanted = [workflow.index(s) for s in stages]
    if not wanted:
        raise ValueError("control-chart cycle time needs at least one stage")
    delivered = milestones.filter("delivered").select("item_id", "key", "done_at", "created_at")
    if times is None:
        times = stage_times(intervals, now=now)
    return delivered.select("item_id", "key", "done_at", pl.Series("days", times.total(delivered["item_id"], wanted)))
