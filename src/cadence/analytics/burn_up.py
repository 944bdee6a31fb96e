"""A scope's burn-up chart with the forecast cone of its Monte Carlo simulation.

**History** (one row per calendar day in the team's time zone, from the day the scope's first item was created to
today, counting what happened up to now): *delivered* = scope items delivered on or before that day (by the date of
``done_at``); *scope* = scope items created on or before that day minus those discarded (``Won't Do``) on or before
it.

**Cone** (one row per day from ``today``): the team's throughput is bootstrapped as ``forecast_when`` does (every
simulated day of every trial draws a day of the sample uniformly with replacement; day 0 = today, simulated as a
whole day), and each trial's running total is capped at ``target = ceil(remaining / (1 - g))`` deliveries (remaining
items plus the growth they bring). The P<p> line on a day is the largest ``m`` such that at least ``p`` of the
trials have delivered ``m`` or more by then (the "at least" of ``forecast_how_many``), plus what was delivered
before today; the P50 line is the median path, P95 the most cautious. *Projected scope* = scope today + ``target -
remaining``. Because running totals never decrease, the P<p> line reaches the projected scope exactly on the
P<p> "when" date. The cone runs until the P95 line reaches it, or for ``horizon_days`` at most. With
``days="working"`` only Monday–Friday days are simulated and a weekend day repeats the Friday.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

from cadence.analytics.days import as_day, counts_per_day, day_range, local_day
from cadence.analytics.forecast import DayKind
from cadence.domain.errors import InputError

__all__ = ["CONE_PERCENTILES", "BurnUp", "burn_up_history", "forecast_cone"]

CONE_PERCENTILES: tuple[int, ...] = (50, 85, 95)


@dataclass(frozen=True, slots=True)
class BurnUp:
    """The cone: ``dates`` from today, ``lines[p]`` the P``p`` projected delivered count on each date."""

    dates: list[dt.date]
    lines: dict[int, list[int]]
    projected_scope: int | None  # None when uncapped
    reached: bool  # the P95 line reached the projected scope within the horizon


_MAX_COUNT_CELLS = 20_000_000
"""Above this many (day, value) cells the order statistics fall back from counting to a partial sort."""


def _order_statistics(paths: npt.NDArray[np.int32], ranks: Sequence[int]) -> npt.NDArray[np.int64]:
    """The ``rank``-th smallest value (0-based) of each row of ``paths`` (non-negative), for each rank: shape
    (days, len(ranks)).

    Running totals are small integers, so one ``bincount`` over (row, value) cells and a cumulative sum per row find
    every order statistic in linear time; a partial sort (``np.partition``) answers when the values are too large.
    """
    days, _ = paths.shape
    width = int(paths[-1].max()) + 1  # the last day holds each row's largest running total
    if days * width > _MAX_COUNT_CELLS:
        return np.partition(paths, sorted(set(ranks)), axis=1)[:, list(ranks)].astype(np.int64)
    cells = (paths + (np.arange(days, dtype=np.int32) * width)[:, None]).ravel()  # < 2**31 by the cap above
    below = np.cumsum(np.bincount(cells, minlength=days * width).reshape(days, width), axis=1)
    # the k-th smallest (0-based) is the first value whose cumulative count exceeds k
    return np.stack([np.argmax(below > k, axis=1) for k in ranks], axis=1).astype(np.int64)


def burn_up_history(scope: pl.DataFrame, *, now: dt.datetime, tz: str) -> pl.DataFrame:
    """Columns date, delivered, scope from the first creation day of ``scope`` (see module docstring) to today (the
    date of ``now`` in ``tz``); what happens after ``now`` is not history yet.

    ``scope`` holds created_at, done_at, delivered, discarded (``forecast_scope.scope_items``)."""
    today = as_day(now, tz)
    scope = scope.filter(pl.col("created_at") <= now).with_columns(
        pl.when(pl.col("done_at") <= now).then(pl.col("done_at")).alias("done_at")
    )
    created = scope.select(local_day(pl.col("created_at"), tz)).to_series()
    if created.len() == 0 or created.min() is None:
        return pl.DataFrame(schema={"date": pl.Date, "delivered": pl.Int64, "scope": pl.Int64})
    start = dt.date(1970, 1, 1) + dt.timedelta(days=int(created.min()))  # type: ignore[arg-type]
    start = min(start, today)
    closed = local_day(pl.col("done_at"), tz)
    delivered = scope.filter(pl.col("delivered") & pl.col("done_at").is_not_null()).select(closed).to_series()
    discarded = scope.filter(pl.col("discarded") & pl.col("done_at").is_not_null()).select(closed).to_series()

    def cumulative(days: pl.Series) -> npt.NDArray[np.int64]:
        # events before the first day cannot happen (an item is created before it is closed); later ones wait
        return np.cumsum(counts_per_day(days, start, today))

    return pl.DataFrame(
        {
            "date": day_range(start, today),
            "delivered": cumulative(delivered),
            "scope": cumulative(created) - cumulative(discarded),
        }
    )


def forecast_cone(
    sample: npt.ArrayLike,
    *,
    today: dt.date,
    delivered: int,
    scope: int,
    remaining: int,
    rng: np.random.Generator,
    trials: int = 10_000,
    scope_growth: float = 0.0,
    days: DayKind = "calendar",
    horizon_days: int = 365,
    percentiles: Sequence[int] = CONE_PERCENTILES,
    capped: bool = True,
) -> BurnUp:
    """The P50/P85/P95 projected delivered lines from ``today`` (see the module docstring).

    ``capped=False`` (a scope that grows as fast as it is delivered) draws the lines without the cap for the whole
    horizon: they show how much gets delivered, never a finish."""
    if not 0.0 <= scope_growth < 1.0:
        raise InputError(f"scope growth must be in [0, 1), not {scope_growth}")
    if horizon_days < 1:
        raise InputError(f"the burn-up horizon must hold at least one day, not {horizon_days}")
    values = np.asarray(sample, dtype=np.int64)
    if values.size == 0:
        raise InputError("the throughput sample is empty; widen the sampling window")
    limit = int(np.iinfo(np.int32).max)
    target = math.ceil(max(remaining, 0) / (1.0 - scope_growth) - 1e-9) if capped else limit
    dates = [today + dt.timedelta(days=k) for k in range(horizon_days)]
    if days == "working":
        # simulated day index of each calendar day: business days in [today, date], minus one (-1: none yet)
        index = np.busday_count(today, np.array(dates, dtype="datetime64[D]") + 1) - 1
    else:
        index = np.arange(horizon_days)
    steps = int(index.max()) + 1
    ranks = [trials - math.ceil(p / 100 * trials) for p in percentiles]
    if target == 0 or steps == 0 or values.max() == 0:
        lines = np.zeros((len(percentiles), steps), dtype=np.int64)
    else:
        # days x trials, so that each day's trials are contiguous
        draws = values.astype(np.int32)[rng.integers(0, values.size, size=(steps, trials), dtype=np.int32)]
        paths = np.minimum(np.cumsum(draws, axis=0, dtype=np.int32), min(target, limit))
        lines = _order_statistics(paths, ranks).T
    level = np.where(index[None, :] >= 0, lines[:, np.maximum(index, 0)], 0) + delivered
    slowest = level[list(percentiles).index(max(percentiles))]
    reach = np.flatnonzero(slowest >= delivered + target) if capped else np.array([], dtype=np.int64)
    reached = bool(reach.size)
    end = int(reach[0]) + 1 if reached else horizon_days
    return BurnUp(
        dates=dates[:end],
        lines={p: level[i, :end].tolist() for i, p in enumerate(percentiles)},
        projected_scope=scope + target - max(remaining, 0) if capped else None,
        reached=reached,
    )
