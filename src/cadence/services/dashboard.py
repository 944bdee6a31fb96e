"""A team's health dashboard: its metrics over a range, the cycle-time points, its targets' status, and the
sprint outlook, backlog readiness, estimation health, action item, support and risk cards.

One call gathers what the page shows, all from the cached frames (``team_metrics`` caches per data version), so
the page costs a dictionary lookup once the team's history has been read. The three cards are "as of today", not
of the range: the sprint forecast and estimation health cache their own results per (team, data version, day), and
the backlog summary is cached here the same way (any write to a team's items bumps its data version).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from cadence.domain.model import Role, Team
from cadence.services.access import Actor, access_team, visible_teams
from cadence.services.action_items import action_summary
from cadence.services.backlog import backlog_health
from cadence.services.caches import Cache
from cadence.services.cycle_points import delivered_cycle_times
from cadence.services.estimation_health import estimation_health
from cadence.services.risks import risk_register
from cadence.services.sla import policies_of_team
from cadence.services.sprint_forecast import sprint_forecast
from cadence.services.support_metrics import team_support_metrics
from cadence.services.targets import TargetStatus, numeric_paths, target_statuses
from cadence.services.team_metrics import MetricsResult, team_metrics
from cadence.services.workspace_config import WorkspaceConfig
from cadence.store import metric_targets
from cadence.store.database import Database

__all__ = [
    "Dashboard",
    "backlog_summary",
    "data_quality",
    "risk_card",
    "support_card",
    "team_dashboard",
    "team_switcher",
]

_BACKLOG = Cache("dashboard_backlog", 64)
_SUPPORT = Cache("dashboard_support", 64)


@dataclass(frozen=True)
class Dashboard:
    team: Team
    role: Role
    metrics: MetricsResult
    cycle_points: list[dict[str, Any]]
    targets: list[TargetStatus]
    metric_paths: list[str]
    """Every dotted path a target may name (for the form's suggestions)."""
    outlook: dict[str, Any] | None = None
    """The sprint forecast (``services/sprint_forecast``) as of today."""
    backlog: dict[str, Any] | None = None
    """The backlog readiness summary (:func:`backlog_summary`) as of today."""
    estimation: dict[str, Any] | None = None
    """The estimation health (``services/estimation_health``) as of today."""
    actions: dict[str, Any] | None = None
    """The action items card: open, overdue, completion rate (``services/action_items.action_summary``)."""
    support: dict[str, Any] | None = None
    """The support card (:func:`support_card`), for the support role and above (who may see SLA figures)."""
    risks: dict[str, Any] | None = None
    """The risks card (:func:`risk_card`): the heat map of open risks, the top three, how many wait for review."""

    @property
    def can_manage(self) -> bool:
        return self.role.covers(Role.MANAGER)


def team_switcher(db: Database, actor: Actor) -> list[tuple[Team, Role]]:
    """The teams the actor can open, ordered by key."""
    return visible_teams(db, actor)


def _role(actor: Actor, team: Team) -> Role:
    role = actor.role_in(team.id)
    assert role is not None  # access_team passed
    return role


def team_dashboard(
    db: Database,
    config: WorkspaceConfig,
    actor: Actor,
    key: str,
    *,
    now: dt.datetime,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> Dashboard:
    """Everything the health dashboard of team ``key`` shows over [start, end] (viewers and above)."""
    team = access_team(db, actor, key)
    metrics = team_metrics(db, config, key, now=now, start=start, end=end)
    params = metrics["parameters"]
    points = delivered_cycle_times(
        db,
        config,
        team,
        start=dt.date.fromisoformat(str(params["start"])),
        end=dt.date.fromisoformat(str(params["end"])),
        tz=str(params["tz"]),
    )
    with db.connect() as conn:
        rows = metric_targets.list_targets(conn, team.id)
    targets = target_statuses(db, config, team, rows, metrics, now=now)
    return Dashboard(
        team,
        _role(actor, team),
        metrics,
        points,
        targets,
        numeric_paths(metrics),
        outlook=sprint_forecast(db, config, key, now=now),
        backlog=backlog_summary(db, config, actor, key, now=now),
        estimation=estimation_health(db, config, key, now=now),
        actions=action_summary(db, actor, key, now=now),
        support=support_card(db, config, actor, key, now=now) if _role(actor, team).covers(Role.SUPPORT) else None,
        risks=risk_card(db, config, actor, key, now=now),
    )


def risk_card(db: Database, config: WorkspaceConfig, actor: Actor, key: str, *, now: dt.datetime) -> dict[str, Any]:
    """The register's heat map, its three highest-scored open risks and the stale count (proposals left out: the
    signals are computed on the risk page, not on every dashboard view)."""
    register = risk_register(db, config, actor, key, now=now, proposals=False)
    open_risks = [r for r in register.risks if r["status"] == "open"]
    return {
        "heat_map": register.heat_map,
        "open": len(open_risks),
        "stale": len(register.stale),
        "top": [
            {k: r[k] for k in ("id", "title", "score", "band", "roam", "owner", "epic_key", "fix_version")}
            for r in open_risks[:3]
        ],
    }


def support_card(db: Database, config: WorkspaceConfig, actor: Actor, key: str, *, now: dt.datetime) -> dict[str, Any]:
    """The support card's figures over the last four weeks: SLA attainment per goal and priority, breach rate, and
    the interrupt load on the dev team; cached per (team, data version, SLA policy version) and refreshed in the
    background after an hour (served meanwhile, recomputed first past two). A four-week figure, it follows ticket
    intake and triage within the hour rather than on each one: recomputing it reads the team's whole ticket history
    (seconds for a desk of tens of thousands of tickets)."""
    team = access_team(db, actor, key, need=Role.SUPPORT)

    def compute() -> dict[str, Any]:
        metrics = team_support_metrics(db, config, actor, key, now=now)
        return {name: metrics[name] for name in ("sla_attainment", "interrupt_load", "parameters")}

    version = policies_of_team(db, team).version
    cache_key = (db.label, team.id, team.data_version, version, id(config))
    return _SUPPORT.get_or_refresh(cache_key, compute, now=now.timestamp(), refresh_after=3600, stale_limit=7200)


def backlog_summary(
    db: Database, config: WorkspaceConfig, actor: Actor, key: str, *, now: dt.datetime
) -> dict[str, Any]:
    """The backlog card's figures: readiness share, sprints (or weeks) of ready work, oversized, stale and likely
    duplicate counts; cached per (team, data version, day) since the full review reads every open item."""
    team = access_team(db, actor, key)

    def compute() -> dict[str, Any]:
        health = backlog_health(db, config, actor, key, now=now)
        summary = health["summary"]
        n = int(summary["backlog_items"])
        return {
            "backlog_items": n,
            "ready_items": summary["ready_items"],
            "readiness": summary["ready_items"] / n if n else None,
            "ready_work": health["ready_work"],
            "oversized_items": summary["oversized_items"],
            "stale_items": summary["stale_items"],
            "duplicate_pairs": summary["duplicate_pairs"],
        }

    return _BACKLOG.get_or_compute((db.label, team.id, team.data_version, now.date(), id(config)), compute)


def data_quality(db: Database, config: WorkspaceConfig, actor: Actor, key: str, *, now: dt.datetime) -> Dashboard:
    """The team's data-quality report (it lives in the same cached metrics result)."""
    team = access_team(db, actor, key)
    metrics = team_metrics(db, config, key, now=now)
    return Dashboard(team, _role(actor, team), metrics, [], [], [])
