"""A team's health dashboard: its metrics over a range, the cycle-time points, and its targets' status.

One call gathers what the page shows, all from the cached frames (``team_metrics`` caches per data version), so
the page costs a dictionary lookup once the team's history has been read.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from cadence.domain.model import Role, Team
from cadence.services.access import Actor, access_team, visible_teams
from cadence.services.cycle_points import delivered_cycle_times
from cadence.services.targets import TargetStatus, numeric_paths, target_statuses
from cadence.services.team_metrics import MetricsResult, team_metrics
from cadence.services.workspace_config import WorkspaceConfig
from cadence.store import metric_targets
from cadence.store.database import Database

__all__ = ["Dashboard", "data_quality", "team_dashboard", "team_switcher"]


@dataclass(frozen=True)
class Dashboard:
    team: Team
    role: Role
    metrics: MetricsResult
    cycle_points: list[dict[str, Any]]
    targets: list[TargetStatus]
    metric_paths: list[str]
    """Every dotted path a target may name (for the form's suggestions)."""

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
    return Dashboard(team, _role(actor, team), metrics, points, targets, numeric_paths(metrics))


def data_quality(db: Database, config: WorkspaceConfig, actor: Actor, key: str, *, now: dt.datetime) -> Dashboard:
    """The team's data-quality report (it lives in the same cached metrics result)."""
    team = access_team(db, actor, key)
    metrics = team_metrics(db, config, key, now=now)
    return Dashboard(team, _role(actor, team), metrics, [], [], [])
