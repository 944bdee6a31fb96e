"""Columnar read models: SQL results straight into the canonical read frames of :mod:`cadence.domain.frames`.

PostgreSQL is read by connectorx straight into Arrow columns. SQLite is read on the caller's own connection, through
the Python ``sqlite3`` module, with SQLite itself packing each column into one JSON array that Polars decodes in Rust
(twice as fast as fetching Python tuples). connectorx must never open a SQLite file: it links its own copy of SQLite,
and two copies in one process do not see each other's POSIX locks, so one can truncate the shared-memory index the
other has mapped (a bus error) or let another process write under it (corruption; see "Multiple copies of SQLite
linked into the same application" in SQLite's *How To Corrupt An SQLite Database File*). Timestamps are normalised to
aware UTC in one vectorised pass. No ORM objects are built.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import connectorx as cx
import polars as pl
from sqlalchemy import Connection

from cadence.domain import frames as F

__all__ = [
    "read_assignee_changes",
    "read_escalated_bugs",
    "read_estimate_changes",
    "read_flag_changes",
    "read_items",
    "read_sprint_changes",
    "read_sprints",
    "read_ticket_events",
    "read_tickets",
    "read_transitions",
    "typed_frame",
]

READ_SPRINTS = F.READ_SPRINTS


def _columnar_url(conn: Connection) -> str | None:
    """A connectorx URL for a PostgreSQL connection's database, ``None`` for SQLite (see the module's docstring)."""
    url = conn.engine.url
    if url.get_backend_name() == "postgresql":
        return url.set(drivername="postgresql").render_as_string(hide_password=False)
    return None


def _inline(sql: str, params: dict[str, object]) -> str:
    """connectorx takes no bound parameters; ours are only integer ids, inlined after an explicit check."""
    for name, value in params.items():
        values = list(value) if isinstance(value, list | tuple) else [value]
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            raise TypeError(f"parameter {name} must be integers to be inlined, got {value!r}")
        sql = sql.replace(f":{name}", ", ".join(str(v) for v in values) if values else "NULL")
    return sql


def typed_frame(rows: Sequence[Sequence[Any]], schema: dict[str, pl.DataType | type[pl.DataType]]) -> pl.DataFrame:
    """Transpose fetched rows once into typed columns (an empty result keeps the schema): for the small reads the
    store makes through SQLAlchemy rather than connectorx."""
    columns: list[list[Any]] = [[row[i] for row in rows] for i in range(len(schema))]
    return pl.DataFrame(
        [pl.Series(name, values, dtype=dtype) for (name, dtype), values in zip(schema.items(), columns, strict=True)]
    )


def _frame(
    conn: Connection, sql: str, params: dict[str, object], schema: F.Schema, *, sort: Sequence[str] = ()
) -> pl.DataFrame:
    """Run ``sql`` and build ``schema``'s frame in ``sort`` order; extra trailing columns (after the schema's) only
    serve ``sort``, which must name every column the order depends on (SQLite's aggregate ignores ``ORDER BY``).

    PostgreSQL is read by connectorx on its own connection (committed data only); SQLite on ``conn`` itself.
    """
    url = _columnar_url(conn)
    if url is None:
        raw = _sqlite_columns(conn, sql, params, schema)
    else:
        raw = cx.read_sql(url, _inline(sql, params), return_type="polars")
    names = list(schema)
    extra = [f"__sort{i}" for i in range(raw.width - len(names))]
    raw = raw.rename(dict(zip(raw.columns, names + extra, strict=True)))
    frame = raw.with_columns(_coerce(raw.get_column(name), schema[name]) for name in names)
    if sort:
        frame = frame.sort(sort, maintain_order=True)
    return frame.select(names)


def _sqlite_columns(conn: Connection, sql: str, params: dict[str, object], schema: F.Schema) -> pl.DataFrame:
    """One row back from SQLite: each result column as a JSON array (``json_group_array`` over the query), decoded
    by Polars with its type known in advance. Integers, text and NULL travel as themselves; a REAL travels as text
    with 17 significant digits (JSON's 15 would round 0.1 + 0.2), so every value arrives exactly."""
    statement, values = _bind(conn, sql, params)
    names = list(schema)
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(f"SELECT * FROM ({statement}) LIMIT 0", values)
        columns = [d[0] for d in cursor.description]
        dtypes = [schema[names[i]] if i < len(names) else pl.Int64 for i in range(len(columns))]
        packed = ", ".join(_packed(f'"{c}"', dtype) for c, dtype in zip(columns, dtypes, strict=True))
        cursor.execute(f"SELECT {packed} FROM ({statement})", values)
        row = cursor.fetchone()
        assert row is not None  # an aggregate without GROUP BY always answers one row
    finally:
        cursor.close()
    series = []
    for column, dtype, text in zip(columns, dtypes, row, strict=True):
        decoded = pl.Series(column, [text]).str.json_decode(pl.List(_json_type(dtype)))
        series.append(decoded[0].alias(column))  # the one list as a Series: empty when no row matched
    return pl.DataFrame(series)


def _packed(column: str, dtype: pl.DataType | type[pl.DataType]) -> str:
    if dtype.is_float():
        return f"json_group_array(CASE WHEN {column} IS NULL THEN NULL ELSE printf('%!.17g', {column}) END)"
    return f"json_group_array({column})"


def _json_type(dtype: pl.DataType | type[pl.DataType]) -> pl.DataType | type[pl.DataType]:
    """How a column arrives in JSON: timestamps, REALs and JSON-list columns as text, flags as 0/1."""
    if isinstance(dtype, pl.Datetime) or dtype == F.LIST_STR or dtype.is_float():
        return pl.String
    if dtype == pl.Boolean:
        return pl.Int64
    return dtype


def _coerce(column: pl.Series, dtype: pl.DataType | type[pl.DataType]) -> pl.Series:
    if isinstance(dtype, pl.Datetime):
        return _timestamps(column.name, column)
    if dtype == F.LIST_STR:
        decoded = column if column.dtype == F.LIST_STR else column.cast(pl.String).str.json_decode(F.LIST_STR)
        return decoded.fill_null([])  # a JSON null list (SQLAlchemy writes None as 'null') means none
    return column.cast(dtype)


def _timestamps(name: str, values: Sequence[object] | pl.Series) -> pl.Series:
    """Aware UTC microseconds from SQLite text, naive UTC (connectorx on SQLite) or aware values (PostgreSQL)."""
    raw = values if isinstance(values, pl.Series) else pl.Series(name, values)
    if raw.dtype == pl.String:
        return raw.str.to_datetime("%Y-%m-%d %H:%M:%S%.f", time_unit="us", time_zone="UTC", strict=True)
    if raw.dtype == pl.Null:
        return raw.cast(F.UTC_TS)
    assert isinstance(raw.dtype, pl.Datetime)
    if raw.dtype.time_zone is None:
        return raw.dt.replace_time_zone("UTC").dt.cast_time_unit("us")
    return raw.dt.convert_time_zone("UTC").dt.cast_time_unit("us")


def _bind(conn: Connection, sql: str, params: dict[str, object]) -> tuple[str, tuple[object, ...]]:
    """Expand ``:name`` parameters (lists into ``IN`` lists) in the driver's own parameter style."""
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    values: list[object] = []
    out = sql
    for name, value in params.items():
        if isinstance(value, list | tuple):
            out = out.replace(f":{name}", ", ".join([mark] * len(value)) if value else "NULL")
            values.extend(value)
        else:
            out = out.replace(f":{name}", mark)
            values.append(value)
    return out, tuple(values)


def _team_filter(team_ids: Sequence[int] | None, column: str) -> tuple[str, dict[str, object]]:
    if team_ids is None:
        return "", {}
    return f" WHERE {column} IN (:team_ids)", {"team_ids": list(team_ids)}


def read_items(conn: Connection, team_ids: Sequence[int] | None = None) -> pl.DataFrame:
    """Items; unknown ``labels`` or ``fix_versions`` (items created without them, rows stored before the column
    existed) read as none."""
    where, params = _team_filter(team_ids, "team_id")
    sql = (
        "SELECT id, team_id, key, type, priority, status, estimate, assignee_id, epic_key, parent_key, "
        "created_at, resolved_at, resolution, flagged, COALESCE(labels, '[]') AS labels, "
        "COALESCE(fix_versions, '[]') AS fix_versions "
        "FROM work_items" + where
    )
    return _frame(conn, sql, params, F.READ_ITEMS, sort=["item_id"])


def _item_events(
    conn: Connection, table: str, columns: str, team_ids: Sequence[int] | None, schema: F.Schema
) -> pl.DataFrame:
    """Events ordered by item, time, then insertion (the source's order for equal timestamps); sorted in Polars."""
    where = ""
    params: dict[str, object] = {}
    if team_ids is not None:
        where = " WHERE e.item_id IN (SELECT id FROM work_items WHERE team_id IN (:team_ids))"
        params = {"team_ids": list(team_ids)}
    sql = f"SELECT {columns}, e.id FROM {table} e{where}"
    return _frame(conn, sql, params, schema, sort=["item_id", "at", "__sort0"])


def read_transitions(conn: Connection, team_ids: Sequence[int] | None = None) -> pl.DataFrame:
    """Status changes ordered by item then time (ties keep insertion order, i.e. the source's order)."""
    cols = "e.item_id, e.from_status, e.to_status, e.at, e.by_id"
    return _item_events(conn, "transitions", cols, team_ids, F.READ_TRANSITIONS)


def read_sprint_changes(conn: Connection, team_ids: Sequence[int] | None = None) -> pl.DataFrame:
    return _item_events(
        conn, "sprint_changes", "e.item_id, e.sprint_id, e.change, e.at", team_ids, F.READ_SPRINT_CHANGES
    )


def read_estimate_changes(conn: Connection, team_ids: Sequence[int] | None = None) -> pl.DataFrame:
    cols = "e.item_id, e.from_value, e.to_value, e.at"
    return _item_events(conn, "estimate_changes", cols, team_ids, F.READ_ESTIMATE_CHANGES)


def read_assignee_changes(conn: Connection, team_ids: Sequence[int] | None = None) -> pl.DataFrame:
    cols = "e.item_id, e.from_id, e.to_id, e.at"
    return _item_events(conn, "assignee_changes", cols, team_ids, F.READ_ASSIGNEE_CHANGES)


def read_flag_changes(conn: Connection, team_ids: Sequence[int] | None = None) -> pl.DataFrame:
    return _item_events(conn, "flag_changes", "e.item_id, e.flagged, e.at", team_ids, F.READ_FLAG_CHANGES)


def read_sprints(conn: Connection, team_ids: Sequence[int] | None = None) -> pl.DataFrame:
    where, params = _team_filter(team_ids, "team_id")
    sql = "SELECT id, team_id, name, state, start_at, end_at, completed_at FROM sprints" + where
    return _frame(conn, sql, params, READ_SPRINTS, sort=["start_at", "sprint_id"])


def read_tickets(conn: Connection, team_ids: Sequence[int] | None = None) -> pl.DataFrame:
    where, params = _team_filter(team_ids, "team_id")
    sql = (
        "SELECT id, team_id, key, channel, impact, urgency, priority, status, level, sla_policy, created_at, "
        "resolved_at FROM support_tickets" + where
    )
    return _frame(conn, sql, params, F.READ_TICKETS, sort=["ticket_id"])


def read_ticket_events(conn: Connection, team_ids: Sequence[int] | None = None) -> pl.DataFrame:
    where, params = _team_filter(team_ids, "t.team_id")
    sql = (
        "SELECT e.ticket_id, e.kind, e.from_value, e.to_value, e.at, e.id FROM ticket_events e "
        "JOIN support_tickets t ON t.id = e.ticket_id" + where
    )
    return _frame(conn, sql, params, F.READ_TICKET_EVENTS, sort=["ticket_id", "at", "__sort0"])


def read_escalated_bugs(conn: Connection, team_ids: Sequence[int] | None = None) -> pl.DataFrame:
    """Ids of the team's bugs linked to at least one support ticket (the escaped-defect signal)."""
    where, params = _team_filter(team_ids, "i.team_id")
    where = (where + " AND" if where else " WHERE") + " i.type = 'bug'"
    sql = "SELECT DISTINCT l.item_id FROM ticket_links l JOIN work_items i ON i.id = l.item_id" + where
    return _frame(conn, sql, params, F.READ_ESCALATED_BUGS, sort=["item_id"])
