"""Migrating the database, for ``cadence db`` and for ``make demo``."""

from __future__ import annotations

from cadence.store import migrations
from cadence.store.database import Database
from cadence.store.migrations import SchemaState

__all__ = ["SchemaState", "downgrade_schema", "require_current_schema", "schema_state", "upgrade_schema"]


def upgrade_schema(db: Database, revision: str = "head") -> SchemaState:
    db.ping()
    return migrations.upgrade(db, revision)


def downgrade_schema(db: Database, revision: str) -> SchemaState:
    db.ping()
    return migrations.downgrade(db, revision)


def schema_state(db: Database) -> SchemaState:
    db.ping()
    return migrations.schema_state(db)


def require_current_schema(db: Database) -> SchemaState:
    """Raise a clear error unless the database is reachable and exactly at this Cadence's schema."""
    db.ping()
    return migrations.require_current(db)
