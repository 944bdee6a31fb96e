"""Day bucketing in a time zone: the fast midnight-table method agrees with converting every instant."""

from __future__ import annotations

import datetime as dt

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from cadence.analytics.days import local_day

ZONES = [
    "Europe/Paris",
    "America/Santiago",  # DST changes at midnight: some midnights do not exist
    "America/Havana",  # midnight DST changes too
    "Asia/Kolkata",  # +05:30
    "Asia/Kathmandu",  # +05:45
    "Australia/Lord_Howe",  # a 30-minute DST shift
    "Pacific/Chatham",  # +12:45/+13:45
    "America/St_Johns",  # -03:30/-02:30
]
SECONDS = st.integers(
    int(dt.datetime(1995, 1, 1, tzinfo=dt.UTC).timestamp()), int(dt.datetime(2035, 1, 1, tzinfo=dt.UTC).timestamp())
)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(ZONES), st.lists(st.one_of(st.none(), SECONDS), min_size=1, max_size=200))
def test_local_days_match_per_instant_conversion(tz: str, seconds: list[int | None]) -> None:
    frame = pl.DataFrame({"at": [None if s is None else s * 1_000_000 for s in seconds]}, schema={"at": pl.Int64})
    frame = frame.with_columns(pl.col("at").cast(pl.Datetime("us", "UTC")))
    fast = frame.select(local_day(pl.col("at"), tz)).to_series()
    slow = frame.select(pl.col("at").dt.convert_time_zone(tz).dt.date().cast(pl.Int32)).to_series()
    assert fast.to_list() == slow.to_list()


def test_local_days_around_dst_changes_and_at_midnight_exactly() -> None:
    instants = [
        dt.datetime(2024, 3, 30, 23, 0, tzinfo=dt.UTC),  # 00:00 on the 31st in Paris (UTC+1)
        dt.datetime(2024, 3, 30, 22, 59, 59, 999999, tzinfo=dt.UTC),  # still the 30th
        dt.datetime(2024, 3, 31, 22, 0, tzinfo=dt.UTC),  # 00:00 on 1 April (UTC+2)
        dt.datetime(2024, 10, 26, 22, 0, tzinfo=dt.UTC),  # 00:00 on 27 October (UTC+2)
        dt.datetime(2024, 10, 27, 23, 0, tzinfo=dt.UTC),  # 00:00 on the 28th (UTC+1): the 27th had 25 hours
    ]
    frame = pl.DataFrame({"at": instants})
    days = frame.select(local_day(pl.col("at"), "Europe/Paris").cast(pl.Date)).to_series().to_list()
    assert days == [
        dt.date(2024, 3, 31),
        dt.date(2024, 3, 30),
        dt.date(2024, 4, 1),
        dt.date(2024, 10, 27),
        dt.date(2024, 10, 28),
    ]
