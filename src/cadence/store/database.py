"""Opening the database, and turning driver failures into sentences a person can act on.

SQLite is the embedded default (WAL journal, foreign keys enforced, a busy timeout so a second process waits
instead of failing); PostgreSQL through psycopg 3 for teams. Nothing here ever writes unless asked to migrate.

Every failure that is the database's state rather than Cadence's bug becomes a :class:`DatabaseError` (HTTP 503,
exit 4), so a request fails cleanly and the next one, on a fresh pooled connection, can succeed: a lost or refused
connection (also one killed mid-transaction, which PostgreSQL rolls back whole) is :class:`DatabaseUnavailable`; a
statement cancelled, a deadlock, a serialization failure, a busy SQLite file or a pool with no free connection
within ``pool_timeout`` is a :class:`DatabaseError` that says to try again. The columnar reads of PostgreSQL
(connectorx, on their own connections) are translated the same way.
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

from cadence.domain.errors import ConfigurationError, DatabaseError, DatabaseUnavailable

__all__ = ["Connection", "Database", "describe_url"]

_SUPPORTED = {"sqlite", "postgresql"}
_URL_HELP = "use sqlite:///PATH or postgresql+psycopg://USER:PASSWORD@HOST:PORT/DATABASE"

_DISCONNECT_SQLSTATES = ("08", "57P01", "57P02", "57P03")
"""Connection exceptions, and the server shutting down (admin, crash) or not accepting connections yet."""
_TRANSIENT_SQLSTATES = ("40001", "40P01", "55P03", "57014", "53")
"""Serialization failure, deadlock, lock not available, statement cancelled, insufficient resources."""
_SQLITE_BUSY = ("database is locked", "database table is locked", "database is busy")


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

    def __init__(self, url: str, *, echo: bool = False, pool_timeout: float = 10.0) -> None:
        """``pool_timeout``: seconds a request waits for a free pooled PostgreSQL connection before a 503."""
        self.url = _parse(url)
        self.kind = self.url.get_backend_name()
        self.label = describe_url(self.url)
        self.schema_verified: tuple[float, Any] | None = None
        """(monotonic time, SchemaState) of the last successful schema check; see ``migrations.require_current``."""
        self.pool_timeout = pool_timeout
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
                "pool_timeout": pool_timeout,
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
        except (exc.OperationalError, exc.InterfaceError) as error:
            translated = self._translate(error, str(error.orig) if error.orig else str(error), error.orig)
            if translated is None:
                raise
            raise translated from None
        except exc.TimeoutError:
            raise DatabaseError(
                f"no free connection to the database at {self.label} within {self.pool_timeout:g} s (every pooled "
                "connection is busy); try again",
                url=self.label,
            ) from None
        except RuntimeError as error:
            translated = self._translate_columnar(error) if _from_connectorx(error) else None
            if translated is None:
                raise
            raise translated from None

    def _translate(self, error: BaseException, message: str, orig: BaseException | None) -> DatabaseError | None:
        """The :class:`DatabaseError` a driver failure means, or ``None`` for a bug to surface as such."""
        sqlstate = str(getattr(orig, "sqlstate", None) or "")
        if getattr(error, "connection_invalidated", False) or sqlstate.startswith(_DISCONNECT_SQLSTATES):
            return self._unavailable(message)
        if sqlstate.startswith(_TRANSIENT_SQLSTATES):
            return self._unfinished(message)
        if _is_connection_failure(message):
            return self._unavailable(message)
        return self._unfinished(message) if _is_transient(message) else None

    def _translate_columnar(self, error: RuntimeError) -> DatabaseError | None:
        """connectorx says ``db error: ERROR: ...`` for a failed statement, anything else for a failed connection."""
        message = str(error)
        if "db error: ERROR:" not in message:
            return self._unavailable(message.removeprefix("timed out waiting for connection: "))
        return self._unfinished(message) if _is_transient(message) else None

    def _unavailable(self, message: str) -> DatabaseUnavailable:
        reason = _first_line(message)
        return DatabaseUnavailable(f"cannot reach the database at {self.label}: {reason}", url=self.label)

    def _unfinished(self, message: str) -> DatabaseError:
        reason = _first_line(message)
        message = f"the database at {self.label} did not finish the request ({reason}); try again"
        return DatabaseError(message, url=self.label)


def _first_line(message: str) -> str:
    return message.strip().splitlines()[0] if message.strip() else "no reason given"


def _is_transient(message: str) -> bool:
    lowered = message.lower()
    return any(hint in lowered for hint in ("canceling statement", "deadlock detected", *_SQLITE_BUSY))


def _from_connectorx(error: RuntimeError) -> bool:
    """connectorx (the columnar reads of ``read_models``) reports every failure as a bare ``RuntimeError``."""
    trace = error.__traceback__
    while trace is not None:
        if "connectorx" in trace.tb_frame.f_code.co_filename:
            return True
        trace = trace.tb_next
    return False


def _is_connection_failure(message: str) -> bool:
    message = message.lower()
    hints = (
        "connect",
        "unable to open",
        "could not translate host",
        "timeout",
        "timed out",
        "refused",
        "password",
        "does not exist",
        "server closed",
        "terminating connection",
        "shutting down",
        "starting up",
        "fatal:",
    )
    return any(hint in message for hint in hints)
