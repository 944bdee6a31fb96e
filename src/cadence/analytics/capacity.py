"""Sprint capacity: who is available for how many days, and how much of that the interrupts usually take.

Capacity is planned in **person-days**: the working days of the sprint (weekdays in the team's time zone, minus the
public holidays of the team's country, from the ``holidays`` package) less each member's time off, scaled by their
part-time fraction and a focus factor (the share of a day that goes to sprint work at all). A points rate measured on
past sprints turns person-days into points, and the measured interrupt load (unplanned and support work, as
``unplanned_share`` defines it) gives what is left for planned work, as a P50/P85 band.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import holidays as holiday_rules
import numpy as np
import numpy.typing as npt
import polars as pl

from cadence.analytics.days import as_day, check_time_zone
from cadence.analytics.percentiles import nearest_rank

__all__ = [
    "MEMBERS",
    "TIME_OFF",
    "WEEKDAYS",
    "InterruptLoad",
    "TeamCapacity",
    "interrupt_load",
    "member_capacity",
    "points_per_person_day",
    "public_holidays",
    "sprint_capacity",
    "sprint_dates",
    "working_days",
]

WEEKDAYS: tuple[int, ...] = (0, 1, 2, 3, 4)
"""Monday to Friday, as ``datetime.date.weekday()`` numbers."""

MEMBERS: dict[str, pl.DataType | type[pl.DataType]] = {
    "person_id": pl.Int64,
    "name": pl.String,
    "part_time": pl.Float64,  # share of a full-time week worked (1.0 = full time); null = 1.0
    "focus_factor": pl.Float64,  # null = the team's focus factor
}

TIME_OFF: dict[str, pl.DataType | type[pl.DataType]] = {
    "person_id": pl.Int64,
    "start_on": pl.Date,
    "end_on": pl.Date,  # inclusive
    "day_fraction": pl.Float64,  # 1.0 whole days, 0.5 half days; null = 1.0
}
"""Paid time off: one row per entry, a range of dates (both included) off for ``day_fraction`` of each day."""


def sprint_dates(start_at: dt.datetime, end_at: dt.datetime, tz: str = "UTC") -> tuple[dt.date, dt.date]:
    """The team-local dates a sprint covers: from the date of its start to the date of the last instant before its end
    (a sprint ending at midnight does not cover the day that midnight begins)."""
    check_time_zone(tz)
    last = as_day(end_at - dt.timedelta(microseconds=1), tz)
    first = as_day(start_at, tz)
    if last < first:
        raise ValueError(f"the sprint ends ({end_at.isoformat()}) before it starts ({start_at.isoformat()})")
    return first, last


def public_holidays(
    country: str, start: dt.date, end: dt.date, *, subdivision: str | None = None
) -> tuple[dt.date, ...]:
    """The public holidays of ``country`` (ISO 3166 code, optionally a ``subdivision`` such as a German state) that fall
    on dates of [start, end], from the ``holidays`` package; ValueError names an unknown country."""
    try:
        rules = holiday_rules.country_holidays(country, subdiv=subdivision, years=range(start.year, end.year + 1))
    except NotImplementedError:
        where = f"{country}/{subdivision}" if subdivision else country
        raise ValueError(
            f"no public-holiday calendar for country '{where}'; use an ISO 3166 code such as 'FR'"
        ) from None
    return tuple(sorted(day for day in rules if start <= day <= end))


def working_days(
    start: dt.date, end: dt.date, *, holidays: Iterable[dt.date] = (), weekdays: Sequence[int] = WEEKDAYS
) -> int:
    """Dates of [start, end] that fall on a working weekday and are not public holidays."""
    if end < start:
        raise ValueError(f"the range ends ({end.isoformat()}) before it starts ({start.isoformat()})")
    return int(
        np.busday_count(start, end + dt.timedelta(days=1), weekmask=_weekmask(weekdays), holidays=list(holidays))
    )


def member_capacity(
    members: pl.DataFrame,
    time_off: pl.DataFrame,
    *,
    start: dt.date,
    end: dt.date,
    holidays: Iterable[dt.date] = (),
    weekdays: Sequence[int] = WEEKDAYS,
    focus_factor: float = 1.0,
) -> pl.DataFrame:
    """**Member capacity** for a window of dates [start, end] (the sprint, in the team's time zone): its **working
    days** are the dates on a working weekday (Monday to Friday by default) that are not public holidays of the team's
    country. **Time off** is the working days of the window covered by the member's PTO entries, each entry counting
    its ``day_fraction`` (1 for whole days, 0.5 for half days) on every working day of its date range, at most one day
    per date however many entries overlap; time off on weekends or public holidays costs nothing. **Available days**
    = working days - time off; **capacity** (person-days) = available days x part-time fraction x focus factor (the
    member's, else the team's).

    One row per member (in ``members`` order): person_id, name, working_days, time_off_days, available_days,
    part_time, focus_factor, capacity_days.
    """
    if end < start:
        raise ValueError(f"the sprint ends ({end.isoformat()}) before it starts ({start.isoformat()})")
    if not 0 < focus_factor <= 1:
        raise ValueError(f"focus factor {focus_factor} is outside (0, 1]")
    off_dates = list(holidays)
    mask = _weekmask(weekdays)
    days = working_days(start, end, holidays=off_dates, weekdays=weekdays)
    off = _time_off_days(time_off, start, end, off_dates, mask)
    roster = members.select(
        pl.col("person_id").cast(pl.Int64),
        (pl.col("name") if "name" in members.columns else pl.lit(None, pl.String)).cast(pl.String).alias("name"),
        _column(members, "part_time").fill_null(1.0).alias("part_time"),
        _column(members, "focus_factor").fill_null(focus_factor).alias("focus_factor"),
    )
    bad = roster.filter(
        ~pl.col("part_time").is_between(0.0, 1.0, closed="right")
        | ~pl.col("focus_factor").is_between(0.0, 1.0, closed="right")
    )
    if bad.height:
        person = bad.row(0, named=True)
        raise ValueError(
            f"person {person['person_id']} has part_time {person['part_time']} and focus_factor "
            f"{person['focus_factor']}; both must be in (0, 1]"
        )
    return (
        roster.join(off, on="person_id", how="left", maintain_order="left")
        .with_columns(pl.lit(days, pl.Int64).alias("working_days"), pl.col("time_off_days").fill_null(0.0))
        .with_columns((pl.col("working_days") - pl.col("time_off_days")).alias("available_days"))
        .select(
            "person_id",
            "name",
            "working_days",
            "time_off_days",
            "available_days",
            "part_time",
            "focus_factor",
            (pl.col("available_days") * pl.col("part_time") * pl.col("focus_factor")).alias("capacity_days"),
        )
    )


@dataclass(frozen=True)
class InterruptLoad:
    """The interrupt share of recent sprints: per sprint and as a nearest-rank P50/P85 band (None without sprints)."""

    basis: Literal["points", "count"]
    sprints: pl.DataFrame  # sprint_id, name, share
    p50: float | None
    p85: float | None


def interrupt_load(
    per_sprint: pl.DataFrame, *, sprints: int = 6, basis: Literal["points", "count"] = "points"
) -> InterruptLoad:
    """**Interrupt load** of a sprint is its unplanned share (``unplanned_share``): of the work completed in it, the
    share that was added after the sprint started or is unplanned by nature (incidents, support), by points at close
    (or by count). Over the last ``sprints`` closed sprints whose share is defined (they completed some points, or some
    items by count), the band is the nearest-rank P50 and P85 of those shares: in 85% of recent sprints interrupts took
    at most the P85 share.

    ``per_sprint`` is ``unplanned_share``'s frame (sprints in start order).
    """
    if sprints < 1:
        raise ValueError(f"interrupt load needs at least one sprint, not {sprints}")
    column = "share_points" if basis == "points" else "share_count"
    recent = (
        per_sprint.filter(pl.col("closed") & pl.col(column).is_not_null())
        .select("sprint_id", "name", pl.col(column).alias("share"))
        .tail(sprints)
    )
    levels = nearest_rank(recent["share"], (50, 85))
    return InterruptLoad(basis=basis, sprints=recent, p50=levels[50], p85=levels[85])


def points_per_person_day(per_sprint: pl.DataFrame, *, sprints: int = 6) -> float | None:
    """**Points per person-day**: over the last ``sprints`` closed sprints with capacity, the completed points
    (velocity: all completed work, planned or not) divided by the capacity in person-days those sprints had; pooled
    (sum over sum), so a short sprint weighs less. None without such sprints.

    ``per_sprint``: closed, completed_points, capacity_days (``member_capacity`` summed per sprint), in start order.
    """
    recent = per_sprint.filter(pl.col("closed") & (pl.col("capacity_days") > 0)).tail(sprints)
    days = float(recent["capacity_days"].sum())
    return float(recent["completed_points"].fill_null(0.0).sum()) / days if days > 0 else None


@dataclass(frozen=True)
class TeamCapacity:
    """A sprint's capacity: per member, in total, in points, and net of the interrupt band (None when unknown)."""

    start: dt.date
    end: dt.date
    working_days: int
    holidays: tuple[dt.date, ...]
    members: pl.DataFrame
    person_days: float
    points_per_person_day: float | None
    points: float | None
    interrupt: InterruptLoad | None
    net_person_days_p50: float | None
    net_person_days_p85: float | None
    net_points_p50: float | None
    net_points_p85: float | None


def sprint_capacity(
    members: pl.DataFrame,
    time_off: pl.DataFrame,
    *,
    start: dt.date,
    end: dt.date,
    holidays: Iterable[dt.date] = (),
    weekdays: Sequence[int] = WEEKDAYS,
    focus_factor: float = 1.0,
    points_per_day: float | None = None,
    interrupt: InterruptLoad | None = None,
) -> TeamCapacity:
    """**Team capacity** is the sum of the members' capacity in person-days; in points, times the points per
    person-day measured on past sprints. **Capacity net of interrupts** keeps what the interrupt band leaves for planned
    work: capacity x (1 - P50 interrupt load) is the typical sprint, capacity x (1 - P85 interrupt load) the one to
    commit to (85% of recent sprints left at least that much).
    """
    holidays_in = tuple(sorted({d for d in holidays if start <= d <= end}))
    per_member = member_capacity(
        members, time_off, start=start, end=end, holidays=holidays_in, weekdays=weekdays, focus_factor=focus_factor
    )
    person_days = float(per_member["capacity_days"].sum())
    rate = points_per_day
    p50 = interrupt.p50 if interrupt is not None else None
    p85 = interrupt.p85 if interrupt is not None else None
    return TeamCapacity(
        start=start,
        end=end,
        working_days=working_days(start, end, holidays=holidays_in, weekdays=weekdays),
        holidays=holidays_in,
        members=per_member,
        person_days=person_days,
        points_per_person_day=rate,
        points=_times(person_days, rate),
        interrupt=interrupt,
        net_person_days_p50=_net(person_days, p50),
        net_person_days_p85=_net(person_days, p85),
        net_points_p50=_times(_net(person_days, p50), rate),
        net_points_p85=_times(_net(person_days, p85), rate),
    )


def _net(days: float, share: float | None) -> float | None:
    return days * (1.0 - share) if share is not None else None


def _times(value: float | None, rate: float | None) -> float | None:
    return value * rate if value is not None and rate is not None else None


def _weekmask(weekdays: Sequence[int]) -> str:
    if not weekdays or any(d not in range(7) for d in weekdays):
        raise ValueError(f"working weekdays {list(weekdays)} must be a non-empty list of 0 (Monday) .. 6 (Sunday)")
    return "".join("1" if d in weekdays else "0" for d in range(7))


def _column(frame: pl.DataFrame, name: str) -> pl.Expr:
    return pl.col(name).cast(pl.Float64) if name in frame.columns else pl.lit(None, pl.Float64)


def _time_off_days(
    time_off: pl.DataFrame, start: dt.date, end: dt.date, holidays: list[dt.date], weekmask: str
) -> pl.DataFrame:
    """Per person: working days of [start, end] off, each date counted at most once (entries exploded into dates)."""
    fraction = _column(time_off, "day_fraction").fill_null(1.0)
    entries = time_off.select(
        pl.col("person_id").cast(pl.Int64),
        pl.max_horizontal(pl.col("start_on"), pl.lit(start)).alias("_from"),
        pl.min_horizontal(pl.col("end_on"), pl.lit(end)).alias("_to"),
        fraction.alias("fraction"),
    ).filter(pl.col("_from") <= pl.col("_to"))
    bad = entries.filter(~pl.col("fraction").is_between(0.0, 1.0, closed="right"))
    if bad.height:
        entry = bad.row(0, named=True)
        raise ValueError(f"time off of person {entry['person_id']} has day_fraction {entry['fraction']}; use (0, 1]")
    dates = entries.select("person_id", pl.date_ranges("_from", "_to", "1d").alias("date"), "fraction").explode("date")
    working = _is_working(dates["date"], holidays, weekmask)
    return (
        dates.filter(pl.Series(working))
        .group_by("person_id", "date")
        .agg(pl.col("fraction").sum().clip(upper_bound=1.0))
        .group_by("person_id")
        .agg(pl.col("fraction").sum().alias("time_off_days"))
    )


def _is_working(dates: pl.Series, holidays: list[dt.date], weekmask: str) -> npt.NDArray[np.bool_]:
    if not len(dates):
        return np.zeros(0, dtype=bool)
    days = dates.to_numpy().astype("datetime64[D]")
    return np.asarray(np.is_busday(days, weekmask=weekmask, holidays=holidays), dtype=bool)
