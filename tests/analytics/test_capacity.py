"""Sprint capacity, hand-checked: a French sprint with three public holidays, a part-timer and half days off."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from cadence.analytics.capacity import (
    interrupt_load,
    member_capacity,
    points_per_person_day,
    public_holidays,
    sprint_capacity,
    sprint_dates,
    working_days,
)
from cadence.analytics.unplanned import unplanned_share

from .histories import ts

D = dt.date
# Monday 29 April to Friday 10 May 2024: ten weekdays, of which 1 May (Labour Day), 8 May (Victory Day) and
# 9 May (Ascension) are French public holidays: 7 working days.
START, END = D(2024, 4, 29), D(2024, 5, 10)
FR = public_holidays("FR", START, END)


def members() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "person_id": [1, 2, 3],
            "name": ["Ann", "Bo", "Cy"],
            "part_time": [None, 0.6, 1.0],
            "focus_factor": [None, None, 0.5],
        }
    )


def time_off() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "person_id": [1, 1, 2, 2, 3],
            # Ann: Thursday 2 May off, Friday 10 May afternoon off (1.5 days).
            # Bo: Tuesday 7 May to Thursday 9 May, but 8 and 9 May are holidays (1 day); the entry on Sunday 5 May
            # costs nothing. Cy: a half day and a whole day on the same date count once (1 day), plus a range that
            # starts before the sprint (only Monday 29 April is inside: 1 day).
            "start_on": [D(2024, 5, 2), D(2024, 5, 10), D(2024, 5, 7), D(2024, 5, 5), D(2024, 4, 22)],
            "end_on": [D(2024, 5, 2), D(2024, 5, 10), D(2024, 5, 9), D(2024, 5, 5), D(2024, 4, 29)],
            "day_fraction": [1.0, 0.5, None, 1.0, 1.0],
        }
    )


def test_the_team_country_public_holidays_come_from_the_holidays_package() -> None:
    assert FR == (D(2024, 5, 1), D(2024, 5, 8), D(2024, 5, 9))  # noqa: SIM300
    assert working_days(START, END) == 10
    assert working_days(START, END, holidays=FR) == 7
    assert working_days(START, END, holidays=FR, weekdays=(0, 1, 2, 3)) == 5  # a four-day week: no Fridays
    with pytest.raises(ValueError, match="country 'XX'"):
        public_holidays("XX", START, END)


def test_member_capacity_takes_off_holidays_and_time_off_then_scales_by_part_time_and_focus() -> None:
    cy_double = pl.DataFrame({"person_id": [3], "start_on": [D(2024, 5, 3)], "end_on": [D(2024, 5, 3)]})
    off = pl.concat([time_off(), cy_double.with_columns(day_fraction=pl.lit(0.5))], how="vertical_relaxed")
    off = pl.concat([off, cy_double.with_columns(day_fraction=pl.lit(1.0))], how="vertical_relaxed")
    rows = member_capacity(members(), off, start=START, end=END, holidays=FR, focus_factor=0.8).to_dicts()
    ann, bo, cy = rows
    assert (ann["working_days"], ann["time_off_days"], ann["available_days"]) == (7, 1.5, 5.5)
    assert ann["capacity_days"] == pytest.approx(5.5 * 1.0 * 0.8)  # 4.4
    assert (bo["time_off_days"], bo["available_days"], bo["part_time"]) == (1.0, 6.0, 0.6)
    assert bo["capacity_days"] == pytest.approx(6.0 * 0.6 * 0.8)  # 2.88
    # Cy: 29 April (the range reaching into the sprint) and 3 May (half + whole = one day): 2 days off, own focus.
    assert (cy["time_off_days"], cy["available_days"], cy["focus_factor"]) == (2.0, 5.0, 0.5)
    assert cy["capacity_days"] == pytest.approx(2.5)


def test_a_member_without_time_off_has_every_working_day() -> None:
    empty = pl.DataFrame(schema={"person_id": pl.Int64, "start_on": pl.Date, "end_on": pl.Date})
    rows = member_capacity(members().head(1), empty, start=START, end=END, holidays=FR).to_dicts()
    assert rows == [
        {
            "person_id": 1,
            "name": "Ann",
            "working_days": 7,
            "time_off_days": 0.0,
            "available_days": 7.0,
            "part_time": 1.0,
            "focus_factor": 1.0,
            "capacity_days": 7.0,
        }
    ]


def test_bad_fractions_are_refused_with_the_person_named() -> None:
    with pytest.raises(ValueError, match=r"person 2 has part_time 1\.5"):
        member_capacity(members().with_columns(part_time=pl.Series([1.0, 1.5, 1.0])), time_off(), start=START, end=END)
    with pytest.raises(ValueError, match=r"person 1 has day_fraction 2\.0"):
        member_capacity(members(), time_off().with_columns(day_fraction=pl.lit(2.0)), start=START, end=END)


def per_sprint_unplanned() -> pl.DataFrame:
    """Five closed sprints whose unplanned shares by points are 0.1, 0.3, 0.2, 0.5, 0.25, plus the active sprint."""
    windows = pl.DataFrame(
        {"sprint_id": [1, 2, 3, 4, 5, 6], "name": [f"S{i}" for i in range(1, 7)], "closed": [True] * 5 + [False]}
    )
    completed = [(1, 10.0, 1.0), (2, 10.0, 3.0), (3, 20.0, 4.0), (4, 8.0, 4.0), (5, 12.0, 3.0), (6, 5.0, 5.0)]
    rows = pl.DataFrame(
        [
            {"sprint_id": s, "completed": True, "unplanned": unplanned, "points_at_close": points}
            for s, total, unplanned_points in completed
            for unplanned, points in ((False, total - unplanned_points), (True, unplanned_points))
        ]
    )
    return unplanned_share(rows, windows)


def test_interrupt_load_is_the_nearest_rank_band_of_recent_unplanned_shares() -> None:
    load = interrupt_load(per_sprint_unplanned(), sprints=4)
    # The last four closed sprints (the active one is left out): 0.3, 0.2, 0.5, 0.25 -> sorted 0.2, 0.25, 0.3, 0.5.
    assert load.sprints["sprint_id"].to_list() == [2, 3, 4, 5]
    assert load.sprints["share"].to_list() == pytest.approx([0.3, 0.2, 0.5, 0.25])
    assert load.p50 == pytest.approx(0.25)  # rank ceil(0.5 * 4) = 2
    assert load.p85 == pytest.approx(0.5)  # rank ceil(0.85 * 4) = 4
    by_count = interrupt_load(per_sprint_unplanned(), sprints=6, basis="count")
    assert by_count.p50 == pytest.approx(0.5)  # one unplanned item of two in every sprint
    none = interrupt_load(per_sprint_unplanned().filter(pl.col("sprint_id") == 6))
    assert (none.p50, none.p85, none.sprints.height) == (None, None, 0)


def test_points_per_person_day_pools_recent_closed_sprints() -> None:
    history = pl.DataFrame(
        {
            "closed": [True, True, True, False],
            "completed_points": [30.0, 10.0, 20.0, 99.0],
            "capacity_days": [40.0, 10.0, 20.0, 5.0],
        }
    )
    assert points_per_person_day(history, sprints=2) == pytest.approx(30.0 / 30.0)
    assert points_per_person_day(history) == pytest.approx(60.0 / 70.0)
    assert points_per_person_day(history.filter(~pl.col("closed"))) is None


def test_team_capacity_in_person_days_points_and_net_of_the_interrupt_band() -> None:
    load = interrupt_load(per_sprint_unplanned(), sprints=4)  # P50 0.25, P85 0.5
    plan = sprint_capacity(
        members(), time_off(), start=START, end=END, holidays=FR, focus_factor=0.8, points_per_day=1.25, interrupt=load
    )
    # Ann 5.5 x 1 x 0.8 = 4.4; Bo 6 x 0.6 x 0.8 = 2.88; Cy (29 April off) 6 x 1 x 0.5 = 3.0.
    assert plan.members["capacity_days"].to_list() == pytest.approx([4.4, 2.88, 3.0])
    assert (plan.working_days, plan.holidays) == (7, FR)
    assert plan.person_days == pytest.approx(10.28)
    assert plan.points == pytest.approx(12.85)
    assert plan.net_person_days_p50 == pytest.approx(10.28 * 0.75)
    assert plan.net_person_days_p85 == pytest.approx(10.28 * 0.5)
    assert plan.net_points_p50 == pytest.approx(12.85 * 0.75)
    assert plan.net_points_p85 == pytest.approx(12.85 * 0.5)
    bare = sprint_capacity(members(), time_off(), start=START, end=END)
    assert (bare.points, bare.net_person_days_p50, bare.net_points_p85) == (None, None, None)
    assert bare.working_days == 10


def test_sprint_dates_are_team_local_and_a_midnight_end_excludes_its_day() -> None:
    paris = dt.timezone(dt.timedelta(hours=2))
    # Monday 29 April 08:00 Paris to Saturday 11 May 00:00 Paris: the last day is Friday 10 May.
    assert sprint_dates(ts(2024, 4, 29, 6), ts(2024, 5, 10, 22), "Europe/Paris") == (START, END)
    assert sprint_dates(ts(2024, 4, 29, 8, tz=paris), ts(2024, 5, 11, 0, tz=paris), "Europe/Paris") == (START, END)
    # The same instants in UTC end on 10 May at 22:00, still 10 May.
    assert sprint_dates(ts(2024, 4, 28, 23), ts(2024, 5, 10, 22), "UTC") == (D(2024, 4, 28), END)
