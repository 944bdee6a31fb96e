"""Completion-date files: one ``YYYY-MM-DD`` per finished item, no header, in any order.

This is the shape of ``throughput/`` in the shared evaluation data (derived from TAWOS, Tawosi et al., MSR 2022)
and the simplest export any tracker can produce, so it is also what ``cadence eval forecast`` accepts.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

from cadence.connectors.datasets._files import require_dir, require_file
from cadence.domain.errors import InputError

__all__ = ["read_completion_dates", "read_completion_folder"]


def read_completion_dates(path: Path) -> pl.Series:
    """The completion dates of one file, sorted, as a ``pl.Date`` series named ``date``.

    Blank lines are ignored; any other line that is not an ISO date is an error naming the line, because a silently
    dropped completion would bias every forecast made from the file.
    """
    require_file(path, "completion-date")
    lines = [(number, line.strip()) for number, line in enumerate(path.read_text().splitlines(), start=1)]
    dates: list[dt.date] = []
    for number, text in lines:
        if not text:
            continue
        try:
            dates.append(dt.date.fromisoformat(text))
        except ValueError:
            raise InputError(
                f"line {number} of '{path}' is '{text[:40]}', not a YYYY-MM-DD completion date", path=str(path)
            ) from None
    if not dates:
        raise InputError(f"'{path}' holds no completion dates", path=str(path))
    return pl.Series("date", sorted(dates), dtype=pl.Date)


def read_completion_folder(folder: Path) -> dict[str, pl.Series]:
    """Every ``*.csv`` or ``*.txt`` file of ``folder`` by file stem, in name order."""
    require_dir(folder, "completion-date")
    files = sorted(p for p in folder.iterdir() if p.suffix in {".csv", ".txt"} and p.is_file())
    if not files:
        raise InputError(f"'{folder}' holds no .csv or .txt completion-date files", path=str(folder))
    return {p.stem: read_completion_dates(p) for p in files}
