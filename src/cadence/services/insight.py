"""Team and individual insight, with guard-rails: for coaching, never for ranking.

Who sees what: anyone in the team sees the team's distribution (no names); a person sees their own insight; managers
and admins of the team see one person's insight at a time, chosen from the members listed by name. Anyone else
asking for a person gets "forbidden" (403), a person outside the team "not found" (404). Nothing here sorts people
by a metric, and a request to sort is refused.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import polars as pl

from cadence.analytics.person_insight import INSIGHT_COLUMNS, insight_distribution, person_insight
from cadence.domain.errors import InputError, NotFound, PermissionDenied
from cadence.domain.model import Role, Team
from cadence.services.access import Actor, access_team
from cadence.services.sprint_forecast import team_history
from cadence.services.team_metrics import team_frames
from cadence.services.workspace_config import WorkspaceConfig
from cadence.store.action_items import team_members
from cadence.store.database import Database
from cadence.store.read_models import read_assignee_changes
from cadence.store.time_off import person_of_user

__all__ = [
    "DEFAULT_WEEKS",
    "GUARD_RAIL",
    "MAX_WEEKS",
    "PersonInsight",
    "TeamInsight",
    "check_query",
    "person_view",
    "team_view",
]

DEFAULT_WEEKS = 4
"""The window of the window-based measures (delivered, interrupts, blocked, reviews): the last four weeks."""
MAX_WEEKS = 26
GUARD_RAIL = (
    "For coaching, never for ranking. People are listed by name, never ordered or compared by a number, and a "
    "person's numbers are seen only by that person and the team's managers."
)
_ALLOWED_QUERY = {"weeks"}
_RANKING = {"sort", "sort_by", "order", "order_by", "orderby", "rank", "top", "bottom", "desc", "asc"}


@dataclass(frozen=True)
class Member:
    person_id: int
    name: str


@dataclass(frozen=True)
class PersonInsight:
    team: Team
    person: Member
    is_you: bool
    since: dt.datetime
    until: dt.datetime
    weeks: int
    values: dict[str, Any]
    """One value per :data:`INSIGHT_COLUMNS` name."""


@dataclass(frozen=True)
class TeamInsight:
    team: Team
    since: dt.datetime
    until: dt.datetime
    weeks: int
    members: int
    distribution: dict[str, dict[str, float | int | None]]
    me: PersonInsight | None
    """The asker's own insight when they are a member of the team."""
    people: list[Member]
    """The members by name, for managers to choose one; empty for everyone else."""


def check_query(names: Iterable[str]) -> None:
    """Refuse query parameters other than ``weeks``; sorting or ranking ones with the reason."""
    for name in names:
        if name.casefold() in _RANKING:
            raise InputError(
                f"insight cannot be sorted or ranked ('{name}'): it is for coaching, never for ranking", parameter=name
            )
        if name not in _ALLOWED_QUERY:
            raise InputError(f"unknown parameter '{name}'; insight takes only 'weeks'", parameter=name)


def _window(now: dt.datetime, weeks: int) -> tuple[dt.datetime, dt.datetime]:
    if not 1 <= weeks <= MAX_WEEKS:
        raise InputError(f"weeks is {weeks}; choose 1 to {MAX_WEEKS}", weeks=weeks)
    return now - dt.timedelta(weeks=weeks), now


def _members(db: Database, team: Team, actor: Actor) -> tuple[list[Member], int | None]:
    with db.connect() as conn:
        members = [Member(row.person_id, row.display_name) for row in team_members(conn, team.id)]
        own = person_of_user(conn, actor.user_id) if actor.user_id else None
    members.sort(key=lambda m: (m.name.casefold(), m.person_id))  # alphabetical on every backend, never by a metric
    return members, own


def _insight(
    db: Database, config: WorkspaceConfig, team: Team, people: list[int], *, now: dt.datetime, weeks: int
) -> tuple[pl.DataFrame, dt.datetime, dt.datetime]:
    since, until = _window(now, weeks)
    history = team_history(db, config, team)
    frames = team_frames(db, team)
    with db.connect() as conn:
        assignee_changes = read_assignee_changes(conn, [team.id])
    frame = person_insight(
        milestones=history.milestones,
        intervals=history.history.intervals,
        items=frames.items,
        transitions=frames.transitions,
        assignee_changes=assignee_changes,
        flag_changes=frames.flag_changes,
        workflow=history.workflow,
        people=people,
        since=since,
        until=until,
        now=now,
        unplanned_types=config.for_team(team.key).metrics.unplanned_types,
    )
    return frame, since, until


def team_view(
    db: Database, config: WorkspaceConfig, actor: Actor, key: str, *, now: dt.datetime, weeks: int = DEFAULT_WEEKS
) -> TeamInsight:
    """The team's distribution for anyone in it; the asker's own insight; the members by name for managers."""
    team = access_team(db, actor, key)
    members, own = _members(db, team, actor)
    frame, since, until = _insight(db, config, team, [m.person_id for m in members], now=now, weeks=weeks)
    distribution = insight_distribution(frame)
    me = None
    for member, row in zip(members, frame.to_dicts(), strict=True):
        if member.person_id == own:
            me = PersonInsight(team, member, True, since, until, weeks, _values(row))
    role = actor.role_in(team.id)
    manages = role is not None and role.covers(Role.MANAGER)
    return TeamInsight(team, since, until, weeks, len(members), distribution, me, members if manages else [])


def person_view(
    db: Database,
    config: WorkspaceConfig,
    actor: Actor,
    key: str,
    person_id: int,
    *,
    now: dt.datetime,
    weeks: int = DEFAULT_WEEKS,
) -> PersonInsight:
    """One person's insight: for that person and for the team's managers and admins only."""
    team = access_team(db, actor, key)
    members, own = _members(db, team, actor)
    member = next((m for m in members if m.person_id == person_id), None)
    if member is None:
        raise NotFound(f"no member {person_id} in team {team.key}", team=team.key, person_id=person_id)
    role = actor.role_in(team.id)
    if person_id != own and not (role is not None and role.covers(Role.MANAGER)):
        raise PermissionDenied(
            f"a person's insight is for them and the managers of team {team.key}; you may open your own",
            team=team.key,
        )
    frame, since, until = _insight(db, config, team, [person_id], now=now, weeks=weeks)
    return PersonInsight(team, member, person_id == own, since, until, weeks, _values(frame.row(0, named=True)))


def _values(row: dict[str, Any]) -> dict[str, Any]:
    return {name: row[name] for name in INSIGHT_COLUMNS}
