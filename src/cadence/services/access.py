"""Who is acting, and the one gate every team-scoped read or write passes: :func:`access_team`.

A person sees a team only through a membership; its role sets what they may do (viewer < member < support <
manager < admin). A team the actor has no membership in answers "not found", not "forbidden", so team keys do
not leak. Superusers (the installation's administrators) pass every gate.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cadence.domain.errors import NotFound, PermissionDenied
from cadence.domain.model import Role, Team
from cadence.store.accounts import UserRow, roles_of_person
from cadence.store.database import Database
from cadence.store.teams import find_team, list_teams

__all__ = ["Actor", "access_team", "actor_for_user", "visible_teams"]


@dataclass(frozen=True)
class Actor:
    user_id: int
    username: str
    display_name: str
    is_superuser: bool = False
    roles: dict[int, Role] = field(default_factory=dict)
    """``team_id -> role``."""

    @property
    def label(self) -> str:
        return f"user:{self.username}"

    def role_in(self, team_id: int) -> Role | None:
        return Role.ADMIN if self.is_superuser else self.roles.get(team_id)


def actor_for_user(db: Database, user: UserRow) -> Actor:
    roles: dict[int, Role] = {}
    if user.person_id is not None:
        with db.connect() as conn:
            roles = {team: Role(role) for team, role in roles_of_person(conn, user.person_id).items()}
    return Actor(user.id, user.username, user.display_name or user.username, user.is_superuser, roles)


def access_team(db: Database, actor: Actor, team_key: str, need: Role = Role.VIEWER) -> Team:
    """The team ``team_key`` if ``actor`` holds at least ``need`` in it; otherwise NotFound or PermissionDenied."""
    with db.connect() as conn:
        team = find_team(conn, team_key)
    role = None if team is None else actor.role_in(team.id)
    if team is None or role is None:
        raise NotFound(f"no team with key '{team_key}' is visible to you", team=team_key)
    if not role.covers(need):
        raise PermissionDenied(
            f"this needs the {need.value} role in team {team.key}; you are {role.value}",
            team=team.key,
            need=need.value,
            role=role.value,
        )
    return team


def visible_teams(db: Database, actor: Actor) -> list[tuple[Team, Role]]:
    with db.connect() as conn:
        teams = list_teams(conn)
    out = []
    for team in teams:
        role = actor.role_in(team.id)
        if role is not None:
            out.append((team, role))
    return out
