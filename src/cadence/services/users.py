"""Accounts and team roles: creating people who can sign in, and changing what they may do."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cadence.domain.errors import Conflict, InputError, NotFound
from cadence.domain.model import Role
from cadence.services.access import Actor
from cadence.services.audit_log import record_change
from cadence.services.passwords import hash_password
from cadence.store.accounts import (
    count_role,
    delete_membership,
    find_user,
    insert_user,
    list_users,
    roles_of_person,
    upsert_membership,
    user_exists,
)
from cadence.store.database import Database
from cadence.store.people import insert_person
from cadence.store.teams import find_team, list_teams

__all__ = ["UserSummary", "create_user", "list_accounts", "set_role"]

MIN_PASSWORD = 10


@dataclass(frozen=True)
class UserSummary:
    username: str
    display_name: str
    is_superuser: bool
    is_active: bool
    roles: dict[str, str]
    """``team key -> role``."""


def create_user(
    db: Database,
    actor: Actor,
    *,
    username: str,
    password: str,
    display_name: str | None = None,
    email: str | None = None,
    superuser: bool = False,
    now: dt.datetime,
) -> None:
    """A new account with its own person record (source ``cadence``)."""
    if not username or not username.replace(".", "").replace("-", "").replace("_", "").isalnum():
        raise InputError(f"username '{username}' may use letters, digits, '.', '-' and '_' only")
    if len(password) < MIN_PASSWORD:
        raise InputError(f"the password is too short: use at least {MIN_PASSWORD} characters")
    with db.begin() as conn:
        if user_exists(conn, username):
            raise Conflict(f"an account named '{username}' already exists")
        person = insert_person(
            conn, source="cadence", source_id=username, display_name=display_name or username, email=email
        )
        user_id = insert_user(
            conn, username=username, password_hash=hash_password(password), person_id=person, is_superuser=superuser
        )
        record_change(
            conn,
            actor,
            "create",
            "user",
            entity_id=str(user_id),
            after={"username": username, "superuser": superuser},
            at=now,
        )


def list_accounts(db: Database) -> list[UserSummary]:
    with db.connect() as conn:
        keys = {team.id: team.key for team in list_teams(conn)}
        out = []
        for user in list_users(conn):
            roles = {} if user.person_id is None else roles_of_person(conn, user.person_id)
            out.append(
                UserSummary(
                    user.username,
                    user.display_name or user.username,
                    user.is_superuser,
                    user.is_active,
                    {keys[t]: r for t, r in sorted(roles.items())},
                )
            )
    return out


def set_role(db: Database, actor: Actor, *, username: str, team_key: str, role: Role | None, now: dt.datetime) -> None:
    """Give ``username`` ``role`` in the team (``None`` removes them). The last admin of a team stays admin."""
    with db.begin() as conn:
        user = find_user(conn, username)
        team = find_team(conn, team_key)
        if user is None or user.person_id is None:
            raise NotFound(f"no account named '{username}'")
        if team is None:
            raise NotFound(f"no team with key '{team_key}'")
        previous = roles_of_person(conn, user.person_id).get(team.id)
        if previous == Role.ADMIN.value and role is not Role.ADMIN and count_role(conn, team.id, "admin") <= 1:
            raise Conflict(f"{username} is the last admin of team {team.key}; make someone else admin first")
        if role is None:
            delete_membership(conn, team.id, user.person_id)
        else:
            upsert_membership(conn, team.id, user.person_id, role.value)
        record_change(
            conn,
            actor,
            "set_role",
            "membership",
            entity_id=f"{team.key}:{username}",
            team_id=team.id,
            before={"role": previous},
            after={"role": None if role is None else role.value},
            at=now,
        )
