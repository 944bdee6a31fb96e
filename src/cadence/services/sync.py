"""Syncing a source: read it from its watermark, write every batch, advance the watermark, report.

Each batch is written with its watermark in one transaction, so a sync interrupted at any point (a crash, a
network failure, Ctrl-C) loses nothing and duplicates nothing: the next run starts from the last committed
watermark minus an ``overlap`` and ingestion is idempotent. ``full`` re-reads everything (the watermark never moves
back). Problems met along the way are reported, and the run's outcome is recorded on the source for
``cadence sources``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cadence.connectors.source import Source, SourceBatch
from cadence.domain.batch import Problem
from cadence.domain.errors import CadenceError
from cadence.services.relay import relay_after_ingest
from cadence.services.sources import load_source, open_source
from cadence.services.workspace_config import WorkspaceConfig
from cadence.store.database import Database
from cadence.store.ingest import ingest
from cadence.store.migrations import require_current
from cadence.store.sources import advance_watermark, finish_sync, save_boards, start_sync, update_source_config

__all__ = ["DEFAULT_OVERLAP", "SyncReport", "run_sync", "sync_source"]

DEFAULT_OVERLAP = dt.timedelta(minutes=10)
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
) -> SyncReport:
    """Drive any :class:`Source`: the core of a sync, independent of where the source comes from.

    Linked support tickets hear about their dev items' stage changes at the end (``services.relay``)."""
    require_current(db)
    started = time.perf_counter()
    with db.begin() as conn:
        watermark = start_sync(conn, source_id, _now())
    since = None if full or watermark is None else watermark - overlap
    report = SyncReport(source=source.name, since=since, watermark=watermark)
    try:
        for batch in source.fetch(since):
            with db.begin() as conn:
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
        with db.begin() as conn:
            finish_sync(conn, source_id, _now(), "failed", message[:2000])
        raise
    with db.begin() as conn:
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
) -> SyncReport:
    """Sync the stored source ``name`` (a Jira site); ``config`` gives the relay the teams' workflows."""
    require_current(db)
    row = load_source(db, name)
    source = open_source(row, key, transport=transport, sleep=sleep)
    try:
        report = run_sync(db, source, row.id, row.team_id, full=full, overlap=overlap, progress=progress, config=config)
    finally:
        source.client.close()
    fields = json.loads(json.dumps(dataclasses.asdict(source.fields)))  # as the JSON column returns it
    if row.config.get("fields") != fields:  # webhooks convert issues with the fields the last sync discovered
        with db.begin() as conn:
            update_source_config(conn, row.id, {**row.config, "fields": fields})
    return report
