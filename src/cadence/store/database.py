"""Opening the database, and turning driver failures into sentences a person can act on.

SQLite is the embedded default (WAL journal, foreign keys enforced, a busy timeout so a second process waits
instead of failing); PostgreSQL through psycopg 3 for teams. Nothing here ever writes unless asked to migrate.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, exc, text
from sqlalchemy.engine import make_url
from sqlalchemy.engine.url import URL
from sqlalchemy.pool import NullPool, StaticPool

from cadence.domain.errors import ConfigurationError, DatabaseUnavailable

__all__ = ["Connection", "Database", "describe_url"]

_SUPPORTED = {"sqlite", "postgresql"}
_URL_HELP = "use sqlite:///PATH or postgresql+psycopg://USER:PASSWORD@HOST:PORT/DATABASE"


def describe_url(url: str | URL) -> str:
    """The URL with its password hidden, fit for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except exc.ArgumentError:
        return "<unparseable URL>"


def _parse(url: str) -> URL:
    try:
        parsed = make_url(url)
    except exc.ArgumentError:
        raise ConfigurationError(f"CADENCE_DATABASE_URL '{url}' is not a database URL; {_URL_HELP}") from None
    if parsed.get_backend_name() not in _SUPPORTED:
        raise ConfigurationError(
            f"CADENCE_DATABASE_URL uses '{parsed.get_backend_name()}', which Cadence does not support; {_URL_HELP}"
        )
    if parsed.get_backend_name() == "postgresql" and parsed.get_driver_name() not in {"psycopg", ""}:
        raise ConfigurationError(
            f"CADENCE_DATABASE_URL asks for the '{parsed.get_driver_name()}' driver; "
            f"Cadence ships psycopg 3: {_URL_HELP}"
        )
    if parsed.get_backend_name() == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.execute("PRAGMA busy_timeout = 15000")
    cursor.close()


class Database:
    """One database: its engine and the translation of connection failures into :class:`CadenceError`."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = _parse(url)
        self.kind = self.url.get_backend_name()
        self.label = describe_url(self.url)
        self.schema_verified: tuple[float, Any] | None = None
        """(monotonic time, SchemaState) of the last successful schema check; see ``migrations.require_current``."""
        kwargs: dict[str, Any] = {"echo": echo}
        if self.kind == "sqlite":
            path = self.sqlite_path
            if path is not None and not path.parent.exists():
                raise ConfigurationError(
                    f"the folder of the SQLite database {path} does not exist; create it or set CADENCE_DATABASE_URL"
                )
            # A file opens in microseconds; not pooling means no connection outlives its use.
            pool = {"poolclass": NullPool} if path else {"poolclass": StaticPool}
            kwargs |= pool | {"connect_args": {"check_same_thread": False}}
        else:
            kwargs |= {
                "pool_pre_ping": True,
                "pool_size": 5,
                "max_overflow": 10,
                "connect_args": {"connect_timeout": 5},
            }
        self.engine: Engine = create_engine(self.url, **kwargs)
        if self.kind == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)

    @property
    def sqlite_path(self) -> Path | None:
        """The SQLite file, or ``None`` for an in-memory database or another backend."""
        if self.kind != "sqlite" or self.url.database in (None, "", ":memory:"):
            return None
        return Path(self.url.database).expanduser()

    @contextlib.contextmanager
    def connect(self) -> Iterator[Connection]:
        """A connection without a transaction (reads); failures to connect become :class:`DatabaseUnavailable`."""
        with self._translated(), self.engine.connect() as conn:
            yield conn

    @contextlib.contextmanager
    def begin(self) -> Iterator[Connection]:
        """A connection inside one transaction, committed on success and rolled back on any error."""
        with self._translated(), self.engine.begin() as conn:
            yield conn

    def ping(self) -> None:
        """Raise :class:`DatabaseUnavailable` unless a trivial query succeeds."""
        with self.connect() as conn:
            conn.execute(text("SELECT 1"))

    def dispose(self) -> None:
        self.engine.dispose()

    @contextlib.contextmanager
    def _translated(self) -> Iterator[None]:
        try:
            yield
        except exc.OperationalError as error:
            if not _is_connection_failure(error):
                raise
            reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
            raise DatabaseUnavailable(f"cannot reach the database at {self.label}: {reason}", url=self.label) from None


def _is_connection_failure(error: exc.OperationalError) -> bool:
    if error.connection_invalidated:
        return True
    message = str(error.orig).lower()
    hints = (
        "connect",
        "unable to open",
        "could not translate host",
        "timeout",
        "refused",
        "password",
        "does not exist",
    )
    return any(hint in message for hint in hints)
