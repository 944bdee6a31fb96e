"""Sprint iteration files of Choetkiertikul et al., "Predicting Delivery Capability in Iterative Software
Development", IEEE TSE 2017: ``<ecosystem>_iteration_<t>.csv`` with the sprint's state when ``t`` % of it had elapsed.

A few sprint names hold unquoted commas (``Rel 5.0.0.Alpha2, 4.5.0.Alpha2``), so a CSV reader would shift every
later column. A line is parsed as two leading fields (board, sprint), the name, and the 16 numeric fields counted
from the right; the name is whatever lies between.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from cadence.connectors.datasets._files import require_file
from cadence.domain.errors import InputError

__all__ = ["SPRINT_COLUMNS", "read_sprint_iterations"]

SPRINT_COLUMNS: tuple[str, ...] = (
    "vel_diff", "planday", "no_issue_starttime", "vel_starttime", "no_issue_added", "vel_added",
    "no_issue_removed", "vel_removed", "no_issuetodo", "vel_todo", "no_issueinprogress", "vel_inprogress",
    "no_issuedone", "vel_done", "no_admin", "no_teammember",
)  # fmt: skip
_HEADER = ("boardid", "sprintid", "name", *SPRINT_COLUMNS)


def read_sprint_iterations(path: Path) -> pl.DataFrame:
    """Columns boardid, sprintid (Int64), name (String) and the numeric :data:`SPRINT_COLUMNS` (Float64)."""
    require_file(path, "sprint iteration")
    lines = path.read_text().splitlines()
    if not lines or tuple(lines[0].split(",")) != _HEADER:
        raise InputError(f"'{path}' does not start with the header {','.join(_HEADER)}", path=str(path))
    rows: list[list[str]] = []
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        fields = line.split(",")
        if len(fields) < len(_HEADER):
            raise InputError(f"line {number} of '{path}' has {len(fields)} fields, fewer than 19", path=str(path))
        tail = len(SPRINT_COLUMNS)
        rows.append([fields[0], fields[1], ",".join(fields[2:-tail]), *fields[-tail:]])
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in _HEADER]
    try:
        return pl.DataFrame(
            {
                "boardid": pl.Series(columns[0], dtype=pl.String).cast(pl.Int64),
                "sprintid": pl.Series(columns[1], dtype=pl.String).cast(pl.Int64),
                "name": pl.Series(columns[2], dtype=pl.String),
                **{
                    name: pl.Series(columns[3 + i], dtype=pl.String).cast(pl.Float64)
                    for i, name in enumerate(SPRINT_COLUMNS)
                },
            }
        )
    except pl.exceptions.InvalidOperationError:
        raise InputError(f"'{path}' has a non-numeric value in a numeric column", path=str(path)) from None
