"""A team's sprint forecast: will its active sprint (else its next one) deliver what it commits?

The sprint is the team's active sprint; else its next future sprint; else a hypothetical next sprint of the team's
usual length (the median length of its last closed sprints) starting today. Three readings, each from the team's own
history (definitions in ``analytics/sprint_outlook.py``):

- *velocity*: the committed points (at start for the active sprint, the current scope for a future one) against the
  P50/P85 "at least" velocity of the last ``sprints`` closed sprints;
- *items*: the items still open in it against a Monte Carlo of the days left, on the team's delivered items per day
  over the ``window_days`` days that end yesterday (as ``services/forecasts.py``). The days left are the time from
  now (from its start for a sprint not started) to its end, rounded up to whole days;
- *reliability*: say/do by points of the same closed sprints.

The seed is derived from (team, data version, day) like ``services/forecasts.py``: the same question asked twice on
the same day gets the same answer. Results are cached per (team, data version, day, parameters); the history they
are computed from is cached per data version and shared with ``services/estimation_health.py``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl

from cadence.analytics.days import instant
from cadence.analytics.forecast import throughput_sample
from cadence.analytics.history import FlowHistory, build_history
from cadence.analytics.membership import sprint_membership
from cadence.analytics.milestones import item_milestones
from cadence.analytics.serialize import json_value
from cadence.analytics.sprint_outlook import (
    commitment_reliability,
    commitment_verdict,
    items_outlook,
    items_verdict,
    reliability_verdict,
    usual_length,
    velocity_outlook,
)
from cadence.analytics.sprint_scope import sprint_items, sprint_windows
from cadence.analytics.team_frames import TeamFrames
from cadence.analytics.throughput import throughput
from cadence.analytics.velocity import say_do, velocity
from cadence.analytics.workflow import Workflow
from cadence.domain.errors import InputError
from cadence.domain.model import Team
from cadence.services.caches import Cache
from cadence.services.team_metrics import load_team, team_frames
from cadence.services.workspace_config import WorkspaceConfig, workflow_from_board
from cadence.store.database import Database
from cadence.store.teams import board_stages

__all__ = ["DEFAULT_SPRINTS", "TeamHistory", "clear_cache", "sprint_forecast", "team_history"]

DEFAULT_SPRINTS = 6
"""Closed sprints the forecast reads: three months of two-week sprints, recent enough to reflect the team today."""


_HISTORIES = Cache("team_histories", 64)
_RESULTS = Cache("sprint_forecasts", 64)


def clear_cache() -> None:
    _HISTORIES.clear()
    _RESULTS.clear()


@dataclass(frozen=True)
class TeamHistory:
    """A team's workflow (as its metrics use it), stage history and per-item milestones at one data version."""

    workflow: Workflow
    history: FlowHistory
    milestones: pl.DataFrame


def team_history(db: Database, config: WorkspaceConfig, team: Team) -> TeamHistory:
    """The team's history with the workflow its dashboard uses: the file's, else a synced board's, else the default."""

    def build() -> TeamHistory:
        settings = config.for_team(team.key)
        workflow, categories = settings.workflow, None
        if not settings.explicit:
            with db.connect() as conn:
                stages = board_stages(conn, team.id)
            from_board = workflow_from_board(stages) if stages else None
            if from_board is not None:
                workflow, categories = from_board
        frames = team_frames(db, team)
        history = build_history(frames.items, frames.transitions, workflow, categories)
        return TeamHistory(workflow, history, item_milestones(history.intervals, frames.items, workflow))

    return _HISTORIES.get_or_compute((db.label, team.id, team.data_version, id(config)), build)


def _seed(team_id: int, data_version: int, day: dt.date) -> int:
    digest = hashlib.sha256(f"{team_id}:{data_version}:{day.isoformat()}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def _whole_days(start: dt.datetime, end: dt.datetime) -> int:
    return max(math.ceil((end - start).total_seconds() / 86_400), 0)


def sprint_forecast(
    db: Database,
    config: WorkspaceConfig,
    key: str,
    *,
    now: dt.datetime,
    sprints: int = DEFAULT_SPRINTS,
    window_days: int = 56,
    trials: int = 10_000,
    seed: int | None = None,
) -> dict[str, Any]:
    """The sprint forecast of team ``key`` (JSON-ready; keys documented in docs/forecasting.md)."""
    if sprints < 1:
        raise InputError(f"the forecast needs at least one past sprint, not {sprints}")
    if window_days < 7:
        raise InputError(f"the throughput window must hold at least 7 days, not {window_days}")
    team = load_team(db, key)
    settings = config.for_team(key)
    tz = settings.time_zone or team.timezone or "UTC"
    today = now.astimezone(ZoneInfo(tz)).date()
    cache_key = (db.label, team.id, team.data_version, today, sprints, window_days, trials, id(config))

    def compute() -> dict[str, Any]:
        return _forecast(
            db,
            config,
            team,
            now=now,
            tz=tz,
            today=today,
            sprints=sprints,
            window=window_days,
            trials=trials,
            seed=_seed(team.id, team.data_version, today) if seed is None else seed,
        )

    if seed is not None:
        return compute()
    return _RESULTS.get_or_compute(cache_key, compute)


def _forecast(
    db: Database,
    config: WorkspaceConfig,
    team: Team,
    *,
    now: dt.datetime,
    tz: str,
    today: dt.date,
    sprints: int,
    window: int,
    trials: int,
    seed: int,
) -> dict[str, Any]:
    frames = team_frames(db, team)
    history = team_history(db, config, team)
    settings = config.for_team(team.key)
    windows = sprint_windows(frames.sprints, now=now)
    closed = windows.filter("closed").sort("close_at", "sprint_id").tail(sprints)
    running = windows.filter(~pl.col("closed")).with_columns(
        (pl.col("state").str.to_lowercase() == "active").fill_null(False).alias("_active")
    )
    active = running.sort("_active", "start_at", "sprint_id", descending=True).head(1)
    read_ids = pl.concat([closed["sprint_id"], active["sprint_id"]])
    rows = sprint_items(
        frames.sprints.filter(pl.col("sprint_id").is_in(read_ids.implode())),
        frames.sprint_changes,
        frames.estimate_changes,
        history.history.intervals,
        frames.items,
        history.workflow,
        now=now,
        unplanned_types=settings.metrics.unplanned_types,
    )
    subset = windows.filter(pl.col("sprint_id").is_in(read_ids.implode()))
    speed = velocity(rows, subset).join(
        say_do(rows, subset).select("sprint_id", "committed_points", "say_do_points"), on="sprint_id"
    )
    past = closed.select("sprint_id").join(speed, on="sprint_id", how="left", maintain_order="left")
    sprint = _target(frames, rows, speed, active, closed, history.milestones, now=now, tz=tz, today=today)

    last = today - dt.timedelta(days=1)
    daily = throughput(history.milestones, start=last - dt.timedelta(days=window - 1), end=last, tz=tz)
    sample = throughput_sample(daily, end=last, window_days=window)
    rng = np.random.default_rng(seed)
    start = dt.date.fromisoformat(sprint["from"])
    end = start + dt.timedelta(days=sprint["days_left"] - 1)
    outlook = velocity_outlook(past["completed_points"].to_numpy(), sprint["committed_points"])
    items = items_outlook(sample, sprint["open_items"], start, end, rng=rng, trials=trials)
    reliability = commitment_reliability(past.filter(pl.col("committed_points") > 0)["say_do_points"].to_numpy())
    label = "this sprint" if sprint["kind"] == "active" else "the next sprint"
    return {
        "team": {"key": team.key, "name": team.name, "data_version": team.data_version},
        "parameters": {
            "now": json_value(now),
            "tz": tz,
            "sprints": sprints,
            "window_days": window,
            "sample": {
                "from": (last - dt.timedelta(days=window - 1)).isoformat(),
                "to": last.isoformat(),
                "delivered": int(sample.sum()),
            },
            "trials": trials,
            "velocity_method": "empirical at-least levels of the last closed sprints' velocity",
        },
        "sprint": sprint,
        "history": [
            {k: json_value(v) for k, v in row.items()}
            for row in past.select(
                "sprint_id", "name", "close_at", "committed_points", "completed_points", "say_do_points"
            ).to_dicts()
        ],
        "velocity": {
            "sprints": outlook.sprints,
            "committed_points": outlook.committed,
            "p50": outlook.p50,
            "p85": outlook.p85,
            "min": outlook.low,
            "max": outlook.high,
            "fit": outlook.fit,
            "verdict": commitment_verdict(outlook, sprint=label),
        },
        "items": {
            "from": items.start.isoformat(),
            "to": items.end.isoformat(),
            "days": items.days,
            "open_items": items.open_items,
            "p50": items.p50,
            "p85": items.p85,
            "fit": items.fit,
            "verdict": items_verdict(items),
        },
        "reliability": {
            "sprints": reliability.sprints,
            "median": reliability.median,
            "p15": reliability.p15,
            "p85": reliability.p85,
            "share_met": reliability.share_met,
            "verdict": reliability_verdict(reliability),
        },
        "verdict": commitment_verdict(outlook, sprint=label),
    }


def _local(value: Any, tz: str) -> dt.date:
    assert isinstance(value, dt.datetime)
    return value.astimezone(ZoneInfo(tz)).date()


def _target(
    frames: TeamFrames,
    rows: pl.DataFrame,
    speed: pl.DataFrame,
    active: pl.DataFrame,
    closed: pl.DataFrame,
    milestones: pl.DataFrame,
    *,
    now: dt.datetime,
    tz: str,
    today: dt.date,
) -> dict[str, Any]:
    """The sprint being forecast: its identity, dates, committed points and open items."""
    if active.height:
        sprint_id = int(active["sprint_id"][0])
        facts = frames.sprints.filter(pl.col("sprint_id") == sprint_id).row(0, named=True)
        mine = rows.filter((pl.col("sprint_id") == sprint_id) & pl.col("in_at_close"))
        committed = speed.filter(pl.col("sprint_id") == sprint_id)["committed_points"]
        end_at = facts["end_at"]
        return {
            "kind": "active",
            "sprint_id": sprint_id,
            "name": facts["name"],
            "start": _local(facts["start_at"], tz).isoformat(),
            "end": _local(end_at, tz).isoformat() if end_at is not None else None,
            "committed_points": float(committed[0]) if committed.len() else 0.0,
            "scope_points": float(mine["points_at_close"].sum()),
            "open_items": int(mine["carried_over"].sum()),
            "open_points": float(mine.filter("carried_over")["points_at_close"].sum()),
            "from": today.isoformat(),
            "days_left": _whole_days(now, end_at) if end_at is not None else 0,
        }
    lengths = (closed["close_at"] - closed["start_at"]).dt.total_seconds().to_numpy() / 86_400
    usual = usual_length(lengths)
    upcoming = frames.sprints.filter(
        pl.col("completed_at").is_null()
        & (pl.col("state").str.to_lowercase() != "closed").fill_null(True)
        & (pl.col("start_at").is_null() | (pl.col("start_at") > instant(now)))
    ).sort("start_at", "sprint_id", nulls_last=True)
    if upcoming.height:
        facts = upcoming.row(0, named=True)
        stays = sprint_membership(frames.sprint_changes, frames.items).filter(
            (pl.col("sprint_id") == facts["sprint_id"])
            & (pl.col("added_at") <= instant(now))
            & (pl.col("removed_at").is_null() | (pl.col("removed_at") > instant(now)))
        )
        scope = (
            frames.items.join(stays.select("item_id").unique(), on="item_id", how="semi")
            .join(milestones.select("item_id", "done"), on="item_id", how="left")
            .with_columns(pl.col("done").fill_null(False))
        )
        start_at, end_at = facts["start_at"], facts["end_at"]
        first = _local(start_at, tz) if start_at is not None else today
        days = _whole_days(start_at, end_at) if start_at is not None and end_at is not None else usual
        points = float(scope["estimate"].sum())
        return {
            "kind": "future",
            "sprint_id": int(facts["sprint_id"]),
            "name": facts["name"],
            "start": first.isoformat(),
            "end": (first + dt.timedelta(days=max(days, 1) - 1)).isoformat(),
            "committed_points": points,
            "scope_points": points,
            "open_items": int((~scope["done"]).sum()),
            "open_points": float(scope.filter(~pl.col("done"))["estimate"].sum()),
            "from": first.isoformat(),
            "days_left": days,
        }
    return {
        "kind": "hypothetical",
        "sprint_id": None,
        "name": None,
        "start": today.isoformat(),
        "end": (today + dt.timedelta(days=usual - 1)).isoformat(),
        "committed_points": None,
        "scope_points": None,
        "open_items": None,
        "open_points": None,
        "from": today.isoformat(),
        "days_left": usual,
    }
