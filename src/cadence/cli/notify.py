"""``cadence notify``: a team's notification channels, and sending the outbox (run it from cron or a timer)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os

import typer

from cadence.cli.context import database, settings
from cadence.connectors.notify import SMTP_TLS
from cadence.domain.errors import InputError
from cadence.services.audit_log import SYSTEM
from cadence.services.notifications import add_channel, deliver_pending, list_channels, remove_channel, test_channel

__all__ = ["app"]

app = typer.Typer(help="Notification channels (e-mail, Slack, Teams, webhooks) and the outbox.", no_args_is_help=True)
_SHELL = dataclasses.replace(SYSTEM, is_superuser=True)
"""Whoever runs the command line administers the installation."""


def _key() -> str | None:
    key = settings().encryption_key
    return key.get_secret_value() if key is not None else None


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@app.command("channels")
def channels(
    team: str = typer.Argument(..., help="Team key."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """List the team's channels (targets shown without secrets)."""
    views = list_channels(database(), _SHELL, team, encryption_key=_key())
    if as_json:
        typer.echo(json.dumps([view.to_dict() for view in views], indent=2))
        return
    if not views:
        typer.echo(f"team {team} has no notification channel; add one with 'cadence notify add'")
    for view in views:
        topics = ",".join(view.topics) or "all topics"
        typer.echo(f"{view.name}\t{view.kind}\t{view.target}\t{topics}" + ("" if view.enabled else "\tdisabled"))


@app.command("add")
def add(
    team: str = typer.Argument(..., help="Team key."),
    name: str = typer.Argument(..., help="A name for the channel, unique in the team."),
    kind: str = typer.Option(..., "--kind", help="email, slack, teams, webhook or apprise."),
    to: str | None = typer.Option(None, "--to", help="email: recipients, comma-separated."),
    smtp_host: str | None = typer.Option(None, "--smtp-host", help="email: the SMTP server or relay."),
    smtp_port: int | None = typer.Option(None, "--smtp-port", help="email: its port (default 587, 465 or 25)."),
    smtp_tls: str = typer.Option("starttls", "--smtp-tls", help="email: starttls, ssl or none (plain SMTP)."),
    sender: str | None = typer.Option(None, "--from", help="email: the sender address (default cadence@HOST)."),
    smtp_user: str | None = typer.Option(None, "--smtp-user", help="email: the SMTP user name, if it needs one."),
    smtp_password_env: str | None = typer.Option(
        None, "--smtp-password-env", help="email: name of the environment variable holding the SMTP password."
    ),
    url: str | None = typer.Option(None, "--url", help="slack, teams, webhook, apprise: the webhook or Apprise URL."),
    topics: str = typer.Option("", "--topics", help="Comma-separated topics it receives (default: all)."),
) -> None:
    """Add a channel; its address is checked, then stored encrypted."""
    if kind == "email":
        if smtp_tls not in SMTP_TLS:
            raise InputError(f"--smtp-tls '{smtp_tls}' is not one of {', '.join(SMTP_TLS)}")
        password = None
        if smtp_password_env:
            password = os.environ.get(smtp_password_env, "")
            if not password:
                raise InputError(f"environment variable {smtp_password_env} is not set or empty")
        target: dict[str, object] = {
            "to": to or "", "smtp_host": smtp_host or "", "smtp_port": smtp_port, "smtp_tls": smtp_tls,
            "from": sender, "username": smtp_user, "password": password,
        }  # fmt: skip
    else:
        target = {"url": url or ""}
    view = add_channel(
        database(), _SHELL, team, encryption_key=_key(), name=name, kind=kind, target=target,
        topics=[t for t in topics.split(",") if t.strip()], now=_now(),
    )  # fmt: skip
    typer.echo(f"added {view.kind} channel '{view.name}' to {team}: {view.target}")


@app.command("remove")
def remove(
    team: str = typer.Argument(..., help="Team key."), name: str = typer.Argument(..., help="The channel's name.")
) -> None:
    """Remove a channel and the messages still queued for it."""
    remove_channel(database(), _SHELL, team, name=name, now=_now())
    typer.echo(f"removed channel '{name}' from {team}")


@app.command("test")
def test(
    team: str = typer.Argument(..., help="Team key."), name: str = typer.Argument(..., help="The channel's name.")
) -> None:
    """Send a test message through a channel now; exit code 1 when it was not accepted."""
    error = test_channel(database(), _SHELL, team, encryption_key=_key(), name=name)
    if error is not None:
        typer.echo(f"test message not sent: {error}", err=True)
        raise typer.Exit(1)
    typer.echo(f"test message sent through '{name}'")


@app.command("send")
def send(
    limit: int = typer.Option(100, "--limit", min=1, help="At most this many messages in this run."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Deliver due messages of every team; exit code 1 when some failed for good."""
    config = settings()
    report = deliver_pending(
        database(), now=_now(), limit=limit, encryption_key=_key(), max_attempts=config.notify_max_attempts,
        retry_after=dt.timedelta(seconds=config.notify_retry_seconds),
    )  # fmt: skip
    if as_json:
        typer.echo(json.dumps(report.to_dict(), indent=2))
    else:
        typer.echo(f"{report.sent} sent, {report.retried} to retry, {report.failed} failed")
        for channel, error in report.errors:
            typer.echo(f"  {channel}: {error}", err=True)
    if report.failed:
        raise typer.Exit(1)
