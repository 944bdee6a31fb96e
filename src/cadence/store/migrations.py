"""Schema migrations shipped inside the package, and the check that a database matches this Cadence."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from cadence.domain.errors import SchemaMismatch
from cadence.store.database import Database
from cadence.store.schema import Base

__all__ = ["SchemaState", "downgrade", "drift", "require_current", "revisions", "schema_state", "upgrade"]

_SCRIPTS = Path(__file__).with_name("migrations")


def _config(conn: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(_SCRIPTS))
    if conn is not None:
        config.attributes["connection"] = conn
    return config


@dataclass(frozen=True)
class SchemaState:
    current: str | None
    head: str
    known: bool
    """False when the database was migrated by a newer Cadence whose revisions this one does not ship."""

    @property
    def up_to_date(self) -> bool:
        return self.current == self.head


def schema_state(db: Database) -> SchemaState:
    scripts = ScriptDirectory.from_config(_config())
    head = scripts.get_current_head()
    assert head is not None
    with db.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    known = current is None or _revision_known(scripts, current)
    return SchemaState(current=current, head=head, known=known)


def revisions() -> list[tuple[str, str | None]]:
    """Every shipped revision as (revision, the one it revises), oldest first."""
    scripts = ScriptDirectory.from_config(_config())
    chain = [
        (str(r.revision), None if r.down_revision is None else str(r.down_revision)) for r in scripts.walk_revisions()
    ]
    return chain[::-1]


def _revision_known(scripts: ScriptDirectory, revision: str) -> bool:
    try:
        return scripts.get_revision(revision) is not None
    except Exception:  # alembic raises several resolution errors for unknown ids
        return False


_VERIFIED_FOR = 30.0
"""Seconds a successful check is trusted: every page and API call asks, and reading Alembic's scripts costs ~2.5 ms."""


def require_current(db: Database) -> SchemaState:
    """Refuse to work on a database this Cadence does not fully understand (newer, or not migrated yet).

    A success is remembered on ``db`` for a few seconds; a failure never is, and migrating forgets it.
    """
    verified = db.schema_verified
    if verified is not None and time.monotonic() - verified[0] < _VERIFIED_FOR:
        return verified[1]
    state = schema_state(db)
    if not state.known:
        raise SchemaMismatch(
            f"the database at {db.label} has schema revision {state.current}, newer than this Cadence knows "
            f"(its latest is {state.head}); upgrade Cadence, or point CADENCE_DATABASE_URL at another database",
            current=state.current,
            head=state.head,
        )
    if not state.up_to_date:
        where = "empty" if state.current is None else f"at revision {state.current}"
        raise SchemaMismatch(
            f"the database at {db.label} is {where}, this Cadence needs {state.head}; run 'cadence db upgrade'",
            current=state.current,
            head=state.head,
        )
    db.schema_verified = (time.monotonic(), state)
    return state


@contextlib.contextmanager
def _migrating(db: Database) -> Iterator[Connection]:
    """One transaction for the migration; on SQLite with foreign keys off while it runs, checked after.

    SQLite cannot drop or alter a column in place: Alembic's batch mode copies the table, drops the old one and
    renames the copy. With foreign keys on, dropping the old table runs its children's ``ON DELETE CASCADE`` — a
    downgrade of the ticket columns emptied ``ticket_events``. SQLite ignores the pragma inside a transaction, so it
    is switched off before the transaction begins, and ``PRAGMA foreign_key_check`` must come back empty before the
    migration commits.
    """
    if db.kind != "sqlite":
        with db.begin() as conn:
            yield conn
        return
    with db.connect() as conn:
        conn.exec_driver_sql("PRAGMA foreign_keys = OFF")
        conn.commit()
        try:
            with conn.begin():
                yield conn
                broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise SchemaMismatch(
                        f"the migration would leave {len(broken)} row(s) pointing at missing rows "
                        f"(first: table {broken[0][0]}, row {broken[0][1]}); nothing was changed",
                        violations=len(broken),
                    )
        finally:
            conn.exec_driver_sql("PRAGMA foreign_keys = ON")
            conn.commit()


def upgrade(db: Database, revision: str = "head") -> SchemaState:
    state = schema_state(db)
    if not state.known:
        require_current(db)
    db.schema_verified = None
    with _migrating(db) as conn:
        command.upgrade(_config(conn), revision)
    return schema_state(db)


def downgrade(db: Database, revision: str) -> SchemaState:
    require_known = schema_state(db)
    if not require_known.known:
        require_current(db)
    db.schema_verified = None
    with _migrating(db) as conn:
        command.downgrade(_config(conn), revision)
    return schema_state(db)


def drift(db: Database) -> list[object]:
    """Differences between the models and the migrated database; empty when migrations match the models."""
    with db.connect() as conn:
        return list(compare_metadata(MigrationContext.configure(conn), Base.metadata))
