"""Calendar days in the team's time zone: bucketing instants into days, zero-filled daily and weekly series.

A day is a calendar date in the team's time zone, so an item finished at 00:30 in Paris on a DST Sunday counts
on that Sunday even though it is still Saturday in UTC. Days are handled as Int32 "epoch days" (days since
1970-01-01) so that bucketing is integer arithmetic over whole columns.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from functools import partial

import numpy as np
import numpy.typing as npt
import polars as pl

__all__ = [
    "DAY_US",
    "as_day",
    "as_utc",
    "calendar_days",
    "check_time_zone",
    "counts_per_day",
    "day_range",
    "end_of_day_levels",
    "epoch_day",
    "fractional_days",
    "instant",
    "local_day",
]

_EPOCH = dt.date(1970, 1, 1)
_EPOCH_UTC = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
DAY_US = 86_400_000_000
_NEVER = np.iinfo(np.int32).max


def check_time_zone(tz: str) -> str:
    """Return ``tz`` when it is an IANA time zone name, else a ValueError naming it."""
    if tz == "UTC":
        return tz
    try:
        zoneinfo.ZoneInfo(tz)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"time zone '{tz}' is not an IANA time zone name such as 'Europe/Paris'") from None
    return tz


def epoch_day(day: dt.date) -> int:
    return (day - _EPOCH).days


def as_day(value: dt.date, tz: str) -> dt.date:
    """A date as given; an aware datetime as its calendar date in ``tz``."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise ValueError(f"datetime {value.isoformat()} has no time zone; pass an aware datetime")
        return value.astimezone(zoneinfo.ZoneInfo(tz)).date()
    return value


def as_utc(value: dt.datetime, name: str = "now") -> dt.datetime:
    """An aware datetime in UTC; a naive one is refused, since guessing its zone would shift every duration."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} = {value.isoformat()} has no time zone; pass an aware datetime")
    return value.astimezone(dt.UTC)


def instant(value: dt.datetime) -> pl.Expr:
    """A literal of the frames' timestamp type (microseconds, UTC)."""
    return pl.lit(as_utc(value), dtype=pl.Datetime("us", "UTC"))


def local_day(expr: pl.Expr, tz: str) -> pl.Expr:
    """Epoch day (Int32) of each UTC instant in ``expr`` as seen on a wall calendar in ``tz``."""
    if tz == "UTC":
        return expr.dt.epoch("d").cast(pl.Int32)
    return expr.map_batches(partial(_local_days, tz=tz), return_dtype=pl.Int32, is_elementwise=True)


def _local_days(values: pl.Series, tz: str) -> pl.Series:
    """Calendar days in ``tz`` by comparison with the zone's midnights, not per-value time-zone arithmetic.

    A guess with one fixed offset is at most a day off; comparing with the true UTC instants of that day's and the
    next day's local midnights (a table of one entry per day, DST included) settles it. Ten times faster than
    converting every instant, and exact.
    """
    us = values.dt.epoch("us")
    if us.null_count() == len(us):
        return us.cast(pl.Int32)
    low, high = int(us.min()), int(us.max())  # type: ignore[arg-type]
    first, last = low // DAY_US - 2, high // DAY_US + 3
    midnights = _midnights(first, last, tz)
    offset = first * DAY_US - int(midnights[0])  # the zone's offset at the start: any offset would do
    instants = us.fill_null(low).to_numpy()
    guess = (instants + offset) // DAY_US
    row = guess - first
    days = guess - (instants < midnights[row]) + (instants >= midnights[row + 1])
    out = pl.Series(values.name, days.astype(np.int32))
    return out if not us.null_count() else out.scatter(us.is_null().arg_true(), None)


def _midnights(first: int, last: int, tz: str) -> npt.NDArray[np.int64]:
    """UTC instants (microseconds) at which epoch days ``first`` .. ``last`` begin in ``tz``.

    A midnight that falls in a DST gap (Santiago, some years) does not exist: that day begins at the jump, which
    is what Python's zoneinfo gives a non-existent wall time (fold=0); those few days are asked of it directly.
    """
    dates = pl.date_range(_EPOCH + dt.timedelta(days=first), _EPOCH + dt.timedelta(days=last), "1d", eager=True)
    local = dates.cast(pl.Datetime("us")).dt.replace_time_zone(tz, ambiguous="earliest", non_existent="null")
    out = local.dt.epoch("us").fill_null(0).to_numpy().astype(np.int64)
    zone = zoneinfo.ZoneInfo(tz)
    for k in local.is_null().arg_true().to_list():  # DST gaps at midnight: a few days in a decade, if any
        start = dt.datetime.combine(dates[k], dt.time(), tzinfo=zone)
        out[k] = int((start - _EPOCH_UTC) // dt.timedelta(microseconds=1))
    return out


def fractional_days(start: pl.Expr, end: pl.Expr) -> pl.Expr:
    """Elapsed time from ``start`` to ``end`` in days of 24 hours."""
    return (end - start).dt.total_microseconds() / DAY_US


def calendar_days(start: pl.Expr, end: pl.Expr, tz: str) -> pl.Expr:
    """Whole calendar days from ``start`` to ``end`` inclusive in ``tz`` (same date = 1)."""
    return local_day(end, tz) - local_day(start, tz) + 1


def day_range(start: dt.date, end: dt.date) -> pl.Series:
    """Every date from ``start`` to ``end`` inclusive."""
    if end < start:
        raise ValueError(f"the range ends ({end.isoformat()}) before it starts ({start.isoformat()})")
    return pl.Series("date", pl.date_range(start, end, "1d", eager=True))


def counts_per_day(days: npt.NDArray[np.int32] | pl.Series, start: dt.date, end: dt.date) -> npt.NDArray[np.int64]:
    """How many of ``days`` (epoch days; nulls ignored) fall on each date of [start, end], zero-filled."""
    arr = _days(days)
    first, n = epoch_day(start), (end - start).days + 1
    offset = arr.astype(np.int64) - first
    offset = offset[(offset >= 0) & (offset < n)]
    return np.bincount(offset, minlength=n).astype(np.int64)


def end_of_day_levels(
    enter: npt.NDArray[np.int32] | pl.Series,
    leave: npt.NDArray[np.int32] | pl.Series,
    start: dt.date,
    end: dt.date,
    groups: npt.NDArray[np.integer] | None = None,
    n_groups: int = 1,
) -> npt.NDArray[np.int64]:
    """How many spans are open at the end of each day of [start, end], per group: shape (n_groups, days).

    A span entered on day ``a`` and left on day ``b`` (null = still open) counts on days ``a .. b-1``: it is open at
    the end of day D when it was entered before midnight and left at or after it. Spans left on the day they were
    entered never count. A span whose leave day is before its enter day counts nowhere.
    """
    first, n = epoch_day(start), (end - start).days + 1
    width = n + 1
    a = _offsets(enter, first, n)
    b = _offsets(leave, first, n)
    np.maximum(a, b, out=b)
    if groups is not None:
        base = groups.astype(np.int64) * width
        a += base
        b += base
    delta = np.bincount(a, minlength=n_groups * width) - np.bincount(b, minlength=n_groups * width)
    return np.cumsum(delta.reshape(n_groups, width)[:, :n], axis=1)


def _offsets(days: npt.NDArray[np.int32] | pl.Series, first: int, n: int) -> npt.NDArray[np.int64]:
    """Day offsets from ``first`` clamped to [0, n] (n = after the range; nulls = never)."""
    out = _days(days, fill=_NEVER).astype(np.int64)
    out -= first
    np.maximum(out, 0, out=out)
    np.minimum(out, n, out=out)
    return out


def _days(days: npt.NDArray[np.int32] | pl.Series, fill: int | None = None) -> npt.NDArray[np.int32]:
    if isinstance(days, pl.Series):
        days = days.fill_null(fill) if fill is not None else days.drop_nulls()
        return days.cast(pl.Int32).to_numpy()
    return days
