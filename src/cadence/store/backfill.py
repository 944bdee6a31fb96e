"""Data changes inside migrations, in batches: a backfill of a million rows must not be one statement.

One ``UPDATE`` over a whole table holds its row locks, its undo and (on SQLite) its journal for the whole run, and
gives no sign of life. :func:`update_in_batches` walks the integer primary key in ranges of ``batch_size`` and
updates each range with its own statement, so memory stays flat and a long upgrade logs its progress. Alembic runs
a migration in one transaction (``migrations/env.py``), so a failure still rolls everything back; a migration that
must release locks between batches on a busy PostgreSQL can call it inside ``op.get_context().autocommit_block()``
with ``commit=True``. Every data change in a migration goes through here (``docs/upgrades.md``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement, Connection, Table, func, select, true

__all__ = ["update_in_batches"]

log = logging.getLogger(__name__)


def update_in_batches(
    conn: Connection,
    table: Table,
    values: Mapping[str, Any],
    where: ColumnElement[bool] | None = None,
    *,
    key: str = "id",
    batch_size: int = 10_000,
    commit: bool = False,
) -> int:
    """``UPDATE table SET values WHERE where`` in primary-key ranges of ``batch_size``; returns the rows changed.

    ``values`` may hold SQL expressions (e.g. ``{"points": table.c.estimate * 2}``). ``commit``: commit after each
    batch (only inside an autocommit block: outside one it would end Alembic's transaction).
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    column = table.c[key]
    low, high = conn.execute(select(func.min(column), func.max(column))).one()
    if low is None:
        return 0
    condition = where if where is not None else true()
    changed = 0
    for start in range(int(low), int(high) + 1, batch_size):
        result = conn.execute(
            table.update().where(column >= start, column < start + batch_size, condition).values(dict(values))
        )
        changed += int(result.rowcount or 0)
        if commit:
            conn.commit()
        log.info("%s: %d rows updated up to %s %d", table.name, changed, key, min(start + batch_size - 1, int(high)))
    return changed
