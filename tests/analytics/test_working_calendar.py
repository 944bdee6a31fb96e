"""Business-time arithmetic against hand-counted hours: weekends, public holidays, DST changes, 24x7."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cadence.analytics.working_calendar import ALWAYS, OFFICE, WorkingCalendar, add_business, business_between

PARIS = ZoneInfo("Europe/Paris")
OFFICE_FR = WorkingCalendar("Europe/Paris", OFFICE, "FR")


def paris(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=PARIS).astimezone(dt.UTC)  # type: ignore[misc]


def series(*moments: dt.datetime) -> pl.Series:
    return pl.Series(list(moments), dtype=pl.Datetime("us", "UTC"))


def hours_between(calendar: WorkingCalendar, a: dt.datetime, b: dt.datetime) -> float:
    return float(business_between(calendar, series(a), series(b))[0]) / 3600


def due(calendar: WorkingCalendar, t: dt.datetime, hours: float) -> dt.datetime:
    micros = add_business(calendar, series(t), np.array([hours * 3600]))[0]
    return dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=int(micros))


def test_a_weekend_does_not_count() -> None:
    # Fri 16:00 -> Tue 10:00: Fri 1 h + Mon 8 h + Tue 1 h
    assert hours_between(OFFICE_FR, paris(2026, 3, 6, 16), paris(2026, 3, 10, 10)) == 10
    assert due(OFFICE_FR, paris(2026, 3, 6, 16), 10) == paris(2026, 3, 10, 10)


def test_a_public_holiday_does_not_count() -> None:
    # Fri 1 May 2026 is Labour Day in France: Thu 15:00 -> Mon 11:00 is 2 h + 2 h
    assert hours_between(OFFICE_FR, paris(2026, 4, 30, 15), paris(2026, 5, 4, 11)) == 4
    plain = WorkingCalendar("Europe/Paris", OFFICE, None)
    assert hours_between(plain, paris(2026, 4, 30, 15), paris(2026, 5, 4, 11)) == 12
    extra = WorkingCalendar("Europe/Paris", OFFICE, None, extra_holidays=(dt.date(2026, 5, 4),))
    assert hours_between(extra, paris(2026, 4, 30, 15), paris(2026, 5, 4, 11)) == 10


def test_a_working_day_is_eight_hours_across_a_dst_change() -> None:
    # Paris moves to summer time on Sun 29 March 2026: Fri 16:00 CET -> Mon 10:00 CEST is 1 h + 1 h
    assert hours_between(OFFICE_FR, paris(2026, 3, 27, 16), paris(2026, 3, 30, 10)) == 2
    assert hours_between(OFFICE_FR, paris(2026, 3, 30, 9), paris(2026, 3, 30, 17)) == 8
    assert hours_between(OFFICE_FR, paris(2026, 10, 26, 9), paris(2026, 10, 26, 17)) == 8  # back to CET
    # an 8-hour goal from Fri 16:00 CET is due Mon 16:00 CEST (14:00 UTC)
    assert due(OFFICE_FR, paris(2026, 3, 27, 16), 8) == dt.datetime(2026, 3, 30, 14, tzinfo=dt.UTC)


def test_24x7_counts_real_time_including_the_short_day() -> None:
    always = WorkingCalendar("Europe/Paris", ALWAYS, "FR")
    assert hours_between(always, paris(2026, 3, 28, 12), paris(2026, 3, 29, 12)) == 23
    assert hours_between(always, paris(2026, 10, 24, 12), paris(2026, 10, 25, 12)) == 25
    assert due(always, paris(2026, 3, 28, 12), 23) == paris(2026, 3, 29, 12)


def test_outside_hours_and_reversed_pairs() -> None:
    # Sat -> Sun counts nothing; b before a counts 0; a due date from the weekend starts on Monday morning
    assert hours_between(OFFICE_FR, paris(2026, 3, 7, 10), paris(2026, 3, 8, 10)) == 0
    assert hours_between(OFFICE_FR, paris(2026, 3, 10, 10), paris(2026, 3, 9, 10)) == 0
    assert due(OFFICE_FR, paris(2026, 3, 7, 10), 1) == paris(2026, 3, 9, 10)
    assert due(OFFICE_FR, paris(2026, 3, 9, 12), 0) == paris(2026, 3, 9, 12)
    split = WorkingCalendar("UTC", tuple(((540, 720), (780, 1020)) if d < 5 else () for d in range(7)))
    assert (
        hours_between(split, dt.datetime(2026, 3, 9, 11, tzinfo=dt.UTC), dt.datetime(2026, 3, 9, 14, tzinfo=dt.UTC))
        == 2
    )


def test_nulls_give_nan() -> None:
    a = pl.Series([paris(2026, 3, 9, 9), None], dtype=pl.Datetime("us", "UTC"))
    b = series(paris(2026, 3, 9, 10), paris(2026, 3, 9, 10))
    out = business_between(OFFICE_FR, a, b)
    assert out[0] == 3600 and np.isnan(out[1])


moments = st.datetimes(
    min_value=dt.datetime(2025, 1, 1),  # noqa: DTZ001 - hypothesis takes naive bounds, then the zone
    max_value=dt.datetime(2027, 12, 31),  # noqa: DTZ001
    timezones=st.just(dt.UTC),
)


@settings(max_examples=60, deadline=None)
@given(a=moments, b=moments, c=moments)
def test_business_time_is_additive_and_due_dates_invert_it(a: dt.datetime, b: dt.datetime, c: dt.datetime) -> None:
    a, b, c = sorted((a, b, c))
    ab, bc, ac = (hours_between(OFFICE_FR, x, y) for x, y in ((a, b), (b, c), (a, c)))
    assert ab + bc == pytest.approx(ac)
    assert 0 <= ac * 3600 <= (c - a).total_seconds()
    back = due(OFFICE_FR, a, ac)
    assert hours_between(OFFICE_FR, a, back) == pytest.approx(ac) and back <= c
