"""Importing files (Jira CSV or JSON exports, status-event logs): read, write in one transaction, report.

A file is read completely before anything is written; rows that cannot be used are reported as
(line, column, problem) and skipped, never aborting the rest. The write is one transaction, so a failure leaves
the stored data as it was; ``dry_run`` performs the same write and rolls it back, so its counts are exact.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cadence.connectors.files.event_mapping import load_event_mapping
from cadence.connectors.files.events import read_event_log
from cadence.connectors.files.jira_csv import read_jira_csv
from cadence.connectors.files.jira_json import read_jira_json
from cadence.connectors.source import SourceBatch
from cadence.domain.batch import Problem
from cadence.domain.errors import InputError
from cadence.services.relay import relay_after_ingest
from cadence.services.workspace_config import WorkspaceConfig
from cadence.store.database import Database
from cadence.store.ingest import IngestReport, ingest
from cadence.store.migrations import require_current
from cadence.store.rehearsal import rehearse

__all__ = ["ImportReport", "import_event_log", "import_jira_csv", "import_jira_json", "report_from_ingest"]


@dataclass
class ImportReport:
    """The stable machine-readable answer of every import (``--format json``): rows stored, unchanged, skipped."""

    stored: int = 0
    unchanged: int = 0
    skipped: int = 0
    problems: list[Problem] = field(default_factory=list)
    dry_run: bool = False
    seconds: float = 0.0
    details: dict[str, int] = field(default_factory=dict)
    """Rows stored per entity (items, transitions, tickets, ticket_events, ...), for the human summary."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "stored": self.stored,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "problems": [{"line": p.line, "column": p.column, "problem": p.problem} for p in self.problems],
        }


def report_from_ingest(report: IngestReport, connector_skipped: int) -> ImportReport:
    stored = report.inserted + report.updated
    return ImportReport(
        stored=report.stored,
        unchanged=sum(report.unchanged.values()),
        skipped=sum(report.skipped.values()) + connector_skipped,
        problems=list(report.problems),
        details={k: v for k, v in stored.items() if v},
    )


def _write(
    db: Database, read: SourceBatch, *, dry_run: bool, started: float, config: WorkspaceConfig | None = None
) -> ImportReport:
    require_current(db)
    if dry_run:
        with rehearse(db) as conn:
            result = report_from_ingest(ingest(conn, read.batch), read.skipped)
    else:
        with db.begin() as conn:
            result = report_from_ingest(ingest(conn, read.batch), read.skipped)
        relay_after_ingest(db, config)  # linked support tickets hear about their dev items' stage changes
    result.dry_run = dry_run
    result.seconds = time.perf_counter() - started
    return result


def _check_team(team: str) -> None:
    if not team or len(team) > 64 or any(c.isspace() for c in team):
        raise InputError(f"team key '{team}' is not usable: give 1-64 characters without spaces")


def import_event_log(
    db: Database, path: Path, mapping_path: Path, *, team: str, source: str = "events", dry_run: bool = False,
    config: WorkspaceConfig | None = None,
) -> ImportReport:  # fmt: skip
    """A status-event log (one row per status change) -> support tickets and their events."""
    started = time.perf_counter()
    _check_team(team)
    mapping = load_event_mapping(mapping_path)
    read = read_event_log(path, mapping, source=source, team=team)
    return _write(db, read, dry_run=dry_run, started=started, config=config)


def import_jira_csv(
    db: Database,
    path: Path,
    *,
    team: str,
    source: str = "jira-file",
    date_format: str = "%d/%b/%y %I:%M %p",
    timezone: str = "UTC",
    dry_run: bool = False,
    config: WorkspaceConfig | None = None,
) -> ImportReport:
    """A Jira issue-navigator CSV export -> work items (their current state; a CSV holds no history)."""
    started = time.perf_counter()
    _check_team(team)
    read = read_jira_csv(path, source=source, team=team, date_format=date_format, timezone=timezone)
    return _write(db, read, dry_run=dry_run, started=started, config=config)


def import_jira_json(
    db: Database, path: Path, *, team: str, source: str = "jira-file", dry_run: bool = False,
    config: WorkspaceConfig | None = None,
) -> ImportReport:  # fmt: skip
    """A saved Jira search response or list of issues (v2 or v3, with changelogs) -> items and their history."""
    started = time.perf_counter()
    _check_team(team)
    read = read_jira_json(path, source=source, team=team)
    return _write(db, read, dry_run=dry_run, started=started, config=config)
