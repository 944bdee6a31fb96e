"""What the ``/metrics`` endpoint reports from the database: sync lag per source, job failures, the outbox backlog.

Read at scrape time rather than counted in memory, so that every instance sharing the database reports the same
figures and a restart loses nothing. No person's access is checked here: the figures name sources and jobs, not
teams' data, and the endpoint itself is gated (a bearer token, or loopback only).

Definitions, for a source at ``now``:

- *sync lag* = ``now - watermark``: how old the newest change Cadence is sure to hold from the source is. It grows
  while syncs fail or stop; it also grows while nobody changes anything in the source, which is not a fault.
- *age of the last finished sync* = ``now - last_finished_at``, whatever the outcome.
- *last sync failed* = 1 when the source's last sync ended ``failed`` and none has started since, else 0.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cadence.store import operations as store
from cadence.store.database import Database
from cadence.store.migrations import require_current

__all__ = ["OperationsSnapshot", "SourceLag", "operations_snapshot"]


@dataclass(frozen=True)
class SourceLag:
    source: str
    lag_seconds: float | None
    """``now - watermark``; ``None`` before the first batch was stored."""
    last_finished_age_seconds: float | None
    """``now - last_finished_at``; ``None`` before the first sync finished."""
    last_failed: bool


@dataclass(frozen=True)
class OperationsSnapshot:
    sources: list[SourceLag]
    job_failures: dict[str, int]
    """Failed ``job_runs`` per job name."""
    outbox: dict[str, int]
    """Notification messages per state: ``pending``, ``sending``, ``failed``."""


def _seconds(now: dt.datetime, then: dt.datetime | None) -> float | None:
    return None if then is None else (now - then).total_seconds()


def operations_snapshot(db: Database, *, now: dt.datetime) -> OperationsSnapshot:
    """The figures at ``now``, read in one connection; a :class:`DatabaseError` when the database cannot answer or
    its schema is not this Cadence's (an unmigrated database has no tables to count)."""
    require_current(db)
    with db.connect() as conn:
        times = store.source_sync_times(conn)
        failures = store.job_failures(conn)
        outbox = store.outbox_backlog(conn)
    sources = [
        SourceLag(
            source=t.source,
            lag_seconds=_seconds(now, t.watermark),
            last_finished_age_seconds=_seconds(now, t.last_finished_at),
            last_failed=t.last_status == "failed",
        )
        for t in times
    ]
    return OperationsSnapshot(sources=sources, job_failures=failures, outbox=outbox)
