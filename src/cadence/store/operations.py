"""The few counts an operator's metrics read from the database at scrape time, so every instance reports the same.

Each is one small aggregate over an index or a handful of rows (sources, job names), cheap enough for a scrape
every 15 seconds by every Prometheus server.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection, case, func, select

from cadence.store import schema as S

__all__ = ["SourceSyncTimes", "job_failures", "outbox_backlog", "source_sync_times"]

OUTBOX_STATES = ("pending", "sending", "failed")
"""The outbox states worth counting: the backlog (``pending``, ``sending``) and the given-up (``failed``); ``sent``
messages only accumulate and are not counted."""


@dataclass(frozen=True)
class SourceSyncTimes:
    source: str
    watermark: dt.datetime | None
    last_finished_at: dt.datetime | None
    last_status: str | None


def source_sync_times(conn: Connection) -> list[SourceSyncTimes]:
    """Every configured source with its watermark and how its last sync went (``None`` when never synced)."""
    sources, states = S.table(S.Source), S.table(S.SyncState)
    query = (
        select(sources.c.name, states.c.watermark, states.c.last_finished_at, states.c.last_status)
        .select_from(sources.outerjoin(states, states.c.source_id == sources.c.id))
        .order_by(sources.c.name)
    )
    return [SourceSyncTimes(r.name, r.watermark, r.last_finished_at, r.last_status) for r in conn.execute(query)]


def job_failures(conn: Connection) -> dict[str, int]:
    """Failed runs per job, for every job that has run at least once (0 when none of its runs failed)."""
    runs = S.table(S.JobRun)
    failed = func.sum(case((runs.c.state == "failed", 1), else_=0))
    query = select(runs.c.job, failed).group_by(runs.c.job).order_by(runs.c.job)
    return {str(job): int(n or 0) for job, n in conn.execute(query)}


def outbox_backlog(conn: Connection) -> dict[str, int]:
    """Notification messages per state among :data:`OUTBOX_STATES` (each present, 0 when none)."""
    messages = S.table(S.NotificationMessage)
    query = select(messages.c.state, func.count()).where(messages.c.state.in_(OUTBOX_STATES)).group_by(messages.c.state)
    counts = {state: 0 for state in OUTBOX_STATES}
    counts |= {str(state): int(n) for state, n in conn.execute(query)}
    return counts
