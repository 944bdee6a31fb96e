"""Throughput, WIP, CFD, net flow and age on hand-computed histories, in UTC and across a DST change."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from cadence.analytics.age import work_item_age
from cadence.analytics.cfd import cfd
from cadence.analytics.cycle_time import cycle_times
from cadence.analytics.days import check_time_zone
from cadence.analytics.net_flow import net_flow
from cadence.analytics.throughput import throughput
from cadence.analytics.wip import wip
from cadence.analytics.workflow import DEFAULT_WORKFLOW

from .histories import Team, row, ts

D = dt.date


def dst_team() -> Team:
    """Paris moves to summer time on 2024-03-31 at 02:00 (UTC+1 -> UTC+2): that day lasts 23 hours."""
    return (
        Team()
        # Starts 00:30 Paris on the 31st (still the 30th in UTC); done 23:59 Paris on the 31st.
        .item(1, ts(2024, 3, 20), [(ts(2024, 3, 30, 23, 30), "Ready"), (ts(2024, 3, 31, 21, 59), "Done")])
        # Starts 23:30 Paris on the 30th; done 00:30 Paris on 1 April (22:30 UTC on the 31st).
        .item(2, ts(2024, 3, 20), [(ts(2024, 3, 30, 22, 30), "Ready"), (ts(2024, 3, 31, 22, 30), "Done")])
    )


def test_calendar_days_follow_the_team_time_zone_across_dst() -> None:
    milestones = dst_team().milestones()
    paris = cycle_times(milestones, tz="Europe/Paris")
    utc = cycle_times(milestones, tz="UTC")
    assert row(paris, 1)["cycle_time_calendar_days"] == 1 and row(utc, 1)["cycle_time_calendar_days"] == 2
    assert row(paris, 2)["cycle_time_calendar_days"] == 3 and row(utc, 2)["cycle_time_calendar_days"] == 2
    # Elapsed time ignores wall clocks: 22h29m and exactly 24h.
    assert row(paris, 1)["cycle_time_days"] == pytest.approx((22 * 60 + 29) / 1440)
    assert row(paris, 2)["cycle_time_days"] == 1.0


def test_throughput_is_bucketed_by_the_team_days_across_dst() -> None:
    milestones = dst_team().milestones()
    paris = throughput(milestones, start=D(2024, 3, 30), end=D(2024, 4, 1), tz="Europe/Paris")
    utc = throughput(milestones, start=D(2024, 3, 30), end=D(2024, 4, 1), tz="UTC")
    assert paris.rows() == [(D(2024, 3, 30), 0), (D(2024, 3, 31), 1), (D(2024, 4, 1), 1)]
    assert utc.rows() == [(D(2024, 3, 30), 0), (D(2024, 3, 31), 2), (D(2024, 4, 1), 0)]


def test_wip_counts_items_at_the_end_of_each_team_day_across_dst() -> None:
    intervals = dst_team().history().intervals
    paris = wip(intervals, DEFAULT_WORKFLOW, start=D(2024, 3, 30), end=D(2024, 4, 1), tz="Europe/Paris")
    utc = wip(intervals, DEFAULT_WORKFLOW, start=D(2024, 3, 30), end=D(2024, 4, 1), tz="UTC")
    # Paris midnights: 30th->31st is 23:00 UTC (only item 2 started), 31st->1st is 22:00 UTC (item 1 done at 21:59).
    assert paris["wip"].to_list() == [1, 1, 0]
    assert utc["wip"].to_list() == [2, 0, 0]


def flow_team() -> Team:
    return (
        Team()
        .item(
            1,
            ts(2024, 3, 1, 9),
            [(ts(2024, 3, 2, 9), "Ready"), (ts(2024, 3, 3, 9), "In Progress"), (ts(2024, 3, 5, 9), "Done")],
        )
        .item(2, ts(2024, 3, 2, 9), [(ts(2024, 3, 3, 9), "In Progress"), (ts(2024, 3, 3, 18), "Done")])
        .item(3, ts(2024, 3, 2, 9), [(ts(2024, 3, 4, 9), "Ready"), (ts(2024, 3, 5, 9), "Review")])
        .item(4, ts(2024, 3, 3, 9))
    )


def test_throughput_daily_and_weekly_are_zero_filled() -> None:
    milestones = flow_team().milestones()
    daily = throughput(milestones, start=D(2024, 3, 1), end=D(2024, 3, 6))
    assert daily["count"].to_list() == [0, 0, 1, 0, 1, 0]
    weekly = throughput(milestones, start=D(2024, 2, 28), end=D(2024, 3, 12), period="week")
    # 3 March 2024 is a Sunday: item 2 counts in the week of Monday 26 February.
    assert weekly.rows() == [(D(2024, 2, 26), 1), (D(2024, 3, 4), 1), (D(2024, 3, 11), 0)]


def test_wip_and_net_flow_per_day() -> None:
    team = flow_team()
    intervals, milestones = team.history().intervals, team.milestones()
    daily = wip(intervals, DEFAULT_WORKFLOW, start=D(2024, 3, 1), end=D(2024, 3, 6))
    # End of 2nd: item 1 (Ready). 3rd: item 1 (item 2 came and went). 4th: items 1, 3. 5th+: item 3 in Review.
    assert daily["wip"].to_list() == [0, 1, 1, 2, 1, 1]
    flows = net_flow(milestones, start=D(2024, 3, 1), end=D(2024, 3, 6))
    assert flows.select("arrivals", "departures", "net").rows() == [
        (0, 0, 0),
        (1, 0, 1),
        (1, 1, 0),
        (1, 0, 1),
        (0, 1, -1),
        (0, 0, 0),
    ]


def test_cfd_counts_items_per_stage_with_cumulative_bands() -> None:
    intervals = flow_team().history().intervals
    frame = cfd(intervals, DEFAULT_WORKFLOW, start=D(2024, 3, 4), end=D(2024, 3, 5))
    day4 = frame.filter(pl.col("date") == D(2024, 3, 4))
    assert day4.select(pl.col("stage").cast(pl.String), "count", "cumulative").rows() == [
        ("Backlog", 1, 4),
        ("Ready", 1, 3),
        ("In Progress", 1, 2),
        ("Review", 0, 1),
        ("QA", 0, 1),
        ("Done", 1, 1),
    ]
    day5 = frame.filter(pl.col("date") == D(2024, 3, 5))
    assert day5["count"].to_list() == [1, 0, 0, 1, 0, 2]


def test_age_of_open_items_is_ranked_against_cycle_times() -> None:
    team = (
        Team()
        .item(1, ts(2024, 3, 1), [(ts(2024, 3, 1), "Ready"), (ts(2024, 3, 2), "Done")])  # 1 day
        .item(2, ts(2024, 3, 1), [(ts(2024, 3, 1), "Ready"), (ts(2024, 3, 3), "Done")])  # 2 days
        .item(3, ts(2024, 3, 1), [(ts(2024, 3, 1), "Ready"), (ts(2024, 3, 5), "Done")])  # 4 days
        .item(4, ts(2024, 3, 1), [(ts(2024, 3, 1), "Ready"), (ts(2024, 3, 9), "Done")])  # 8 days
        .item(5, ts(2024, 3, 1), [(ts(2024, 3, 7, 12), "In Progress")])  # open, 2.5 days old at now
        .item(6, ts(2024, 3, 1), [(ts(2024, 3, 1), "Review")])  # open, 9 days old
        .item(7, ts(2024, 3, 1))  # not started
    )
    milestones = team.milestones()
    ages = work_item_age(milestones, cycle_times(milestones)["cycle_time_days"], now=ts(2024, 3, 10))
    assert ages.select(
        "item_id", pl.col("stage").cast(pl.String), "age_days", "age_calendar_days", "pace", "exceeds"
    ).rows() == [
        (6, "Review", 9.0, 10, 100.0, "P95"),
        (5, "In Progress", 2.5, 4, 50.0, "P50"),
    ]


def test_unknown_time_zones_are_refused_by_name() -> None:
    with pytest.raises(ValueError, match="'Mars/Olympus' is not an IANA time zone"):
        check_time_zone("Mars/Olympus")
