"""Frames to JSON-ready values: ISO dates and instants, stage names as strings, NaN as null.

Conversion happens column-wise in Polars before rows are built, so a 100k-row frame costs one pass, not 100k
Python-level conversions of each value.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import polars as pl

__all__ = ["json_rows", "json_value"]


def _column(name: str, dtype: pl.DataType) -> pl.Expr:
    col = pl.col(name)
    if isinstance(dtype, pl.Datetime):
        return col.dt.convert_time_zone("UTC").dt.to_string("%Y-%m-%dT%H:%M:%S%.6fZ")
    if isinstance(dtype, pl.Date):
        return col.dt.to_string("%Y-%m-%d")
    if isinstance(dtype, pl.Enum | pl.Categorical):
        return col.cast(pl.String)
    if dtype.is_float():
        return col.fill_nan(None)
    return col


def json_rows(frame: pl.DataFrame, limit: int | None = None) -> list[dict[str, Any]]:
    """The rows of ``frame`` (the first ``limit`` when given) as JSON-serialisable dicts."""
    part = frame if limit is None else frame.head(limit)
    return part.select(_column(n, t).alias(n) for n, t in part.schema.items()).to_dicts()


def json_value(value: object) -> object:
    """One value made JSON-serialisable (dates to ISO strings, NaN to None), recursing into dicts and lists."""
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_value(v) for v in value]
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value
