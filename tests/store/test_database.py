"""Opening databases: clear errors for wrong URLs, unreachable servers and foreign schemas; data left alone."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from cadence.domain.errors import ConfigurationError, DatabaseUnavailable, SchemaMismatch
from cadence.store.database import Database, describe_url
from cadence.store.migrations import downgrade, drift, require_current, schema_state, upgrade


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("not a url", "is not a database URL"),
        ("mysql://u:p@localhost/db", "does not support"),
        ("postgresql+asyncpg://u@localhost/db", "driver"),
    ],
)
def test_bad_urls_are_configuration_errors(url: str, fragment: str) -> None:
    with pytest.raises(ConfigurationError, match=fragment):
        Database(url)


def test_a_missing_sqlite_folder_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match=str(tmp_path / "nope")):
        Database(f"sqlite:///{tmp_path}/nope/cadence.db")


def test_an_unreachable_postgres_fails_fast_with_the_address_and_no_password() -> None:
    db = Database(f"postgresql+psycopg://cadence:s3cret@127.0.0.1:{_closed_port()}/cadence")
    started = time.perf_counter()
    with pytest.raises(DatabaseUnavailable) as caught:
        db.ping()
    assert time.perf_counter() - started < 10
    assert "127.0.0.1" in caught.value.message
    assert "s3cret" not in caught.value.message


def test_describe_url_hides_passwords() -> None:
    assert describe_url("postgresql+psycopg://me:pw@db/x") == "postgresql+psycopg://me:***@db/x"


def test_sqlite_runs_in_wal_mode_with_foreign_keys(sqlite_url: str) -> None:
    db = Database(sqlite_url)
    with db.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_migrations_match_the_models(db: Database) -> None:
    assert drift(db) == []


def test_an_empty_database_must_be_migrated(database_url: str) -> None:
    db = Database(database_url)
    try:
        with pytest.raises(SchemaMismatch, match="cadence db upgrade"):
            require_current(db)
    finally:
        db.dispose()


def test_a_newer_schema_is_refused_and_left_untouched(db: Database) -> None:
    with db.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'f00dfeed'"))
    with pytest.raises(SchemaMismatch, match="newer than this Cadence"):
        require_current(db)
    with pytest.raises(SchemaMismatch, match="newer than this Cadence"):
        upgrade(db)
    with pytest.raises(SchemaMismatch, match="newer than this Cadence"):
        downgrade(db, "base")
    assert schema_state(db).current == "f00dfeed"


def test_a_remembered_schema_check_is_forgotten_when_the_schema_moves(db: Database) -> None:
    assert require_current(db).up_to_date
    assert db.schema_verified is not None  # remembered: pages do not re-read the migration scripts per request
    downgrade(db, "base")
    with pytest.raises(SchemaMismatch, match="cadence db upgrade"):
        require_current(db)
    assert db.schema_verified is None  # a failure is never remembered
    upgrade(db)
    assert require_current(db).up_to_date
