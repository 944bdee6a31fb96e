"""Sprint membership and estimates over time: the history sprint metrics are read from."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

from cadence.analytics.segments import Segments, find_ids, instants, segments

__all__ = ["EstimateHistory", "estimates_at", "sprint_membership"]

_GROUP = ("item_id", "sprint_id")


def _same_group(offset: int) -> pl.Expr:
    same = pl.lit(True)
    for column in _GROUP:
        same = same & (pl.col(column) == pl.col(column).shift(offset))
    return same.fill_null(False)


def sprint_membership(sprint_changes: pl.DataFrame, items: pl.DataFrame) -> pl.DataFrame:
    """**Membership**: an item is in a sprint from an ``added`` event until the next ``removed`` event for that sprint
    (repeated events of the same kind merge). A ``removed`` with no ``added`` before it means the item was put in the
    sprint when it was created (Jira writes no changelog entry for a field's initial value), so membership runs from
    ``created_at``.

    One row per stay of an item in a sprint: item_id, sprint_id, added_at, removed_at (null = still in).
    """
    events = sprint_changes.select(
        *_GROUP, (pl.col("change").str.to_lowercase() == "added").alias("added"), "at"
    ).drop_nulls()
    # One integer key per (item, sprint) pair: a two-key sort instead of three.
    width = int(events["sprint_id"].max() or 0) + 1  # type: ignore[arg-type]
    events = events.sort(pl.col("item_id") * width + pl.col("sprint_id"), "at", maintain_order=True)
    runs = events.filter(~_same_group(1) | (pl.col("added") != pl.col("added").shift(1))).with_columns(
        (~_same_group(1)).alias("_first"), pl.when(_same_group(-1)).then(pl.col("at").shift(-1)).alias("_next")
    )
    stays = runs.filter("added").select(*_GROUP, pl.col("at").alias("added_at"), pl.col("_next").alias("removed_at"))
    from_creation = (
        runs.filter(pl.col("_first") & ~pl.col("added"))
        .join(items.select("item_id", "created_at"), on="item_id", how="left")
        .select(*_GROUP, pl.col("created_at").alias("added_at"), pl.col("at").alias("removed_at"))
    )
    if from_creation.height == 0:
        return stays
    return pl.concat([stays, from_creation]).sort(*_GROUP, "added_at")


@dataclass(frozen=True)
class EstimateHistory:
    """Estimate changes sorted by item and time, ready for as-of lookups over many (item, instant) pairs at once."""

    segments: Segments
    changed_at: npt.NDArray[np.int64]
    before: npt.NDArray[np.float64]
    after: npt.NDArray[np.float64]
    item_ids: npt.NDArray[np.int64]
    current: npt.NDArray[np.float64]
    moves: npt.NDArray[np.int64]  # prefix count of real changes (from != to)
    net: npt.NDArray[np.float64]  # prefix sum of (to - from), missing values as 0

    @classmethod
    def of(cls, estimate_changes: pl.DataFrame, items: pl.DataFrame) -> EstimateHistory:
        changes = estimate_changes.select("item_id", "at", "from_value", "to_value").sort(
            "item_id", "at", maintain_order=True
        )
        known = items.select("item_id", "estimate")
        if not known["item_id"].is_sorted():
            known = known.sort("item_id")
        real = changes.select(pl.col("from_value").ne_missing(pl.col("to_value"))).to_series().to_numpy()
        delta = changes.select(pl.col("to_value").fill_null(0.0) - pl.col("from_value").fill_null(0.0))
        return cls(
            segments=segments(changes),
            changed_at=instants(changes, "at"),
            before=changes["from_value"].fill_null(np.nan).to_numpy(),
            after=changes["to_value"].fill_null(np.nan).to_numpy(),
            item_ids=known["item_id"].to_numpy(),
            current=known["estimate"].fill_null(np.nan).to_numpy(),
            moves=np.r_[0, np.cumsum(real)].astype(np.int64),
            net=np.r_[0.0, np.cumsum(np.where(real, delta.to_series().to_numpy(), 0.0))],
        )

    def locate(self, item_ids: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
        """Each item's segment of changes (-1 if never re-estimated) and current estimate (NaN if none): the part
        of a lookup that does not depend on the instant, to reuse across instants."""
        segment = self.segments.find(item_ids)
        found = find_ids(self.item_ids, item_ids)
        current = self.current[np.maximum(found, 0)] if len(self.item_ids) else np.zeros(len(item_ids))
        return segment, np.where(found >= 0, current, np.nan)

    def at(
        self,
        item_ids: npt.NDArray[np.int64],
        when: npt.NDArray[np.int64],
        located: tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]] | None = None,
    ) -> npt.NDArray[np.float64]:
        """The estimate of each item at each instant (NaN for none), as defined by :func:`estimates_at`."""
        segment, current = located if located is not None else self.locate(item_ids)
        if not len(self.changed_at):
            return current
        moved = np.flatnonzero(segment >= 0)
        out = current.copy()
        seg = segment[moved]
        end = self.segments.upper_bound(self.changed_at, seg, when[moved])
        start = self.segments.starts[seg]
        out[moved] = np.where(end > start, self.after[np.maximum(end - 1, 0)], self.before[start])
        return out

    def changes_between(
        self, item_ids: npt.NDArray[np.int64], after: npt.NDArray[np.int64], until: npt.NDArray[np.int64]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
        """How many real changes each item had in (after, until], and their net effect on the estimate."""
        segment = self.segments.find(item_ids)
        lo = self.segments.upper_bound(self.changed_at, segment, after)
        hi = np.maximum(self.segments.upper_bound(self.changed_at, segment, until), lo)
        return self.moves[hi] - self.moves[lo], self.net[hi] - self.net[lo]


def estimates_at(frame: pl.DataFrame, at: str, estimate_changes: pl.DataFrame, items: pl.DataFrame) -> pl.Series:
    """**Estimate at an instant**: the ``to_value`` of the item's last estimate change at or before that instant; before
    its first change, that change's ``from_value``; an item never re-estimated has its current estimate throughout.

    The estimate of each row's item at instant ``frame[at]`` as just defined, in row order.
    """
    history = EstimateHistory.of(estimate_changes, items)
    values = history.at(frame["item_id"].to_numpy(), instants(frame, at))
    return pl.Series("estimate", values).fill_nan(None)
