"""Configured sources, their sync state (watermark, last run) and the boards they describe, as stored rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from cadence.store import schema as S
from cadence.store.workspace import ensure_workspace

__all__ = [
    "SourceRow",
    "SourceStatus",
    "SyncLease",
    "advance_watermark",
    "find_source",
    "finish_sync",
    "insert_source",
    "list_sources",
    "mark_secrets_lost",
    "release_sync_lease",
    "renew_sync_lease",
    "replace_source",
    "save_boards",
    "start_sync",
    "stored_secrets",
    "take_sync_lease",
    "team_id",
    "update_source_config",
    "watermark_of",
]


@dataclass(frozen=True)
class SourceRow:
    id: int
    name: str
    kind: str
    team_id: int | None
    base_url: str | None
    config: dict[str, Any]
    secret: bytes | None
    secret_lost_at: dt.datetime | None = None
    """Set when a restore could not decrypt the credential: it must be re-entered before the source syncs."""


@dataclass(frozen=True)
class SourceStatus:
    name: str
    kind: str
    base_url: str | None
    team: str | None
    watermark: dt.datetime | None
    last_started_at: dt.datetime | None
    last_finished_at: dt.datetime | None
    last_status: str | None
    last_error: str | None
    credential_lost_at: dt.datetime | None = None


def team_id(conn: Connection, key: str, workspace: str = "default") -> int | None:
    teams = S.table(S.Team)
    query = select(teams.c.id).where(teams.c.key == key, teams.c.workspace_id == ensure_workspace(conn, workspace))
    found = conn.execute(query).scalar()
    return None if found is None else int(found)


def insert_source(
    conn: Connection,
    *,
    name: str,
    kind: str,
    team_id: int | None,
    base_url: str | None,
    config: dict[str, Any],
    secret: bytes | None,
) -> int:
    sources = S.table(S.Source)
    query = sources.insert().values(
        name=name,
        kind=kind,
        team_id=team_id,
        base_url=base_url,
        config=config,
        secret=secret,
        created_at=dt.datetime.now(dt.UTC),
    )
    return int(conn.execute(query.returning(sources.c.id)).scalar_one())


def find_source(conn: Connection, name: str) -> SourceRow | None:
    sources = S.table(S.Source)
    row = conn.execute(select(sources).where(sources.c.name == name)).mappings().first()
    if row is None:
        return None
    return SourceRow(
        id=row["id"],
        name=row["name"],
        kind=row["kind"],
        team_id=row["team_id"],
        base_url=row["base_url"],
        config=dict(row["config"] or {}),
        secret=row["secret"],
        secret_lost_at=row["secret_lost_at"],
    )


def update_source_config(conn: Connection, source_id: int, config: dict[str, Any]) -> None:
    sources = S.table(S.Source)
    conn.execute(sources.update().where(sources.c.id == source_id).values(config=config))


def list_sources(conn: Connection) -> list[SourceStatus]:
    sources, states, teams = S.table(S.Source), S.table(S.SyncState), S.table(S.Team)
    query = (
        select(sources.c.name, sources.c.kind, sources.c.base_url, sources.c.secret_lost_at, teams.c.key, states)
        .select_from(
            sources.outerjoin(states, states.c.source_id == sources.c.id).outerjoin(
                teams, teams.c.id == sources.c.team_id
            )
        )
        .order_by(sources.c.name)
    )
    return [
        SourceStatus(
            name=r["name"],
            kind=r["kind"],
            base_url=r["base_url"],
            team=r["key"],
            watermark=r["watermark"],
            last_started_at=r["last_started_at"],
            last_finished_at=r["last_finished_at"],
            last_status=r["last_status"],
            last_error=r["last_error"],
            credential_lost_at=r["secret_lost_at"],
        )
        for r in conn.execute(query).mappings()
    ]


def _ensure_state(conn: Connection, source_id: int) -> None:
    states = S.table(S.SyncState)
    if conn.execute(select(states.c.source_id).where(states.c.source_id == source_id)).first() is None:
        conn.execute(states.insert().values(source_id=source_id))


def watermark_of(conn: Connection, source_id: int) -> dt.datetime | None:
    states = S.table(S.SyncState)
    value: dt.datetime | None = conn.execute(select(states.c.watermark).where(states.c.source_id == source_id)).scalar()
    return value


def start_sync(conn: Connection, source_id: int, at: dt.datetime) -> dt.datetime | None:
    """Record that a sync started; returns the stored watermark."""
    _ensure_state(conn, source_id)
    states = S.table(S.SyncState)
    conn.execute(
        states.update().where(states.c.source_id == source_id).values(last_started_at=at, last_status="running")
    )
    return watermark_of(conn, source_id)


def advance_watermark(conn: Connection, source_id: int, watermark: dt.datetime) -> None:
    """Move the watermark forward (never back: a full re-read must not make the next sync re-read everything)."""
    _ensure_state(conn, source_id)
    current = watermark_of(conn, source_id)
    if current is None or watermark > current:
        states = S.table(S.SyncState)
        conn.execute(states.update().where(states.c.source_id == source_id).values(watermark=watermark))


def finish_sync(conn: Connection, source_id: int, at: dt.datetime, status: str, error: str | None = None) -> None:
    _ensure_state(conn, source_id)
    states = S.table(S.SyncState)
    conn.execute(
        states.update()
        .where(states.c.source_id == source_id)
        .values(last_finished_at=at, last_status=status, last_error=error)
    )


@dataclass(frozen=True)
class SyncLease:
    """Who holds a source's sync lease: its owner, when that sync started, when the lease lapses."""

    owner: str
    since: dt.datetime | None
    until: dt.datetime | None


def take_sync_lease(
    conn: Connection, source_id: int, *, owner: str, now: dt.datetime, until: dt.datetime
) -> SyncLease | None:
    """Take the source's sync lease unless an unexpired one is held: ``None`` when taken, else the holder.

    One guarded statement decides, so two instances asking at once cannot both win: an ``UPDATE`` whose ``WHERE``
    requires the lease to be free or lapsed (PostgreSQL re-checks it after waiting for a concurrent writer of the
    row; SQLite has one writer at a time), or, for a source that has no state row yet, an ``INSERT ... ON CONFLICT
    DO NOTHING``. Expiry compares with ``now`` from the caller's clock: instances need synchronised clocks (NTP).
    """
    states = S.table(S.SyncState)
    free = or_(states.c.lease_owner.is_(None), states.c.lease_until.is_(None), states.c.lease_until <= now)
    taken = conn.execute(
        states.update().where(states.c.source_id == source_id, free).values(lease_owner=owner, lease_until=until)
    )
    if taken.rowcount == 1:
        return None
    insert = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(states)
    statement = (
        insert.values(source_id=source_id, lease_owner=owner, lease_until=until)
        .on_conflict_do_nothing(index_elements=["source_id"])
        .returning(states.c.source_id)
    )
    if conn.execute(statement).first() is not None:
        return None
    query = select(states.c.lease_owner, states.c.last_started_at, states.c.lease_until)
    held = conn.execute(query.where(states.c.source_id == source_id)).one()
    return SyncLease(str(held.lease_owner), held.last_started_at, held.lease_until)


def renew_sync_lease(conn: Connection, source_id: int, *, owner: str, until: dt.datetime) -> bool:
    """Extend the lease to ``until`` if ``owner`` still holds it; False when another instance took it over."""
    states = S.table(S.SyncState)
    renewed = conn.execute(
        states.update().where(states.c.source_id == source_id, states.c.lease_owner == owner).values(lease_until=until)
    )
    return renewed.rowcount == 1


def release_sync_lease(conn: Connection, source_id: int, *, owner: str) -> bool:
    """Free the lease if ``owner`` holds it; False when it had lapsed and another instance took it."""
    states = S.table(S.SyncState)
    released = conn.execute(
        states.update()
        .where(states.c.source_id == source_id, states.c.lease_owner == owner)
        .values(lease_owner=None, lease_until=None)
    )
    return released.rowcount == 1


def save_boards(conn: Connection, source: str, team: int, boards: list[dict[str, Any]]) -> int:
    """Insert or update the boards a source describes; returns how many changed."""
    table = S.table(S.Board)
    changed = 0
    for board in boards:
        key = (table.c.source == source) & (table.c.source_id == board["source_id"])
        stored = conn.execute(select(table.c.id, table.c.name, table.c.config).where(key)).first()
        if stored is None:
            conn.execute(
                table.insert().values(
                    team_id=team,
                    source=source,
                    source_id=board["source_id"],
                    name=board["name"],
                    config=board["config"],
                )
            )
            changed += 1
        elif (stored.name, stored.config) != (board["name"], board["config"]):
            conn.execute(
                table.update().where(table.c.id == stored.id).values(name=board["name"], config=board["config"])
            )
            changed += 1
    return changed


def stored_secrets(conn: Connection) -> list[tuple[int, str, bytes]]:
    """``(id, name, encrypted secret)`` of every source holding a credential."""
    sources = S.table(S.Source)
    query = select(sources.c.id, sources.c.name, sources.c.secret).where(sources.c.secret.is_not(None))
    return [(int(i), str(name), bytes(secret)) for i, name, secret in conn.execute(query.order_by(sources.c.id))]


def mark_secrets_lost(conn: Connection, source_ids: list[int], at: dt.datetime) -> None:
    """Drop credentials this install cannot decrypt and record when, so the source asks for them again."""
    if source_ids:
        sources = S.table(S.Source)
        query = sources.update().where(sources.c.id.in_(source_ids)).values(secret=None, secret_lost_at=at)
        conn.execute(query)


def replace_source(
    conn: Connection,
    source_id: int,
    *,
    team_id: int | None,
    base_url: str | None,
    config: dict[str, Any],
    secret: bytes | None,
) -> None:
    """New settings and credential for an existing source (its history and watermark stay); clears a lost mark."""
    sources = S.table(S.Source)
    values = {"team_id": team_id, "base_url": base_url, "config": config, "secret": secret, "secret_lost_at": None}
    conn.execute(sources.update().where(sources.c.id == source_id).values(**values))
