"""Insight into one person's work, for coaching — never for ranking.

Every function returns one row per person (``person_id``) in the order of the ``people`` it is given; none sorts by a
metric, so no caller gets a leaderboard by accident. People without a value get zero counts and null medians.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import polars as pl

from cadence.analytics.blocked import blocked_spells
from cadence.analytics.days import as_utc, fractional_days, instant
from cadence.analytics.history import stage_at
from cadence.analytics.segments import instants
from cadence.analytics.sprint_scope import UNPLANNED_TYPES
from cadence.analytics.workflow import Workflow

__all__ = [
    "INSIGHT_COLUMNS",
    "blocked_by_person",
    "insight_distribution",
    "interrupts_by_person",
    "load_by_person",
    "person_insight",
    "review_stages",
    "reviews_by_person",
]

INSIGHT_COLUMNS = (
    "queued_items",
    "wip_items",
    "wip_points",
    "age_median_days",
    "age_oldest_days",
    "delivered",
    "unplanned",
    "interrupt_share",
    "blocked_days",
    "blocked_items",
    "review_items",
)
"""The per-person columns, in the order pages show them."""

_US = 1


def _people(people: Sequence[int]) -> pl.DataFrame:
    return pl.DataFrame({"person_id": list(people)}, schema={"person_id": pl.Int64})


def _per_person(people: Sequence[int], values: pl.DataFrame, zeros: Sequence[str]) -> pl.DataFrame:
    """``values`` (keyed by person_id) on the rows of ``people``, in their order; ``zeros`` columns filled with 0."""
    joined = _people(people).join(values, on="person_id", how="left", maintain_order="left")
    return joined.with_columns(pl.col(c).fill_null(0) for c in zeros)


def load_by_person(
    milestones: pl.DataFrame, items: pl.DataFrame, people: Sequence[int], *, now: dt.datetime
) -> pl.DataFrame:
    """**Person load**: the open items assigned to a person now (current assignee). ``wip_items`` are those in
    progress — started (crossed the commitment point) and not done, as for work item age — and ``wip_points`` their
    estimates (unestimated count 0); ``queued_items`` are assigned but not started. ``age_median_days`` and
    ``age_oldest_days`` are the median and the largest age (``now - start`` in days) of the person's items in progress.

    person_id, queued_items, wip_items, wip_points, age_median_days, age_oldest_days.
    """
    open_items = (
        milestones.filter(~pl.col("done"))
        .select("item_id", "start_at", "estimate")
        .join(items.select("item_id", pl.col("assignee_id").alias("person_id")), on="item_id", how="inner")
        .filter(pl.col("person_id").is_not_null())
        .with_columns(fractional_days(pl.col("start_at"), instant(now)).alias("_age"))
    )
    started = pl.col("start_at").is_not_null()
    per = open_items.group_by("person_id").agg(
        (~started).sum().cast(pl.Int64).alias("queued_items"),
        started.sum().cast(pl.Int64).alias("wip_items"),
        pl.col("estimate").filter(started).fill_null(0.0).sum().cast(pl.Float64).alias("wip_points"),
        pl.col("_age").filter(started).median().alias("age_median_days"),
        pl.col("_age").filter(started).max().alias("age_oldest_days"),
    )
    return _per_person(people, per, ["queued_items", "wip_items", "wip_points"])


def interrupts_by_person(
    milestones: pl.DataFrame,
    items: pl.DataFrame,
    people: Sequence[int],
    *,
    since: dt.datetime,
    until: dt.datetime,
    unplanned_types: Sequence[str] = UNPLANNED_TYPES,
) -> pl.DataFrame:
    """**Interrupt share** of a person: of the items delivered in [since, until) whose current assignee is the person,
    the share whose type is unplanned by nature (``incident``, ``support`` by default) — the flow variant of the
    unplanned share, per person. Null when the person delivered nothing in the window.

    person_id, delivered, unplanned, interrupt_share.
    """
    unplanned = [t.casefold() for t in unplanned_types]
    delivered = (
        milestones.filter(
            pl.col("delivered") & (pl.col("done_at") >= instant(since)) & (pl.col("done_at") < instant(until))
        )
        .select("item_id", "type")
        .join(items.select("item_id", pl.col("assignee_id").alias("person_id")), on="item_id", how="inner")
        .filter(pl.col("person_id").is_not_null())
    )
    per = delivered.group_by("person_id").agg(
        pl.len().cast(pl.Int64).alias("delivered"),
        pl.col("type").str.to_lowercase().is_in(unplanned).fill_null(False).sum().cast(pl.Int64).alias("unplanned"),
    )
    return _per_person(people, per, ["delivered", "unplanned"]).with_columns(
        pl.when(pl.col("delivered") > 0).then(pl.col("unplanned") / pl.col("delivered")).alias("interrupt_share")
    )


def blocked_by_person(
    flag_changes: pl.DataFrame,
    items: pl.DataFrame,
    people: Sequence[int],
    *,
    since: dt.datetime,
    until: dt.datetime,
    now: dt.datetime,
) -> pl.DataFrame:
    """**Person blocked time**: the blocked time (union of flagged intervals, as for an item) of the items a person is
    assigned to now, clipped to the window [since, until) — a flag still set counts up to ``now`` — summed over their
    items in days; ``blocked_items`` counts their items flagged at some moment of the window.

    person_id, blocked_days, blocked_items.
    """
    end = min(as_utc(until), as_utc(now, "now"))
    clipped = (
        blocked_spells(flag_changes, now=now)
        .with_columns(
            pl.max_horizontal("blocked_from", instant(since)).alias("_from"),
            pl.min_horizontal("blocked_to", instant(end)).alias("_to"),
        )
        .filter(pl.col("_to") > pl.col("_from"))
        .join(items.select("item_id", pl.col("assignee_id").alias("person_id")), on="item_id", how="inner")
        .filter(pl.col("person_id").is_not_null())
    )
    per = clipped.group_by("person_id").agg(
        fractional_days(pl.col("_from"), pl.col("_to")).sum().cast(pl.Float64).alias("blocked_days"),
        pl.col("item_id").n_unique().cast(pl.Int64).alias("blocked_items"),
    )
    return _per_person(people, per, ["blocked_days", "blocked_items"])


def review_stages(workflow: Workflow) -> list[int]:
    """The workflow's review stages: those whose name contains "review" (any case)."""
    return [i for i, stage in enumerate(workflow.stages) if "review" in stage.name.casefold()]


def reviews_by_person(
    intervals: pl.DataFrame,
    transitions: pl.DataFrame,
    assignee_changes: pl.DataFrame,
    people: Sequence[int],
    *,
    reviews: Sequence[int],
    since: dt.datetime,
    until: dt.datetime,
) -> pl.DataFrame:
    """**Review load** of a person: the distinct items they reviewed in [since, until) — an item counts when the
    person moved it out of a review stage (a transition by them after which the item is no longer in a review stage,
    from one it was in just before), or when it was assigned to them while it was in a review stage. Review stages are
    the workflow stages named "review" (any case); a workflow without one gives no review load.

    person_id, review_items.
    """
    lo, hi = instant(since), instant(until)
    moves = transitions.filter(pl.col("by_id").is_not_null() & (pl.col("at") >= lo) & (pl.col("at") < hi))
    handed = assignee_changes.filter(pl.col("to_id").is_not_null() & (pl.col("at") >= lo) & (pl.col("at") < hi))
    review = np.asarray(list(reviews), dtype=np.int16)
    parts = []
    if moves.height and len(review):
        ids, at = moves["item_id"].to_numpy(), instants(moves, "at")
        before, _ = stage_at(intervals, ids, at - _US)
        after, _ = stage_at(intervals, ids, at)
        left = np.isin(before, review) & ~np.isin(after, review)
        parts.append(moves.filter(pl.Series(left)).select("item_id", pl.col("by_id").alias("person_id")))
    if handed.height and len(review):
        ids, at = handed["item_id"].to_numpy(), instants(handed, "at")
        stage, _ = stage_at(intervals, ids, at)
        parts.append(
            handed.filter(pl.Series(np.isin(stage, review))).select("item_id", pl.col("to_id").alias("person_id"))
        )
    pairs = pl.concat(parts) if parts else pl.DataFrame(schema={"item_id": pl.Int64, "person_id": pl.Int64})
    per = pairs.unique().group_by("person_id").agg(pl.len().cast(pl.Int64).alias("review_items"))
    return _per_person(people, per, ["review_items"])


def person_insight(
    *,
    milestones: pl.DataFrame,
    intervals: pl.DataFrame,
    items: pl.DataFrame,
    transitions: pl.DataFrame,
    assignee_changes: pl.DataFrame,
    flag_changes: pl.DataFrame,
    workflow: Workflow,
    people: Sequence[int],
    since: dt.datetime,
    until: dt.datetime,
    now: dt.datetime,
    unplanned_types: Sequence[str] = UNPLANNED_TYPES,
) -> pl.DataFrame:
    """Load, WIP, age, interrupt share, blocked time and review load of each of ``people``, in their order.

    person_id followed by :data:`INSIGHT_COLUMNS`.
    """
    window = {"since": since, "until": until}
    parts = [
        load_by_person(milestones, items, people, now=now),
        interrupts_by_person(milestones, items, people, unplanned_types=unplanned_types, **window),
        blocked_by_person(flag_changes, items, people, now=now, **window),
        reviews_by_person(intervals, transitions, assignee_changes, people, reviews=review_stages(workflow), **window),
    ]
    out = parts[0]
    for part in parts[1:]:
        out = out.hstack(part.drop("person_id"))
    return out.select("person_id", *INSIGHT_COLUMNS)


def insight_distribution(per_person: pl.DataFrame) -> dict[str, dict[str, float | int | None]]:
    """**Team insight distribution**: for each per-person measure, how many people have a value, the team total (for
    counts, days and points) and the lower quartile, median and upper quartile across people (linear interpolation) —
    a shape without names, so nobody is singled out.

    ``{measure: {people, total, p25, median, p75}}``; ``total`` is null for ages and shares.
    """
    out: dict[str, dict[str, float | int | None]] = {}
    for name in INSIGHT_COLUMNS:
        values = per_person[name].drop_nulls().cast(pl.Float64)
        additive = name not in {"age_median_days", "age_oldest_days", "interrupt_share"}
        out[name] = {
            "people": len(values),
            "total": float(values.sum()) if additive else None,
            "p25": values.quantile(0.25, "linear") if len(values) else None,
            "median": values.quantile(0.5, "linear") if len(values) else None,
            "p75": values.quantile(0.75, "linear") if len(values) else None,
        }
    return out
