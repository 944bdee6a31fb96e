"""``cadence user`` and ``cadence token``: accounts, team roles and API tokens, from the server's shell."""

from __future__ import annotations

import datetime as dt
import json
import os
from enum import StrEnum

import typer
from rich.console import Console
from rich.table import Table

from cadence.cli.context import database
from cadence.cli.errors import CadenceGroup
from cadence.domain.errors import InputError
from cadence.domain.model import Role
from cadence.services.audit_log import SYSTEM
from cadence.services.authentication import create_api_token
from cadence.services.schema_admin import require_current_schema
from cadence.services.users import create_user, list_accounts, set_role

__all__ = ["token_app", "user_app"]

user_app = typer.Typer(cls=CadenceGroup, help="Accounts and their roles in teams.", no_args_is_help=True)
token_app = typer.Typer(cls=CadenceGroup, help="API tokens for scripts and the REST API.", no_args_is_help=True)


class Format(StrEnum):
    TABLE = "table"
    JSON = "json"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _password(env: str | None) -> str:
    if env:
        value = os.environ.get(env)
        if not value:
            raise InputError(f"the environment variable {env} named by --password-env is empty or unset")
        return value
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))


@user_app.command("create")
def create(
    username: str = typer.Argument(..., help="Sign-in name: letters, digits, '.', '-', '_'."),
    name: str | None = typer.Option(None, "--name", help="Display name (default: the username)."),
    email: str | None = typer.Option(None, "--email", help="E-mail address for notifications."),
    password_env: str | None = typer.Option(
        None, "--password-env", help="Read the password from this environment variable instead of prompting."
    ),
    team: str | None = typer.Option(None, "--team", help="Also give a role in this team (with --role)."),
    role: Role = typer.Option(Role.MEMBER, "--role", help="Role in --team."),
    superuser: bool = typer.Option(False, "--superuser", help="An administrator of the whole installation."),
) -> None:
    """Create an account (the password is hashed with argon2id; it is never stored)."""
    db = database()
    require_current_schema(db)
    create_user(
        db,
        SYSTEM,
        username=username,
        password=_password(password_env),
        display_name=name,
        email=email,
        superuser=superuser,
        now=_now(),
    )
    if team:
        set_role(db, SYSTEM, username=username, team_key=team, role=role, now=_now())
    typer.echo(f"created {username}" + (f" ({role.value} of {team})" if team else ""))


@user_app.command("list")
def list_(fmt: Format = typer.Option(Format.TABLE, "--format", help="table or json.")) -> None:
    """Every account with its roles."""
    db = database()
    require_current_schema(db)
    users = list_accounts(db)
    if fmt is Format.JSON:
        typer.echo(json.dumps([u.__dict__ for u in users]))
        return
    table = Table("username", "name", "roles", "admin", "active")
    for u in users:
        roles = ", ".join(f"{team}: {r}" for team, r in u.roles.items()) or "—"
        table.add_row(
            u.username, u.display_name, roles, "yes" if u.is_superuser else "", "yes" if u.is_active else "no"
        )
    Console(highlight=False).print(table)


@user_app.command("set-role")
def set_role_(
    username: str = typer.Argument(..., help="The account."),
    team: str = typer.Argument(..., help="Team key."),
    role: str = typer.Argument(..., help="viewer, member, support, manager, admin, or 'none' to remove."),
) -> None:
    """Give an account a role in a team (the last admin of a team cannot be demoted or removed)."""
    db = database()
    require_current_schema(db)
    try:
        chosen = None if role == "none" else Role(role)
    except ValueError:
        raise InputError(f"role '{role}' is not one of viewer, member, support, manager, admin, none") from None
    set_role(db, SYSTEM, username=username, team_key=team, role=chosen, now=_now())
    typer.echo(f"{username} is now {role} in {team}")


@token_app.command("create")
def token_create(
    username: str = typer.Argument(..., help="The account the token acts as."),
    name: str = typer.Option("cli", "--name", help="What the token is for (shown in listings and the audit log)."),
) -> None:
    """Create an API token and print it once (send it as 'Authorization: Bearer TOKEN')."""
    db = database()
    require_current_schema(db)
    typer.echo(create_api_token(db, username, name, now=_now()))
