"""Time in each stage."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

from cadence.analytics.days import DAY_US, as_utc
from cadence.analytics.percentiles import nearest_rank
from cadence.analytics.segments import find_ids, instants, segments
from cadence.analytics.workflow import Workflow

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

__all__ = ["StageTimes", "spent_in_stages", "stage_time_summary", "stage_times", "time_in_stage"]


@dataclass(frozen=True)
class StageTimes:
    """Days spent and visits made per item (rows, by item id) and stage (columns, in flow order).

    One pass over the intervals yields every per-item, per-stage total: time in stage, flow efficiency's active
    time and the control chart's chosen-stage time are then column sums of this matrix.
    """

    items: npt.NDArray[np.int64]
    days: npt.NDArray[np.float64]
    visits: npt.NDArray[np.int64]
    stage_dtype: pl.Enum

    def rows(self, item_ids: pl.Series) -> npt.NDArray[np.int64]:
        """Row of each of ``item_ids`` (all must have history)."""
        return find_ids(self.items, item_ids.to_numpy())

    def total(self, item_ids: pl.Series, stages: Sequence[int]) -> npt.NDArray[np.float64]:
        """Days each of ``item_ids`` spent in ``stages`` altogether."""
        rows = self.rows(item_ids)
        return np.asarray(self.days[rows][:, list(stages)].sum(axis=1), dtype=np.float64)

    def subset(self, item_ids: pl.Series) -> StageTimes:
        """The rows of ``item_ids`` only."""
        rows = np.sort(self.rows(item_ids))
        return StageTimes(self.items[rows], self.days[rows], self.visits[rows], self.stage_dtype)

    def frame(self, item_ids: pl.Series | None = None) -> pl.DataFrame:
        """Long form: item_id, stage, days, visits — one row per item and stage visited."""
        n = self.days.shape[1]
        chosen = self.visits > 0
        if item_ids is not None:
            wanted = np.zeros(len(self.items), dtype=bool)
            wanted[self.rows(item_ids)] = True
            chosen &= wanted[:, None]
        cells = np.flatnonzero(chosen)
        return pl.DataFrame(
            {
                "item_id": self.items[cells // n],
                "stage": pl.Series((cells % n).astype(np.uint8)).cat.to(self.stage_dtype),
                "days": self.days.ravel()[cells],
                "visits": self.visits.ravel()[cells].astype(np.int32),
            }
        )


def stage_times(intervals: pl.DataFrame, *, now: dt.datetime) -> StageTimes:
    """Per item and stage: days spent (all visits, an open visit counted up to ``now``) and visits."""
    seg = segments(intervals)
    stage_dtype = intervals.schema["stage"]
    assert isinstance(stage_dtype, pl.Enum)
    n = len(stage_dtype.categories)
    now_us = int((as_utc(now) - _EPOCH) // dt.timedelta(microseconds=1))
    spent = instants(intervals, "left_at", fill=now_us) - instants(intervals, "entered_at")
    key = seg.row_segment * n + intervals["stage_index"].to_numpy()
    cells = len(seg.items) * n
    days = np.bincount(key, weights=spent, minlength=cells) / DAY_US
    visits = np.bincount(key, minlength=cells)
    return StageTimes(seg.items, days.reshape(-1, n), visits.reshape(-1, n), stage_dtype)


def time_in_stage(intervals: pl.DataFrame, *, now: dt.datetime, item_ids: pl.Series | None = None) -> pl.DataFrame:
    """**Time in stage** of an item is the sum over all its visits to that stage of (left - entered), a visit still open
    counted up to ``now``, in fractional days; ``visits`` says how many separate visits that took (more than one means
    the item came back). The per-stage summary gives, over the items that visited the stage, their number, the mean and
    the nearest-rank P50/P85 of their time there.

    Per item (of ``item_ids`` when given) and stage visited: item_id, stage, days, visits.
    """
    return stage_times(intervals, now=now).frame(item_ids)


def spent_in_stages(intervals: pl.DataFrame, windows: pl.DataFrame, stages: Sequence[int]) -> npt.NDArray[np.float64]:
    """Days each item of ``windows`` (item_id, from, to) spent in ``stages`` within [from, to], in row order.

    Every item of ``windows`` must have history in ``intervals``; a visit still open ends at ``to``.
    """
    seg = segments(intervals)
    rows = seg.locate(windows["item_id"])
    chosen = np.zeros(len(seg.items), dtype=bool)
    lo = np.zeros(len(seg.items), dtype=np.int64)
    hi = np.zeros(len(seg.items), dtype=np.int64)
    chosen[rows], lo[rows], hi[rows] = True, instants(windows, "from"), instants(windows, "to")
    entered = np.maximum(instants(intervals, "entered_at"), lo[seg.row_segment])
    left = np.minimum(instants(intervals, "left_at", fill=np.iinfo(np.int64).max), hi[seg.row_segment])
    wanted = np.isin(intervals["stage_index"].to_numpy(), np.asarray(stages)) & chosen[seg.row_segment]
    spent = np.where(wanted, np.maximum(left - entered, 0), 0)
    return np.asarray(seg.sum(spent)[rows] / DAY_US, dtype=np.float64)


def stage_time_summary(per_item: pl.DataFrame | StageTimes, workflow: Workflow) -> pl.DataFrame:
    """Per stage in flow order: stage, items, mean_days, p50_days, p85_days (stages nobody visited have 0 items).

    ``per_item`` is :func:`time_in_stage`'s frame, or a :class:`StageTimes` (every item in it) to skip building it.
    """
    if isinstance(per_item, StageTimes):
        spent = [per_item.days[:, i][per_item.visits[:, i] > 0] for i in range(len(workflow.names))]
    else:
        codes, days = per_item["stage"].to_physical().to_numpy(), per_item["days"].to_numpy()
        spent = [days[codes == i] for i in range(len(workflow.names))]
    rows = []
    for name, values in zip(workflow.names, spent, strict=True):
        levels = nearest_rank(values, (50, 85))
        rows.append((name, len(values), float(values.mean()) if len(values) else None, levels[50], levels[85]))
    schema = {"stage": pl.String, "items": pl.Int64, "mean_days": pl.Float64, "p50_days": pl.Float64}
    return pl.DataFrame(rows, schema={**schema, "p85_days": pl.Float64}, orient="row")
