"""Syncing a source: read it from its watermark, write every batch, advance the watermark, report.

Each batch is written with its watermark in one transaction, so a sync interrupted at any point (a crash, a
network failure, Ctrl-C) loses nothing and duplicates nothing: the next run starts from the last committed
watermark minus an ``overlap`` and ingestion is idempotent. ``full`` re-reads everything (the watermark never moves
back). Problems met along the way are reported, and the run's outcome is recorded on the source for
``cadence sources``.

A sync runs once even with several instances on one database: it first takes the source's *lease*
(``store.sources.take_sync_lease``, one guarded statement), renews it with every committed batch and releases it at
the end, also on failure. A second sync of the same source meanwhile is refused with :class:`Conflict` ("already
running on INSTANCE since TIME", exit code 9) before it reads anything. A crashed holder's lease lapses after
``lease``; a holder that finds its lease taken over stops without writing its batch.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import os
import secrets
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cadence.connectors.source import Source, SourceBatch
from cadence.domain.batch import Problem
from cadence.domain.errors import CadenceError, Conflict
from cadence.services.reconciliation import reconcile_due, reconcile_source
from cadence.services.relay import relay_after_ingest
from cadence.services.sources import describe_sources, load_source, open_source
from cadence.services.workspace_config import WorkspaceConfig
from cadence.store.database import Database
from cadence.store.ingest import ingest
from cadence.store.migrations import require_current
from cadence.store.sources import (
    SyncLease,
    advance_watermark,
    finish_sync,
    release_sync_lease,
    renew_sync_lease,
    save_boards,
    start_sync,
    take_sync_lease,
    update_source_config,
)

__all__ = [
    "DEFAULT_LEASE",
    "DEFAULT_OVERLAP",
    "SyncReport",
    "instance_name",
    "run_sync",
    "sync_every_source",
    "sync_source",
]

log = logging.getLogger(__name__)

DEFAULT_OVERLAP = dt.timedelta(minutes=10)
DEFAULT_LEASE = dt.timedelta(minutes=10)
"""How long a sync's lease lasts without a renewal (a batch); a crashed holder blocks its source this long at most."""
_MAX_PROBLEMS = 1000


@dataclass
class SyncReport:
    source: str
    stored: int = 0
    unchanged: int = 0
    skipped: int = 0
    read: int = 0
    batches: int = 0
    problems: list[Problem] = field(default_factory=list)
    watermark: dt.datetime | None = None
    since: dt.datetime | None = None
    seconds: float = 0.0
    details: dict[str, int] = field(default_factory=dict)

    def add(self, batch: SourceBatch, stored: int, unchanged: int, skipped: int, problems: list[Problem]) -> None:
        self.batches += 1
        self.read += batch.read
        self.stored += stored
        self.unchanged += unchanged
        self.skipped += skipped + batch.skipped
        room = _MAX_PROBLEMS - len(self.problems)
        self.problems.extend(problems[: max(room, 0)])

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "stored": self.stored,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "problems": [p.to_dict() for p in self.problems],
        }


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def instance_name() -> str:
    """This process as other instances see it in leases and job runs: ``host:pid``."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _refusal(name: str, held: SyncLease) -> Conflict:
    owner = held.owner.split("#", 1)[0]
    since = f"{held.since:%Y-%m-%d %H:%M:%S} UTC" if held.since else "an unknown time"
    until = f"{held.until:%Y-%m-%d %H:%M:%S} UTC" if held.until else "unknown"
    return Conflict(
        f"a sync of source '{name}' is already running on {owner} since {since}; nothing was read "
        f"(if that instance stopped, its lease lapses at {until})",
        source=name, instance=owner,
        since=held.since.isoformat() if held.since else None, until=held.until.isoformat() if held.until else None,
    )  # fmt: skip


def run_sync(
    db: Database,
    source: Source,
    source_id: int,
    team_id: int | None,
    *,
    full: bool = False,
    overlap: dt.timedelta = DEFAULT_OVERLAP,
    progress: Callable[[SyncReport], None] | None = None,
    config: WorkspaceConfig | None = None,
    instance: str | None = None,
    lease: dt.timedelta = DEFAULT_LEASE,
) -> SyncReport:
    """Drive any :class:`Source`: the core of a sync, independent of where the source comes from.

    Raises :class:`Conflict` when another sync of the source holds its lease (nothing is read). Linked support
    tickets hear about their dev items' stage changes at the end (``services.relay``)."""
    require_current(db)
    started = time.perf_counter()
    owner = f"{instance or instance_name()}#{secrets.token_hex(4)}"  # unique per run, even within one process
    with db.begin() as conn:
        now = _now()
        held = take_sync_lease(conn, source_id, owner=owner, now=now, until=now + lease)
        if held is not None:
            raise _refusal(source.name, held)
        watermark = start_sync(conn, source_id, now)
    since = None if full or watermark is None else watermark - overlap
    report = SyncReport(source=source.name, since=since, watermark=watermark)
    try:
        for batch in source.fetch(since):
            with db.begin() as conn:
                if not renew_sync_lease(conn, source_id, owner=owner, until=_now() + lease):
                    raise Conflict(
                        f"the sync of source '{source.name}' lost its lease (no batch for longer than "
                        f"{lease.total_seconds():g} s) and another instance took it over; this one stopped",
                        source=source.name,
                    )
                result = ingest(conn, batch.batch)
                if batch.boards and team_id is not None:
                    save_boards(conn, source.name, team_id, list(batch.boards))
                if batch.watermark is not None:
                    advance_watermark(conn, source_id, batch.watermark)
            if batch.watermark is not None and (report.watermark is None or batch.watermark > report.watermark):
                report.watermark = batch.watermark
            stored = result.inserted + result.updated
            for entity, n in stored.items():
                report.details[entity] = report.details.get(entity, 0) + n
            report.add(
                batch, result.stored, sum(result.unchanged.values()), sum(result.skipped.values()), result.problems
            )
            if progress is not None:
                progress(report)
    except BaseException as error:
        message = error.message if isinstance(error, CadenceError) else f"{type(error).__name__}: {error}"
        try:
            with db.begin() as conn:
                if release_sync_lease(conn, source_id, owner=owner):  # else the new holder's run owns the state
                    finish_sync(conn, source_id, _now(), "failed", message[:2000])
        except Exception:  # the database itself may be what failed: the lease then lapses by itself
            log.warning("could not release the sync lease of source %s; it lapses in %s", source.name, lease)
        raise
    with db.begin() as conn:
        if release_sync_lease(conn, source_id, owner=owner):
            finish_sync(conn, source_id, _now(), "ok" if not report.problems else "problems")
    relay_after_ingest(db, config)
    report.seconds = time.perf_counter() - started
    return report


def sync_source(
    db: Database,
    name: str,
    *,
    key: str | None,
    full: bool = False,
    overlap: dt.timedelta = DEFAULT_OVERLAP,
    progress: Callable[[SyncReport], None] | None = None,
    transport: Any = None,
    sleep: Callable[[float], None] | None = None,
    config: WorkspaceConfig | None = None,
    instance: str | None = None,
    lease: dt.timedelta = DEFAULT_LEASE,
) -> SyncReport:
    """Sync the stored source ``name`` (a Jira site); ``config`` gives the relay the teams' workflows.

    Refused with :class:`Conflict` while another instance syncs it (see the module docstring)."""
    require_current(db)
    row = load_source(db, name)
    source = open_source(row, key, transport=transport, sleep=sleep)
    try:
        report = run_sync(
            db, source, row.id, row.team_id, full=full, overlap=overlap, progress=progress, config=config,
            instance=instance, lease=lease,
        )  # fmt: skip
    finally:
        source.client.close()
    fields = json.loads(json.dumps(dataclasses.asdict(source.fields)))  # as the JSON column returns it
    if row.config.get("fields") != fields:  # webhooks convert issues with the fields the last sync discovered
        with db.begin() as conn:
            update_source_config(conn, row.id, {**row.config, "fields": fields})
    return report


def sync_every_source(
    db: Database,
    *,
    key: str | None,
    config: WorkspaceConfig | None = None,
    instance: str | None = None,
    lease: dt.timedelta = DEFAULT_LEASE,
    reconcile_every: dt.timedelta | None = None,
    now: dt.datetime | None = None,
) -> str:
    """The scheduled sync: every Jira source in turn, then its reconciliation when one is due; a one-line summary.

    A source another instance is syncing is skipped (its lease says so). Raises :class:`CadenceError` naming every
    source that failed, after trying them all, so the scheduler records the run as failed."""
    lines, failures = [], []
    for status in describe_sources(db):
        if status.kind != "jira":
            continue
        if status.credential_lost_at is not None:  # a restore without the key: waits for 'cadence connect --replace'
            lines.append(f"{status.name}: skipped, its credential must be re-entered")
            continue
        try:
            report = sync_source(db, status.name, key=key, config=config, instance=instance, lease=lease)
        except Conflict as refused:
            if "instance" not in refused.data:  # lost its lease mid-run: a failure
                failures.append(f"{status.name}: {refused.message}")
            else:
                lines.append(f"{status.name}: skipped, running on {refused.data['instance']}")
            continue
        except Exception as error:  # one source failing must not stop the others
            reason = error.message if isinstance(error, CadenceError) else f"{type(error).__name__}: {error}"
            failures.append(f"{status.name}: {reason}")
            continue
        line = f"{status.name}: {report.stored} stored, {report.unchanged} unchanged"
        at = now or _now()
        if reconcile_every and reconcile_due(db, status.name, every=reconcile_every, now=at):
            try:
                gone = reconcile_source(db, status.name, key=key, now=at)
                line += f", {gone.deleted} deleted in Jira removed"
            except CadenceError as error:
                line += f", reconciliation skipped: {error.message}"
        lines.append(line)
    if failures:
        raise CadenceError("; ".join(failures + lines))
    return "; ".join(lines) or "no Jira source is connected"
