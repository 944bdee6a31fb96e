"""Risk signals of a team: the rules of ``analytics/risk_signals`` run on its data, as proposals for the register.

Read-only and side-effect free: the risks use case decides what to do with a proposal (list it beside the register,
or create a risk keyed by its ``signal_key``). Thresholds come from ``[teams.KEY.risks]``, deadlines from
``[teams.KEY.deadlines]`` (docs/risk_signals.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl

from cadence.analytics import risk_signals as rs
from cadence.analytics.history import build_history
from cadence.analytics.milestones import item_milestones
from cadence.analytics.workflow import Workflow
from cadence.domain.errors import InputError
from cadence.domain.model import Role, Team
from cadence.services.access import Actor, access_team
from cadence.services.backlog import backlog_health
from cadence.services.forecasts import scope_forecast
from cadence.services.sla import clocks_of_team
from cadence.services.team_metrics import team_frames
from cadence.services.workspace_config import WorkspaceConfig, workflow_from_board
from cadence.store.database import Database
from cadence.store.impediments import team_people
from cadence.store.teams import board_stages

__all__ = ["team_risk_signals"]


def _workflow(db: Database, config: WorkspaceConfig, team: Team) -> tuple[Workflow, dict[str, str] | None]:
    """The team's workflow as its metrics use it: the file's, else a synced board's columns, else the default."""
    settings = config.for_team(team.key)
    if settings.explicit:
        return settings.workflow, None
    with db.connect() as conn:
        stages = board_stages(conn, team.id)
    from_board = workflow_from_board(stages) if stages else None
    return from_board if from_board is not None else (settings.workflow, None)


def _deadline_signals(
    db: Database,
    config: WorkspaceConfig,
    team: Team,
    deadlines: Mapping[str, dt.date],
    rules: rs.RiskRules,
    *,
    now: dt.datetime,
) -> list[dict[str, Any]]:
    """The deadline rule for each ``[teams.KEY.deadlines]`` entry, on the scope forecast the forecasts page shows
    that day (same seed, trials and measured growth). A scope no item of the team carries is skipped: it has no
    forecast (the forecasts page names it as unknown)."""
    today = now.astimezone(ZoneInfo(config.for_team(team.key).time_zone or team.timezone or "UTC")).date()
    found: list[dict[str, Any]] = []
    for name, deadline in sorted(deadlines.items()):
        kind, _, value = name.partition(":")
        try:
            forecast = scope_forecast(
                db, config, team.key, now=now, epic=value if kind == "epic" else None,
                version=value if kind == "version" else None,
            )  # fmt: skip
        except InputError:
            continue
        found += rs.forecast_deadline(forecast, rules, deadline=deadline, today=today)
    return found


def team_risk_signals(
    db: Database, config: WorkspaceConfig, actor: Actor, key: str, *, now: dt.datetime
) -> list[dict[str, Any]]:
    """The signals that fire for team ``key`` at ``now`` (viewers and above), in rule order.

    Each is a dict: signal_key (stable while the same trouble lasts), rule, title, evidence (numbers), reason (a
    sentence with them), probability and impact (suggested, 1-5). The SLA rule runs only for the support role and
    above, who may see the SLA clocks it counts.
    """
    team = access_team(db, actor, key)
    settings = config.for_team(team.key)
    rules = settings.risks
    workflow, categories = _workflow(db, config, team)
    frames = team_frames(db, team)
    history = build_history(frames.items, frames.transitions, workflow, categories)
    milestones = item_milestones(history.intervals, frames.items, workflow)
    series = rs.sprint_series(
        frames.sprints,
        frames.sprint_changes,
        frames.estimate_changes,
        history.intervals,
        frames.items,
        workflow,
        now=now,
        unplanned_types=settings.metrics.unplanned_types,
    )
    snapshots = rs.wip_age_snapshots(history.intervals, milestones, workflow, now=now, weeks=rules.ageing_weeks)
    first_start = milestones["start_at"].min()
    found = [
        *rs.scope_creep(series, rules),
        *rs.say_do_falling(series, rules),
        *rs.carry_over_rising(series, rules),
        *rs.interrupt_share_rising(series, rules),
        *rs.wip_above_limit(snapshots, rules),
        *rs.ageing_rising(
            snapshots, rules, history_start=first_start if isinstance(first_start, dt.datetime) else None
        ),
    ]
    role = actor.role_in(team.id)
    if role is not None and role.covers(Role.SUPPORT):
        clocks = clocks_of_team(db, config, team, now=now)
        first_clock = clocks["started_at"].min()
        found += rs.sla_breaches_rising(
            clocks["breached_at"],
            rules,
            now=now,
            history_start=first_clock if isinstance(first_clock, dt.datetime) else None,
        )
    found += _deadline_signals(db, config, team, settings.deadlines, rules, now=now)
    found += rs.ready_backlog_low(backlog_health(db, config, actor, key, now=now)["ready_work"], rules)
    delivered = (
        milestones.filter("delivered")
        .select("item_id", "done_at")
        .join(frames.items.select("item_id", "assignee_id", "labels"), on="item_id", how="inner")
    )
    with db.connect() as conn:
        names = {p.id: p.name for p in team_people(conn, team.id)}
    found += rs.key_person_concentration(delivered.filter(pl.col("done_at").is_not_null()), rules, now=now, names=names)
    return found
