"""Defects: how much of the delivered work is bug fixing, and how many bugs escaped to production."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import polars as pl

from cadence.analytics.days import epoch_day, local_day

__all__ = ["BUG_TYPES", "PRODUCTION_LABEL", "bug_share", "escaped_defect_items", "escaped_defects"]

BUG_TYPES: tuple[str, ...] = ("bug",)
PRODUCTION_LABEL = "found-in-production"


def _is_type(types: Sequence[str]) -> pl.Expr:
    return pl.col("type").str.to_lowercase().is_in([t.casefold() for t in types]).fill_null(False)


def _in_range(column: str, start: dt.date, end: dt.date, tz: str) -> pl.Expr:
    return local_day(pl.col(column), tz).is_between(epoch_day(start), epoch_day(end)).fill_null(False)


def bug_share(
    milestones: pl.DataFrame, *, start: dt.date, end: dt.date, tz: str = "UTC", bug_types: Sequence[str] = BUG_TYPES
) -> dict[str, float | int | None]:
    """**Bug share**: of the items delivered on dates of [start, end], the share whose type is a bug type, by count and
    by points (a missing estimate counting as 0).

    ``delivered``, ``bugs``, ``share_count``, ``points``, ``bug_points``, ``share_points``.
    """
    delivered = milestones.filter(pl.col("delivered") & _in_range("done_at", start, end, tz))
    bugs = delivered.filter(_is_type(bug_types))
    points, bug_points = float(delivered["estimate"].fill_null(0.0).sum()), float(bugs["estimate"].fill_null(0.0).sum())
    return {
        "delivered": delivered.height,
        "bugs": bugs.height,
        "share_count": bugs.height / delivered.height if delivered.height else None,
        "points": points,
        "bug_points": bug_points,
        "share_points": bug_points / points if points else None,
    }


def escaped_defect_items(
    items: pl.DataFrame,
    *,
    linked_bug_ids: pl.DataFrame | None = None,
    label: str = PRODUCTION_LABEL,
    bug_types: Sequence[str] = BUG_TYPES,
) -> pl.DataFrame:
    """Escaped bugs: item_id, key, created_at, linked (to a support ticket), labelled (found in production)."""
    linked_ids = linked_bug_ids if linked_bug_ids is not None else pl.DataFrame({"item_id": []}, {"item_id": pl.Int64})
    labelled = pl.col("labels").list.eval(pl.element().str.to_lowercase()).list.contains(label.casefold())
    return (
        items.filter(_is_type(bug_types))
        .select(
            "item_id",
            "key",
            "created_at",
            pl.col("item_id").is_in(linked_ids["item_id"].implode()).alias("linked"),
            labelled.fill_null(False).alias("labelled"),
        )
        .filter(pl.col("linked") | pl.col("labelled"))
    )


def escaped_defects(
    items: pl.DataFrame,
    *,
    start: dt.date,
    end: dt.date,
    tz: str = "UTC",
    linked_bug_ids: pl.DataFrame | None = None,
    label: str = PRODUCTION_LABEL,
    bug_types: Sequence[str] = BUG_TYPES,
) -> dict[str, float | int | None]:
    """**Escaped defect**: a bug linked to a support ticket (the caller passes the linked or escalated bug ids) or
    carrying the found-in-production label (``found-in-production`` by default, case-insensitive). The escaped defect
    count of a range is over bugs created on its dates; the rate is escaped / bugs created.

    Over bugs created on dates of [start, end]: ``bugs_created``, ``escaped``, ``linked``, ``labelled``,
    ``rate``.
    """
    created = items.filter(_is_type(bug_types) & _in_range("created_at", start, end, tz))
    escaped = escaped_defect_items(created, linked_bug_ids=linked_bug_ids, label=label, bug_types=bug_types)
    return {
        "bugs_created": created.height,
        "escaped": escaped.height,
        "linked": int(escaped["linked"].sum()),
        "labelled": int(escaped["labelled"].sum()),
        "rate": escaped.height / created.height if created.height else None,
    }
