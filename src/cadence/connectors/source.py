"""The one contract every connector honours: ``fetch(since)`` yields batches, never touches the database.

A connector reads the outside world (an HTTP API, a file) and yields :class:`SourceBatch` es in an order that lets
the sync service advance a watermark safely: every record updated before a batch's ``watermark`` has been yielded
by the time that batch is. The service writes a batch and its watermark in one transaction, so an interruption at
any point resumes from the last committed watermark, re-reading (idempotently) at most one batch.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from cadence.domain.batch import RecordBatch

__all__ = ["Source", "SourceBatch"]


@dataclass(frozen=True)
class SourceBatch:
    """A :class:`RecordBatch` plus what the sync service needs to resume after it.

    ``watermark`` is the instant up to which the source is now fully read (``None``: this batch does not move it);
    ``skipped`` counts source records the connector could not turn into rows (each has a problem in the batch).
    """

    batch: RecordBatch
    watermark: dt.datetime | None = None
    skipped: int = 0
    read: int = 0
    """How many source records (issues, rows) this batch covers; drives progress bars."""
    boards: tuple[dict[str, Any], ...] = ()
    """Boards described by the source (``source_id``, ``name``, ``config``: stages and estimation field)."""


@runtime_checkable
class Source(Protocol):
    """Something that can be read incrementally: every record changed at or after ``since`` (all when ``None``)."""

    name: str

    def fetch(self, since: dt.datetime | None) -> Iterator[SourceBatch]:
        """Yield batches in watermark order; raise a :class:`cadence.domain.errors.CadenceError` on failure."""
        ...
