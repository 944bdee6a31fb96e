"""Monte Carlo forecasts: exact numbers for a fixed seed, and the invariants any seed must keep."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cadence.analytics.forecast import (
    at_least,
    by_day,
    forecast_how_many,
    forecast_when,
    simulate_totals,
    simulated_days,
    throughput_sample,
)
from cadence.domain.errors import InputError

START = dt.date(2024, 3, 1)  # a Friday


def test_how_many_exact_for_seed_42() -> None:
    # default_rng(42).integers(0, 3, size=(4, 3)) draws the day indices
    #   [[0 2 1] [1 1 2] [0 2 0] [0 1 2]]  ->  with sample [0, 1, 4]: [0 4 1] [1 1 4] [0 4 0] [0 1 4]
    # so the four trials deliver 5, 6, 4, 5 items (sorted 4 5 5 6).
    sample = np.array([0, 1, 4])
    totals = simulate_totals(sample, 3, trials=4, rng=np.random.default_rng(42))
    assert totals.tolist() == [5, 6, 4, 5]
    forecast = forecast_how_many(sample, START, dt.date(2024, 3, 3), rng=np.random.default_rng(42), trials=4)
    # "at least m with p": at least 2 of 4 trials deliver >= 5; all 4 deliver >= 4.
    assert forecast.days == 3
    assert forecast.items == {50: 5, 70: 5, 85: 4, 95: 4}


def test_when_exact_for_seed_42() -> None:
    # Blocks are 365 days for every trial: default_rng(42).integers(0, 3, (4, 365)) starts
    # [[0 2 1 ...] [1 1 0 0 2 ...] [2 1 ...] [0 2 2 ...]]; on sample [0, 1, 4] the running totals reach 5 on day
    # index 2 (0 4 5), 4 (1 2 2 2 6), 1 (4 5) and 2 (0 4 8) -> sorted 1 2 2 4: P50 and P70 the 3rd of March, P85
    # and P95 the 5th.
    forecast = forecast_when(np.array([0, 1, 4]), 5, START, rng=np.random.default_rng(42), trials=4)
    assert forecast.dates == {
        50: dt.date(2024, 3, 3),
        70: dt.date(2024, 3, 3),
        85: dt.date(2024, 3, 5),
        95: dt.date(2024, 3, 5),
    }
    assert forecast.unfinished_share == 0.0


def test_constant_throughput_is_certain() -> None:
    rng = np.random.default_rng(1)
    assert forecast_how_many([3, 3, 3], START, START + dt.timedelta(days=9), rng=rng).items == dict.fromkeys(
        (50, 70, 85, 95), 30
    )
    # 31 items at 3 a day take 11 days: the 11th day is the 10th after the start.
    when = forecast_when([3, 3, 3], 31, START, rng=rng)
    assert set(when.dates.values()) == {START + dt.timedelta(days=10)}
    # working days: Friday 1 March + 10 working days -> Friday 15 March
    working = forecast_when([3, 3, 3], 31, START, rng=rng, days="working")
    assert set(working.dates.values()) == {dt.date(2024, 3, 15)}


def test_scope_growth_inflates_the_target() -> None:
    # 20 items with a quarter of every delivery coming back as new work: 20 / 0.75 = 26.67 -> 27 deliveries.
    when = forecast_when([1], 20, START, rng=np.random.default_rng(0), scope_growth=0.25)
    assert set(when.dates.values()) == {START + dt.timedelta(days=26)}


def test_empty_window_never_finishes_and_is_reported() -> None:
    when = forecast_when([0, 0], 3, START, rng=np.random.default_rng(0), horizon_days=30, trials=10)
    assert when.dates == dict.fromkeys((50, 70, 85, 95), None)
    assert when.unfinished_share == 1.0
    with pytest.raises(InputError):
        forecast_when([], 3, START, rng=np.random.default_rng(0))
    with pytest.raises(InputError):
        forecast_when([1], 3, START, rng=np.random.default_rng(0), scope_growth=1.0)


def test_throughput_sample_window_and_working_days() -> None:
    daily = pl.DataFrame({"date": [dt.date(2024, 3, 1), dt.date(2024, 3, 2), dt.date(2024, 3, 4)], "count": [2, 5, 1]})
    # 1..4 March: Fri 2, Sat 5, Sun (missing -> 0), Mon 1
    assert throughput_sample(daily, end=dt.date(2024, 3, 4), window_days=4).tolist() == [2, 5, 0, 1]
    assert throughput_sample(daily, end=dt.date(2024, 3, 4), window_days=4, days="working").tolist() == [2, 1]
    assert simulated_days(dt.date(2024, 3, 1), dt.date(2024, 3, 4), "working") == 2
    assert simulated_days(dt.date(2024, 3, 1), dt.date(2024, 3, 4)) == 4


def test_nearest_rank_helpers() -> None:
    assert at_least([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.85) == 2  # 9 of 10 deliver >= 2, only 8 deliver >= 3
    assert by_day([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.85) == 9


@settings(max_examples=40, deadline=None)
@given(
    sample=st.lists(st.integers(0, 6), min_size=1, max_size=30).filter(lambda s: max(s) > 0),
    seed=st.integers(0, 2**32 - 1),
    days=st.integers(1, 60),
)
def test_percentiles_are_ordered(sample: list[int], seed: int, days: int) -> None:
    how_many = forecast_how_many(sample, START, START + dt.timedelta(days=days - 1), rng=np.random.default_rng(seed),
                                 trials=500)  # fmt: skip
    values = [how_many.items[p] for p in (50, 70, 85, 95)]
    assert values == sorted(values, reverse=True)  # more confidence, fewer items promised
    when = forecast_when(sample, days, START, rng=np.random.default_rng(seed), trials=500)
    dates = [when.dates[p] for p in (50, 70, 85, 95)]
    assert all(d is not None for d in dates)
    assert dates == sorted(dates)  # type: ignore[type-var]


@settings(max_examples=25, deadline=None)
@given(
    sample=st.lists(st.integers(0, 5), min_size=1, max_size=20).filter(lambda s: max(s) > 0),
    seed=st.integers(0, 2**32 - 1),
    items=st.integers(0, 80),
)
def test_when_is_monotone_in_items(sample: list[int], seed: int, items: int) -> None:
    # The same seed draws the same paths, and a path reaches N items no later than N + 5.
    fewer = forecast_when(sample, items, START, rng=np.random.default_rng(seed), trials=300)
    more = forecast_when(sample, items + 5, START, rng=np.random.default_rng(seed), trials=300)
    for p in (50, 70, 85, 95):
        a, b = fewer.dates[p], more.dates[p]
        assert a is not None and b is not None and a <= b


def test_ten_thousand_trials_over_a_year_are_fast() -> None:
    import time

    sample = np.random.default_rng(0).poisson(2.0, 56)
    started = time.perf_counter()
    forecast_how_many(sample, START, START + dt.timedelta(days=364), rng=np.random.default_rng(0))
    assert time.perf_counter() - started < 0.5  # about 25 ms on 2 cores; generous for loaded CI machines
