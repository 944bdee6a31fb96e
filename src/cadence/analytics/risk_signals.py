"""Risk signals: trouble the team's own data shows before it lands, each proposed as a risk with its evidence.

A signal is a suggestion for the risk register, never a verdict: the PM accepts it as a risk or lets it pass. Each
rule compares the team with its own recent past (or with a limit it set), so "rising" means "rising for this team",
and each gives its numbers (``evidence``), a sentence with those numbers (``reason``) and a suggested score. Every
rule reads only data up to ``now``, so a past ``now`` replays what the PM would have seen then.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from cadence.analytics.days import DAY_US, as_utc, instant
from cadence.analytics.percentiles import nearest_rank
from cadence.analytics.sprint_scope import UNPLANNED_TYPES, sprint_items, sprint_scope, sprint_windows
from cadence.analytics.unplanned import unplanned_share
from cadence.analytics.velocity import say_do, velocity
from cadence.analytics.workflow import Workflow

__all__ = [
    "RULES",
    "RiskRules",
    "ageing_rising",
    "carry_over_rising",
    "forecast_deadline",
    "interrupt_share_rising",
    "key_person_concentration",
    "ready_backlog_low",
    "say_do_falling",
    "scope_creep",
    "sla_breaches_rising",
    "sprint_series",
    "suggested_probability",
    "wip_above_limit",
    "wip_age_snapshots",
]

RULES: tuple[str, ...] = (
    "scope_creep",
    "say_do_falling",
    "carry_over_rising",
    "interrupt_share_rising",
    "wip_above_limit",
    "ageing_rising",
    "sla_breaches_rising",
    "forecast_deadline",
    "ready_backlog_low",
    "key_person",
)
"""The rules this module implements, in the order the register lists them."""

IMPACT: dict[str, int] = {
    "scope_creep": 3,
    "say_do_falling": 3,
    "carry_over_rising": 3,
    "interrupt_share_rising": 3,
    "wip_above_limit": 2,
    "ageing_rising": 3,
    "sla_breaches_rising": 4,
    "forecast_deadline": 4,
    "ready_backlog_low": 3,
    "key_person": 3,
}
"""The suggested impact of each rule (1-5): what the trouble usually costs if nothing is done."""

Signal = dict[str, Any]


@dataclass(frozen=True)
class RiskRules:
    """The signals' thresholds (``[teams.KEY.risks]``); the defaults are the documented ones."""

    scope_creep_share: float = 0.25
    scope_creep_factor: float = 2.0
    baseline_sprints: int = 6
    min_baseline_sprints: int = 3
    say_do_drop: float = 0.2
    carry_over_rise: float = 0.2
    interrupt_rise: float = 0.15
    wip_limit: int = 0
    """0 means no limit: the WIP rule stays silent."""
    ageing_weeks: int = 4
    ageing_rise: float = 0.75
    min_wip_sample: int = 5
    sla_weeks: int = 6
    sla_min_breaches: int = 5
    sla_factor: float = 2.5
    ready_sprints: float = 1.0
    ready_weeks: float = 2.0
    key_person_weeks: int = 12
    key_person_min_items: int = 10
    key_person_share: float = 0.6
    deadline_notice_days: int = 28
    """How near a deadline must be before a scope with no P85 date (it never finishes at current rates) is flagged."""

    def __post_init__(self) -> None:
        shares = ("scope_creep_share", "scope_creep_factor", "say_do_drop", "carry_over_rise", "interrupt_rise")
        for name in (*shares, "ageing_rise", "sla_factor", "ready_sprints", "ready_weeks", "key_person_share"):
            value = getattr(self, name)
            if not 0 < value <= 10:
                raise ValueError(f"{name} {value} must be a share above 0 (0.2 is 20 %)")
        counts = ("baseline_sprints", "min_baseline_sprints", "ageing_weeks", "min_wip_sample", "sla_weeks")
        for name in (*counts, "sla_min_breaches", "key_person_weeks", "key_person_min_items", "deadline_notice_days"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} is {getattr(self, name)}; it must be at least 1")
        if self.min_baseline_sprints > self.baseline_sprints:
            raise ValueError(
                f"min_baseline_sprints {self.min_baseline_sprints} exceeds baseline_sprints {self.baseline_sprints}"
            )
        if self.wip_limit < 0:
            raise ValueError(f"wip_limit {self.wip_limit} must be 0 (no limit) or a positive number of items")


def suggested_probability(value: float, threshold: float) -> int:
    """**Suggested probability** (1-5) of a signal from how far its measure ``value`` passed its ``threshold``:
    3 when it just passed, 4 from 1.5x the threshold, 5 from 2x (the ratio rounded to 9 decimals). The WIP rule
    reads (WIP - limit + weekly checks above it) against 2; the ready-backlog rule its threshold against its value."""
    ratio = round(value / threshold, 9) if threshold > 0 else 2.0  # 0.6 - 0.2 is 2x 0.2, not 1.999...
    return 5 if ratio >= 2 else 4 if ratio >= 1.5 else 3


def _pct(share: float) -> str:
    return f"{100 * share:.0f} %"


def _num(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


# --- sprint series ------------------------------------------------------------------------------------------------


def sprint_series(
    sprints: pl.DataFrame,
    sprint_changes: pl.DataFrame,
    estimate_changes: pl.DataFrame,
    intervals: pl.DataFrame,
    items: pl.DataFrame,
    workflow: Workflow,
    *,
    now: dt.datetime,
    unplanned_types: Sequence[str] = UNPLANNED_TYPES,
) -> pl.DataFrame:
    """The team's sprints as of ``now``, one row each by start: a sprint closed after ``now`` is the active sprint
    then (it closes at ``now``), a sprint starting after ``now`` is left out, so a past ``now`` replays that day.

    Columns: sprint_id, name, start_at, close_at, closed, committed_count/points, added_count/points, say_do_count,
    completed_count, carried_over_count, carry_over_share (carried over / in the sprint at close), unplanned_share
    (unplanned completed / completed, by count).
    """
    now_lit = instant(now)
    later = pl.col("completed_at").is_not_null() & (pl.col("completed_at") > now_lit)
    ended = pl.col("completed_at").is_null() & (pl.col("state").str.to_lowercase() == "closed")
    as_of = sprints.filter(pl.col("start_at").is_not_null() & (pl.col("start_at") <= now_lit)).with_columns(
        pl.when(later | (ended & (pl.col("end_at") > now_lit)))
        .then(pl.lit("active"))
        .otherwise("state")
        .alias("state"),
        pl.when(later).then(None).otherwise("completed_at").alias("completed_at"),
    )
    windows = sprint_windows(as_of, now=now)
    if not windows.height:
        return pl.DataFrame()
    changes = sprint_changes.filter(pl.col("at") <= now_lit)
    estimates = estimate_changes.filter(pl.col("at") <= now_lit)
    rows = sprint_items(as_of, changes, estimates, intervals, items, workflow, now=now, unplanned_types=unplanned_types)
    scope = sprint_scope(rows, windows).select(
        "sprint_id", "name", "start_at", "close_at", "closed",
        "committed_count", "committed_points", "added_count", "added_points",
    )  # fmt: skip
    promises = say_do(rows, windows).select("sprint_id", "say_do_count")
    speed = velocity(rows, windows).select("sprint_id", "completed_count", "carried_over_count")
    surprises = unplanned_share(rows, windows).select("sprint_id", pl.col("share_count").alias("unplanned_share"))
    at_close = pl.col("completed_count") + pl.col("carried_over_count")
    return (
        scope.join(promises, on="sprint_id", how="left")
        .join(speed, on="sprint_id", how="left")
        .join(surprises, on="sprint_id", how="left")
        .with_columns(
            pl.when(at_close > 0).then(pl.col("carried_over_count") / at_close).alias("carry_over_share"),
        )
        .sort("start_at", "sprint_id")
    )


def scope_creep(series: pl.DataFrame, rules: RiskRules) -> list[Signal]:
    """**Scope creep**: in the active sprint (started, not closed by ``now``) the items added since its start, as a
    share of its committed items, exceed both a share [25 %] and a factor [2] times the team's usual added share —
    the median of the same share over up to ``baseline_sprints`` [6] closed sprints before it. Silent with fewer than
    ``min_baseline_sprints`` [3] such sprints, since "more than usual" needs a usual. Impact 3."""
    if not series.height:
        return []
    share = pl.when(pl.col("committed_count") > 0).then(pl.col("added_count") / pl.col("committed_count"))
    shares = series.with_columns(share.alias("added_share"))
    closed = shares.filter(pl.col("closed") & pl.col("added_share").is_not_null())
    found: list[Signal] = []
    for row in shares.filter(~pl.col("closed") & pl.col("added_share").is_not_null()).iter_rows(named=True):
        before = closed.filter(pl.col("start_at") < row["start_at"]).tail(rules.baseline_sprints)
        if before.height < rules.min_baseline_sprints:
            continue
        usual = float(before["added_share"].median())  # type: ignore[arg-type]
        threshold = max(rules.scope_creep_share, rules.scope_creep_factor * usual)
        added_share = float(row["added_share"])
        if added_share <= threshold:
            continue
        found.append(
            {
                "signal_key": f"scope_creep:sprint:{row['sprint_id']}",
                "rule": "scope_creep",
                "title": f"Scope creep in {row['name']}",
                "evidence": {
                    "sprint": row["name"],
                    "committed_items": int(row["committed_count"]),
                    "added_items": int(row["added_count"]),
                    "committed_points": float(row["committed_points"]),
                    "added_points": float(row["added_points"]),
                    "added_share": round(added_share, 4),
                    "usual_share": round(usual, 4),
                    "baseline_sprints": before.height,
                    "threshold": round(threshold, 4),
                },
                "reason": (
                    f"{row['added_count']} items were added to {row['name']} since it started, {_pct(added_share)} "
                    f"of the {row['committed_count']} committed; the usual is {_pct(usual)} over the last "
                    f"{before.height} sprints (threshold {_pct(threshold)})"
                ),
                "probability": suggested_probability(added_share, threshold),
                "impact": IMPACT["scope_creep"],
            }
        )
    return found


def _trend(series: pl.DataFrame, column: str, rules: RiskRules) -> dict[str, Any] | None:
    """The last three closed sprints' ``column`` and the mean of up to ``baseline_sprints`` closed sprints before
    them; None without three recent values and ``min_baseline_sprints`` baseline values."""
    closed = series.filter(pl.col("closed") & pl.col(column).is_not_null()) if series.height else series
    if closed.height < 3 + rules.min_baseline_sprints:
        return None
    recent = closed.tail(3)
    baseline = closed.head(closed.height - 3).tail(rules.baseline_sprints)
    values = [float(v) for v in recent[column]]
    return {
        "sprints": list(recent["name"]),
        "last_sprint_id": int(recent["sprint_id"][-1]),
        "values": values,
        "baseline": float(baseline[column].mean()),  # type: ignore[arg-type]
        "baseline_sprints": baseline.height,
    }


def _sprint_trend_signal(
    series: pl.DataFrame, rules: RiskRules, *, rule: str, column: str, threshold: float, falling: bool, what: str
) -> list[Signal]:
    trend = _trend(series, column, rules)
    if trend is None:
        return []
    first, last = trend["values"][0], trend["values"][-1]
    change = (trend["baseline"] - last) if falling else (last - trend["baseline"])
    moving = last < first if falling else last > first
    if not moving or change < threshold:
        return []
    direction = "fell" if falling else "rose"
    listed = ", ".join(f"{name} {_pct(v)}" for name, v in zip(trend["sprints"], trend["values"], strict=True))
    return [
        {
            "signal_key": f"{rule}:sprint:{trend['last_sprint_id']}",
            "rule": rule,
            "title": f"{what[0].upper()}{what[1:]} {'falling' if falling else 'rising'}",
            "evidence": {
                "sprints": trend["sprints"],
                "values": [round(v, 4) for v in trend["values"]],
                "baseline": round(trend["baseline"], 4),
                "baseline_sprints": trend["baseline_sprints"],
                "change": round(change, 4),
                "threshold": threshold,
            },
            "reason": (
                f"{what[0].upper()}{what[1:]} {direction} over the last three sprints ({listed}); the last is "
                f"{_pct(abs(change))} {'below' if falling else 'above'} the {_pct(trend['baseline'])} average of the "
                f"{trend['baseline_sprints']} sprints before (threshold {_pct(threshold)})"
            ),
            "probability": suggested_probability(change, threshold),
            "impact": IMPACT[rule],
        }
    ]


def say_do_falling(series: pl.DataFrame, rules: RiskRules) -> list[Signal]:
    """**Say/do falling**: over the last three closed sprints say/do (by count) fell — the last is lower than the
    first — and the last is at least a drop [0.20, i.e. 20 points] below the mean of the baseline: up to
    ``baseline_sprints`` [6] closed sprints before those three (at least ``min_baseline_sprints`` [3], otherwise
    silent). Impact 3."""
    return _sprint_trend_signal(
        series, rules, rule="say_do_falling", column="say_do_count", threshold=rules.say_do_drop, falling=True,
        what="say/do",
    )  # fmt: skip


def carry_over_rising(series: pl.DataFrame, rules: RiskRules) -> list[Signal]:
    """**Carry-over rising**: the carry-over share of a closed sprint is its items carried over / its items at close
    (completed + carried over). Over the last three closed sprints it rose — the last is higher than the first — and
    the last is at least a rise [0.20] above the mean of the same baseline as *say/do falling*. Impact 3."""
    return _sprint_trend_signal(
        series, rules, rule="carry_over_rising", column="carry_over_share", threshold=rules.carry_over_rise,
        falling=False, what="carry-over",
    )  # fmt: skip


def interrupt_share_rising(series: pl.DataFrame, rules: RiskRules) -> list[Signal]:
    """**Interrupt share rising**: the unplanned share (by count) of the last three closed sprints rose — the last
    is higher than the first — and the last is at least a rise [0.15] above the mean of the same baseline as
    *say/do falling*. Impact 3."""
    return _sprint_trend_signal(
        series, rules, rule="interrupt_share_rising", column="unplanned_share", threshold=rules.interrupt_rise,
        falling=False, what="interrupt share",
    )  # fmt: skip


# --- flow ---------------------------------------------------------------------------------------------------------


def wip_age_snapshots(
    intervals: pl.DataFrame, milestones: pl.DataFrame, workflow: Workflow, *, now: dt.datetime, weeks: int
) -> pl.DataFrame:
    """WIP and the age of each item in it at ``now`` and at each of the ``weeks`` weekly instants before it.

    An item is in progress at an instant when its stage then is of category active or waiting (the board's working
    columns; a committed queue such as Ready is not counted, as on the stand-up walk); its age is the instant minus
    its start (first crossing of the commitment point). Columns:
    weeks_ago (0 = now), at, item_id, age_days.
    """
    now = as_utc(now)
    instants = pl.DataFrame(
        {
            "weeks_ago": list(range(weeks + 1)),
            "at": [now - dt.timedelta(weeks=w) for w in range(weeks + 1)],
        },
        schema={"weeks_ago": pl.Int64, "at": pl.Datetime("us", "UTC")},
    )
    working_stages = [i for i, stage in enumerate(workflow.stages) if stage.in_progress]
    working = intervals.filter(pl.col("stage_index").is_in(working_stages)).select("item_id", "entered_at", "left_at")
    inside = (
        working.join(instants, how="cross")
        .filter(
            (pl.col("entered_at") <= pl.col("at")) & (pl.col("left_at").is_null() | (pl.col("left_at") > pl.col("at")))
        )
        .join(milestones.select("item_id", "start_at"), on="item_id", how="left")
        .with_columns(
            ((pl.col("at") - pl.coalesce("start_at", "entered_at")).dt.total_microseconds() / DAY_US).alias("age_days")
        )
    )
    return (
        inside.select("weeks_ago", "at", "item_id", "age_days")
        .unique(["weeks_ago", "item_id"])
        .sort("weeks_ago", "item_id")
    )


def wip_above_limit(snapshots: pl.DataFrame, rules: RiskRules) -> list[Signal]:
    """**WIP above limit**: the team set a WIP limit (``wip_limit``; 0, the default, means none and the rule is
    silent) and its WIP now — items in a stage of category active or waiting — is above it. The
    evidence adds how many of the last ``ageing_weeks`` [4] weekly instants were above it too. Impact 2."""
    if rules.wip_limit <= 0 or not snapshots.height:
        counts = pl.DataFrame(schema={"weeks_ago": pl.Int64, "wip": pl.UInt32})
    else:
        counts = snapshots.group_by("weeks_ago").agg(pl.len().alias("wip"))
    now_wip = counts.filter(pl.col("weeks_ago") == 0)["wip"]
    if rules.wip_limit <= 0 or not now_wip.len() or int(now_wip[0]) <= rules.wip_limit:
        return []
    wip = int(now_wip[0])
    weeks_above = int(counts.filter((pl.col("weeks_ago") > 0) & (pl.col("wip") > rules.wip_limit)).height)
    return [
        {
            "signal_key": "wip_above_limit:team",
            "rule": "wip_above_limit",
            "title": "WIP above its limit",
            "evidence": {
                "wip": wip,
                "limit": rules.wip_limit,
                "weeks_above": weeks_above,
                "weeks_checked": rules.ageing_weeks,
            },
            "reason": (
                f"{wip} items are in progress against a limit of {rules.wip_limit}; WIP was also above the limit "
                f"at {weeks_above} of the last {rules.ageing_weeks} weekly checks"
            ),
            "probability": suggested_probability(wip - rules.wip_limit + weeks_above, 2),
            "impact": IMPACT["wip_above_limit"],
        }
    ]


def ageing_rising(snapshots: pl.DataFrame, rules: RiskRules, *, history_start: dt.datetime | None) -> list[Signal]:
    """**Ageing rising**: the P85 (nearest rank) of the age of the items in WIP rose at each of the last
    ``ageing_weeks`` [4] weekly checks (each higher than the week before) and now stands at least a rise [75 %] above
    its value ``ageing_weeks`` weeks ago. Silent when a check has fewer than ``min_wip_sample`` [5] items in WIP, or
    when the data (its first start, ``history_start``) does not reach back the current P85 before the earliest check:
    ages there were capped by the start of the data, so the rise would be an artefact. Impact 3."""
    if not snapshots.height or history_start is None:
        return []
    weeks = rules.ageing_weeks
    levels: list[float] = []
    counts: list[int] = []
    for weeks_ago in range(weeks + 1):
        ages = snapshots.filter(pl.col("weeks_ago") == weeks_ago)["age_days"]
        if ages.len() < rules.min_wip_sample:
            return []
        p85 = nearest_rank(ages, (85,))[85]
        assert p85 is not None
        levels.append(float(p85))
        counts.append(ages.len())
    now_p85, before_p85 = levels[0], levels[weeks]
    earliest = snapshots.filter(pl.col("weeks_ago") == weeks)["at"][0]
    reach = (earliest - as_utc(history_start, "history_start")).total_seconds() / 86_400
    rising = all(levels[i] > levels[i + 1] for i in range(weeks))
    if not rising or before_p85 <= 0 or reach < now_p85:
        return []
    rise = now_p85 / before_p85 - 1
    if rise < rules.ageing_rise:
        return []
    return [
        {
            "signal_key": "ageing_rising:team",
            "rule": "ageing_rising",
            "title": "Work in progress is ageing",
            "evidence": {
                "p85_age_days": round(now_p85, 2),
                "p85_age_days_before": round(before_p85, 2),
                "weekly_p85_age_days": [round(v, 2) for v in reversed(levels)],
                "weeks": weeks,
                "wip": counts[0],
                "rise": round(rise, 4),
                "threshold": rules.ageing_rise,
            },
            "reason": (
                f"The P85 age of work in progress rose every week for {weeks} weeks, to {_num(round(now_p85, 1))} "
                f"days, up {_pct(rise)} from {_num(round(before_p85, 1))} days (threshold {_pct(rules.ageing_rise)})"
            ),
            "probability": suggested_probability(rise, rules.ageing_rise),
            "impact": IMPACT["ageing_rising"],
        }
    ]


# --- support, backlog, people --------------------------------------------------------------------------------------


def sla_breaches_rising(
    breached_at: pl.Series, rules: RiskRules, *, now: dt.datetime, history_start: dt.datetime | None
) -> list[Signal]:
    """**SLA breaches trending up**: count the SLA breaches (instants a clock's elapsed business time reached its
    goal, any goal) in the week up to ``now`` — the 7 days (now - 7 d, now] — and in each of the ``sla_weeks`` [6]
    weeks before it. Fires when the last week has at least ``sla_min_breaches`` [5] breaches, more than the week
    before, and at least a factor [2.5] times the mean of the earlier weeks. Silent unless the clocks
    (``history_start``, the first clock's start) reach back all those weeks. The key names the Monday of the
    week holding the middle of the last 7 days. Impact 4."""
    now = as_utc(now)
    weeks = rules.sla_weeks
    if history_start is None or as_utc(history_start, "history_start") > now - dt.timedelta(weeks=weeks + 1):
        return []
    ages = (instant(now) - pl.col("at")).dt.total_microseconds() / (7 * DAY_US)
    per_week = (
        pl.DataFrame({"at": breached_at}, schema={"at": pl.Datetime("us", "UTC")})
        .drop_nulls()
        .filter(pl.col("at") <= instant(now))
        .select(ages.ceil().cast(pl.Int64).alias("week") - 1)
        .filter(pl.col("week").is_between(0, weeks))
        .group_by("week")
        .agg(pl.len().alias("breaches"))
    )
    counts = dict.fromkeys(range(weeks + 1), 0) | dict(per_week.iter_rows())
    last, previous = counts[0], counts[1]
    earlier = [counts[w] for w in range(1, weeks + 1)]
    usual = sum(earlier) / weeks
    threshold = max(float(rules.sla_min_breaches), rules.sla_factor * usual)
    if last < threshold or last <= previous:
        return []
    middle = (now - dt.timedelta(days=3.5)).date()
    week = (middle - dt.timedelta(days=middle.weekday())).isoformat()
    return [
        {
            "signal_key": f"sla_breaches_rising:week:{week}",
            "rule": "sla_breaches_rising",
            "title": "SLA breaches trending up",
            "evidence": {
                "breaches_last_week": last,
                "breaches_week_before": previous,
                "weekly_breaches": [*reversed(earlier), last],
                "usual_per_week": round(usual, 2),
                "weeks": weeks,
                "threshold": round(threshold, 2),
            },
            "reason": (
                f"{last} SLA breaches in the last 7 days, against {previous} the week before and "
                f"{_num(round(usual, 1))} a week on average over the {weeks} weeks before "
                f"(threshold {_num(round(threshold, 1))})"
            ),
            "probability": suggested_probability(last, threshold),
            "impact": IMPACT["sla_breaches_rising"],
        }
    ]


def forecast_deadline(forecast: dict[str, Any], rules: RiskRules, *, deadline: dt.date, today: dt.date) -> list[Signal]:
    """**Forecast past its deadline**: a fix version or an epic with a deadline (``[teams.KEY.deadlines]``) whose
    Monte Carlo "when" forecast of its remaining items (``services/forecasts.scope_forecast``: the team's daily
    throughput, the scope's measured growth) puts the P85 date after the deadline — or gives no P85 date at all
    (the scope grows at least as fast as it is delivered: at current rates it never finishes) while the deadline is
    at most ``deadline_notice_days`` [28] days after today (a scope still being filled often grows that fast; it is
    a risk once its deadline nears). Silent when nothing remains. *Days late* = P85 date - deadline. Suggested
    probability from how late: 3 up to 7 days late, 4 up to 28, 5 beyond 28 or with no P85 date. Impact 4."""
    remaining = int(forecast["counts"]["remaining"])
    if remaining <= 0:
        return []
    kind, value = str(forecast["scope"]["kind"]), str(forecast["scope"]["value"])
    when, growth = forecast["when"], forecast["growth"]
    dates = when.get("dates") or {}
    p50 = dates.get("50")
    p85 = dates.get("85")
    finishes = bool(when.get("finishes")) and p85 is not None
    days_left = (deadline - today).days
    if finishes:
        days_late: int | None = (dt.date.fromisoformat(str(p85)) - deadline).days
        if days_late is not None and days_late <= 0:
            return []
    else:
        days_late = None
        if days_left > rules.deadline_notice_days:
            return []
    probability = 5 if days_late is None or days_late > 28 else 4 if days_late > 7 else 3
    rate = growth.get("measured")
    what = f"{kind} {value}"
    due = f"its deadline {deadline.isoformat()} " + (
        f"is {days_left} days away" if days_left >= 0 else f"passed {-days_left} days ago"
    )
    if days_late is not None:
        reason = (
            f"{remaining} items of {what} remain; at the team's pace and a scope growth of {rate or 0:.2f} new items "
            f"per delivered item the forecast's P85 date is {p85} (P50 {p50}), {days_late} days after its deadline "
            f"{deadline.isoformat()}"
        )
    elif not when.get("finishes"):
        reason = (
            f"At current rates {what} never finishes: from {growth['from']} to {growth['to']} "
            f"{growth['added']} items were added to it and {growth['delivered']} delivered; {remaining} items "
            f"remain and {due}"
        )
    else:
        reason = f"{remaining} items of {what} remain and the forecast gives no P85 date; {due}"
    return [
        {
            "signal_key": f"forecast_deadline:{kind}:{value}",
            "rule": "forecast_deadline",
            "title": f"{kind.capitalize()} {value} forecast past its deadline",
            "evidence": {
                "scope_kind": kind,
                "scope": value,
                "deadline": deadline.isoformat(),
                "remaining_items": remaining,
                "p50_date": p50,
                "p85_date": p85,
                "days_late_p85": days_late,
                "days_to_deadline": days_left,
                "finishes": bool(when.get("finishes")),
                "growth": rate,
                "growth_window": [growth["from"], growth["to"]],
                "added_items": growth["added"],
                "delivered_items": growth["delivered"],
                "notice_days": rules.deadline_notice_days,
            },
            "reason": reason,
            "probability": probability,
            "impact": IMPACT["forecast_deadline"],
        }
    ]


def ready_backlog_low(ready_work: dict[str, Any], rules: RiskRules) -> list[Signal]:
    """**Ready backlog below one sprint**: the ready work (backlog items passing the Definition of Ready), measured
    in sprints of the team's recent velocity — or, for a team without sprint velocity, in weeks of its recent
    throughput — is below ``ready_sprints`` [1] sprints (``ready_weeks`` [2] weeks). Silent when neither rate is
    known. The suggested probability reads threshold / value as *suggested probability* reads its ratio (5 when
    nothing is ready). Impact 3."""
    value, unit = ready_work.get("value"), ready_work.get("unit")
    if value is None or unit not in ("sprints", "weeks"):
        return []
    threshold = rules.ready_sprints if unit == "sprints" else rules.ready_weeks
    if value >= threshold:
        return []
    rate = (
        f"a velocity of {_num(round(float(ready_work['velocity']), 1))} points"
        if unit == "sprints"
        else f"a throughput of {_num(round(float(ready_work['weekly_throughput']), 1))} items a week"
    )
    return [
        {
            "signal_key": "ready_backlog_low:team",
            "rule": "ready_backlog_low",
            "title": "Ready backlog below one sprint",
            "evidence": {
                "ready_items": int(ready_work.get("ready_count") or 0),
                "ready_points": float(ready_work.get("ready_points") or 0),
                "value": round(float(value), 3),
                "unit": unit,
                "velocity": ready_work.get("velocity"),
                "weekly_throughput": ready_work.get("weekly_throughput"),
                "threshold": threshold,
            },
            "reason": (
                f"{ready_work.get('ready_count', 0)} ready items ({_num(float(ready_work.get('ready_points') or 0))}"
                f" points) make {_num(round(float(value), 1))} {unit} of work at {rate} (threshold "
                f"{_num(threshold)} {unit})"
            ),
            "probability": suggested_probability(threshold, value) if value > 0 else 5,
            "impact": IMPACT["ready_backlog_low"],
        }
    ]


def key_person_concentration(
    delivered: pl.DataFrame, rules: RiskRules, *, now: dt.datetime, names: dict[int, str] | None = None
) -> list[Signal]:
    """**Key-person concentration**: over the last ``key_person_weeks`` [12] weeks up to ``now``, in an area — a
    label — with at least ``key_person_min_items`` [10] delivered items, one person (the item's assignee) delivered
    more than a share [60 %] of them. ``delivered``: item_id, done_at, assignee_id, labels (items without an
    assignee count in the area's total, for no one). Impact 3."""
    since = as_utc(now) - dt.timedelta(weeks=rules.key_person_weeks)
    recent = (
        delivered.filter((pl.col("done_at") > instant(since)) & (pl.col("done_at") <= instant(now)))
        .explode("labels")
        .drop_nulls("labels")
        .unique(["item_id", "labels"])
    )
    if not recent.height:
        return []
    totals = recent.group_by("labels").agg(pl.len().alias("total"))
    by_person = (
        recent.drop_nulls("assignee_id")
        .group_by("labels", "assignee_id")
        .agg(pl.len().alias("items"))
        .join(totals, on="labels")
        .with_columns((pl.col("items") / pl.col("total")).alias("share"))
        .filter((pl.col("total") >= rules.key_person_min_items) & (pl.col("share") > rules.key_person_share))
        .sort("labels")
    )
    names = names or {}
    found: list[Signal] = []
    for label, person, items, total, share in by_person.iter_rows():  # one row per concentrated area at most
        who = names.get(person, f"person {person}")
        found.append(
            {
                "signal_key": f"key_person:label:{label}",
                "rule": "key_person",
                "title": f"Key-person concentration in {label}",
                "evidence": {
                    "area": label,
                    "person_id": person,
                    "person": who,
                    "items": items,
                    "area_items": total,
                    "share": round(share, 4),
                    "weeks": rules.key_person_weeks,
                    "threshold": rules.key_person_share,
                },
                "reason": (
                    f"{who} delivered {items} of the {total} items labelled {label} in the last "
                    f"{rules.key_person_weeks} weeks ({_pct(share)}; threshold {_pct(rules.key_person_share)})"
                ),
                "probability": suggested_probability(share, rules.key_person_share),
                "impact": IMPACT["key_person"],
            }
        )
    return found
