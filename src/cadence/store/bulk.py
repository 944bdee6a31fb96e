"""Column-wise bulk writes: Polars frames to driver-level ``executemany``, with per-row change detection.

The ORM is for single records; a sync or a seed writes hundreds of thousands of rows, so this module prepares
each column once (timestamps, JSON, booleans) with Polars and hands plain tuples to the DB-API driver.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import polars as pl
from sqlalchemy import Connection, Table, select, tuple_

__all__ = [
    "UpsertResult",
    "content_hashes",
    "insert_ignoring_duplicates",
    "key_map",
    "missing_required",
    "upsert_by_hash",
    "with_defaults",
]

_CHUNK = 500
_SQLITE_TS = "%Y-%m-%d %H:%M:%S%.6f"


@dataclass(frozen=True)
class UpsertResult:
    inserted: int
    updated: int
    unchanged: int


def content_hashes(frame: pl.DataFrame) -> pl.Series:
    """A 128-bit digest of each row's values, from their JSON form (stable across processes and runs)."""
    text = frame.write_ndjson()
    lines = text.split("\n")[: frame.height]
    return pl.Series(
        "content_hash", [hashlib.blake2b(line.encode(), digest_size=16).hexdigest() for line in lines], pl.String
    )


def _driver_columns(conn: Connection, frame: pl.DataFrame) -> pl.DataFrame:
    """Turn each column into what the driver takes: text timestamps for SQLite, JSON text for lists."""
    sqlite = conn.dialect.name == "sqlite"
    exprs: list[pl.Expr | pl.Series] = []
    for name, dtype in frame.schema.items():
        col = pl.col(name)
        if isinstance(dtype, pl.Datetime):
            exprs.append(col.dt.convert_time_zone("UTC").dt.strftime(_SQLITE_TS) if sqlite else col)
        elif isinstance(dtype, pl.Date) and sqlite:
            exprs.append(col.dt.strftime("%Y-%m-%d"))
        elif isinstance(dtype, pl.List | pl.Struct):
            exprs.append(_json_text(frame.select(name)).alias(name))
        else:
            exprs.append(col)
    return frame.select(exprs)


def _json_text(single: pl.DataFrame) -> pl.Series:
    """Each value of a one-column frame as JSON text (``None`` stays ``None``), without a Python loop per value."""
    name = single.columns[0]
    prefix = len(f'{{"{name}":')
    lines = pl.Series(single.write_ndjson().split("\n")[: single.height], dtype=pl.String)
    values = lines.str.slice(prefix).str.strip_suffix("}")
    return pl.select(pl.when(values == "null").then(None).otherwise(values)).to_series().alias(name)


def _placeholders(conn: Connection, n: int) -> str:
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    return ", ".join([mark] * n)


def _executemany(conn: Connection, sql: str, frame: pl.DataFrame) -> int:
    if frame.height == 0:
        return 0
    rows = list(_driver_columns(conn, frame).iter_rows())
    result = conn.exec_driver_sql(sql, rows)
    return max(result.rowcount, 0)


def with_defaults(table: Table, frame: pl.DataFrame) -> pl.DataFrame:
    """Fill nulls and absent columns with the table's Python-side defaults (the driver path bypasses them)."""
    fills = []
    for column in table.columns:
        default = column.default
        if (
            default is None
            or column.primary_key
            or (not getattr(default, "is_scalar", False) and not callable(getattr(default, "arg", None)))
        ):
            continue
        arg = default.arg  # type: ignore[attr-defined]
        value = arg(None) if callable(arg) else arg
        if column.name in frame.columns:
            fills.append(pl.col(column.name).fill_null(value))
        else:
            fills.append(pl.lit(value).alias(column.name))
    return frame.with_columns(fills) if fills else frame


def insert_ignoring_duplicates(conn: Connection, table: Table, frame: pl.DataFrame, conflict: Sequence[str]) -> int:
    """Insert rows, skipping those whose ``conflict`` key is already stored; returns how many were new."""
    frame = with_defaults(table, frame)
    cols = ", ".join(frame.columns)
    sql = f"INSERT INTO {table.name} ({cols}) VALUES ({_placeholders(conn, frame.width)})"  # noqa: S608 - our names
    if conflict:
        sql += f" ON CONFLICT ({', '.join(conflict)}) DO NOTHING"
    return _executemany(conn, sql, frame)


def _update_by_id(conn: Connection, table: Table, frame: pl.DataFrame) -> int:
    cols = [c for c in frame.columns if c != "id"]
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sql = f"UPDATE {table.name} SET {', '.join(f'{c} = {mark}' for c in cols)} WHERE id = {mark}"  # noqa: S608
    return _executemany(conn, sql, frame.select([*cols, "id"]))


def key_map(
    conn: Connection,
    table: Table,
    keys: pl.DataFrame,
    *,
    extra: Iterable[str] = (),
    fixed: dict[str, object] | None = None,
) -> pl.DataFrame:
    """The stored ``id`` (and ``extra`` columns) of each key row in ``keys`` that exists, chunked ``IN`` lookups.

    ``fixed`` narrows the lookup by equality (e.g. ``source``), so the index on ``(source, source_id)`` is used.
    """
    key_cols = keys.columns
    wanted = [table.c[c] for c in (*key_cols, "id", *extra)]
    fixed = fixed or {}
    rows: list[tuple[object, ...]] = []
    unique = keys.unique(maintain_order=True)
    for start in range(0, unique.height, _CHUNK):
        chunk = unique.slice(start, _CHUNK)
        if len(key_cols) == 1:
            cond = table.c[key_cols[0]].in_(chunk.to_series().to_list())
        else:
            cond = tuple_(*(table.c[c] for c in key_cols)).in_(list(chunk.iter_rows()))
        query = select(*wanted).where(cond, *(table.c[k] == v for k, v in fixed.items()))
        rows.extend(tuple(r) for r in conn.execute(query))
    schema = {c: keys.schema[c] for c in key_cols} | {"id": pl.Int64} | {c: pl.String for c in extra}
    return pl.DataFrame(rows, schema=schema, orient="row")


def upsert_by_hash(
    conn: Connection,
    table: Table,
    frame: pl.DataFrame,
    *,
    key: Sequence[str],
    fixed: dict[str, object] | None = None,
) -> tuple[UpsertResult, pl.DataFrame]:
    """Insert new rows, update rows whose content digest changed, leave the rest untouched.

    ``frame`` holds the table's columns (ids already resolved) including ``key`` and ``content_hash``.
    Returns the counts and a ``key -> id`` frame covering every row of ``frame``.
    """
    fixed = fixed or {}
    stored = key_map(conn, table, frame.select(key), extra=["content_hash"], fixed=fixed)
    joined = frame.join(
        stored.rename({"content_hash": "_stored_hash"}),
        on=list(key),
        how="left",
        nulls_equal=True,
        maintain_order="left",
    )
    new = joined.filter(pl.col("id").is_null()).drop("id", "_stored_hash")
    changed = joined.filter(pl.col("id").is_not_null() & (pl.col("_stored_hash").ne_missing(pl.col("content_hash"))))
    unchanged = joined.height - new.height - changed.height
    if new.height:
        new = new.with_columns([pl.lit(v).alias(k) for k, v in fixed.items() if k not in new.columns])
        insert_ignoring_duplicates(conn, table, new, ())
    if changed.height:
        _update_by_id(conn, table, changed.drop("_stored_hash"))
    ids = stored.drop("content_hash")
    if new.height:
        ids = pl.concat([ids, key_map(conn, table, new.select(key), fixed=fixed)], how="vertical_relaxed")
    return UpsertResult(new.height, changed.height, unchanged), ids


def missing_required(table: Table, frame: pl.DataFrame) -> tuple[pl.Expr | None, list[str]]:
    """A filter selecting rows that lack a value the table requires (non-null, no default), and those columns."""
    required = [
        c.name
        for c in table.columns
        if not c.nullable and c.default is None and not c.primary_key and c.name in frame.columns
    ]
    if not required:
        return None, []
    return pl.any_horizontal([pl.col(c).is_null() for c in required]), required
