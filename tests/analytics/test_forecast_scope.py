"""Scoped forecasts: selecting an epic / version / label, its counts and growth, and the burn-up with its cone,
on small hand-made histories whose every number is worked out in the comments."""

from __future__ import annotations

import datetime as dt
import itertools

import numpy as np
import polars as pl
import pytest

from cadence.analytics.burn_up import burn_up_history, forecast_cone
from cadence.analytics.forecast import forecast_when
from cadence.analytics.forecast_scope import scope_choices, scope_counts, scope_growth, scope_items
from cadence.domain import frames as F
from cadence.domain.errors import InputError

UTC = dt.UTC
D = dt.date(2026, 3, 1)  # a Sunday


def at(day: int, hour: int = 12) -> dt.datetime:
    return dt.datetime.combine(D + dt.timedelta(days=day), dt.time(hour), tzinfo=UTC)


# item, key, type, epic, versions, labels, created (day), done (day or None), delivered, discarded
ROWS = [
    (1, "A-1", "epic", None, [], [], 0, None, False, False),
    (2, "A-2", "story", "A-1", ["2026.3"], ["ux"], 0, 3, True, False),
    (3, "A-3", "story", "A-1", ["2026.3"], [], 0, 5, True, False),
    (4, "A-4", "story", "A-1", ["2026.3", "2026.4"], [], 1, 6, False, True),  # Won't Do on day 6
    (5, "A-5", "task", "A-1", ["2026.4"], ["ux"], 4, None, False, False),  # added after the first delivery
    (6, "A-6", "bug", None, ["2026.3"], ["ux"], 2, None, False, False),
    (7, "A-7", "story", "A-1", [], [], 7, None, False, False),  # added on day 7
]


def frames() -> tuple[pl.DataFrame, pl.DataFrame]:
    items = F.conform(
        pl.DataFrame(
            {
                "item_id": [r[0] for r in ROWS],
                "team_id": [1] * len(ROWS),
                "key": [r[1] for r in ROWS],
                "type": [r[2] for r in ROWS],
                "epic_key": [r[3] for r in ROWS],
                "fix_versions": [r[4] for r in ROWS],
                "labels": [r[5] for r in ROWS],
                "created_at": [at(r[6]) for r in ROWS],
            }
        ),
        F.READ_ITEMS,
    )
    milestones = pl.DataFrame(
        {
            "item_id": [r[0] for r in ROWS],
            "done_at": [None if r[7] is None else at(r[7]) for r in ROWS],
            "delivered": [r[8] for r in ROWS],
            "discarded": [r[9] for r in ROWS],
        },
        schema={"item_id": pl.Int64, "done_at": F.UTC_TS, "delivered": pl.Boolean, "discarded": pl.Boolean},
    )
    return items, milestones


def test_an_epic_scope_holds_its_children_not_itself() -> None:
    items, milestones = frames()
    scope = scope_items(items, milestones, "epic", "A-1")
    assert scope["key"].to_list() == ["A-2", "A-3", "A-4", "A-5", "A-7"]
    # at noon on day 7: 5 items, A-2 and A-3 delivered, A-4 removed -> A-5 and A-7 remain
    counts = scope_counts(scope, at(7))
    assert (counts.total, counts.delivered, counts.removed, counts.remaining) == (5, 2, 1, 2)
    # on day 4 at noon: A-7 does not exist yet, A-4 not yet removed -> 4 items, 1 delivered, 3 remaining
    early = scope_counts(scope, at(4))
    assert (early.total, early.delivered, early.removed, early.remaining) == (4, 1, 0, 3)


def test_versions_and_labels_select_by_membership() -> None:
    items, milestones = frames()
    assert scope_items(items, milestones, "version", "2026.3")["key"].to_list() == ["A-2", "A-3", "A-4", "A-6"]
    assert scope_items(items, milestones, "version", "2026.4")["key"].to_list() == ["A-4", "A-5"]
    assert scope_items(items, milestones, "label", "ux")["key"].to_list() == ["A-2", "A-5", "A-6"]
    for kind, value in (("epic", "A-9"), ("version", "2027.1"), ("label", "UX")):
        with pytest.raises(InputError, match=value):
            scope_items(items, milestones, kind, value)  # type: ignore[arg-type]


def test_growth_counts_items_added_after_the_first_delivery() -> None:
    items, milestones = frames()
    scope = scope_items(items, milestones, "epic", "A-1")
    # window days 0..7: the first delivery is on day 3, so A-2/A-3/A-4 (days 0, 0, 1) are the initial scope;
    # added = A-5 (day 4) and A-7 (day 7) = 2, removed = A-4 = 1, delivered = 2 -> g = (2 - 1) / 2 = 0.5
    growth = scope_growth(scope, first=D, last=D + dt.timedelta(days=7), tz="UTC")
    assert (growth.added, growth.removed, growth.delivered, growth.rate) == (2, 1, 2, 0.5)
    assert growth.finishes
    # window days 5..7: added A-7, removed A-4, delivered A-3 -> net 0 per 1 delivered = 0
    late = scope_growth(scope, first=D + dt.timedelta(days=5), last=D + dt.timedelta(days=7), tz="UTC")
    assert (late.added, late.removed, late.delivered, late.rate) == (1, 1, 1, 0.0)
    # window days 6..7: A-7 added, nothing delivered -> grows faster than it is delivered: no rate
    stuck = scope_growth(scope, first=D + dt.timedelta(days=7), last=D + dt.timedelta(days=7), tz="UTC")
    assert (stuck.added, stuck.delivered, stuck.rate, stuck.finishes) == (1, 0, None, False)


def test_growth_of_one_or_more_never_finishes() -> None:
    items, milestones = frames()
    scope = scope_items(items, milestones, "label", "ux")
    # first delivery day 3; window 0..7: added after it A-5 (day 4) = 1, delivered 1 -> g = 1: no rate
    growth = scope_growth(scope, first=D, last=D + dt.timedelta(days=7), tz="UTC")
    assert (growth.added, growth.delivered, growth.rate) == (1, 1, None)


def test_choices_list_scopes_with_open_items() -> None:
    items, milestones = frames()
    choices = scope_choices(items, milestones)
    assert choices["epics"] == [{"value": "A-1", "open": 2, "total": 5}]  # are not done
    assert choices["versions"] == [
        {"value": "2026.3", "open": 1, "total": 4},
        {"value": "2026.4", "open": 1, "total": 2},
    ]
    assert choices["labels"] == [{"value": "ux", "open": 2, "total": 3}]


def test_burn_up_history_by_hand() -> None:
    items, milestones = frames()
    scope = scope_items(items, milestones, "epic", "A-1")
    history = burn_up_history(scope, now=at(7, 23), tz="UTC")
    assert history["date"].to_list() == [D + dt.timedelta(days=k) for k in range(8)]
    # delivered on days 3 and 5; created 0, 0, 1, 4, 7; removed on day 6
    assert history["delivered"].to_list() == [0, 0, 0, 1, 1, 2, 2, 2]
    assert history["scope"].to_list() == [2, 3, 3, 3, 4, 4, 3, 4]
    # at 09:00 on day 5, A-3's delivery at noon is still ahead: the last day shows what is known
    morning = burn_up_history(scope, now=at(5, 9), tz="UTC")
    assert morning["delivered"].to_list()[-2:] == [1, 1] and morning.height == 6


def test_cone_of_a_constant_sample_is_exact() -> None:
    # one item a day, 2 delivered, 6 remaining with g = 0.25 -> 8 deliveries; day k (0 = today) has k + 1
    cone = forecast_cone(
        np.ones(56, dtype=np.int64),
        today=D,
        delivered=2,
        scope=8,
        remaining=6,
        rng=np.random.default_rng(0),
        trials=100,
        scope_growth=0.25,
    )
    expected = [3, 4, 5, 6, 7, 8, 9, 10]
    assert cone.lines == {50: expected, 85: expected, 95: expected}
    assert cone.dates == [D + dt.timedelta(days=k) for k in range(8)]
    assert cone.projected_scope == 10 and cone.reached


def test_cone_on_working_days_holds_at_the_weekend() -> None:
    # today is Sunday: no simulated day yet; Monday is day 0 of the simulation, Friday day 4, then a weekend
    cone = forecast_cone(
        [2], today=D, delivered=0, scope=12, remaining=12, rng=np.random.default_rng(0), trials=10, days="working"
    )
    assert cone.lines[50] == [0, 2, 4, 6, 8, 10, 10, 10, 12]
    assert cone.dates[-1] == D + dt.timedelta(days=8)


def test_cone_percentiles_meet_the_when_dates() -> None:
    # the P-p line reaches the target on the P-p "when" date: the same question, asked of the same kind of trials
    sample = np.random.default_rng(3).poisson(2.0, 56)
    cone = forecast_cone(
        sample, today=D, delivered=10, scope=110, remaining=100, rng=np.random.default_rng(1), trials=20_000
    )
    when = forecast_when(sample, 100, D, rng=np.random.default_rng(2), trials=20_000)
    for p in (50, 85, 95):
        first = next(i for i, v in enumerate(cone.lines[p]) if v >= 110)
        assert abs((cone.dates[first] - when.dates[p]).days) <= 1  # type: ignore[operator]
    # ordered: the cautious lines never run above the median one, and every line only rises
    for i in range(len(cone.dates)):
        assert cone.lines[95][i] <= cone.lines[85][i] <= cone.lines[50][i]
    for line in cone.lines.values():
        assert all(b >= a for a, b in itertools.pairwise(line))
    assert cone.dates[-1] == cone.dates[0] + dt.timedelta(days=len(cone.dates) - 1)
    assert cone.lines[95][-1] == 110 and cone.lines[95][-2] < 110


def test_uncapped_cone_runs_the_whole_horizon_and_zero_throughput_never_reaches() -> None:
    open_ended = forecast_cone(
        [1], today=D, delivered=0, scope=5, remaining=5, rng=np.random.default_rng(0), horizon_days=10, capped=False
    )
    assert open_ended.lines[50] == list(range(1, 11)) and not open_ended.reached
    assert open_ended.projected_scope is None
    idle = forecast_cone(
        [0, 0], today=D, delivered=4, scope=9, remaining=5, rng=np.random.default_rng(0), horizon_days=5
    )
    assert idle.lines[95] == [4] * 5 and not idle.reached
    with pytest.raises(InputError):
        forecast_cone([1], today=D, delivered=0, scope=1, remaining=1, rng=np.random.default_rng(0), scope_growth=1.0)


def test_order_statistics_by_counting_equal_a_sort(monkeypatch: pytest.MonkeyPatch) -> None:
    from cadence.analytics import burn_up

    paths = np.cumsum(np.random.default_rng(4).poisson(1.5, (40, 999)).astype(np.int32), axis=0)
    ranks = [0, 49, 149, 499, 998]
    expected = np.sort(paths, axis=1)[:, ranks]
    assert np.array_equal(burn_up._order_statistics(paths, ranks), expected)
    monkeypatch.setattr(burn_up, "_MAX_COUNT_CELLS", 0)  # the partial-sort path for very large totals
    assert np.array_equal(burn_up._order_statistics(paths, ranks), expected)
