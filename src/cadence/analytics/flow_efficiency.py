"""Flow efficiency: the share of cycle time spent in active stages."""

from __future__ import annotations

import polars as pl

from cadence.analytics.days import fractional_days
from cadence.analytics.stage_time import StageTimes, spent_in_stages
from cadence.analytics.workflow import Workflow

__all__ = ["flow_efficiency", "summarize_flow_efficiency"]


def flow_efficiency(
    intervals: pl.DataFrame, milestones: pl.DataFrame, workflow: Workflow, *, times: StageTimes | None = None
) -> pl.DataFrame:
    """**Flow efficiency** of a delivered item is the time it spent in stages of category ``active`` between its start
    and its delivery, divided by its cycle time (both elapsed time). Waiting stages (a review queue), blocked time
    inside an active stage and backward loops all count as they happened. The aggregate is total active time over total
    cycle time of the items (a time-weighted ratio, so a long item weighs more than a short one); items with a zero
    cycle time have no per-item efficiency.

    Per delivered item: item_id, key, active_days, cycle_time_days, efficiency (0-1, null if cycle time is 0).

    ``times`` (from :func:`stage_times` of the same intervals) saves a pass: when every active stage lies between
    the commitment and delivery stages, a delivered item's visits to them all fall inside its cycle, so its total
    time there is its active time.
    """
    delivered = milestones.filter("delivered").select("item_id", "key", "start_at", "done_at")
    active = workflow.indices(["active"])
    inside = all(workflow.commitment_index <= i < workflow.delivery_index for i in active)
    if times is not None and inside:
        spent = times.total(delivered["item_id"], active)
    else:
        windows = delivered.select("item_id", pl.col("start_at").alias("from"), pl.col("done_at").alias("to"))
        spent = spent_in_stages(intervals, windows, active)
    cycle = fractional_days(pl.col("start_at"), pl.col("done_at"))
    return delivered.select(
        "item_id", "key", pl.Series("active_days", spent), cycle.alias("cycle_time_days")
    ).with_columns(
        pl.when(pl.col("cycle_time_days") > 0)
        .then(pl.col("active_days") / pl.col("cycle_time_days"))
        .alias("efficiency")
    )


def summarize_flow_efficiency(per_item: pl.DataFrame) -> dict[str, float | int | None]:
    """``aggregate`` (total active / total cycle time), ``mean`` and ``median`` of per-item efficiency, ``n``."""
    total = float(per_item["cycle_time_days"].sum())
    eff = per_item["efficiency"].drop_nulls()
    return {
        "n": per_item.height,
        "aggregate": float(per_item["active_days"].sum()) / total if total else None,
        "mean": float(eff.mean()) if len(eff) else None,  # type: ignore[arg-type]
        "median": float(eff.median()) if len(eff) else None,  # type: ignore[arg-type]
    }
