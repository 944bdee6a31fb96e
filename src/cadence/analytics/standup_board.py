"""The stand-up's walk of the board: work in progress from the right (closest to done), and what changed on each item.

Walking the board right to left asks "what does it take to finish this?" before "what did you do yesterday?": the
items nearest done come first, and the oldest in a column before the newest. For each item the facilitator sees the
changes since the last stand-up as a short list, so the conversation starts from data rather than recollection.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from cadence.analytics.days import as_utc, fractional_days, instant
from cadence.analytics.history import FlowHistory, same_item_as_next, same_item_as_previous
from cadence.analytics.milestones import item_milestones

__all__ = ["BOARD_CHANGES", "board_changes", "walk_the_board"]

_UTC_TS = pl.Datetime("us", "UTC")

BOARD_CHANGES: dict[str, pl.DataType | type[pl.DataType]] = {
    "item_id": pl.Int64,
    "at": _UTC_TS,
    "kind": pl.String,  # status | assignee | flag | estimate
    "from_value": pl.String,
    "to_value": pl.String,
    "text": pl.String,
}


def board_changes(
    history: FlowHistory,
    *,
    since: dt.datetime,
    now: dt.datetime,
    assignee_changes: pl.DataFrame | None = None,
    flag_changes: pl.DataFrame | None = None,
    estimate_changes: pl.DataFrame | None = None,
    people: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Every change in (since, now] of every item: status transitions (within a stage too), assignee, flag and
    estimate changes, oldest first per item, each with a compact text (``status In Review -> QA``, ``assignee Ann ->
    Bo``, ``flagged``, ``flag cleared``, ``estimate 3.0 -> 5.0``). ``people`` (person_id, name) names the assignees;
    without it they are shown as ``#id``.
    """
    start, end = instant(as_utc(since, "since")), instant(now)
    window = (pl.col("at") > start) & (pl.col("at") <= end)
    statuses = history.statuses.select(
        "item_id",
        pl.col("entered_at").alias("at"),
        pl.when(same_item_as_previous()).then(pl.col("status").shift(1).cast(pl.String)).alias("from_value"),
        pl.col("status").cast(pl.String).alias("to_value"),
    ).filter(pl.col("from_value").is_not_null() & window)
    parts = [statuses.with_columns(pl.lit("status").alias("kind"))]
    if assignee_changes is not None and assignee_changes.height:
        names = _names(people)
        parts.append(
            assignee_changes.filter(window).select(
                "item_id",
                "at",
                _person(pl.col("from_id"), names).alias("from_value"),
                _person(pl.col("to_id"), names).alias("to_value"),
                pl.lit("assignee").alias("kind"),
            )
        )
    if flag_changes is not None and flag_changes.height:
        parts.append(
            flag_changes.filter(window).select(
                "item_id",
                "at",
                pl.lit(None, pl.String).alias("from_value"),
                pl.col("flagged").fill_null(False).cast(pl.String).alias("to_value"),
                pl.lit("flag").alias("kind"),
            )
        )
    if estimate_changes is not None and estimate_changes.height:
        parts.append(
            estimate_changes.filter(window).select(
                "item_id",
                "at",
                pl.col("from_value").cast(pl.String),
                pl.col("to_value").cast(pl.String),
                pl.lit("estimate").alias("kind"),
            )
        )
    changes = pl.concat([p.select("item_id", "at", "kind", "from_value", "to_value") for p in parts], how="vertical")
    shown_from, shown_to = pl.col("from_value").fill_null("none"), pl.col("to_value").fill_null("none")
    text = (
        pl.when(pl.col("kind") == "flag")
        .then(pl.when(pl.col("to_value") == "true").then(pl.lit("flagged")).otherwise(pl.lit("flag cleared")))
        .otherwise(pl.format("{} {} -> {}", "kind", shown_from, shown_to))
    )
    return (
        changes.with_columns(text.alias("text")).select(list(BOARD_CHANGES)).sort("item_id", "at", maintain_order=True)
    )


def walk_the_board(
    history: FlowHistory,
    items: pl.DataFrame,
    *,
    since: dt.datetime,
    now: dt.datetime,
    milestones: pl.DataFrame | None = None,
    assignee_changes: pl.DataFrame | None = None,
    flag_changes: pl.DataFrame | None = None,
    estimate_changes: pl.DataFrame | None = None,
    people: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """**Walk-the-board order**: the items in progress (current stage of category active or waiting), stage by stage
    from the one closest to the delivery point, and within a stage the oldest first (earliest start — first crossing
    of the commitment point — then earliest entry into the stage, then item id). Each item lists what changed since
    ``since`` (the last stand-up): status transitions, assignee, flag and estimate changes, oldest first.

    One row per item in walking order: position (from 1), item_id, key, type, stage, assignee_id, flagged, start_at,
    age_days, stage_entered_at, days_in_stage, changes (list of texts, see ``board_changes``), changed.
    """
    workflow = history.workflow
    now_lit = instant(now)
    in_progress = [i for i, stage in enumerate(workflow.stages) if stage.in_progress]
    current = history.intervals.filter(~same_item_as_next() & pl.col("stage_index").is_in(in_progress))
    if milestones is None:
        milestones = item_milestones(history.intervals, items, workflow)
    changes = board_changes(
        history,
        since=since,
        now=now,
        assignee_changes=assignee_changes,
        flag_changes=flag_changes,
        estimate_changes=estimate_changes,
        people=people,
    )
    listed = changes.group_by("item_id").agg(pl.col("text").sort_by("at", maintain_order=True).alias("changes"))
    board = (
        current.select(
            "item_id", pl.col("stage").cast(pl.String), "stage_index", pl.col("entered_at").alias("stage_entered_at")
        )
        .join(items.select("item_id", "key", "type", "assignee_id", "flagged"), on="item_id", how="inner")
        .join(milestones.select("item_id", "start_at"), on="item_id", how="left")
        .join(listed, on="item_id", how="left")
        .join(_flagged_now(flag_changes, now), on="item_id", how="left")
        .sort(
            ["stage_index", "start_at", "stage_entered_at", "item_id"],
            descending=[True, False, False, False],
            nulls_last=True,
        )
    )
    return board.select(
        pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias("position"),
        "item_id",
        "key",
        "type",
        "stage",
        "assignee_id",
        pl.coalesce("_flagged_now", pl.col("flagged").fill_null(False)).alias("flagged"),
        "start_at",
        fractional_days(pl.col("start_at"), now_lit).alias("age_days"),
        "stage_entered_at",
        fractional_days(pl.col("stage_entered_at"), now_lit).alias("days_in_stage"),
        pl.col("changes").fill_null(pl.lit([], pl.List(pl.String))),
        (pl.col("changes").list.len().fill_null(0) > 0).alias("changed"),
    )


def _flagged_now(flag_changes: pl.DataFrame | None, now: dt.datetime) -> pl.DataFrame:
    """Per item with flag changes up to ``now``: whether its last one set the flag."""
    if flag_changes is None or not flag_changes.height:
        return pl.DataFrame(schema={"item_id": pl.Int64, "_flagged_now": pl.Boolean})
    return (
        flag_changes.filter(pl.col("at") <= instant(now))
        .sort("item_id", "at", maintain_order=True)
        .group_by("item_id")
        .agg(pl.col("flagged").fill_null(False).last().alias("_flagged_now"))
    )


def _names(people: pl.DataFrame | None) -> pl.DataFrame:
    if people is None:
        return pl.DataFrame(schema={"person_id": pl.Int64, "name": pl.String})
    return people.select(pl.col("person_id").cast(pl.Int64), pl.col("name").cast(pl.String))


def _person(ids: pl.Expr, names: pl.DataFrame) -> pl.Expr:
    """A person's name from ``names``, else ``#id``; null stays null (nobody)."""
    mapping = dict(zip(names["person_id"].to_list(), names["name"].to_list(), strict=True))
    shown = ids.replace_strict(mapping, default=None, return_dtype=pl.String) if mapping else pl.lit(None, pl.String)
    return pl.coalesce(shown, pl.format("#{}", ids))
