"""Per-item milestones: when work started (crossed the commitment point) and when it was delivered."""

from __future__ import annotations

import numpy as np
import polars as pl

from cadence.analytics.segments import NONE, find_ids, instants, masked_instants, segments
from cadence.analytics.workflow import Workflow, stage_from_index

__all__ = ["discarded_resolution", "item_milestones"]


def discarded_resolution(workflow: Workflow) -> pl.Expr:
    """True where ``resolution`` is one of the workflow's discarded resolutions (case-insensitive)."""
    bad = [r.casefold() for r in workflow.discarded_resolutions]
    return pl.col("resolution").str.to_lowercase().is_in(bad).fill_null(False)


def item_milestones(intervals: pl.DataFrame, items: pl.DataFrame, workflow: Workflow) -> pl.DataFrame:
    """* **start** (``start_at``): the first time the item entered the commitment stage or any later stage — the first
      crossing of the commitment point. An item that skips the commitment stage starts at the first later stage it
      enters (``start_stage`` says which, so the inference is visible); one moved straight from the backlog to done
      starts when it is done. Later trips back to the backlog do not move the start.
    * **done** (``done_at``): the last entry into the delivery stage or a later stage (the *done zone*), provided the
      item is in the done zone now. A reopened item is done at its last return; an item reopened and not yet done again
      has no ``done_at``.
    * **delivered**: done, and neither in a discarded status (``Won't Do``) nor with a discarded resolution.
      ``discarded`` items are done (they left WIP) but never count as delivered.

    One row per item with history, sorted by item_id: its start, done and current state.

    Columns: item_id, key, type, estimate, labels, created_at, start_at, start_stage, done_at, done, delivered,
    discarded, stage (current), stage_index (current), done_entries (times it entered the done zone),
    reopens (times it left the done zone).
    """
    seg = segments(intervals)
    index = intervals["stage_index"].to_numpy()
    entered = instants(intervals, "entered_at")
    in_done = index >= workflow.delivery_index
    prev_in_done = np.zeros_like(in_done)
    prev_in_done[1:] = in_done[:-1]
    prev_in_done[seg.starts] = False
    start = seg.first(index >= workflow.commitment_index)
    last_entry = seg.last(in_done & ~prev_in_done)
    current = seg.ends
    has_start = start != NONE
    done = in_done[current]
    per_item = pl.DataFrame(
        {
            "item_id": seg.items,
            "start_at": masked_instants(entered[np.where(has_start, start, 0)], has_start, "start_at"),
            "_start_index": np.where(has_start, index[np.where(has_start, start, 0)], 0).astype(np.int8),
            "_has_start": has_start,
            "done_at": masked_instants(entered[np.maximum(last_entry, 0)], done, "done_at"),
            "done": done,
            "_discarded_status": intervals["discarded"].to_numpy()[current],
            "stage_index": index[current],
            "done_entries": seg.sum((in_done & ~prev_in_done).astype(np.int32)),
            "reopens": seg.sum((~in_done & prev_in_done).astype(np.int32)),
        }
    )
    discarded = pl.col("done") & (pl.col("_discarded_status") | discarded_resolution(workflow))
    facts = items.select("key", "type", "estimate", "labels", "created_at", "resolution")
    # A positional lookup instead of a hash join; with the store's items (sorted, all with history) not even that.
    rows = find_ids(items["item_id"].to_numpy(), seg.items)
    if not (len(rows) == items.height and np.array_equal(rows, np.arange(items.height))):
        facts = facts[rows]
    return pl.concat([per_item, facts], how="horizontal").select(
        "item_id",
        "key",
        "type",
        "estimate",
        "labels",
        "created_at",
        "start_at",
        pl.when("_has_start").then(stage_from_index(pl.col("_start_index"), workflow)).alias("start_stage"),
        "done_at",
        "done",
        (pl.col("done") & ~discarded).alias("delivered"),
        discarded.alias("discarded"),
        stage_from_index(pl.col("stage_index"), workflow).alias("stage"),
        "stage_index",
        "done_entries",
        "reopens",
    )
