"""Shared fixtures: real SQLite files and, when available, a real PostgreSQL server."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy.engine import make_url

from cadence.store.database import Database
from cadence.store.migrations import upgrade

POSTGRES_URL = os.environ.get("CADENCE_TEST_POSTGRES_URL")
REQUIRE_POSTGRES = os.environ.get("CADENCE_REQUIRE_POSTGRES") == "1"


def _fresh_postgres_database() -> Iterator[str]:
    """A new, empty database on the test server, dropped afterwards."""
    if not POSTGRES_URL:
        if REQUIRE_POSTGRES:
            pytest.fail("CADENCE_REQUIRE_POSTGRES=1 but CADENCE_TEST_POSTGRES_URL is not set")
        pytest.skip("no PostgreSQL server: set CADENCE_TEST_POSTGRES_URL or install the postgresql package")
    import psycopg

    base = make_url(POSTGRES_URL)
    name = f"cadence_{uuid.uuid4().hex[:12]}"
    admin = base.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: os.PathLike[str]) -> Iterator[str]:
    """An empty database of each kind (the test runs once per backend)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/cadence.db"
    else:
        yield from _fresh_postgres_database()


@pytest.fixture
def sqlite_url(tmp_path: os.PathLike[str]) -> str:
    return f"sqlite:///{tmp_path}/cadence.db"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    yield from _fresh_postgres_database()


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    """A migrated, empty database of each kind."""
    database = Database(database_url)
    upgrade(database)
    yield database
    database.dispose()
