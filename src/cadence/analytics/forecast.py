"""Monte Carlo forecasts from a team's own throughput: "when will N items be done" and "how many by a date".

**Definition.** A forecast bootstraps daily throughput. The *sample* is the zero-filled daily delivered counts of
a window of past days (default: the 56 calendar days up to and including the last complete day). Each trial draws
one day of the sample for every simulated day, uniformly and with replacement — exactly
``sample[rng.integers(0, len(sample), size=(trials, days))]`` — so a seeded ``numpy.random.Generator`` fixes every
number. Day kinds:

- ``calendar``: every calendar day of the window is sampled and every calendar day of the future is simulated.
  Weekends and holidays are then part of the sample, with their usual low counts. This is the default, and the
  one the back-test (``analytics/backtest.py``) calibrates.
- ``working``: only Monday–Friday days of the window are sampled and only Monday–Friday days are simulated; use it
  for teams that never deliver at weekends (weekend deliveries would be left out of the forecast).

**"How many"** items will be delivered from ``start`` to ``end`` inclusive: at confidence ``p`` the forecast is the
largest ``m`` such that at least ``p`` of the trials deliver ``m`` or more ("85 % chance of at least m items"), i.e.
the sorted totals at index ``trials - ceil(p * trials)``.

**"When"** will ``items`` more items be delivered, starting on ``start``: each trial's finishing day is the first
simulated day on which its running total reaches the target; at confidence ``p`` the forecast is the earliest day by
which at least ``p`` of the trials have finished (sorted finishing days at index ``ceil(p * trials) - 1``). Trials
that do not finish within ``horizon_days`` count as later than any date; a percentile that falls among them is
``None``.

**Scope growth.** ``scope_growth = g`` says that, for every delivered item, ``g`` new items join the work (split or
discovered work, 0 <= g < 1), so delivering ``items`` takes ``items / (1 - g)`` deliveries (``items + items*g +
items*g^2 + ...``), rounded up.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
import polars as pl

from cadence.domain.errors import InputError

__all__ = [
    "FORECAST_PERCENTILES",
    "DayKind",
    "HowManyForecast",
    "WhenForecast",
    "at_least",
    "by_day",
    "forecast_how_many",
    "forecast_when",
    "simulate_totals",
    "simulated_days",
    "throughput_sample",
]

DayKind = Literal["calendar", "working"]
FORECAST_PERCENTILES: tuple[int, ...] = (50, 70, 85, 95)
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class HowManyForecast:
    """At each percentile p, "p % chance of delivering at least this many items" from start to end."""

    start: dt.date
    end: dt.date
    days: int
    trials: int
    items: dict[int, int]


@dataclass(frozen=True, slots=True)
class WhenForecast:
    """At each percentile p, "p % chance of being done on or before this date" (None: beyond the horizon)."""

    start: dt.date
    items: int
    trials: int
    dates: dict[int, dt.date | None]
    unfinished_share: float


def throughput_sample(
    daily: pl.DataFrame, *, end: dt.date, window_days: int = 56, days: DayKind = "calendar"
) -> IntArray:
    """The sampled days: counts of the ``window_days`` calendar days ending on ``end`` (inclusive) of a zero-filled
    daily throughput frame (columns date, count); with ``days="working"`` only its Monday–Friday days.

    Days of the window missing from the frame count as zero deliveries (the frame is zero-filled by contract).
    """
    if window_days < 1:
        raise InputError(f"the sampling window must hold at least one day, not {window_days}")
    start = end - dt.timedelta(days=window_days - 1)
    window = pl.DataFrame({"date": pl.date_range(start, end, "1d", eager=True)})
    counts = window.join(daily.select("date", "count"), on="date", how="left").with_columns(
        pl.col("count").fill_null(0)
    )
    if days == "working":
        counts = counts.filter(pl.col("date").dt.weekday() <= 5)
    return counts["count"].cast(pl.Int64).to_numpy()


def simulated_days(start: dt.date, end: dt.date, days: DayKind = "calendar") -> int:
    """How many days a forecast from ``start`` to ``end`` (inclusive) simulates."""
    if end < start:
        return 0
    if days == "working":
        return int(np.busday_count(start, end + dt.timedelta(days=1)))
    return (end - start).days + 1


def _draw(sample: IntArray, trials: int, days: int, rng: np.random.Generator) -> npt.NDArray[np.int32]:
    """``sample[rng.integers(0, len(sample), size=(trials, days))]`` in 32-bit integers (the same draws as 64-bit
    ones for any sample shorter than 2**31 days, at half the memory traffic)."""
    if sample.size == 0:
        raise InputError("the throughput sample is empty; widen the sampling window")
    if sample.max(initial=0) > 1_000_000:
        raise InputError("a day with more than a million deliveries is not a throughput sample")
    return sample.astype(np.int32)[rng.integers(0, sample.size, size=(trials, days), dtype=np.int32)]


def simulate_totals(sample: npt.ArrayLike, days: int, *, trials: int, rng: np.random.Generator) -> IntArray:
    """Items delivered in ``days`` simulated days, one total per trial (unsorted)."""
    values = np.asarray(sample, dtype=np.int64)
    if days <= 0:
        return np.zeros(trials, dtype=np.int64)
    return np.asarray(_draw(values, trials, days, rng).sum(axis=1, dtype=np.int64), dtype=np.int64)


def at_least(totals: npt.ArrayLike, confidence: float) -> int:
    """The largest m with at least ``confidence`` of ``totals`` >= m (nearest rank from the top)."""
    ordered = np.sort(np.asarray(totals))
    return int(ordered[ordered.size - math.ceil(confidence * ordered.size)])


def by_day(finish: npt.ArrayLike, confidence: float) -> int:
    """The smallest d with at least ``confidence`` of ``finish`` <= d (nearest rank)."""
    ordered = np.sort(np.asarray(finish))
    return int(ordered[math.ceil(confidence * ordered.size) - 1])


def forecast_how_many(
    sample: npt.ArrayLike,
    start: dt.date,
    end: dt.date,
    *,
    rng: np.random.Generator,
    trials: int = 10_000,
    days: DayKind = "calendar",
    percentiles: Sequence[int] = FORECAST_PERCENTILES,
    levels: Mapping[int, float] | None = None,
) -> HowManyForecast:
    """How many items will be delivered from ``start`` to ``end`` inclusive (see the module docstring).

    ``levels`` (percentile -> share of trials, from ``backtest.calibrated_levels``) reads a percentile's answer at
    the recalibrated level of the team's track record instead of at ``1 - p``; percentiles not in it stay raw.
    """
    count = simulated_days(start, end, days)
    totals = simulate_totals(sample, count, trials=trials, rng=rng)
    calibrated = levels or {}
    ordered = np.sort(totals)
    items = {
        p: int(ordered[min(max(math.ceil(calibrated[p] * trials) - 1, 0), trials - 1)])
        if p in calibrated
        else at_least(totals, p / 100)
        for p in percentiles
    }
    return HowManyForecast(start, end, count, trials, items)


def _day_date(start: dt.date, index: int, days: DayKind) -> dt.date:
    if days == "working":
        day: dt.date = np.busday_offset(start, index, roll="forward").astype(dt.date)
        return day
    return start + dt.timedelta(days=index)


def forecast_when(
    sample: npt.ArrayLike,
    items: int,
    start: dt.date,
    *,
    rng: np.random.Generator,
    trials: int = 10_000,
    days: DayKind = "calendar",
    scope_growth: float = 0.0,
    horizon_days: int = 3650,
    percentiles: Sequence[int] = FORECAST_PERCENTILES,
) -> WhenForecast:
    """When ``items`` more items will be delivered, simulating day by day from ``start`` (inclusive).

    Days are drawn in blocks of 365 so that a near forecast does not pay for a ten-year horizon; every block is
    drawn for every trial, so each trial's path is the same whatever ``items`` is: with one seed, asking for more
    items never gives an earlier date (common random numbers). The first block is exactly the ``(trials, 365)``
    draw of the module docstring.
    """
    if items < 0:
        raise InputError(f"the number of items to forecast must not be negative, not {items}")
    if not 0.0 <= scope_growth < 1.0:
        raise InputError(f"scope growth must be in [0, 1), not {scope_growth}")
    values = np.asarray(sample, dtype=np.int64)
    target = math.ceil(items / (1.0 - scope_growth) - 1e-9)
    finish = np.full(trials, np.iinfo(np.int64).max, dtype=np.int64)
    if target == 0:
        finish[:] = 0
    elif values.size and values.max() > 0:
        running = np.zeros(trials, dtype=np.int64)
        open_trials = np.arange(trials)
        done_days = 0
        while open_trials.size and done_days < horizon_days:
            block = min(365, horizon_days - done_days)
            # 32-bit running totals cannot overflow: at most 365 days of at most a million items each
            paths = np.cumsum(_draw(values, trials, block, rng), axis=1, dtype=np.int32)[open_trials]
            # running totals never decrease, so the days still short of the target are the finishing day's index
            remaining = np.minimum(target - running[open_trials], np.iinfo(np.int32).max).astype(np.int32)
            short = np.count_nonzero(paths < remaining[:, None], axis=1)
            hit = short < block
            finish[open_trials[hit]] = done_days + short[hit]
            running[open_trials] += paths[:, -1]
            open_trials = open_trials[~hit]
            done_days += block
    elif values.size == 0:
        raise InputError("the throughput sample is empty; widen the sampling window")
    never = np.iinfo(np.int64).max
    dates: dict[int, dt.date | None] = {}
    for p in percentiles:
        day = by_day(finish, p / 100)
        dates[p] = None if day == never else _day_date(start, day, days)
    return WhenForecast(start, items, trials, dates, float(np.mean(finish == never)))
