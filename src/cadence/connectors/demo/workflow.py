"""The demo's small integer vocabulary: statuses, item kinds, resolutions, priorities.

The simulation works on integer codes in NumPy arrays; the frames get the names at the very end, through a single
``gather`` per column, so millions of rows never pass through Python strings one by one.
"""

from __future__ import annotations

import numpy as np
import polars as pl
from numpy.typing import NDArray

__all__ = [
    "BACKLOG",
    "BUG",
    "DONE",
    "DUPLICATE",
    "INCIDENT",
    "IN_PROGRESS",
    "KINDS",
    "PRIORITIES",
    "QA",
    "READY",
    "RESOLUTIONS",
    "RESOLVED_DONE",
    "REVIEW",
    "STATUSES",
    "STORY",
    "TASK",
    "UNRESOLVED",
    "WONT_DO",
    "names",
]

STATUSES = ("Backlog", "Ready", "In Progress", "Review", "QA", "Done")
BACKLOG, READY, IN_PROGRESS, REVIEW, QA, DONE = range(6)

KINDS = ("story", "bug", "task", "incident")
STORY, BUG, TASK, INCIDENT = range(4)

RESOLUTIONS = ("", "Done", "Won't Do", "Duplicate")
UNRESOLVED, RESOLVED_DONE, WONT_DO, DUPLICATE = range(4)

PRIORITIES = ("Highest", "High", "Medium", "Low", "Lowest")


def names(vocabulary: tuple[str, ...], codes: NDArray[np.integer], *, name: str, null: int | None = None) -> pl.Series:
    """The names of integer codes as a String series; codes equal to ``null`` (or negative) become nulls."""
    series = pl.Series(name, vocabulary, dtype=pl.String).gather(np.clip(codes, 0, None).astype(np.int64))
    missing = codes < 0 if null is None else (codes < 0) | (codes == null)
    if missing.any():
        series = pl.select(pl.when(pl.Series(missing)).then(None).otherwise(series).alias(name)).to_series()
    return series
