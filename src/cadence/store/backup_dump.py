"""Every table as portable rows, and back: the SQL side of ``cadence backup`` and ``cadence restore``.

A row travels as a list of JSON values in the table's column order, the same on SQLite and PostgreSQL:
datetimes as ISO 8601 in UTC (``...+00:00``), dates as ``YYYY-MM-DD``, binary as base64, and JSON columns as
their stored text (so a JSON ``null`` and an SQL ``NULL`` stay distinct, and key order is kept). Encoding the
rows of a restored database gives back the exact bytes that were dumped, which is how a restore is verified.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from typing import Any, NoReturn

import psycopg
from sqlalchemy import (
    JSON,
    Column,
    Connection,
    Date,
    DateTime,
    LargeBinary,
    Table,
    Text,
    bindparam,
    cast,
    exc,
    func,
    select,
)
from sqlalchemy.sql.elements import ColumnElement

from cadence.domain.errors import InputError
from cadence.store import schema as S
from cadence.store.database import Database

__all__ = [
    "TableLoader",
    "count_rows",
    "database_server",
    "dump_tables",
    "encrypted_channel_targets",
    "iter_rows",
    "reset_sequences",
    "snapshot",
    "table_columns",
    "tables_with_rows",
    "wipe_tables",
]

Row = list[Any]
_BATCH = 2000


def dump_tables() -> list[Table]:
    """Every table of the schema, parents before children (the order rows must be inserted in)."""
    return list(S.Base.metadata.sorted_tables)


def table_columns(table: Table) -> list[str]:
    return [column.name for column in table.columns]


def database_server(conn: Connection) -> tuple[str, str]:
    """``(kind, server version)``: ``("sqlite", "3.45.1")`` or ``("postgresql", "16.4")``."""
    version = conn.dialect.server_version_info or ()
    return conn.dialect.name, ".".join(str(part) for part in version)


@contextlib.contextmanager
def snapshot(db: Database) -> Iterator[Connection]:
    """A read-only connection that sees one instant of the database for as long as it is open.

    PostgreSQL: a ``REPEATABLE READ`` transaction. SQLite (WAL): an explicit ``BEGIN`` whose first read fixes the
    snapshot; writers carry on meanwhile.
    """
    with db.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        else:
            conn.exec_driver_sql("BEGIN")
        try:
            yield conn
        finally:
            conn.rollback()


def _is_json(column: Column[Any]) -> bool:
    return isinstance(column.type, JSON)


def _encoder(column: Column[Any]) -> Callable[[Any], Any] | None:
    kind = column.type
    if isinstance(kind, DateTime) or isinstance(getattr(kind, "impl", None), DateTime):
        return lambda value: value.astimezone(dt.UTC).isoformat()
    if isinstance(kind, Date):
        return lambda value: value.isoformat()
    if isinstance(kind, LargeBinary):
        return lambda value: base64.b64encode(value).decode("ascii")
    return None


def _driver_decoder(column: Column[Any], *, postgres: bool) -> Callable[[Any], Any] | None:
    """What the driver takes for a portable value. PostgreSQL's ``COPY`` parses ISO datetimes and dates itself;
    SQLite gets the naive-UTC text SQLAlchemy stores there (``2026-06-30 12:00:00.000000``)."""
    kind = column.type
    if isinstance(kind, LargeBinary):
        return base64.b64decode
    if postgres:
        return None
    if isinstance(kind, DateTime) or isinstance(getattr(kind, "impl", None), DateTime):
        return _sqlite_datetime
    return None


def _sqlite_datetime(value: str) -> str:
    return dt.datetime.fromisoformat(value).astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _selected(column: Column[Any]) -> ColumnElement[Any]:
    """JSON columns are read as their stored text: exact, and an SQL ``NULL`` stays ``None``."""
    return cast(column, Text).label(column.name) if _is_json(column) else column


def iter_rows(conn: Connection, table: Table, batch: int = _BATCH) -> Iterator[list[Row]]:
    """The table's rows in primary-key order as portable values, ``batch`` at a time (a server-side cursor on
    PostgreSQL, so a large table is never held in memory)."""
    columns = list(table.columns)
    encoders = [(i, f) for i, f in enumerate(_encoder(c) for c in columns) if f is not None]
    query = select(*(_selected(c) for c in columns)).order_by(*table.primary_key.columns)
    result = conn.execute(query.execution_options(stream_results=True, yield_per=batch))
    for part in result.partitions():
        rows = [list(row) for row in part]
        for row in rows:
            for i, encode in encoders:
                if row[i] is not None:
                    row[i] = encode(row[i])
        yield rows


def count_rows(conn: Connection, table: Table) -> int:
    return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def tables_with_rows(conn: Connection) -> dict[str, int]:
    """``{table: rows}`` for every non-empty table (an empty dict means a fresh database)."""
    counts = {table.name: count_rows(conn, table) for table in dump_tables()}
    return {name: n for name, n in counts.items() if n}


def wipe_tables(conn: Connection) -> None:
    """Delete every row of every table, children first (``--force``); the schema and its revision stay."""
    for table in reversed(dump_tables()):
        conn.execute(table.delete())


class TableLoader:
    """Inserts portable rows into one table at driver level: ``COPY`` on PostgreSQL, ``executemany`` on SQLite
    (SQLAlchemy's per-value processing would dominate a restore). Self-references (a ticket that duplicates a
    later one) are set after every row is in, since a row may point at one with a higher id."""

    def __init__(self, conn: Connection, table: Table, columns: Sequence[str]) -> None:
        self.conn, self.table = conn, table
        by_name = {c.name: c for c in table.columns}
        self.columns = [by_name[name] for name in columns]
        self.postgres = conn.dialect.name == "postgresql"
        decoders = (_driver_decoder(c, postgres=self.postgres) for c in self.columns)
        self.decoders = [(i, f) for i, f in enumerate(decoders) if f is not None]
        self.deferred = [
            i for i, c in enumerate(self.columns) if any(fk.column.table is table for fk in c.foreign_keys)
        ]
        self.pk = [i for i, c in enumerate(self.columns) if c.primary_key]
        self.pending: list[tuple[int, dict[str, Any]]] = []
        quote = conn.dialect.identifier_preparer.quote
        names = ", ".join(quote(c.name) for c in self.columns)
        if self.postgres:
            self.sql = f"COPY {quote(table.name)} ({names}) FROM STDIN"
        else:
            marks = ", ".join("?" * len(self.columns))
            self.sql = f"INSERT INTO {quote(table.name)} ({names}) VALUES ({marks})"  # noqa: S608 - schema names
        self.rows = 0

    def add(self, rows: Sequence[Row]) -> None:
        for row in rows:
            for i, decode in self.decoders:
                if row[i] is not None:
                    row[i] = decode(row[i])
            for i in self.deferred:
                if row[i] is not None:
                    self.pending.append((i, {f"k{j}": row[j] for j in self.pk} | {"v": row[i]}))
                    row[i] = None
        if not rows:
            return
        try:
            if self.postgres:
                self._copy(rows)
            else:
                self.conn.exec_driver_sql(self.sql, [tuple(row) for row in rows])
        except (exc.IntegrityError, exc.DataError) as error:
            self._refuse(error.orig or error)
        except (psycopg.errors.IntegrityError, psycopg.errors.DataError) as error:
            self._refuse(error)
        self.rows += len(rows)

    def _copy(self, rows: Sequence[Row]) -> None:
        driver = self.conn.connection.driver_connection
        assert isinstance(driver, psycopg.Connection)
        with driver.cursor() as cursor, cursor.copy(self.sql) as copy:
            for row in rows:
                copy.write_row(row)

    def _refuse(self, error: BaseException) -> NoReturn:
        reason = str(error).strip().splitlines()[0]
        raise InputError(f"a row of table {self.table.name} cannot be stored here: {reason}") from None

    def finish(self) -> None:
        """Set the deferred self-references, now that every row they point at exists."""
        for i in self.deferred:
            params = [values for column, values in self.pending if column == i]
            if not params:
                continue
            where = [self.columns[j] == bindparam(f"k{j}") for j in self.pk]
            statement = self.table.update().where(*where).values({self.columns[i].name: bindparam("v")})
            for start in range(0, len(params), _BATCH):
                self.conn.execute(statement, params[start : start + _BATCH])
        self.pending.clear()


def reset_sequences(conn: Connection) -> None:
    """PostgreSQL: move each id sequence past the restored ids, so the next insert does not collide."""
    if conn.dialect.name != "postgresql":
        return  # SQLite takes the next id from the table itself
    for table in dump_tables():
        column = table.autoincrement_column
        if column is None:
            continue
        highest = select(func.max(column)).scalar_subquery()
        sequence = func.pg_get_serial_sequence(table.name, column.name)
        conn.execute(select(func.setval(sequence, func.coalesce(highest, 1), highest.is_not(None))))


def encrypted_channel_targets(conn: Connection) -> list[tuple[str, str]]:
    """``(channel name, encrypted target)`` of every notification channel (encrypted with the same key)."""
    channels = S.table(S.NotificationChannel)
    query = select(channels.c.name, channels.c.target_encrypted).order_by(channels.c.id)
    return [(str(name), str(target)) for name, target in conn.execute(query)]
