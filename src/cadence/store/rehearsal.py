"""A transaction that is always rolled back: a dry run that reports exactly what a real write would change."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection

from cadence.store.database import Database

__all__ = ["rehearse"]


@contextmanager
def rehearse(db: Database) -> Iterator[Connection]:
    """Run the caller's writes, then roll them back whatever happens (the counts are real, the data untouched)."""
    with db.connect() as conn:
        transaction = conn.begin()
        try:
            yield conn
        finally:
            transaction.rollback()
