"""Cycle time as jira-agile-metrics computes it, for teams comparing numbers with that tool."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import polars as pl

from cadence.analytics.days import local_day
from cadence.analytics.history import FlowHistory
from cadence.analytics.segments import NONE, Segments, segments

__all__ = ["cycle_time_peer_variant"]


def _first_entry_after(index: npt.NDArray[np.int8], seg: Segments, below: int, ceiling: int) -> npt.NDArray[np.int64]:
    """Per item: the position of the first entry into the lowest stage in [below, ceiling) entered after the
    item's last entry into a stage before ``below`` — the first surviving date in that range (``NONE`` if none)."""
    last_before = seg.last(index < below)[seg.row_segment]
    after = (np.arange(len(index)) > last_before) & (index < ceiling)
    lowest = np.minimum.reduceat(np.where(after, index, np.int8(127)), seg.starts)[seg.row_segment]
    return seg.first(after & (index == lowest))


def cycle_time_peer_variant(history: FlowHistory, *, tz: str = "UTC") -> pl.DataFrame:
    """**Peer variant** (jira-agile-metrics' ``cycletime`` calculator): walk the item's status changes in order,
    starting with its initial status at creation. Each stage keeps the date of its *first* entry; entering a stage
    erases the dates of all later stages (so a backward move wipes them, and they are set again when re-entered).
    Statuses the workflow does not name are skipped. Cycle time = the done date (the first stage at or after the
    delivery stage, in workflow order, that still has a date) minus the committed date (the first stage from the
    commitment stage up to delivery, in workflow order, that still has a date), in whole calendar days of the
    timestamps' wall-clock dates in ``tz`` (same day = 0). Items missing either date have no cycle time.

    It differs from Cadence's definition on reopened items (a reopen erases done, so the done date is the re-entry) and
    on items that went back before the commitment point (the committed date restarts), it counts the same day as 0
    rather than 1, and it knows stages only, so a discarded item (``Won't Do``) counts as done.

    Per item with both dates: item_id, committed_at, done_at, cycle_time_days (whole days, same day = 0).
    """
    workflow = history.workflow
    rows = history.statuses.select("item_id", "stage_index", "entered_at", "mapped")
    if not rows["mapped"].all():
        rows = rows.filter("mapped")
    if rows.height == 0:
        return pl.DataFrame(
            schema={
                "item_id": pl.Int64,
                "committed_at": pl.Datetime("us", "UTC"),
                "done_at": pl.Datetime("us", "UTC"),
                "cycle_time_days": pl.Int32,
            }
        )
    seg = segments(rows)
    index = rows["stage_index"].to_numpy()
    c, d, n = workflow.commitment_index, workflow.delivery_index, len(workflow.stages)
    committed = _first_entry_after(index, seg, c, d)
    done = _first_entry_after(index, seg, d, n)
    both = (committed != NONE) & (done != NONE)
    at = rows["entered_at"]
    out = pl.DataFrame(
        {"item_id": seg.items[both], "committed_at": at.gather(committed[both]), "done_at": at.gather(done[both])}
    )
    return out.with_columns(
        (local_day(pl.col("done_at"), tz) - local_day(pl.col("committed_at"), tz)).alias("cycle_time_days")
    ).cast({"cycle_time_days": pl.Int32})
