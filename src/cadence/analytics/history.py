"""Stage intervals: the one frame every flow metric derives from.

Frames are handled item-sorted (``item_id`` then time, ties in stored order) so that "previous row of the same
item" is a shift, not a group-by: that is what keeps 10M transitions within a couple of seconds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

from cadence.analytics.segments import instants, segments
from cadence.analytics.workflow import UnmappedStatus, Workflow, map_statuses, stage_from_index, status_values

__all__ = [
    "FlowHistory",
    "build_history",
    "done_at",
    "same_item_as_next",
    "same_item_as_previous",
    "stage_at",
    "stage_intervals",
]


def same_item_as_previous() -> pl.Expr:
    """True where the row before belongs to the same item (frames sorted by item)."""
    return (pl.col("item_id") == pl.col("item_id").shift(1)).fill_null(False)


def same_item_as_next() -> pl.Expr:
    """True where the row after belongs to the same item (frames sorted by item)."""
    return (pl.col("item_id") == pl.col("item_id").shift(-1)).fill_null(False)


@dataclass(frozen=True)
class FlowHistory:
    """Status rows, stage intervals and the unmapped-status report of one set of items.

    ``statuses``: item_id, status (an Enum of the statuses seen), entered_at, stage_index, mapped, discarded — one
    row per status entered (unmapped statuses without a known category inherit the previous row's stage).
    ``intervals``: item_id, stage, stage_index, entered_at, left_at, discarded — one row per stage visit.
    ``orphan_transitions`` counts transitions of items absent from the items frame (dropped, and reported).
    """

    workflow: Workflow
    statuses: pl.DataFrame
    intervals: pl.DataFrame
    unmapped: tuple[UnmappedStatus, ...]
    orphan_transitions: int


def build_history(
    items: pl.DataFrame,
    transitions: pl.DataFrame,
    workflow: Workflow,
    status_categories: Mapping[str, str] | None = None,
) -> FlowHistory:
    """Build the status rows and stage intervals of ``items`` (READ_ITEMS) from ``transitions`` (READ_TRANSITIONS).

    Transitions are ordered by item then time; equal timestamps keep their stored order. An item without
    ``created_at`` enters its initial status at its first transition; an item with neither has no history.
    """
    known = items.select("item_id", "created_at", "status").pipe(_sorted_by, ["item_id"])
    moves = _sorted_by(transitions.select("item_id", "from_status", "to_status", "at"), ["item_id", "at"])
    first_moves = moves.filter(~same_item_as_previous()).select(
        "item_id", pl.col("from_status").alias("first_from"), pl.col("at").alias("first_at")
    )
    initial = (
        known.join(first_moves, on="item_id", how="left", maintain_order="left")
        .select(
            (pl.col("item_id") * 2).alias("_key"),
            "item_id",
            pl.coalesce("first_from", "status").alias("status"),
            pl.coalesce("created_at", "first_at").alias("entered_at"),
        )
        .filter(pl.col("entered_at").is_not_null())
    )
    later = moves.select(
        (pl.col("item_id") * 2 + 1).alias("_key"), "item_id", pl.col("to_status").alias("status"), pl.col("at")
    ).rename({"at": "entered_at"})
    # Statuses become an Enum before the merge: the merge then moves integers, and every later status lookup
    # (stage mapping, usage per status) groups integers instead of hashing strings.
    status = pl.Enum(sorted(set(status_values(initial["status"])) | set(status_values(later["status"]))))
    initial, later = (f.with_columns(pl.col("status").cast(status)) for f in (initial, later))
    # Initial rows sort just before their item's transitions: a linear merge, not a sort of 11M rows.
    rows = initial.with_columns(pl.col("_key").set_sorted()).merge_sorted(
        later.with_columns(pl.col("_key").set_sorted()), key="_key"
    )
    is_initial = pl.col("_key") % 2 == 0
    # Transitions of items absent from ``items`` have no initial row: they come first in their item. Dropped.
    orphan_items = rows.filter(~same_item_as_previous() & ~is_initial)["item_id"]
    orphans = 0
    if len(orphan_items):
        kept = rows.filter(~pl.col("item_id").is_in(orphan_items.implode()))
        orphans, rows = rows.height - kept.height, kept
    rows, unmapped = map_statuses(rows, workflow, status_categories)
    # An unknown status keeps the previous stage; an unknown initial status is the first stage.
    if rows["stage_index"].null_count():
        stage_index = pl.when(is_initial).then(pl.col("stage_index").fill_null(0)).otherwise("stage_index")
        discarded = pl.when(is_initial | pl.col("stage_index").is_not_null()).then(pl.col("discarded"))
        rows = rows.with_columns(stage_index.forward_fill(), discarded.forward_fill())
    statuses = rows.select("item_id", "status", "entered_at", "stage_index", "mapped", "discarded")
    return FlowHistory(
        workflow=workflow,
        statuses=statuses,
        intervals=_collapse(statuses, workflow),
        unmapped=tuple(unmapped),
        orphan_transitions=orphans,
    )


def stage_intervals(
    items: pl.DataFrame,
    transitions: pl.DataFrame,
    workflow: Workflow,
    status_categories: Mapping[str, str] | None = None,
) -> pl.DataFrame:
    """An item's history is a sequence of statuses: its initial status from ``created_at`` (the first transition's
    ``from_status``, or its current status if it never moved), then each transition's ``to_status`` from the
    transition's ``at``. Statuses are mapped to stages and consecutive statuses of the same stage merge into one **stage
    interval** (``item_id, stage, entered_at, left_at``; ``left_at`` is null for the current stage). Backward moves stay
    in the history as intervals of earlier stages; nothing is erased.

    item_id, stage, stage_index, entered_at, left_at (null if current), discarded: one row per stage visit.
    """
    return build_history(items, transitions, workflow, status_categories).intervals


def stage_at(
    intervals: pl.DataFrame, item_ids: npt.NDArray[np.int64], when: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.int16], npt.NDArray[np.bool_]]:
    """Each item's stage index (-1 before its history starts) and discarded flag at an instant (microseconds).

    A stage entered exactly at the instant counts: the item is in it at that moment.
    """
    seg = segments(intervals)
    found = seg.find(item_ids)
    end = seg.upper_bound(instants(intervals, "entered_at"), found, when)
    start = seg.starts[np.maximum(found, 0)] if len(seg.starts) else np.zeros(len(found), dtype=np.int64)
    inside = (found >= 0) & (end > start)
    row = np.maximum(end - 1, 0)
    if not intervals.height:
        return np.full(len(item_ids), -1, dtype=np.int16), np.zeros(len(item_ids), dtype=bool)
    index = intervals["stage_index"].to_numpy().astype(np.int16)
    discarded = intervals["discarded"].to_numpy()
    return np.where(inside, index[row], -1).astype(np.int16), inside & discarded[row]


def done_at(
    intervals: pl.DataFrame, workflow: Workflow, item_ids: npt.NDArray[np.int64], when: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """Whether each item was in the done zone at an instant (microseconds), and in a discarded status then.

    Most items reach the done zone once and stay: for them the answer is "entered done at or before the instant";
    only items with more than one visit to the done zone need the search of :func:`stage_at`.
    """
    done = np.zeros(len(item_ids), dtype=bool)
    discarded = np.zeros(len(item_ids), dtype=bool)
    if not intervals.height:
        return done, discarded
    seg = segments(intervals)
    in_done = intervals["stage_index"].to_numpy() >= workflow.delivery_index
    visits = seg.sum(in_done.astype(np.int32))
    last = seg.ends
    once = (visits == 1) & in_done[last]  # entered the done zone once, and still there
    found = seg.find(item_ids)
    known = found >= 0
    at = last[np.maximum(found, 0)]
    single = known & once[np.maximum(found, 0)]
    done[single] = instants(intervals, "entered_at")[at[single]] <= when[single]
    discarded[single] = done[single] & intervals["discarded"].to_numpy()[at[single]]
    hard = np.flatnonzero(known & ~once[np.maximum(found, 0)] & (visits[np.maximum(found, 0)] > 0))
    if len(hard):
        stage, flag = stage_at(intervals, item_ids[hard], when[hard])
        done[hard] = stage >= workflow.delivery_index
        discarded[hard] = flag & done[hard]
    return done, discarded


def _collapse(statuses: pl.DataFrame, workflow: Workflow) -> pl.DataFrame:
    changed = (
        ~same_item_as_previous()
        | (pl.col("stage_index") != pl.col("stage_index").shift(1))
        | (pl.col("discarded") != pl.col("discarded").shift(1))
    )
    visits = statuses.filter(changed).select("item_id", "stage_index", "entered_at", "discarded")
    return visits.select(
        "item_id",
        stage_from_index(pl.col("stage_index"), workflow).alias("stage"),
        "stage_index",
        "entered_at",
        pl.when(same_item_as_next()).then(pl.col("entered_at").shift(-1)).alias("left_at"),
        "discarded",
    )


def _sorted_by(frame: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """Stable sort by ``keys`` unless the frame already is (the store's read models are): a check costs less."""
    if frame.height < 2:
        return frame
    ordered = pl.lit(True)
    for depth in range(len(keys)):
        ties = pl.lit(True)
        for key in keys[:depth]:
            ties = ties & (pl.col(key) == pl.col(key).shift(1))
        ordered = ordered & (~ties | (pl.col(keys[depth]) >= pl.col(keys[depth]).shift(1)))
    ok = frame.select(ordered.slice(1).all()).item()
    return frame if ok else frame.sort(keys, maintain_order=True)
