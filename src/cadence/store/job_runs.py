"""Runs of scheduled jobs: claiming an occurrence, settling it, and the runs listed for people.

Claiming an occurrence is inserting its ``(job, slot)`` row with ``INSERT ... ON CONFLICT DO NOTHING RETURNING id``
(the same statement on SQLite and PostgreSQL): the unique constraint lets exactly one instance get an id back, and
that instance runs the job; the others get nothing and skip it. The claim commits before the job runs, so the row
is visible to every other instance at once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.dialects import postgresql, sqlite

from cadence.store import schema as S

__all__ = ["JobRunRow", "abandon_stale_runs", "claim_run", "finish_run", "recent_runs"]

_ERROR_MAX = 2000


@dataclass(frozen=True)
class JobRunRow:
    id: int
    job: str
    slot: str
    instance: str | None
    state: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    error: str | None


def _run(row: Any) -> JobRunRow:
    r = row._mapping
    return JobRunRow(
        r["id"], r["job"], r["slot"], r["instance"], r["state"], r["started_at"], r["finished_at"], r["error"]
    )


def claim_run(conn: Connection, *, job: str, slot: str, instance: str, now: dt.datetime) -> int | None:
    """Insert the occurrence's row in state ``running``; its id, or None when another run already holds it."""
    runs = S.table(S.JobRun)
    insert = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(runs)
    statement = (
        insert.values(job=job, slot=slot, instance=instance, state="running", started_at=now)
        .on_conflict_do_nothing(index_elements=["job", "slot"])
        .returning(runs.c.id)
    )
    row = conn.execute(statement).first()
    return None if row is None else int(row[0])


def finish_run(conn: Connection, run_id: int, *, state: str, now: dt.datetime, error: str | None = None) -> None:
    """Settle a run as ``done`` or ``failed`` (with the error, clipped)."""
    runs = S.table(S.JobRun)
    clipped = None if error is None else error[:_ERROR_MAX]
    conn.execute(runs.update().where(runs.c.id == run_id).values(state=state, finished_at=now, error=clipped))


def abandon_stale_runs(conn: Connection, *, started_before: dt.datetime, now: dt.datetime) -> int:
    """Mark ``failed`` every run still ``running`` that started before ``started_before`` (its instance stopped
    mid-run); returns how many. They are not run again: a half-done job may have sent part of its messages."""
    runs = S.table(S.JobRun)
    result = conn.execute(
        runs.update()
        .where(runs.c.state == "running", runs.c.started_at < started_before)
        .values(state="failed", finished_at=now, error="abandoned: its instance stopped before the run ended")
    )
    return int(result.rowcount or 0)


def recent_runs(conn: Connection, *, limit: int = 50, job: str | None = None) -> list[JobRunRow]:
    """The latest runs, newest first."""
    runs = S.table(S.JobRun)
    query = select(runs).order_by(runs.c.started_at.desc(), runs.c.id.desc()).limit(limit)
    if job is not None:
        query = query.where(runs.c.job == job)
    return [_run(row) for row in conn.execute(query)]
