"""Backlog health: Definition-of-Ready checks per backlog item, sprints of ready work, the refinement queue.

**Backlog item**: an unresolved item whose status maps to a workflow stage before the commitment point (not
started, not done). Items in unmapped statuses are left out: we cannot tell whether they have started.

**Definition of Ready** — each check is True when the item passes it:

* ``description``: the description has non-blank text.
* ``acceptance_criteria``: the item carries the label ``has-ac`` (case-insensitive), or its description has a line
  starting with "Acceptance criteria" or "AC:" (optionally after ``#``, ``*``, ``-`` or ``>`` markers), or reads
  "Given ... When ... Then" (the three words in that order, case-insensitive).
* ``estimate``: the estimate is set (zero counts: a deliberate "no effort" estimate).
* ``size``: not oversized — the estimate is at most the **size limit**, the 85th percentile (nearest rank) of the
  estimates of items delivered in the last 12 weeks. That is the size 85% of recently delivered work did not
  exceed: an item above it is bigger than what the team usually finishes and should be split. With fewer than 5
  estimated deliveries there is no limit and the check passes; an unestimated item passes it too (the
  ``estimate`` check already fails it).
* ``unblocked``: no unresolved item blocks it (an item-link of type ``blocks``).
* ``fresh``: updated (or, with no update time, created) within the last 60 days.

**Readiness score**: the share of the enabled checks passed (0-1); **ready**: every enabled check passes.

**Sprints of ready work**: total estimate of the ready items / velocity, velocity being the mean completed points
of the last 3 closed sprints. Without closed sprints (or with zero velocity) it falls back to **weeks of ready
work**: count of ready items / mean weekly throughput of the recent weeks, and says so in ``basis``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from cadence.analytics.percentiles import nearest_rank
from cadence.analytics.workflow import Workflow

__all__ = [
    "CHECKS",
    "ReadyRules",
    "backlog_items",
    "readiness",
    "refinement_queue",
    "size_limit",
    "sprints_of_ready_work",
]

CHECKS: tuple[str, ...] = ("description", "acceptance_criteria", "estimate", "size", "unblocked", "fresh")
"""Every Definition-of-Ready check, in the order the refinement queue names what an item lacks."""

_AC_PATTERN = r"(?im)^[\s#*>\-]*(acceptance criteria|ac\s*:)|(?is)\bgiven\b.*\bwhen\b.*\bthen\b"


@dataclass(frozen=True)
class ReadyRules:
    """The Definition-of-Ready parameters; defaults are the documented ones."""

    checks: tuple[str, ...] = CHECKS
    """The checks that count; drop one to stop the team being judged by it."""
    stale_days: int = 60
    ac_label: str = "has-ac"
    size_weeks: int = 12
    size_percentile: int = 85
    min_size_sample: int = 5
    velocity_sprints: int = 3

    def __post_init__(self) -> None:
        unknown = sorted(set(self.checks) - set(CHECKS))
        if unknown:
            raise ValueError(f"unknown readiness check(s) {', '.join(unknown)}; known: {', '.join(CHECKS)}")
        if not self.checks:
            raise ValueError("at least one readiness check must be enabled")


def _stage_index(statuses: pl.Series, workflow: Workflow) -> pl.Series:
    """Stage index per status, looked up once per distinct status (not per row)."""
    distinct = statuses.unique().drop_nulls().to_list()
    mapping = {s: workflow.stage_of(s) for s in distinct}
    return statuses.replace_strict(mapping, default=None, return_dtype=pl.Int64)


def backlog_items(open_items: pl.DataFrame, workflow: Workflow) -> pl.DataFrame:
    """The open items whose status maps to a stage before the commitment point."""
    stage = _stage_index(open_items["status"], workflow)
    return open_items.filter(stage < workflow.commitment_index)


def size_limit(
    items: pl.DataFrame, workflow: Workflow, *, now: dt.datetime, rules: ReadyRules = ReadyRules()
) -> float | None:
    """The size limit: P85 (nearest rank) of the estimates of items delivered (resolved in a stage at or after the
    delivery point, not discarded) in the last ``size_weeks`` weeks; None with fewer than ``min_size_sample``."""
    since = now - dt.timedelta(weeks=rules.size_weeks)
    stage = _stage_index(items["status"], workflow)
    discarded = {s.strip().casefold() for s in workflow.discarded}
    delivered = items.filter(
        pl.col("resolved_at").is_between(since, now),
        stage >= workflow.delivery_index,
        ~pl.col("status").str.strip_chars().str.to_lowercase().is_in(list(discarded)),
        pl.col("estimate").is_not_null(),
    )
    if delivered.height < rules.min_size_sample:
        return None
    return nearest_rank(delivered["estimate"], [rules.size_percentile])[rules.size_percentile]


def readiness(
    backlog: pl.DataFrame,
    blockers: pl.DataFrame,
    *,
    limit: float | None,
    now: dt.datetime,
    rules: ReadyRules = ReadyRules(),
) -> pl.DataFrame:
    """Every enabled check per backlog item as a boolean column ``check_<name>``, plus ``blocked_by`` (keys),
    ``checks_passed``, ``score``, ``ready`` and ``lacks`` (the failed checks, in :data:`CHECKS` order).

    ``backlog`` has the columns of the store's open items; ``blockers`` has item_id, blocker_key.
    """
    blocked_by = blockers.group_by("item_id").agg(pl.col("blocker_key").sort().alias("blocked_by"))
    description = pl.col("description").fill_null("")
    label = rules.ac_label.casefold()
    checks = {
        "description": description.str.strip_chars().str.len_chars() > 0,
        "acceptance_criteria": description.str.contains(_AC_PATTERN)
        | pl.col("labels").fill_null([]).list.eval(pl.element().str.to_lowercase() == label).list.any(),
        "estimate": pl.col("estimate").is_not_null(),
        "size": pl.lit(True) if limit is None else pl.col("estimate").is_null() | (pl.col("estimate") <= limit),
        "unblocked": pl.col("blocked_by").list.len() == 0,
        "fresh": pl.coalesce("updated_at", "created_at") >= now - dt.timedelta(days=rules.stale_days),
    }
    enabled = [c for c in CHECKS if c in rules.checks]
    frame = backlog.join(blocked_by, on="item_id", how="left", maintain_order="left").with_columns(
        pl.col("blocked_by").fill_null(pl.lit([], dtype=pl.List(pl.String)))
    )
    frame = frame.with_columns(checks[c].fill_null(False).alias(f"check_{c}") for c in enabled)
    passed = [f"check_{c}" for c in enabled]
    lacks = pl.concat_list([pl.when(~pl.col(f"check_{c}")).then(pl.lit(c)) for c in enabled]).list.drop_nulls()
    return frame.with_columns(
        pl.sum_horizontal(passed).cast(pl.Int64).alias("checks_passed"),
        (pl.sum_horizontal(passed) / len(enabled)).alias("score"),
        pl.all_horizontal(passed).alias("ready"),
        lacks.alias("lacks"),
    )


def refinement_queue(checked: pl.DataFrame) -> pl.DataFrame:
    """The items not ready, highest rank first (smallest rank number; unranked last, then by key)."""
    return checked.filter(~pl.col("ready")).sort(["rank", "key"], nulls_last=True)


def sprints_of_ready_work(
    checked: pl.DataFrame, *, velocities: Sequence[float], weekly_throughput: float | None, sprints: int = 3
) -> dict[str, Any]:
    """How much ready work there is, in sprints (or weeks) of the team's recent pace.

    ``velocities`` are the completed points of the closed sprints, oldest first (the last ``sprints`` count);
    ``weekly_throughput`` the mean delivered items per week of the recent weeks. ``basis`` is ``velocity``,
    ``throughput`` or None when neither rate is positive.
    """
    ready = checked.filter("ready")
    points = float(ready["estimate"].fill_null(0).sum())
    count = ready.height
    recent = list(velocities)[-sprints:] if sprints > 0 else []
    velocity = sum(recent) / len(recent) if recent else None
    out: dict[str, Any] = {
        "ready_count": count,
        "ready_points": points,
        "velocity": velocity,
        "velocity_sprints": len(recent),
        "weekly_throughput": None,
        "basis": None,
        "value": None,
        "unit": None,
    }
    if velocity:
        return out | {"basis": "velocity", "value": points / velocity, "unit": "sprints"}
    out["weekly_throughput"] = weekly_throughput
    if weekly_throughput:
        return out | {"basis": "throughput", "value": count / weekly_throughput, "unit": "weeks"}
    return out
