"""Reconciling a source: records stored from it whose issues no longer exist there (deleted, or moved out of the
synced projects) are removed, with their history.

An incremental sync cannot see a deletion (a deleted issue is never "updated"), hence this periodic pass; ``cadence
sync`` runs it by itself once a period (``CADENCE_RECONCILE_HOURS``). It lists only issue ids, so it is cheap. As a
guard against a misconfigured account suddenly seeing nothing, it refuses to remove more than half of what is
stored; ``force`` overrides that.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cadence.domain.errors import Conflict
from cadence.services.sources import load_source, open_source
from cadence.store.database import Database
from cadence.store.migrations import require_current
from cadence.store.source_records import delete_records, stored_ids
from cadence.store.sources import update_source_config

__all__ = ["ReconcileReport", "reconcile_due", "reconcile_source"]


@dataclass(frozen=True)
class ReconcileReport:
    source: str
    present: int
    stored: int
    deleted: int


def reconcile_due(db: Database, name: str, *, every: dt.timedelta, now: dt.datetime) -> bool:
    """True when ``name`` was never reconciled, or last reconciled at least ``every`` ago."""
    last = load_source(db, name).config.get("last_reconciled_at")
    return last is None or now - dt.datetime.fromisoformat(str(last)) >= every


def reconcile_source(
    db: Database,
    name: str,
    *,
    key: str | None,
    force: bool = False,
    transport: Any = None,
    sleep: Callable[[float], None] | None = None,
    now: dt.datetime | None = None,
) -> ReconcileReport:
    """Remove stored records whose issues are gone from the source; remembers when, for :func:`reconcile_due`."""
    require_current(db)
    row = load_source(db, name)
    source = open_source(row, key, transport=transport, sleep=sleep)
    try:
        present = source.existing_ids()
    finally:
        source.client.close()
    with db.begin() as conn:
        stored = stored_ids(conn, name)
        gone = stored - present
        if stored and len(gone) * 2 > len(stored) and not force:
            raise Conflict(
                f"reconciling '{name}' would delete {len(gone):,} of {len(stored):,} stored issues; if the account "
                "really lost access or the issues were deleted, run again with --force"
            )
        deleted = delete_records(conn, name, gone)
        at = now or dt.datetime.now(dt.UTC)
        update_source_config(conn, row.id, {**row.config, "last_reconciled_at": at.isoformat()})
    return ReconcileReport(source=name, present=len(present), stored=len(stored), deleted=deleted)
