"""The Deep-SE story-point dataset layout (Choetkiertikul et al., IEEE TSE 2018, doi 10.1109/TSE.2018.2792473).

A folder holds ``<project>.csv`` (``issuekey,title,description,storypoint``, rows in creation order) and
``splits/<project>_3sets.txt`` (tab-separated ``train valid test`` 0/1 flags, one row per issue, same order).
Optionally ``reference_results.csv`` holds published and recomputed baseline errors per project.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from cadence.connectors.datasets._files import require_dir, require_file
from cadence.domain.errors import InputError

__all__ = ["DeepSeProject", "list_deep_se_projects", "read_deep_se_project", "read_reference_results"]

_COLUMNS = ("issuekey", "title", "description", "storypoint")


@dataclass(frozen=True, slots=True)
class DeepSeProject:
    """One project: ``issues`` has key, title, description, points (Float64) and split (train/valid/test)."""

    name: str
    issues: pl.DataFrame


def list_deep_se_projects(folder: Path) -> list[str]:
    """Project names of ``folder``: every ``<name>.csv`` that has a ``splits/<name>_3sets.txt``, sorted."""
    require_dir(folder, "Deep-SE")
    names = sorted(p.stem for p in folder.glob("*.csv") if (folder / "splits" / f"{p.stem}_3sets.txt").is_file())
    if not names:
        raise InputError(
            f"'{folder}' holds no Deep-SE project (<project>.csv with splits/<project>_3sets.txt)", path=str(folder)
        )
    return names


def read_deep_se_project(folder: Path, name: str) -> DeepSeProject:
    """Read ``<name>.csv`` with its split file; refuses a split file whose row count or flags do not fit."""
    data = require_file(folder / f"{name}.csv", "Deep-SE issues")
    split_path = require_file(folder / "splits" / f"{name}_3sets.txt", "Deep-SE split")
    try:
        issues = pl.read_csv(data, infer_schema_length=0)
        flags = pl.read_csv(
            split_path, separator="\t", schema_overrides=dict.fromkeys(("train", "valid", "test"), pl.Int8)
        )
    except (pl.exceptions.PolarsError, OSError) as error:
        raise InputError(f"cannot read Deep-SE project '{name}' in '{folder}': {error}", path=str(folder)) from None
    missing = [c for c in _COLUMNS if c not in issues.columns]
    if missing:
        raise InputError(f"'{data}' lacks the column(s) {', '.join(missing)}", path=str(data))
    if flags.columns != ["train", "valid", "test"] or flags.height != issues.height:
        raise InputError(
            f"'{split_path}' must have columns train, valid, test and one row per issue of '{data}' "
            f"({flags.height} rows for {issues.height} issues)",
            path=str(split_path),
        )
    if not (flags.sum_horizontal() == 1).all():
        raise InputError(f"'{split_path}' has rows not in exactly one of train, valid, test", path=str(split_path))
    split = (
        pl.when(flags["train"] == 1)
        .then(pl.lit("train"))
        .when(flags["valid"] == 1)
        .then(pl.lit("valid"))
        .otherwise(pl.lit("test"))
    )
    try:
        frame = issues.select(
            pl.col("issuekey").alias("key"),
            pl.col("title").fill_null(""),
            pl.col("description").fill_null(""),
            pl.col("storypoint").cast(pl.Float64).alias("points"),
        ).with_columns(flags.select(split.alias("split")).to_series())
    except pl.exceptions.InvalidOperationError:
        raise InputError(f"'{data}' has a story point that is not a number", path=str(data)) from None
    return DeepSeProject(name=name, issues=frame)


def read_reference_results(folder: Path) -> pl.DataFrame | None:
    """``reference_results.csv`` of the folder with a ``project`` column (file stem), or None when absent."""
    path = folder / "reference_results.csv"
    if not path.is_file():
        return None
    frame = pl.read_csv(path)
    return frame.with_columns(pl.col("file").str.replace(r"\.csv$", "").alias("project"))
