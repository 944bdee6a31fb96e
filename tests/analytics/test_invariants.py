"""Invariants that must hold on any history: checked on histories hypothesis makes up."""

from __future__ import annotations

import datetime as dt
import math
import zoneinfo

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cadence.analytics.cfd import cfd
from cadence.analytics.history import done_at, stage_at
from cadence.analytics.peer_variant import cycle_time_peer_variant
from cadence.analytics.percentiles import nearest_rank, percentile_rank
from cadence.analytics.suite import compute_metrics
from cadence.analytics.throughput import throughput
from cadence.analytics.wip import wip
from cadence.analytics.workflow import DEFAULT_WORKFLOW

from .histories import Team, ts
from .synthetic import synthetic_team

BASE = ts(2024, 3, 20)
FIRST, LAST = dt.date(2024, 3, 18), dt.date(2024, 5, 20)
FLOW = ["Backlog", "Ready", "In Progress", "Review", "QA", "Done"]
ANY = [*FLOW, "Doing", "Won't Do", "Closed"]
ZONES = st.sampled_from(["UTC", "Europe/Paris", "America/New_York", "Asia/Kolkata"])
MINUTES = st.integers(0, 4 * 24 * 60)


@st.composite
def forward_teams(draw: st.DrawFn) -> Team:
    """Items that only ever move forward through the stages (possibly skipping some), never reopened."""
    team = Team()
    for item_id in range(1, draw(st.integers(1, 12)) + 1):
        at = BASE + dt.timedelta(minutes=draw(st.integers(0, 20 * 24 * 60)))
        created, moves = at, []
        for stage in sorted(draw(st.sets(st.integers(1, 5), max_size=5))):
            at += dt.timedelta(minutes=draw(MINUTES))
            moves.append((at, FLOW[stage]))
        team.item(item_id, created, moves)
    return team


@st.composite
def any_teams(draw: st.DrawFn) -> Team:
    """Items wandering through any statuses, backwards and forwards, discarded or reopened."""
    team = Team()
    for item_id in range(1, draw(st.integers(1, 10)) + 1):
        at = BASE + dt.timedelta(minutes=draw(st.integers(0, 20 * 24 * 60)))
        created, moves = at, []
        for status in draw(st.lists(st.sampled_from(ANY), max_size=8)):
            at += dt.timedelta(minutes=draw(MINUTES))
            moves.append((at, status))
        team.item(item_id, created, moves)
    return team


def local_date(value: dt.datetime, tz: str) -> dt.date:
    return value.astimezone(zoneinfo.ZoneInfo(tz)).date()


@settings(max_examples=80, deadline=None)
@given(forward_teams(), ZONES)
def test_wip_is_started_minus_finished_up_to_each_day(team: Team, tz: str) -> None:
    milestones = team.milestones()
    series = wip(team.history().intervals, DEFAULT_WORKFLOW, start=FIRST, end=LAST, tz=tz)
    starts = [local_date(t, tz) for t in milestones["start_at"].drop_nulls()]
    dones = [local_date(t, tz) for t in milestones["done_at"].drop_nulls()]
    for day, level in series.iter_rows():
        assert level == sum(s <= day for s in starts) - sum(d <= day for d in dones)


@settings(max_examples=60, deadline=None)
@given(forward_teams(), ZONES)
def test_cfd_done_band_never_falls_and_bands_are_nested(team: Team, tz: str) -> None:
    frame = cfd(team.history().intervals, DEFAULT_WORKFLOW, start=FIRST, end=LAST, tz=tz)
    done = frame.filter(pl.col("stage") == "Done")["cumulative"]
    assert (done.diff().drop_nulls() >= 0).all()
    bands = frame.pivot(on="stage", index="date", values="cumulative").drop("date").to_numpy()
    assert (np.diff(bands, axis=1) <= 0).all()
    assert (bands[-1, 0] == team.items().height) or local_date(team.items()["created_at"].max(), tz) > LAST


@settings(max_examples=80, deadline=None)
@given(any_teams(), ZONES, st.integers(0, 30), st.integers(0, 40))
def test_throughput_sums_to_the_items_delivered_in_the_range(team: Team, tz: str, skip: int, length: int) -> None:
    start = FIRST + dt.timedelta(days=skip)
    end = start + dt.timedelta(days=length)
    milestones = team.milestones()
    daily = throughput(milestones, start=start, end=end, tz=tz)
    weekly = throughput(milestones, start=start, end=end, tz=tz, period="week")
    delivered = [local_date(t, tz) for t in milestones.filter("delivered")["done_at"]]
    assert daily.height == length + 1
    assert daily["count"].sum() == weekly["count"].sum() == sum(start <= d <= end for d in delivered)


def reference_peer(team: Team) -> dict[int, int]:
    """jira-agile-metrics' algorithm written as the plain loop it is, over status rows."""
    statuses = team.history().statuses.filter("mapped")
    c, d = DEFAULT_WORKFLOW.commitment_index, DEFAULT_WORKFLOW.delivery_index
    out: dict[int, int] = {}
    for (item_id,), rows in statuses.group_by(["item_id"], maintain_order=True):
        dates: list[dt.date | None] = [None] * len(DEFAULT_WORKFLOW.stages)
        for stage, at in rows.select("stage_index", "entered_at").iter_rows():
            if dates[stage] is None:
                dates[stage] = at.date()
            for later in range(stage + 1, len(dates)):
                dates[later] = None
        committed = next((x for x in dates[c:d] if x is not None), None)
        done = next((x for x in dates[d:] if x is not None), None)
        if committed is not None and done is not None:
            out[int(item_id)] = (done - committed).days  # type: ignore[call-overload]
    return out


@settings(max_examples=80, deadline=None)
@given(any_teams())
def test_the_vectorised_peer_variant_matches_the_reference_loop(team: Team) -> None:
    frame = cycle_time_peer_variant(team.history())
    assert dict(zip(frame["item_id"].to_list(), frame["cycle_time_days"].to_list(), strict=True)) == reference_peer(
        team
    )


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(0, 1000, allow_nan=False), min_size=1, max_size=60), st.integers(1, 100))
def test_nearest_rank_is_an_observed_value_covering_its_share(values: list[float], p: int) -> None:
    level = nearest_rank(values, [p])[p]
    assert level in values
    assert sum(v <= level for v in values) >= math.ceil(p / 100 * len(values))
    assert sum(v < level for v in values) < math.ceil(p / 100 * len(values))
    assert percentile_rank(np.array([level]), np.array(values))[0] >= p * (1 - 1e-12)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_littles_law_holds_on_a_stable_flow(seed: int) -> None:
    now = ts(2025, 6, 1)
    frames = synthetic_team(4000, now=now, span_days=600, seed=seed, loops=False, with_sprints=False)
    law = compute_metrics(frames, DEFAULT_WORKFLOW, start=dt.date(2024, 3, 1), end=dt.date(2025, 3, 1), now=now)[
        "little_law"
    ]
    assert law["average_wip"] == pytest.approx(law["implied_wip"], rel=0.05)


@settings(max_examples=80, deadline=None)
@given(any_teams(), st.lists(st.integers(0, 30 * 24 * 60), min_size=1, max_size=12))
def test_done_at_shortcut_agrees_with_the_full_search(team: Team, offsets: list[int]) -> None:
    intervals = team.history().intervals
    ids = np.array([1 + k % (team.items().height + 1) for k in range(len(offsets))], dtype=np.int64)
    when = np.array([int((BASE + dt.timedelta(minutes=m)).timestamp() * 1_000_000) for m in offsets], dtype=np.int64)
    done, discarded = done_at(intervals, DEFAULT_WORKFLOW, ids, when)
    stage, flag = stage_at(intervals, ids, when)
    assert (done == (stage >= DEFAULT_WORKFLOW.delivery_index)).all()
    assert (discarded == (flag & done)).all()


@settings(max_examples=60, deadline=None)
@given(any_teams(), ZONES, st.integers(0, 40), st.integers(0, 20))
def test_cfd_and_wip_of_a_short_range_are_the_same_days_of_a_long_one(team: Team, tz: str, skip: int, n: int) -> None:
    intervals = team.history().intervals
    start, end = FIRST + dt.timedelta(days=skip), FIRST + dt.timedelta(days=skip + n)
    whole = cfd(intervals, DEFAULT_WORKFLOW, start=FIRST, end=LAST, tz=tz)
    part = cfd(intervals, DEFAULT_WORKFLOW, start=start, end=end, tz=tz)
    assert part.equals(whole.filter(pl.col("date").is_between(start, end)))
    whole_wip = wip(intervals, DEFAULT_WORKFLOW, start=FIRST, end=LAST, tz=tz)
    part_wip = wip(intervals, DEFAULT_WORKFLOW, start=start, end=end, tz=tz)
    assert part_wip.equals(whole_wip.filter(pl.col("date").is_between(start, end)))
