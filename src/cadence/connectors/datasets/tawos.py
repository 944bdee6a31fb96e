"""The TAWOS issue extract used by Tawosi, Moussa and Sarro, ESEM 2022 (Apache-2.0).

One ``<PROJECT>.csv`` per project with ``Issue_Key, Type, Status, Resolution, Creation_Date, Resolution_Date,
Story_Point, Timespent, In_Progress_Minutes, Total_Effort_Minutes, Resolution_Time_Minutes``; ``NULL`` marks a
missing value. ``reference_correlations.csv`` in the same folder is not a project.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from cadence.connectors.datasets._files import require_dir, require_file
from cadence.domain.errors import InputError

__all__ = ["read_tawos_folder", "read_tawos_issues"]

_NUMBERS = ("Story_Point", "In_Progress_Minutes", "Total_Effort_Minutes", "Resolution_Time_Minutes")
_TEXT = ("Issue_Key", "Type", "Status", "Resolution")


def read_tawos_issues(path: Path) -> pl.DataFrame:
    """Columns key, type, status, resolution (strings), points, in_progress_minutes, total_effort_minutes,
    resolution_minutes (Float64, null when ``NULL``) — one row per issue of the file."""
    require_file(path, "TAWOS issues")
    try:
        raw = pl.read_csv(path, infer_schema_length=0, null_values=["NULL"])
    except pl.exceptions.PolarsError as error:
        raise InputError(f"cannot read TAWOS file '{path}': {error}", path=str(path)) from None
    missing = [c for c in (*_TEXT, *_NUMBERS) if c not in raw.columns]
    if missing:
        raise InputError(f"'{path}' lacks the column(s) {', '.join(missing)}", path=str(path))
    try:
        return raw.select(
            pl.col("Issue_Key").alias("key"),
            pl.col("Type").alias("type"),
            pl.col("Status").alias("status"),
            pl.col("Resolution").alias("resolution"),
            pl.col("Story_Point").cast(pl.Float64).alias("points"),
            pl.col("In_Progress_Minutes").cast(pl.Float64).alias("in_progress_minutes"),
            pl.col("Total_Effort_Minutes").cast(pl.Float64).alias("total_effort_minutes"),
            pl.col("Resolution_Time_Minutes").cast(pl.Float64).alias("resolution_minutes"),
        )
    except pl.exceptions.InvalidOperationError:
        raise InputError(f"'{path}' has a non-numeric value in a numeric column", path=str(path)) from None


def read_tawos_folder(folder: Path) -> dict[str, pl.DataFrame]:
    """Every project file of ``folder`` by file stem (the Jira project key), in name order."""
    require_dir(folder, "TAWOS")
    files = sorted(p for p in folder.glob("*.csv") if not p.stem.startswith("reference"))
    if not files:
        raise InputError(f"'{folder}' holds no TAWOS project files", path=str(folder))
    return {p.stem: read_tawos_issues(p) for p in files}
