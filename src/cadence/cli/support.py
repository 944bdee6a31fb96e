"""``cadence support ...``: the relay pass, the support digest and the triage duty, from the server's shell."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from enum import StrEnum

import typer

from cadence.cli.context import database, settings
from cadence.cli.errors import CadenceGroup
from cadence.domain.errors import InputError
from cadence.services.audit_log import SYSTEM
from cadence.services.relay import relay_changes
from cadence.services.support_digest import DigestLine, support_digest
from cadence.services.support_views import support_queue
from cadence.services.workspace_config import load_workspace_config

__all__ = ["app"]

app = typer.Typer(cls=CadenceGroup, help="The support <-> developers bridge: relay, digest, triage duty.",
                  no_args_is_help=True)  # fmt: skip

_SHELL = dataclasses.replace(SYSTEM, is_superuser=True)
"""Whoever runs the command line on the server acts for every team (like ``cadence user``)."""


class Format(StrEnum):
    TEXT = "text"
    JSON = "json"


_FORMAT = typer.Option(Format.TEXT, "--format", help="text for people, json for programs.")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@app.command("relay")
def relay(fmt: Format = _FORMAT) -> None:
    """Relay every linked dev item's stage change to its tickets (and queue the 'relay' notifications)."""
    report = relay_changes(database(), load_workspace_config(settings().workspace_file), now=_now())
    if fmt is Format.JSON:
        typer.echo(json.dumps({"updates": report.updates, "notifications": report.notifications,
                               "tickets": list(report.tickets)}))  # fmt: skip
        return
    typer.echo(f"Relayed {report.updates} update(s) to {len(set(report.tickets))} ticket(s); "
               f"{report.notifications} notification(s) queued.")  # fmt: skip


@app.command("digest")
def digest(
    team: str = typer.Argument(..., help="Team key, as listed by 'cadence status'."),
    send: bool = typer.Option(False, "--send", help="Queue the digest on the team's 'digest' channels."),
    fmt: Format = _FORMAT,
) -> None:
    """What changed for the support team since the last digest sent: answerable, stalled, SLAs at risk."""
    result = support_digest(
        database(), load_workspace_config(settings().workspace_file), _SHELL, team, now=_now(), send=send
    )
    if fmt is Format.JSON:

        def lines(entries: list[DigestLine]) -> list[dict[str, object]]:
            return [dataclasses.asdict(e) for e in entries]

        typer.echo(json.dumps({"team": team, "since": result.since.isoformat(), "answerable": lines(result.answerable),
                               "stalled": lines(result.stalled), "at_risk": lines(result.at_risk),
                               "queued": result.queued}))  # fmt: skip
        return
    typer.echo(result.text())
    if send:
        typer.echo(f"\nQueued {result.queued} message(s) on the 'digest' topic.")


@app.command("duty")
def duty(
    team: str = typer.Argument(..., help="Team key."),
    day: str | None = typer.Option(None, "--date", help="The day to ask about, YYYY-MM-DD (default: today)."),
) -> None:
    """Who is on triage duty on a day (from [teams.KEY.support] in cadence.toml)."""
    config = load_workspace_config(settings().workspace_file)
    when = _now()
    if day:
        try:
            when = dt.datetime.combine(dt.date.fromisoformat(day), dt.time(12), dt.UTC)
        except ValueError:
            raise InputError(f"--date '{day}' is not a date; use YYYY-MM-DD") from None
    queue = support_queue(database(), config, _SHELL, team, now=when)
    typer.echo(queue.on_duty or f"nobody: set [teams.{team}.support] triage_rotation in cadence.toml")
