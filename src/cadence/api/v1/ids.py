"""Row ids as the API accepts them: positive and within the range of the column they name.

An unbounded ``int`` let a path such as ``/risks/9223372036854775808`` reach the database driver, which cannot bind
it (SQLite raises ``OverflowError``; PostgreSQL refuses anything past 2**31 - 1 for an ``INTEGER`` key): a 500.
Bounded here, it is a 422 in the error envelope, and the OpenAPI document states the range.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

__all__ = ["BigRowId", "RowId"]

RowId = Annotated[int, Field(ge=1, le=2**31 - 1)]
"""The id of a row keyed by an ``INTEGER`` column (32 bits on PostgreSQL): most tables."""

BigRowId = Annotated[int, Field(ge=1, le=2**63 - 1)]
"""The id of a row keyed by a ``BigId`` column (64 bits): retro cards."""
