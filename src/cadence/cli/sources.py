"""``cadence connect jira``, ``cadence sync`` and ``cadence sources``: remote sources and their syncs."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import socket

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from cadence.cli.context import database, settings
from cadence.cli.imports import OutputFormat
from cadence.domain.errors import Conflict, InputError
from cadence.services.reconciliation import reconcile_due, reconcile_source
from cadence.services.sources import connect_jira, describe_sources
from cadence.services.sync import SyncReport, sync_source
from cadence.services.workspace_config import load_workspace_config
from cadence.store.database import Database

__all__ = ["connect_app", "sources", "sync"]

connect_app = typer.Typer(help="Connect a remote source (a Jira site).", no_args_is_help=True)
console = Console(highlight=False)


def _encryption_key() -> str | None:
    key = settings().encryption_key
    return key.get_secret_value() if key is not None else None


@connect_app.command("jira")
def connect_jira_command(
    name: str = typer.Option(..., "--name", help="A short name for the source, used by 'cadence sync NAME'."),
    url: str = typer.Option(..., "--url", help="The site's base URL, e.g. https://acme.atlassian.net."),
    email: str | None = typer.Option(None, "--email", help="Jira Cloud: the account's e-mail (with --token-env)."),
    token_env: str | None = typer.Option(
        None, "--token-env", help="Jira Cloud: name of the environment variable holding the API token."
    ),
    pat_env: str | None = typer.Option(
        None, "--pat-env", help="Jira Data Center: name of the environment variable holding a personal access token."
    ),
    project: list[str] = typer.Option([], "--project", help="A project key to sync (repeatable; default: all)."),
    team: str | None = typer.Option(None, "--team", help="Key of the team the issues belong to (default: NAME)."),
    service_project: list[str] = typer.Option(
        [], "--service-project", help="A Jira Service Management project whose requests are tickets (repeatable)."
    ),
    webhook_secret_env: str | None = typer.Option(
        None, "--webhook-secret-env", help="Name of the environment variable holding the webhook's shared secret."
    ),
    allow_http: bool = typer.Option(False, "--allow-http", help="Accept a plain-http URL (local test servers only)."),
    replace: bool = typer.Option(
        False, "--replace", help="Re-enter the URL and credential of an existing source of that name (keeps its data)."
    ),
) -> None:
    """Store a Jira site; its token is read from an environment variable and stored encrypted."""
    if (token_env is None) == (pat_env is None):
        raise InputError("give exactly one of --token-env (Jira Cloud, with --email) or --pat-env (Data Center)")
    if token_env is not None and not email:
        raise InputError("--token-env (Jira Cloud) needs --email, the account the API token belongs to")
    variable = token_env or pat_env or ""
    token = os.environ.get(variable, "")
    if not token:
        raise InputError(f"environment variable {variable} is not set or empty; export the token there first")
    webhook_secret = os.environ.get(webhook_secret_env, "") if webhook_secret_env else None
    if webhook_secret_env and not webhook_secret:
        raise InputError(f"environment variable {webhook_secret_env} is not set or empty")
    row = connect_jira(
        database(),
        key=_encryption_key(),
        name=name,
        url=url,
        token=token,
        email=email if token_env else None,
        projects=project,
        team=team,
        service_projects=service_project,
        webhook_secret=webhook_secret,
        allow_http=allow_http,
        credential_hint=f"the token in ${variable}",
        replace=replace,
    )
    flavour = "Jira Cloud" if row.config.get("flavour") == "cloud" else "Jira Data Center"
    console.print(f"Connected {flavour} source '{row.name}' at {row.base_url}; run 'cadence sync {row.name}'.")


def sync(
    name: str | None = typer.Argument(None, help="The source to sync (default: every source)."),
    full: bool = typer.Option(False, "--full", help="Re-read everything instead of what changed since the last sync."),
    output: OutputFormat = typer.Option(
        OutputFormat.text, "--format", help="'json' prints one JSON report per source instead of a summary."
    ),
    reconcile: bool = typer.Option(
        False,
        "--reconcile",
        help="Then remove stored issues deleted in Jira or moved out of the synced projects (done by itself every "
        "CADENCE_RECONCILE_HOURS otherwise).",
    ),
    force: bool = typer.Option(
        False, "--force", help="With --reconcile: remove even more than half of what is stored."
    ),
) -> None:
    """Sync one or every source: read what changed, store it, and report."""
    output_json = output is OutputFormat.json
    db = database()
    names = [name] if name else [s.name for s in describe_sources(db)]
    if not names:
        raise InputError("no source is connected; add one with 'cadence connect jira'")
    refused: list[Conflict] = []
    for source in names:
        try:
            report = _sync_one(db, source, full=full, quiet=output_json)
        except Conflict as error:  # running on another instance: with every source, go on with the next
            if name or "instance" not in error.data:
                raise
            console.print(error.message, soft_wrap=True)
            refused.append(error)
            continue
        if output_json:
            typer.echo(json.dumps(report.to_dict()))
        else:
            _summary(report)
        every = dt.timedelta(hours=settings().reconcile_hours)
        due = every.total_seconds() > 0 and reconcile_due(db, source, every=every, now=dt.datetime.now(dt.UTC))
        if reconcile or due:
            try:
                result = reconcile_source(db, source, key=_encryption_key(), force=force)
            except Conflict as error:
                if reconcile:
                    raise
                console.print(f"{source}: periodic reconciliation skipped: {error.message}", soft_wrap=True)
                continue
            message = (
                f"{source}: {result.present:,} issues in scope, {result.stored:,} stored, {result.deleted:,} removed."
            )
            if output_json:
                typer.echo(json.dumps(dataclasses.asdict(result)))
            else:
                console.print(message)
    if refused:
        raise Conflict(f"{len(refused)} source(s) were already syncing on another instance and were skipped")


def _sync_one(db: Database, name: str, *, full: bool, quiet: bool) -> SyncReport:
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True, disable=quiet) as progress:
        task = progress.add_task(f"Syncing {name}", total=None)

        def advance(report: SyncReport) -> None:
            progress.update(task, description=f"Syncing {name}: {report.read:,} read, {report.stored:,} rows stored")

        config = load_workspace_config(settings().workspace_file)  # the relay after the sync needs the workflows
        lease = dt.timedelta(seconds=settings().sync_lease_seconds)
        return sync_source(
            db, name, key=_encryption_key(), full=full, progress=advance, config=config,
            instance=f"cli:{socket.gethostname()}:{os.getpid()}", lease=lease,
        )  # fmt: skip


def _summary(report: SyncReport) -> None:
    since = report.since.isoformat(timespec="minutes") if report.since else "the beginning"
    detail = ", ".join(f"{n:,} {entity.replace('_', ' ')}" for entity, n in report.details.items())
    console.print(
        f"{report.source}: read {report.read:,} issues changed since {since} in {report.seconds:.1f} s; "
        f"stored {report.stored:,} rows{f' ({detail})' if detail else ''}, {report.unchanged:,} unchanged, "
        f"{report.skipped:,} skipped."
    )
    for problem in report.problems[:20]:
        console.print(f"  {problem.record + ': ' if problem.record else ''}{problem.problem}")
    if len(report.problems) > 20:
        console.print(f"  ... and {len(report.problems) - 20:,} more problems (see --format json)")


def sources() -> None:
    """List the connected sources and how their last sync went."""
    rows = describe_sources(database())
    if not rows:
        console.print("No source is connected; add one with 'cadence connect jira'.")
        return
    table = Table("name", "kind", "url", "team", "synced up to", "last sync", "status")
    for row in rows:
        last = row.last_finished_at or row.last_started_at
        status = row.last_status or "never synced"
        if row.last_error:
            status += f": {row.last_error[:80]}"
        if row.credential_lost_at:
            status = (
                f"credential needs re-entry (lost in a restore): 'cadence connect jira --name {row.name} --replace'"
            )
        table.add_row(
            row.name,
            row.kind,
            row.base_url or "",
            row.team or "",
            row.watermark.isoformat(timespec="minutes") if row.watermark else "-",
            last.isoformat(timespec="minutes") if last else "-",
            status,
        )
    console.print(table)
