"""``cadence actions ...``: a team's action items from the shell — list, add, and the daily overdue nudge.

``cadence actions TEAM`` lists (the group treats a first word that is not a subcommand as the team), so the short
form reads naturally next to ``cadence actions add TEAM TITLE`` and ``cadence actions nudge``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from enum import StrEnum
from typing import Any

import typer

from cadence.cli.context import database, settings
from cadence.cli.errors import CadenceGroup
from cadence.domain.errors import InputError
from cadence.services.action_items import action_board, create_action, nudge_overdue, owner_by_email
from cadence.services.audit_log import SYSTEM
from cadence.services.workspace_config import load_workspace_config

__all__ = ["app"]


class _ActionsGroup(CadenceGroup):
    """``cadence actions TEAM`` means ``cadence actions list TEAM``."""

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        if args and not args[0].startswith("-") and self.get_command(ctx, args[0]) is None:
            return "list", self.get_command(ctx, "list"), args
        return super().resolve_command(ctx, args)


app = typer.Typer(cls=_ActionsGroup, help="Action items: list, add, nudge the overdue ones.", no_args_is_help=True)

_SHELL = dataclasses.replace(SYSTEM, is_superuser=True)
"""Whoever runs the command line on the server acts for every team (like ``cadence user``)."""


class Format(StrEnum):
    TEXT = "text"
    JSON = "json"


_FORMAT = typer.Option(Format.TEXT, "--format", help="text for people, json for programs.")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _line(action: dict[str, Any]) -> str:
    due = action["due_on"] or "no due date"
    late = f" ({action['days_overdue']} d late)" if action["overdue"] else ""
    owner = action["owner"] or "no owner"
    return f"#{action['id']:<5} {action['status']:<8} {due}{late}  {owner}  [{action['origin']}]  {action['title']}"


@app.command("list")
def list_actions(
    team: str = typer.Argument(..., help="Team key, as listed by 'cadence status'."),
    overdue: bool = typer.Option(False, "--overdue", help="Only the open actions past their due date."),
    fmt: Format = _FORMAT,
) -> None:
    """The team's open actions (oldest first, carried over until closed) and its completion rate."""
    board = action_board(database(), _SHELL, team, now=_now(), config=load_workspace_config(settings().workspace_file))
    rows = board["overdue"] if overdue else board["open"]
    if fmt is Format.JSON:
        typer.echo(json.dumps({"team": board["team"], "actions": rows, "completion": board["completion"]}))
        return
    if not rows:
        typer.echo("No overdue action." if overdue else "No open action.")
    for row in rows:
        typer.echo(_line(row))
    c = board["completion"]
    rate = "—" if c["rate"] is None else f"{c['rate']:.0%}"
    typer.echo(
        f"\nCompletion rate {c['start']} – {c['end']}: {rate} "
        f"({c['done_on_time']} of {c['due']} due, done by their due date)"
    )


@app.command("add")
def add(
    team: str = typer.Argument(..., help="Team key."),
    title: str = typer.Argument(..., help="What will be done."),
    owner: str | None = typer.Option(None, "--owner", help="The owner's e-mail (a member of the team)."),
    due: str | None = typer.Option(None, "--due", help="Due date, YYYY-MM-DD."),
    metric: str | None = typer.Option(
        None, "--metric", help="A metric key the action should move, e.g. cycle_time.p85."
    ),
    check_after_weeks: int | None = typer.Option(
        None, "--check-after-weeks", help="Compare the metric with its baseline after N weeks (default 4)."
    ),
    fmt: Format = _FORMAT,
) -> None:
    """Record an action for the team (audited as the shell user)."""
    db = database()
    due_on = None
    if due:
        try:
            due_on = dt.date.fromisoformat(due)
        except ValueError:
            raise InputError(f"--due '{due}' is not a date such as 2026-03-31") from None
    person = owner_by_email(db, _SHELL, team, owner) if owner else None
    made = create_action(
        db, _SHELL, team, title=title, now=_now(), owner_person_id=person, due_on=due_on, metric=metric,
        check_after_weeks=check_after_weeks, config=load_workspace_config(settings().workspace_file),
    )  # fmt: skip
    if fmt is Format.JSON:
        typer.echo(json.dumps(made))
        return
    typer.echo(f"Added action #{made['id']}: {made['title']}")
    if made["metric"]:
        typer.echo(f"Baseline {made['metric']} = {made['metric_baseline']}; checked on {made['check_on']}.")


@app.command("nudge")
def nudge(fmt: Format = _FORMAT) -> None:
    """Queue one reminder per overdue action per day on each team's 'actions' notification topic."""
    report = nudge_overdue(database(), now=_now())
    if fmt is Format.JSON:
        typer.echo(json.dumps(report))
        return
    typer.echo(
        f"{report['overdue']} overdue action(s); {report['nudged']} nudged now, "
        f"{report['messages']} message(s) queued on the 'actions' topic."
    )
