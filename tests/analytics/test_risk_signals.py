"""Risk signals on hand-made histories: each planted trouble is found with its numbers; calm data is silent."""

from __future__ import annotations

import dataclasses
import datetime as dt

import polars as pl
import pytest

from cadence.analytics import risk_signals as rs
from cadence.analytics.workflow import DEFAULT_WORKFLOW

from .histories import Team, ts

NOW = ts(2024, 6, 3, 12)
DAY = dt.timedelta(days=1)
RULES = rs.RiskRules()


def series(**columns: list[float]) -> pl.DataFrame:
    """Sprints of two weeks, the last one active unless ``closed`` says otherwise; calm defaults per column."""
    n = len(next(iter(columns.values())))
    base: dict[str, list[object]] = {
        "sprint_id": list(range(1, n + 1)),
        "name": [f"S{i}" for i in range(1, n + 1)],
        "start_at": [ts(2024, 1, 1) + dt.timedelta(weeks=2 * i) for i in range(n)],
        "closed": [True] * (n - 1) + [False],
        "committed_count": [40] * n,
        "committed_points": [100.0] * n,
        "added_count": [10] * n,
        "added_points": [20.0] * n,
        "say_do_count": [0.8] * n,
        "carry_over_share": [0.2] * n,
        "unplanned_share": [0.15] * n,
    }
    base.update(columns)  # type: ignore[arg-type]
    return pl.DataFrame(base)


# --- sprint rules ----------------------------------------------------------------------------------------------


def test_calm_sprints_raise_nothing() -> None:
    calm = series(say_do_count=[0.8, 0.75, 0.82, 0.78, 0.8, 0.76, 0.79, 0.81])
    assert rs.scope_creep(calm, RULES) == []
    assert rs.say_do_falling(calm, RULES) == []
    assert rs.carry_over_rising(calm, RULES) == []
    assert rs.interrupt_share_rising(calm, RULES) == []


def test_scope_creep_in_the_active_sprint_against_the_usual_share() -> None:
    # Usual added share 10/40 = 25 %; threshold max(25 %, 2 x 25 %) = 50 %. The active sprint got 24 of 40: 60 %.
    crept = series(added_count=[10, 10, 10, 10, 24])
    [signal] = rs.scope_creep(crept, RULES)
    assert signal["signal_key"] == "scope_creep:sprint:5"
    assert signal["evidence"] == {
        "sprint": "S5", "committed_items": 40, "added_items": 24, "committed_points": 100.0, "added_points": 20.0,
        "added_share": 0.6, "usual_share": 0.25, "baseline_sprints": 4, "threshold": 0.5,
    }  # fmt: skip
    assert signal["reason"] == (
        "24 items were added to S5 since it started, 60 % of the 40 committed; the usual is 25 % over the last "
        "4 sprints (threshold 50 %)"
    )
    assert (signal["probability"], signal["impact"]) == (3, 3)  # 0.6 / 0.5 = 1.2x the threshold
    # 20 of 40 is exactly the threshold: not above it. Two closed sprints are no baseline.
    assert rs.scope_creep(series(added_count=[10, 10, 10, 10, 20]), RULES) == []
    assert rs.scope_creep(series(added_count=[10, 10, 30]), RULES) == []
    # A closed sprint with much added is history, not a signal.
    assert rs.scope_creep(series(added_count=[10, 10, 10, 10, 30], closed=[True] * 5), RULES) == []


def test_say_do_falling_over_three_sprints_below_the_baseline() -> None:
    # Baseline: the 4 sprints before the last three, mean 0.8. Last three 0.7, 0.6, 0.5: fell, 0.3 below.
    falling = series(say_do_count=[0.8, 0.8, 0.8, 0.8, 0.7, 0.6, 0.5, 0.8])
    [signal] = rs.say_do_falling(falling, RULES)
    assert signal["signal_key"] == "say_do_falling:sprint:7"
    assert signal["evidence"] == {
        "sprints": ["S5", "S6", "S7"], "values": [0.7, 0.6, 0.5], "baseline": 0.8, "baseline_sprints": 4,
        "change": 0.3, "threshold": 0.2,
    }  # fmt: skip
    assert "Say/do fell over the last three sprints (S5 70 %, S6 60 %, S7 50 %)" in signal["reason"]
    assert signal["probability"] == 4  # 0.3 / 0.2 = 1.5x
    # A single bad sprint that recovered: the last is not below the first.
    assert rs.say_do_falling(series(say_do_count=[0.8, 0.8, 0.8, 0.8, 0.5, 0.4, 0.8, 0.8]), RULES) == []
    # Falling, but only 0.15 below the baseline.
    assert rs.say_do_falling(series(say_do_count=[0.8, 0.8, 0.8, 0.8, 0.7, 0.68, 0.65, 0.8]), RULES) == []


def test_carry_over_and_interrupt_share_rising() -> None:
    rising = series(
        carry_over_share=[0.2, 0.2, 0.2, 0.2, 0.25, 0.3, 0.6, 0.2],
        unplanned_share=[0.1, 0.1, 0.1, 0.1, 0.1, 0.15, 0.4, 0.1],
    )
    [carry] = rs.carry_over_rising(rising, RULES)
    assert carry["signal_key"] == "carry_over_rising:sprint:7"
    assert carry["evidence"]["change"] == pytest.approx(0.4) and carry["evidence"]["baseline"] == pytest.approx(0.2)
    assert carry["probability"] == 5  # 0.4 / 0.2 = 2x
    [interrupts] = rs.interrupt_share_rising(rising, RULES)
    assert interrupts["evidence"]["values"] == [0.1, 0.15, 0.4]
    assert interrupts["evidence"]["change"] == pytest.approx(0.3)
    assert interrupts["probability"] == 5  # 0.3 / 0.15 = 2x
    # The thresholds are the team's to set.
    strict = dataclasses.replace(RULES, carry_over_rise=0.5, interrupt_rise=0.35)
    assert rs.carry_over_rising(rising, strict) == rs.interrupt_share_rising(rising, strict) == []


def test_the_suggested_probability_grows_with_the_excess() -> None:
    assert [rs.suggested_probability(v, 1.0) for v in (1.0, 1.49, 1.5, 1.99, 2.0, 9.0)] == [3, 3, 4, 4, 5, 5]


# --- WIP and ageing --------------------------------------------------------------------------------------------


def flow_team(*, stuck: bool) -> Team:
    """A steady flow: one item a day starts In Progress and is done five days later, for 80 days before NOW.
    With ``stuck``, five items started 40, 39, 38, 37 and 36 days before NOW are still in progress."""
    t = Team()
    first = NOW - 80 * DAY
    for k in range(80):
        start = first + k * DAY
        t.item(k + 1, start - DAY, [(start, "In Progress"), (start + 5 * DAY, "Done")])
    if stuck:
        for j, ago in enumerate((40, 39, 38, 37, 36)):
            t.item(100 + j, NOW - (ago + 1) * DAY, [(NOW - ago * DAY, "In Progress")])
    return t


def snapshots(team: Team, weeks: int = 4) -> pl.DataFrame:
    history = team.history()
    return rs.wip_age_snapshots(history.intervals, team.milestones(), DEFAULT_WORKFLOW, now=NOW, weeks=weeks)


def test_wip_snapshots_count_items_in_progress_at_each_weekly_instant() -> None:
    snap = snapshots(flow_team(stuck=True))
    # Flow items started in (instant - 5 days, instant] are in progress (one leaving at the instant is not): 4 at
    # NOW (aged 1..4 days; none starts at NOW itself), 5 at the earlier instants (aged 0..4), plus the five stuck.
    per_week = snap.group_by("weeks_ago").agg(pl.len(), pl.col("age_days").max()).sort("weeks_ago").rows()
    assert per_week == [(0, 9, 40.0), (1, 10, 33.0), (2, 10, 26.0), (3, 10, 19.0), (4, 10, 12.0)]
    assert sorted(snap.filter(pl.col("weeks_ago") == 0)["age_days"]) == [1.0, 2.0, 3.0, 4.0, 36.0, 37.0, 38.0,
                                                                         39.0, 40.0]  # fmt: skip


def test_ageing_rising_finds_the_stuck_items_and_a_steady_flow_is_silent() -> None:
    history_start = NOW - 80 * DAY
    assert rs.ageing_rising(snapshots(flow_team(stuck=False)), RULES, history_start=history_start) == []
    [signal] = rs.ageing_rising(snapshots(flow_team(stuck=True)), RULES, history_start=history_start)
    # P85 of 9 ages is the 8th smallest (rank ceil(7.65)), of 10 the 9th (rank ceil(8.5)): both the second oldest
    # stuck item, 39 days now, 39 - 7w days w weeks ago.
    assert signal["evidence"] == {
        "p85_age_days": 39.0, "p85_age_days_before": 11.0, "weekly_p85_age_days": [11.0, 18.0, 25.0, 32.0, 39.0],
        "weeks": 4, "wip": 9, "rise": round(39 / 11 - 1, 4), "threshold": 0.75,
    }  # fmt: skip
    assert signal["signal_key"] == "ageing_rising:team" and signal["probability"] == 5
    assert signal["reason"] == (
        "The P85 age of work in progress rose every week for 4 weeks, to 39 days, up 255 % from 11 days "
        "(threshold 75 %)"
    )
    # Data that begins 60 days before NOW cannot show a 39-day age 28 days ago: the rise would be an artefact.
    assert rs.ageing_rising(snapshots(flow_team(stuck=True)), RULES, history_start=NOW - 60 * DAY) == []


def test_wip_above_its_limit() -> None:
    snap = snapshots(flow_team(stuck=True))
    assert rs.wip_above_limit(snap, RULES) == []  # no limit set
    assert rs.wip_above_limit(snap, dataclasses.replace(RULES, wip_limit=9)) == []  # at the limit is fine
    [signal] = rs.wip_above_limit(snap, dataclasses.replace(RULES, wip_limit=6))
    assert signal["evidence"] == {"wip": 9, "limit": 6, "weeks_above": 4, "weeks_checked": 4}
    assert signal["reason"] == (
        "9 items are in progress against a limit of 6; WIP was also above the limit at 4 of the last 4 weekly checks"
    )


# --- SLA, ready backlog, key person ----------------------------------------------------------------------------


def breaches(per_week: list[int]) -> pl.Series:
    """``per_week[0]`` breaches in the last 7 days, ``per_week[1]`` in the 7 before, ...; each mid-week."""
    times = [NOW - dt.timedelta(days=3.5 + 7 * w, minutes=i) for w, n in enumerate(per_week) for i in range(n)]
    return pl.Series("breached_at", times, dtype=pl.Datetime("us", "UTC"))


def test_sla_breaches_trending_up() -> None:
    start = NOW - 60 * DAY
    calm = breaches([4, 5, 3, 4, 5, 4, 3])
    assert rs.sla_breaches_rising(calm, RULES, now=NOW, history_start=start) == []
    # Last week 12 against 4 the week before; mean of the six earlier weeks (4+3+4+5+4+4)/6 = 4; 2.5 x 4 = 10.
    [signal] = rs.sla_breaches_rising(breaches([12, 4, 3, 4, 5, 4, 4]), RULES, now=NOW, history_start=start)
    assert signal["evidence"] == {
        "breaches_last_week": 12, "breaches_week_before": 4, "weekly_breaches": [4, 4, 5, 4, 3, 4, 12],
        "usual_per_week": 4.0, "weeks": 6, "threshold": 10.0,
    }  # fmt: skip
    assert signal["signal_key"] == "sla_breaches_rising:week:2024-05-27"  # NOW - 3.5 days is Thursday 30 May
    assert signal["impact"] == 4 and signal["probability"] == 3
    # Too few to matter (below 5), no rise on the week before, or clocks that do not reach back seven weeks.
    assert rs.sla_breaches_rising(breaches([4, 0, 0, 0, 0, 0, 0]), RULES, now=NOW, history_start=start) == []
    assert rs.sla_breaches_rising(breaches([12, 12, 1, 1, 1, 1, 1]), RULES, now=NOW, history_start=start) == []
    assert rs.sla_breaches_rising(breaches([12, 4, 0]), RULES, now=NOW, history_start=NOW - 20 * DAY) == []


def test_ready_backlog_below_one_sprint() -> None:
    work = {"ready_count": 3, "ready_points": 10.0, "velocity": 40.0, "weekly_throughput": None, "value": 0.25,
            "unit": "sprints"}  # fmt: skip
    [signal] = rs.ready_backlog_low(work, RULES)
    assert signal["evidence"]["value"] == 0.25 and signal["evidence"]["threshold"] == 1.0
    assert signal["reason"] == "3 ready items (10 points) make 0.2 sprints of work at a velocity of 40 points " \
        "(threshold 1 sprints)"  # fmt: skip
    assert signal["probability"] == 5  # 1 / 0.25 = 4x
    assert rs.ready_backlog_low(work | {"value": 1.5}, RULES) == []
    weekly = {"ready_count": 5, "ready_points": 0.0, "velocity": None, "weekly_throughput": 4.0, "value": 1.25,
              "unit": "weeks"}  # fmt: skip
    [by_flow] = rs.ready_backlog_low(weekly, RULES)
    assert by_flow["evidence"]["threshold"] == 2.0 and by_flow["probability"] == 4  # 2 / 1.25 = 1.6x
    assert rs.ready_backlog_low({"value": None, "unit": None}, RULES) == []


def test_key_person_concentration_per_label() -> None:
    done = [NOW - dt.timedelta(days=d) for d in range(1, 13)]
    delivered = pl.DataFrame(
        {
            "item_id": list(range(1, 25)),
            "done_at": done + done,
            # "billing": person 1 did 9 of 12; "search": spread over four people.
            "assignee_id": [1] * 9 + [2, 3, None] + [1, 2, 3, 4] * 3,
            "labels": [["billing"]] * 12 + [["search"]] * 12,
        },
        schema_overrides={"done_at": pl.Datetime("us", "UTC")},
    )
    [signal] = rs.key_person_concentration(delivered, RULES, now=NOW, names={1: "Ann Lee"})
    assert signal["signal_key"] == "key_person:label:billing"
    assert signal["evidence"] == {
        "area": "billing", "person_id": 1, "person": "Ann Lee", "items": 9, "area_items": 12, "share": 0.75,
        "weeks": 12, "threshold": 0.6,
    }  # fmt: skip
    assert signal["reason"] == (
        "Ann Lee delivered 9 of the 12 items labelled billing in the last 12 weeks (75 %; threshold 60 %)"
    )
    # Outside the window, or below the minimum sample, nothing is said.
    assert rs.key_person_concentration(delivered, RULES, now=NOW + 100 * DAY) == []
    few = dataclasses.replace(RULES, key_person_min_items=13)
    assert rs.key_person_concentration(delivered, few, now=NOW) == []


def test_rules_refuse_nonsense() -> None:
    with pytest.raises(ValueError, match="say_do_drop"):
        rs.RiskRules(say_do_drop=0)
    with pytest.raises(ValueError, match="min_baseline_sprints"):
        rs.RiskRules(baseline_sprints=2, min_baseline_sprints=3)
    with pytest.raises(ValueError, match="wip_limit"):
        rs.RiskRules(wip_limit=-1)


def scope_forecast_result(
    *, remaining: int, p50: str | None, p85: str | None, growth: float | None = 0.25, kind: str = "version"
) -> dict[str, object]:
    """What ``services/forecasts.scope_forecast`` returns, cut to the keys the deadline rule reads."""
    window = {"from": "2024-04-08", "to": "2024-06-02", "added": 5, "removed": 0, "delivered": 20}
    return {
        "scope": {"kind": kind, "value": "2.4" if kind == "version" else "OPS-7"},
        "counts": {"total": 40, "delivered": 40 - remaining, "removed": 0, "remaining": remaining},
        "growth": window | {"measured": growth},
        "when": {"finishes": growth is not None, "dates": {"50": p50, "70": None, "85": p85, "95": None}},
    }


def test_forecast_past_its_deadline() -> None:
    today = dt.date(2024, 6, 3)
    late = scope_forecast_result(remaining=12, p50="2024-06-20", p85="2024-06-28")
    # P85 28 June against a deadline on 14 June: 14 days late (more than 7, at most 28) -> probability 4.
    [signal] = rs.forecast_deadline(late, RULES, deadline=dt.date(2024, 6, 14), today=today)
    assert signal["signal_key"] == "forecast_deadline:version:2.4"
    assert signal["evidence"] == {
        "scope_kind": "version", "scope": "2.4", "deadline": "2024-06-14", "remaining_items": 12,
        "p50_date": "2024-06-20", "p85_date": "2024-06-28", "days_late_p85": 14, "days_to_deadline": 11,
        "finishes": True, "growth": 0.25, "growth_window": ["2024-04-08", "2024-06-02"], "added_items": 5,
        "delivered_items": 20, "notice_days": 28,
    }  # fmt: skip
    assert signal["reason"] == (
        "12 items of version 2.4 remain; at the team's pace and a scope growth of 0.25 new items per delivered item "
        "the forecast's P85 date is 2024-06-28 (P50 2024-06-20), 14 days after its deadline 2024-06-14"
    )
    assert (signal["probability"], signal["impact"]) == (4, 4)
    # 1 day late -> 3; 29 days late -> 5; on the deadline itself, or before it, nothing.
    assert rs.forecast_deadline(late, RULES, deadline=dt.date(2024, 6, 27), today=today)[0]["probability"] == 3
    assert rs.forecast_deadline(late, RULES, deadline=dt.date(2024, 5, 30), today=today)[0]["probability"] == 5
    assert rs.forecast_deadline(late, RULES, deadline=dt.date(2024, 6, 28), today=today) == []
    assert rs.forecast_deadline(late, RULES, deadline=dt.date(2024, 7, 31), today=today) == []
    # Nothing left: silent even past the deadline.
    done = scope_forecast_result(remaining=0, p50="2024-06-03", p85="2024-06-03")
    assert rs.forecast_deadline(done, RULES, deadline=dt.date(2024, 5, 1), today=today) == []


def test_a_scope_that_never_finishes_is_flagged_once_its_deadline_nears() -> None:
    today = dt.date(2024, 6, 3)
    never = scope_forecast_result(remaining=9, p50=None, p85=None, growth=None, kind="epic")
    # The deadline 28 days away (the notice): flagged, probability 5; 29 days away: still being filled, silent.
    [signal] = rs.forecast_deadline(never, RULES, deadline=dt.date(2024, 7, 1), today=today)
    assert signal["signal_key"] == "forecast_deadline:epic:OPS-7" and signal["title"] == (
        "Epic OPS-7 forecast past its deadline"
    )
    assert signal["evidence"]["days_late_p85"] is None and signal["evidence"]["finishes"] is False
    assert signal["reason"] == (
        "At current rates epic OPS-7 never finishes: from 2024-04-08 to 2024-06-02 5 items were added to it and "
        "20 delivered; 9 items remain and its deadline 2024-07-01 is 28 days away"
    )
    assert signal["probability"] == 5
    assert rs.forecast_deadline(never, RULES, deadline=dt.date(2024, 7, 2), today=today) == []
    past = rs.forecast_deadline(never, RULES, deadline=dt.date(2024, 5, 31), today=today)
    assert past[0]["reason"].endswith("its deadline 2024-05-31 passed 3 days ago")
    notice = dataclasses.replace(RULES, deadline_notice_days=60)
    assert rs.forecast_deadline(never, notice, deadline=dt.date(2024, 7, 2), today=today) != []
    # Growth below 1 but no throughput at all: no P85 date either.
    idle = scope_forecast_result(remaining=3, p50=None, p85=None, growth=0.0)
    [stalled] = rs.forecast_deadline(idle, RULES, deadline=dt.date(2024, 6, 10), today=today)
    assert stalled["reason"] == (
        "3 items of version 2.4 remain and the forecast gives no P85 date; its deadline 2024-06-10 is 7 days away"
    )
