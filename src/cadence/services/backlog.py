"""A team's backlog health: which backlog items meet the Definition of Ready, how much ready work there is, what
to refine next and which items look like duplicates.

The checks, the size limit and the pace come from :mod:`cadence.analytics.backlog_health`; the recent pace
(velocity of closed sprints, weekly throughput) is read from the team's cached metrics result so the backlog page
and the dashboard always agree on it. The Definition-of-Ready settings are parameters with documented defaults
(:class:`ReadyRules`); ``cadence.toml`` has no section for them yet.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from cadence.analytics.backlog_health import (
    CHECKS,
    ReadyRules,
    backlog_items,
    readiness,
    refinement_queue,
    size_limit,
    sprints_of_ready_work,
)
from cadence.analytics.duplicates import DUPLICATE_THRESHOLD, Duplicates, likely_duplicates
from cadence.analytics.serialize import json_rows
from cadence.analytics.workflow import Workflow
from cadence.domain.model import Team
from cadence.services.access import Actor, access_team
from cadence.services.caches import Cache
from cadence.services.team_metrics import team_frames, team_metrics
from cadence.services.workspace_config import WorkspaceConfig, workflow_from_board
from cadence.store.backlog import read_open_blockers, read_open_items
from cadence.store.database import Database
from cadence.store.teams import board_stages

__all__ = ["BacklogHealth", "backlog_health"]

BacklogHealth = dict[str, Any]
_REVIEWS = Cache("backlog_reviews", 64)
_DUPLICATES = Cache("backlog_duplicates", 64)

_ROW_COLUMNS = ("key", "title", "type", "status", "estimate", "rank", "updated_at", "blocked_by")
_SCORE_COLUMNS = ("checks_passed", "score", "ready", "lacks")


def _workflow(db: Database, config: WorkspaceConfig, team: Team) -> Workflow:
    """The team's workflow as its metrics use it: the file's, else a synced board's columns, else the default."""
    settings = config.for_team(team.key)
    if settings.explicit:
        return settings.workflow
    with db.connect() as conn:
        stages = board_stages(conn, team.id)
    from_board = workflow_from_board(stages) if stages else None
    return from_board[0] if from_board is not None else settings.workflow


def _pace(metrics: dict[str, Any]) -> tuple[list[float], float | None]:
    """Completed points of the closed sprints (oldest first) and mean delivered items per week of the range."""
    closed = sorted((r for r in metrics.get("velocity", []) if r.get("closed")), key=lambda r: str(r["close_at"]))
    velocities = [float(r["completed_points"] or 0) for r in closed]
    days = metrics.get("throughput", [])
    weekly = sum(int(d["count"]) for d in days) / len(days) * 7 if days else None
    return velocities, weekly


def backlog_health(
    db: Database,
    config: WorkspaceConfig,
    actor: Actor,
    key: str,
    *,
    now: dt.datetime,
    rules: ReadyRules = ReadyRules(),
    duplicate_threshold: float = DUPLICATE_THRESHOLD,
) -> BacklogHealth:
    """The backlog health of team ``key`` (viewers and above); keys documented in docs/metrics.md.

    Cached per (team, data version): the review reads every open item (a second or more for a 50k-item team) and its
    clock-dependent parts move by days (stale after ``stale_days``, the size limit over ``size_weeks``, the weekly
    pace), so it is served as of its computation (``parameters.now``) for an hour, then served while a background
    thread recomputes it (recomputed first past two hours); any write to the team's items bumps the data version and
    refreshes it at once."""
    team = access_team(db, actor, key)
    workflow = _workflow(db, config, team)
    cache_key = (db.label, team.id, team.data_version, workflow, rules, duplicate_threshold, id(config))
    return _REVIEWS.get_or_refresh(
        cache_key,
        lambda: _review(db, config, team, workflow, now=now, rules=rules, threshold=duplicate_threshold),
        now=now.timestamp(), refresh_after=3600, stale_limit=7200,
    )  # fmt: skip


def _review(
    db: Database, config: WorkspaceConfig, team: Team, workflow: Workflow, *, now: dt.datetime, rules: ReadyRules,
    threshold: float,
) -> BacklogHealth:  # fmt: skip
    key, duplicate_threshold = team.key, threshold
    with db.connect() as conn:
        open_items = read_open_items(conn, team.id)
        blockers = read_open_blockers(conn, team.id)
    backlog = backlog_items(open_items, workflow)
    duplicates = _duplicates(db, team, workflow, backlog, threshold)
    limit = size_limit(team_frames(db, team).items, workflow, now=now, rules=rules)
    checked = readiness(backlog, blockers, limit=limit, now=now, rules=rules)
    velocities, weekly = _pace(team_metrics(db, config, key, now=now))
    ready_work = sprints_of_ready_work(
        checked, velocities=velocities, weekly_throughput=weekly, sprints=rules.velocity_sprints
    )
    passed = [c for c in checked.columns if c.startswith("check_")]
    similar = pl.DataFrame(
        {"key": list(duplicates.similar), "likely_duplicates": list(duplicates.similar.values())},
        schema={"key": pl.String, "likely_duplicates": pl.List(pl.String)},
    )
    rows = (
        checked.select(*_ROW_COLUMNS, *passed, *_SCORE_COLUMNS)
        .join(similar, on="key", how="left")
        .with_columns(pl.col("likely_duplicates").fill_null([]))
    )
    stale_cut = now - dt.timedelta(days=rules.stale_days)
    stale = rows.filter(pl.coalesce(checked["updated_at"], checked["created_at"]) < stale_cut)
    oversized = rows.filter(pl.col("estimate") > limit) if limit is not None else rows.clear()
    queue = refinement_queue(rows)
    n = rows.height
    return {
        "team": {"key": team.key, "name": team.name, "data_version": team.data_version},
        "parameters": {
            "now": now.isoformat(),
            "checks": [c for c in CHECKS if c in rules.checks],
            "stale_days": rules.stale_days,
            "ac_label": rules.ac_label,
            "size_weeks": rules.size_weeks,
            "size_percentile": rules.size_percentile,
            "size_limit": limit,
            "velocity_sprints": rules.velocity_sprints,
            "duplicate_threshold": duplicate_threshold,
        },
        "summary": {
            "backlog_items": n,
            "ready_items": int(rows["ready"].sum()),
            "mean_score": float(rows["score"].mean()) if n else None,  # type: ignore[arg-type]
            "stale_items": stale.height,
            "oversized_items": oversized.height,
            "passing": {c.removeprefix("check_"): int(rows[c].sum()) for c in passed},
            "duplicate_pairs": duplicates.total,
        },
        "ready_work": ready_work,
        "items": json_rows(rows.sort(["rank", "key"], nulls_last=True)),
        "refinement_queue": json_rows(queue.select("key", "title", "rank", "score", "lacks")),
        "stale": json_rows(stale.select("key", "title", "updated_at")),
        "oversized": json_rows(oversized.select("key", "title", "estimate")),
        "duplicates": json_rows(duplicates.pairs),
    }


def _duplicates(db: Database, team: Team, workflow: Workflow, backlog: pl.DataFrame, threshold: float) -> Duplicates:
    """The backlog's likely duplicates, kept per data version: the text comparison is the review's costly part
    (seconds for a large templated backlog) and, unlike the readiness checks, does not move with the clock."""
    key = (db.label, team.id, team.data_version, workflow, threshold)
    return _DUPLICATES.get_or_compute(key, lambda: likely_duplicates(backlog, threshold=threshold))
