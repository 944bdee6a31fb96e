"""Webhook deliveries already processed, so a redelivery (or one event reaching two instances) is applied once.

Recording a delivery is inserting its ``(source_id, delivery_key)`` row with ``INSERT ... ON CONFLICT DO NOTHING
RETURNING id`` in the transaction that applies it: the unique constraint lets exactly one transaction get an id
back. On PostgreSQL a second transaction inserting the same key waits for the first to end and then gets nothing
(or, if the first rolled back, the row); on SQLite writers are serialised. Rows are kept for a while and pruned.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, func, select
from sqlalchemy.dialects import postgresql, sqlite

from cadence.store import schema as S

__all__ = ["count_deliveries", "prune_deliveries", "record_delivery"]


def record_delivery(conn: Connection, source_id: int, delivery_key: str, *, now: dt.datetime) -> bool:
    """Record the delivery; False when it was already recorded (the caller must then write nothing)."""
    table = S.table(S.WebhookDelivery)
    insert = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(table)
    statement = (
        insert.values(source_id=source_id, delivery_key=delivery_key, received_at=now)
        .on_conflict_do_nothing(index_elements=["source_id", "delivery_key"])
        .returning(table.c.id)
    )
    return conn.execute(statement).first() is not None


def prune_deliveries(conn: Connection, *, received_before: dt.datetime) -> int:
    """Forget deliveries received before ``received_before`` (an indexed range); returns how many."""
    table = S.table(S.WebhookDelivery)
    return int(conn.execute(table.delete().where(table.c.received_at < received_before)).rowcount or 0)


def count_deliveries(conn: Connection, source_id: int | None = None) -> int:
    """How many deliveries are remembered (for one source, or all)."""
    table = S.table(S.WebhookDelivery)
    query = select(func.count()).select_from(table)
    if source_id is not None:
        query = query.where(table.c.source_id == source_id)
    return int(conn.execute(query).scalar_one())
