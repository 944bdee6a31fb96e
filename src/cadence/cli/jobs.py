"""``cadence jobs``: run the scheduled jobs that are due (from cron, instead of the in-process scheduler), list runs."""

from __future__ import annotations

import datetime as dt
import json
import os
import socket

import typer

from cadence.app import scheduler_delivery, scheduler_jobs
from cadence.cli.context import database, settings
from cadence.domain.errors import InputError
from cadence.services.scheduler import recent_runs, run_due
from cadence.services.workspace_config import load_workspace_config

__all__ = ["app"]

app = typer.Typer(help="Scheduled jobs: reminders, digests, nudges, risk reviews, weekly report.", no_args_is_help=True)


def _when(text: str | None) -> dt.datetime:
    if text is None:
        return dt.datetime.now(dt.UTC)
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        raise InputError(f"--now '{text}' is not an ISO date-time such as 2026-11-26T08:00:00+01:00") from None
    if when.tzinfo is None:
        raise InputError(f"--now '{text}' needs a UTC offset (e.g. +00:00 or Z)")
    return when.astimezone(dt.UTC)


@app.command("run-due")
def run_due_command(
    now: str | None = typer.Option(None, "--now", help="Run what is due at this ISO date-time (default: now)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of lines."),
) -> None:
    """Run every job occurrence due now that no instance has run yet, then deliver the outbox."""
    config = settings()
    delivery = scheduler_delivery(config)
    outcomes = run_due(
        database(), load_workspace_config(config.workspace_file), now=_when(now),
        instance=f"cli:{socket.gethostname()}:{os.getpid()}", delivery=delivery, jobs=scheduler_jobs(config),
    )  # fmt: skip
    if as_json:
        typer.echo(json.dumps([outcome.to_dict() for outcome in outcomes], indent=2))
    else:
        for outcome in outcomes:
            typer.echo(f"{outcome.job}\t{outcome.slot}\t{outcome.state}\t{outcome.detail}")
    if any(outcome.state == "failed" for outcome in outcomes):
        raise typer.Exit(1)


@app.command("list")
def list_command(
    job: str | None = typer.Option(None, "--job", help="Only this job (e.g. standup-reminder)."),
    limit: int = typer.Option(50, "--limit", min=1, max=1000, help="How many runs, newest first."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """List the latest runs: job, slot, instance, state, start, end and error."""
    runs = recent_runs(database(), limit=limit, job=job)
    if as_json:
        rows = [
            {"job": r.job, "slot": r.slot, "instance": r.instance, "state": r.state,
             "started_at": r.started_at.isoformat(),
             "finished_at": r.finished_at.isoformat() if r.finished_at else None, "error": r.error}
            for r in runs
        ]  # fmt: skip
        typer.echo(json.dumps(rows, indent=2))
        return
    if not runs:
        typer.echo("no scheduled job has run yet")
    for r in runs:
        end = f"{r.finished_at:%Y-%m-%d %H:%M}" if r.finished_at else "-"
        line = f"{r.job}\t{r.slot}\t{r.state}\t{r.instance or '-'}\t{r.started_at:%Y-%m-%d %H:%M}\t{end}"
        typer.echo(line + (f"\t{r.error}" if r.error else ""))
