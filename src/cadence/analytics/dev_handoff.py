"""What a support ticket's linked dev item is doing, in the words support relays, and how long the rest takes.

**Relay stage** of a stage visit (one row of the stage intervals): ``done`` when the stage is the delivery stage or
after it; ``reopened`` when the visit before it (same item) was done and this one is not; ``in review`` when the
stage's name contains "review" (case-insensitive); ``started`` when the stage is the commitment stage or after it;
none before the commitment point. Consecutive visits with the same relay stage form one **run**; an item's current
relay stage is its last run's, and the run's start is the time of that transition.

**Time to release from a stage** (the relay's "typical time"): for every item whose last visit is to the done zone
(not discarded) and which entered it within the window, the days from its *first* entry into the stage to its
last entry into done — ``started`` measures from the first visit at or after the commitment stage, ``in review``
from the first visit to a review stage (items that never had one are left out). Its P85 is the nearest-rank 85th
percentile.

**Hand-off points** of an item: ``committed_at`` is its first entry at or after the commitment stage, ``done_at``
its last entry into the done zone when it is there now (else null).
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from cadence.analytics.history import same_item_as_next, same_item_as_previous
from cadence.analytics.percentiles import nearest_rank
from cadence.analytics.workflow import Workflow

__all__ = ["RELAY_STAGES", "current_relay_stage", "handoff_points", "release_p85_days", "review_stages"]

RELAY_STAGES = ("started", "in review", "done", "reopened")
_DAY_US = 86_400_000_000


def review_stages(workflow: Workflow) -> list[int]:
    """Indices of the stages whose name contains "review"."""
    return [i for i, name in enumerate(workflow.names) if "review" in name.casefold()]


def _labelled(intervals: pl.DataFrame, workflow: Workflow) -> pl.DataFrame:
    index = pl.col("stage_index").cast(pl.Int16)
    in_done = index >= workflow.delivery_index
    before_done = same_item_as_previous() & (index.shift(1) >= workflow.delivery_index)
    label = (
        pl.when(in_done)
        .then(pl.lit("done"))
        .when(before_done.fill_null(False))
        .then(pl.lit("reopened"))
        .when(index.is_in(review_stages(workflow)))
        .then(pl.lit("in review"))
        .when(index >= workflow.commitment_index)
        .then(pl.lit("started"))
        .otherwise(pl.lit(None, dtype=pl.String))
    )
    return intervals.select(
        "item_id", "stage_index", pl.col("stage").cast(pl.String), "entered_at", "discarded"
    ).with_columns(label.alias("relay"))


def current_relay_stage(intervals: pl.DataFrame, workflow: Workflow, item_ids: list[int]) -> pl.DataFrame:
    """item_id, relay (null before commitment), since (start of the current run), last_change_at (the last stage
    change), stage (the workflow stage it is in now) — one row per item of ``item_ids`` that has history."""
    rows = intervals.filter(pl.col("item_id").is_in(item_ids))
    if not rows.height:
        return pl.DataFrame(
            schema={
                "item_id": pl.Int64,
                "relay": pl.String,
                "since": pl.Datetime("us", "UTC"),
                "last_change_at": pl.Datetime("us", "UTC"),
                "stage": pl.String,
            }
        )
    labelled = _labelled(rows, workflow)
    run_start = ~same_item_as_previous() | (pl.col("relay").ne_missing(pl.col("relay").shift(1)))
    with_runs = labelled.with_columns(pl.when(run_start).then(pl.col("entered_at")).forward_fill().alias("since"))
    return with_runs.filter(~same_item_as_next()).select(
        pl.col("item_id").cast(pl.Int64), "relay", "since", pl.col("entered_at").alias("last_change_at"), "stage"
    )


def release_p85_days(
    intervals: pl.DataFrame, workflow: Workflow, *, since: dt.datetime, until: dt.datetime
) -> dict[str, float | None]:
    """P85 days from first entering ``started`` / ``in review`` to release, over items released in [since, until]."""
    if not intervals.height:
        return {"started": None, "in review": None}
    index = pl.col("stage_index").cast(pl.Int16)
    per_item = intervals.group_by("item_id", maintain_order=True).agg(
        pl.col("entered_at").last().alias("done_at"),
        (index.last() >= workflow.delivery_index).alias("is_done"),
        pl.col("discarded").last().alias("discarded"),
        pl.col("entered_at").filter(index >= workflow.commitment_index).first().alias("started_at"),
        pl.col("entered_at").filter(index.is_in(review_stages(workflow))).first().alias("review_at"),
    )
    released = per_item.filter(
        pl.col("is_done") & ~pl.col("discarded").fill_null(False) & pl.col("done_at").is_between(since, until)
    )
    out: dict[str, float | None] = {}
    for stage, column in (("started", "started_at"), ("in review", "review_at")):
        days = released.select(
            ((pl.col("done_at") - pl.col(column)).dt.total_microseconds() / _DAY_US).alias("days")
        ).to_series()
        out[stage] = nearest_rank(days, (85,))[85]
    return out


def handoff_points(intervals: pl.DataFrame, workflow: Workflow, item_ids: list[int]) -> pl.DataFrame:
    """item_id, committed_at, done_at (null unless in the done zone now) for each of ``item_ids`` with history."""
    index = pl.col("stage_index").cast(pl.Int16)
    return (
        intervals.filter(pl.col("item_id").is_in(item_ids))
        .group_by("item_id", maintain_order=True)
        .agg(
            pl.col("entered_at").filter(index >= workflow.commitment_index).first().alias("committed_at"),
            pl.when(index.last() >= workflow.delivery_index)
            .then(pl.col("entered_at").last())
            .otherwise(None)
            .alias("done_at"),
        )
        .with_columns(pl.col("item_id").cast(pl.Int64))
    )
