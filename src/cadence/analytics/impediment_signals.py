"""Impediment candidates detected from history: items that look stuck, each with the reason and its numbers.

A candidate is a suggestion for the stand-up, never a verdict: the PM confirms or dismisses it. Each signal compares
the item with the team's own history (its stage dwell medians, its cycle-time P85), so "stuck" means "stuck for this
team". Every signal is computed for all items at once from the history frames; none reads the clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from cadence.analytics.blocked import blocked_spells
from cadence.analytics.capacity import WEEKDAYS
from cadence.analytics.cycle_time import cycle_times
from cadence.analytics.days import DAY_US, as_day, as_utc, check_time_zone, fractional_days, instant, local_day
from cadence.analytics.history import FlowHistory, same_item_as_next
from cadence.analytics.milestones import item_milestones
from cadence.analytics.percentiles import nearest_rank
from cadence.analytics.reopens import backward_move_events

__all__ = ["BLOCKING_LINKS", "IMPEDIMENT_SIGNALS", "SIGNALS", "SignalRules", "detect_impediments"]

SIGNALS: tuple[str, ...] = ("flagged", "linked_blocker", "stage_dwell", "age", "ping_pong", "reassigned", "stale")
"""Signal names, in the order a facilitator reads them: explicit blocks first, then inferred ones."""

_UTC_TS = pl.Datetime("us", "UTC")

BLOCKING_LINKS: dict[str, pl.DataType | type[pl.DataType]] = {
    "item_id": pl.Int64,  # the blocked item
    "blocker_key": pl.String,
    "blocker_team_id": pl.Int64,
    "blocker_team": pl.String,  # the blocking team's key, for the reason; optional
    "blocker_resolved_at": _UTC_TS,  # null while the blocker is unfinished
    "linked_at": _UTC_TS,  # when the link was made; optional
}
"""``blocks`` links into the team's items: one row per (blocked item, blocking item), the blocker of any team."""

IMPEDIMENT_SIGNALS: dict[str, pl.DataType | type[pl.DataType]] = {
    "item_id": pl.Int64,
    "key": pl.String,
    "stage": pl.String,
    "signal": pl.Enum(SIGNALS),
    "reason": pl.String,
    "value": pl.Float64,
    "baseline": pl.Float64,
    "threshold": pl.Float64,
    "sample": pl.Int64,
    "unit": pl.String,
    "detail": pl.String,
    "detected_since": _UTC_TS,
}
"""The detector's output. ``value`` is what was measured, in ``unit``; ``threshold`` what it exceeded (or reached);
``baseline`` the team's reference (the stage median, the cycle-time percentile) and ``sample`` its sample size."""


@dataclass(frozen=True)
class SignalRules:
    """The detector's parameters; the defaults are the documented ones."""

    dwell_factor: float = 2.0
    min_sample: int = 5
    age_percentile: int = 85
    ping_pong_moves: int = 2
    reassignments: int = 3
    reassignment_window_days: float = 10.0
    stale_working_days: int = 2
    weekdays: tuple[int, ...] = WEEKDAYS

    def __post_init__(self) -> None:
        if self.dwell_factor <= 0:
            raise ValueError(f"dwell_factor {self.dwell_factor} must be positive")
        if not 0 < self.age_percentile <= 100:
            raise ValueError(f"age_percentile {self.age_percentile} is outside (0, 100]")
        for name in ("min_sample", "ping_pong_moves", "reassignments", "stale_working_days"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} is {getattr(self, name)}; it must be at least 1")
        if self.reassignment_window_days <= 0:
            raise ValueError(f"reassignment_window_days {self.reassignment_window_days} must be positive")
        if not self.weekdays or any(d not in range(7) for d in self.weekdays):
            raise ValueError(f"weekdays {list(self.weekdays)} must be a non-empty list of 0 (Monday) .. 6 (Sunday)")


def detect_impediments(
    history: FlowHistory,
    items: pl.DataFrame,
    *,
    now: dt.datetime,
    tz: str = "UTC",
    milestones: pl.DataFrame | None = None,
    cycle_time_days: pl.Series | None = None,
    assignee_changes: pl.DataFrame | None = None,
    flag_changes: pl.DataFrame | None = None,
    estimate_changes: pl.DataFrame | None = None,
    blocking_links: pl.DataFrame | None = None,
    holidays: Iterable[dt.date] = (),
    rules: SignalRules | None = None,
) -> pl.DataFrame:
    """**Impediment signals** concern items **in progress**: their current stage is of category active or waiting
    (work waiting in a committed queue such as Ready is not on the walk). Each signal gives a reason in words with
    its numbers, and ``detected_since``, the instant the item crossed the signal's threshold (null when that is
    unknown). The defaults of the parameters are in brackets.

    * **flagged**: the item is flagged (blocked) now — its last flag change up to ``now`` is a flag; an item without
      flag changes is flagged when its current ``flagged`` field says so. Since: the start of the current flag.
    * **linked_blocker**: an unfinished item (not resolved by ``now``) of another team ``blocks`` the item. Since: the
      earliest link to such a blocker.
    * **stage_dwell**: the item has been in its current stage (since it last entered it) for more than k [2] times
      the stage's median dwell. The median is the nearest-rank P50 of the team's completed visits to that stage (a
      visit ended by ``now``; visits of zero length, pass-throughs, are left out); a stage with fewer than the
      minimum sample [5] of such visits gives no signal. Since: entry + k x median.
    * **age**: the item's age (``now`` - start, its first crossing of the commitment point) is above the team's
      cycle-time percentile [P85, nearest rank] (cycle times of delivered items; none below the minimum sample [5]).
      Since: start + that percentile.
    * **ping_pong**: the item moved back to an earlier stage (a backward move, a reopen out of the done zone
      included) at least N [2] times, so it went back and forth between stages; the detail names its most frequent
      backward pair. Since: the N-th backward move.
    * **reassigned**: the item's assignee changed from one person to another (not a first assignment) at least N [3]
      times in the last W [10] days up to ``now``. Since: the N-th of those changes.
    * **stale**: no change for at least N [2] working days — the working days (Monday to Friday by default, minus
      the given public holidays) strictly between the team-local date of the item's last change (creation, status,
      assignee, flag or estimate change) and today. Since: the start of the day after the N-th such day.

    One row per (item, signal), by item then signal: item_id, key, stage, signal, reason, value, baseline, threshold,
    sample, unit, detail, detected_since.
    """
    rules = rules or SignalRules()
    check_time_zone(tz)
    workflow = history.workflow
    intervals = history.intervals
    now_lit = instant(now)
    if milestones is None:
        milestones = item_milestones(intervals, items, workflow)
    if cycle_time_days is None:
        cycle_time_days = cycle_times(milestones, tz=tz)["cycle_time_days"]
    current = intervals.filter(~same_item_as_next())
    working = [i for i, stage in enumerate(workflow.stages) if stage.in_progress]
    wip = current.filter(pl.col("stage_index").is_in(working)).select(
        "item_id", pl.col("stage").cast(pl.String), pl.col("entered_at").alias("stage_entered_at")
    )
    if not wip.height:
        return pl.DataFrame(schema=IMPEDIMENT_SIGNALS)
    facts = items.select("item_id", "key", "team_id", "flagged", "created_at")
    wip = wip.join(facts, on="item_id", how="inner").join(
        milestones.select("item_id", "start_at"), on="item_id", how="left"
    )
    found = [
        _flagged(wip, flag_changes, now),
        _linked_blockers(wip, blocking_links, now_lit),
        _stage_dwell(wip, intervals, now_lit, rules),
        _age(wip, cycle_time_days, now_lit, rules),
        _ping_pong(wip, backward_move_events(intervals, workflow), now_lit, rules),
        _reassigned(wip, assignee_changes, now, rules),
        _stale(wip, history.statuses, [assignee_changes, flag_changes, estimate_changes], now, tz, holidays, rules),
    ]
    kept = [f.select(_ROW) for f in found if f.height]
    if not kept:
        return pl.DataFrame(schema=IMPEDIMENT_SIGNALS)
    signals = pl.concat(kept, how="vertical")
    return (
        signals.join(wip.select("item_id", "key", "stage"), on="item_id", how="inner")
        .select(list(IMPEDIMENT_SIGNALS))
        .sort("item_id", "signal")
    )


_ROW = [
    pl.col("item_id").cast(pl.Int64),
    pl.col("signal").cast(pl.Enum(SIGNALS)),
    pl.col("reason").cast(pl.String),
    *(pl.col(c).cast(pl.Float64) for c in ("value", "baseline", "threshold")),
    pl.col("sample").cast(pl.Int64),
    pl.col("unit").cast(pl.String),
    pl.col("detail").cast(pl.String),
    pl.col("detected_since").cast(_UTC_TS),
]


def _num(expr: pl.Expr) -> pl.Expr:
    """A number as the reason shows it: one decimal."""
    return expr.round(1).cast(pl.String)


def _times(count: str) -> pl.Expr:
    """``1 time``, ``2 times``."""
    return pl.format("{} {}", count, pl.when(pl.col(count) == 1).then(pl.lit("time")).otherwise(pl.lit("times")))


def _signal(
    name: str,
    reason: pl.Expr,
    *,
    value: pl.Expr,
    unit: str,
    since: pl.Expr,
    baseline: pl.Expr | None = None,
    threshold: pl.Expr | None = None,
    sample: pl.Expr | None = None,
    detail: pl.Expr | None = None,
) -> list[pl.Expr]:
    none = pl.lit(None)
    return [
        pl.col("item_id"),
        pl.lit(name).alias("signal"),
        reason.alias("reason"),
        value.alias("value"),
        (baseline if baseline is not None else none).alias("baseline"),
        (threshold if threshold is not None else none).alias("threshold"),
        (sample if sample is not None else none).alias("sample"),
        pl.lit(unit).alias("unit"),
        (detail if detail is not None else none).alias("detail"),
        since.alias("detected_since"),
    ]


def _flagged(wip: pl.DataFrame, flag_changes: pl.DataFrame | None, now: dt.datetime) -> pl.DataFrame:
    events = flag_changes if flag_changes is not None else pl.DataFrame(schema={"item_id": pl.Int64})
    if events.height:
        ongoing = blocked_spells(events, now=now).filter("ongoing").select("item_id", "blocked_from")
        with_events = events.filter(pl.col("at") <= instant(now))["item_id"].unique()
    else:
        ongoing = pl.DataFrame(schema={"item_id": pl.Int64, "blocked_from": _UTC_TS})
        with_events = pl.Series("item_id", [], dtype=pl.Int64)
    from_field = wip.filter(pl.col("flagged").fill_null(False) & ~pl.col("item_id").is_in(with_events.implode()))
    flagged = pl.concat(
        [ongoing, from_field.select("item_id", pl.lit(None, _UTC_TS).alias("blocked_from"))], how="vertical"
    ).join(wip.select("item_id"), on="item_id", how="inner")
    days = fractional_days(pl.col("blocked_from"), instant(now))
    reason = (
        pl.when(pl.col("blocked_from").is_null())
        .then(pl.lit("Flagged as blocked"))
        .otherwise(pl.format("Flagged as blocked for {} days", _num(days)))
    )
    return flagged.select(_signal("flagged", reason, value=days, unit="days", since=pl.col("blocked_from")))


def _linked_blockers(wip: pl.DataFrame, links: pl.DataFrame | None, now: pl.Expr) -> pl.DataFrame:
    if links is None or not links.height:
        return pl.DataFrame()
    for column in ("blocker_team", "blocker_resolved_at", "linked_at"):
        if column not in links.columns:
            links = links.with_columns(pl.lit(None, BLOCKING_LINKS[column]).alias(column))
    open_links = (
        links.join(wip.select("item_id", "team_id"), on="item_id", how="inner")
        .filter(
            (pl.col("blocker_team_id") != pl.col("team_id")).fill_null(True)
            & (pl.col("blocker_resolved_at").is_null() | (pl.col("blocker_resolved_at") > now))
            & (pl.col("linked_at").is_null() | (pl.col("linked_at") <= now))
        )
        .with_columns(
            pl.coalesce(pl.col("blocker_team"), pl.format("team {}", pl.col("blocker_team_id"))).alias("_team")
        )
        .sort("item_id", "blocker_key")
    )
    per_item = open_links.group_by("item_id", maintain_order=True).agg(
        pl.len().alias("blockers"),
        pl.col("blocker_key").first().alias("_first"),
        pl.col("_team").first().alias("_first_team"),
        pl.format("{} ({})", "blocker_key", "_team").str.join(", ").alias("_listed"),
        pl.col("blocker_key").str.join(", ").alias("_keys"),
        pl.col("linked_at").min().alias("_since"),
    )
    reason = (
        pl.when(pl.col("blockers") == 1)
        .then(pl.format("Waiting on {} of {}, which is not finished", "_first", "_first_team"))
        .otherwise(pl.format("Waiting on {} unfinished items of other teams: {}", "blockers", "_listed"))
    )
    return per_item.select(
        _signal(
            "linked_blocker",
            reason,
            value=pl.col("blockers"),
            unit="items",
            since=pl.col("_since"),
            detail=pl.col("_keys"),
        )
    )


def _stage_dwell(wip: pl.DataFrame, intervals: pl.DataFrame, now: pl.Expr, rules: SignalRules) -> pl.DataFrame:
    finished = intervals.filter(
        pl.col("left_at").is_not_null() & (pl.col("left_at") <= now) & (pl.col("left_at") > pl.col("entered_at"))
    )
    medians = (
        finished.select(pl.col("stage").cast(pl.String), fractional_days(pl.col("entered_at"), pl.col("left_at")))
        .rename({"left_at": "dwell"})
        .group_by("stage")
        .agg(pl.len().alias("sample"), pl.col("dwell").sort().get((pl.len() + 1) // 2 - 1).alias("median"))
        .filter((pl.col("sample") >= rules.min_sample) & (pl.col("median") > 0))
    )
    dwell = fractional_days(pl.col("stage_entered_at"), now)
    stuck = (
        wip.join(medians, on="stage", how="inner")
        .with_columns(dwell.alias("_dwell"), (pl.col("median") * rules.dwell_factor).alias("_threshold"))
        .filter(pl.col("_dwell") > pl.col("_threshold"))
    )
    ratio = pl.col("_dwell") / pl.col("median")
    reason = pl.format(
        "In {} for {} days, {}x this stage's median of {} days",
        "stage",
        _num(pl.col("_dwell")),
        _num(ratio),
        _num(pl.col("median")),
    )
    since = pl.col("stage_entered_at") + pl.duration(
        microseconds=(pl.col("_threshold") * DAY_US).round(0).cast(pl.Int64)
    )
    return stuck.select(
        _signal(
            "stage_dwell",
            reason,
            value=pl.col("_dwell"),
            unit="days",
            since=since,
            baseline=pl.col("median"),
            threshold=pl.col("_threshold"),
            sample=pl.col("sample"),
            detail=pl.col("stage"),
        )
    )


def _age(wip: pl.DataFrame, cycle_time_days: pl.Series, now: pl.Expr, rules: SignalRules) -> pl.DataFrame:
    sample = cycle_time_days.drop_nulls()
    if sample.dtype.is_float():
        sample = sample.drop_nans()
    if len(sample) < rules.min_sample:
        return pl.DataFrame()
    level = nearest_rank(sample, (rules.age_percentile,))[rules.age_percentile]
    assert level is not None
    age = fractional_days(pl.col("start_at"), now)
    old = wip.filter(pl.col("start_at").is_not_null()).with_columns(age.alias("_age")).filter(pl.col("_age") > level)
    reason = pl.format(
        "Age {} days, above the team's cycle-time P{} of {} days",
        _num(pl.col("_age")),
        pl.lit(rules.age_percentile),
        _num(pl.lit(level)),
    )
    since = pl.col("start_at") + pl.duration(microseconds=round(level * DAY_US))
    return old.select(
        _signal(
            "age",
            reason,
            value=pl.col("_age"),
            unit="days",
            since=since,
            baseline=pl.lit(level),
            threshold=pl.lit(level),
            sample=pl.lit(len(sample)),
            detail=pl.lit(f"P{rules.age_percentile}"),
        )
    )


def _ping_pong(wip: pl.DataFrame, moves: pl.DataFrame, now: pl.Expr, rules: SignalRules) -> pl.DataFrame:
    mine = (
        moves.filter(pl.col("at") <= now)
        .join(wip.select("item_id"), on="item_id", how="semi")
        .sort("item_id", "at", maintain_order=True)
        .with_columns(
            pl.format("{} -> {}", pl.col("from_stage").cast(pl.String), pl.col("to_stage").cast(pl.String)).alias(
                "_pair"
            )
        )
    )
    per_item = (
        mine.group_by("item_id")
        .agg(pl.len().alias("_moves"), pl.col("at").sort().alias("_ats"))
        .filter(pl.col("_moves") >= rules.ping_pong_moves)
    )
    pairs = (
        mine.group_by("item_id", "_pair")
        .agg(pl.len().alias("_pair_moves"), pl.col("at").min().alias("_first_at"))
        .sort("item_id", "_pair_moves", "_first_at", descending=[False, True, False])
        .group_by("item_id", maintain_order=True)
        .first()
    )
    bouncing = per_item.join(pairs, on="item_id", how="left").with_columns(
        pl.col("_ats").list.get(rules.ping_pong_moves - 1).alias("_since")
    )
    reason = pl.format("Moved back {}; most often {} ({})", _times("_moves"), "_pair", _times("_pair_moves"))
    return bouncing.select(
        _signal(
            "ping_pong",
            reason,
            value=pl.col("_moves"),
            unit="moves",
            since=pl.col("_since"),
            threshold=pl.lit(rules.ping_pong_moves),
            detail=pl.col("_pair"),
        )
    )


def _reassigned(wip: pl.DataFrame, changes: pl.DataFrame | None, now: dt.datetime, rules: SignalRules) -> pl.DataFrame:
    if changes is None or not changes.height:
        return pl.DataFrame()
    window_start = as_utc(now) - dt.timedelta(days=rules.reassignment_window_days)
    recent = (
        changes.join(wip.select("item_id"), on="item_id", how="semi")
        .filter(
            (pl.col("at") > instant(window_start))
            & (pl.col("at") <= instant(now))
            & pl.col("from_id").is_not_null()
            & pl.col("from_id").ne_missing(pl.col("to_id"))
        )
        .sort("item_id", "at", maintain_order=True)
    )
    per_item = (
        recent.group_by("item_id")
        .agg(
            pl.len().alias("_changes"),
            pl.col("at").sort().get(rules.reassignments - 1, null_on_oob=True).alias("_since"),
            pl.col("from_id").append(pl.col("to_id")).drop_nulls().n_unique().alias("_people"),
        )
        .filter(pl.col("_changes") >= rules.reassignments)
    )
    reason = pl.format(
        "Reassigned {} in the last {} days, between {} people",
        _times("_changes"),
        pl.lit(_num_text(rules.reassignment_window_days)),
        "_people",
    )
    return per_item.select(
        _signal(
            "reassigned",
            reason,
            value=pl.col("_changes"),
            unit="changes",
            since=pl.col("_since"),
            threshold=pl.lit(rules.reassignments),
            detail=pl.format("{} people", "_people"),
        )
    )


def _num_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def _stale(
    wip: pl.DataFrame,
    statuses: pl.DataFrame,
    events: Sequence[pl.DataFrame | None],
    now: dt.datetime,
    tz: str,
    holidays: Iterable[dt.date],
    rules: SignalRules,
) -> pl.DataFrame:
    now_lit = instant(now)
    moments = [
        statuses.select("item_id", pl.col("entered_at").alias("at")),
        wip.select("item_id", pl.col("created_at").alias("at")),
        *(e.select("item_id", "at") for e in events if e is not None and e.height),
    ]
    last = (
        pl.concat([m.with_columns(pl.col("at").cast(_UTC_TS)) for m in moments], how="vertical")
        .join(wip.select("item_id"), on="item_id", how="semi")
        .filter(pl.col("at") <= now_lit)
        .group_by("item_id")
        .agg(pl.col("at").max().alias("_last"))
        .with_columns(local_day(pl.col("_last"), tz).alias("_last_day"))
        .sort("item_id")
    )
    if not last.height:
        return pl.DataFrame()
    weekmask = "".join("1" if d in rules.weekdays else "0" for d in range(7))
    off = list(holidays)
    today = np.datetime64(as_day(now, tz), "D")
    after_last = last["_last_day"].to_numpy().astype("datetime64[D]") + np.timedelta64(1, "D")
    quiet = np.maximum(np.busday_count(after_last, today, weekmask=weekmask, holidays=off), 0)
    nth = np.busday_offset(after_last, rules.stale_working_days - 1, roll="forward", weekmask=weekmask, holidays=off)
    became = nth + np.timedelta64(1, "D")
    stale = last.with_columns(
        pl.Series("_quiet", quiet.astype(np.int64)),
        _local_midnight(pl.Series("_became", became.astype("datetime64[us]")), tz),
    ).filter(pl.col("_quiet") >= rules.stale_working_days)
    last_date = pl.col("_last").dt.convert_time_zone(tz).dt.date().cast(pl.String)
    reason = pl.format("No change for {} working days (last change on {})", "_quiet", last_date)
    return stale.select(
        _signal(
            "stale",
            reason,
            value=pl.col("_quiet"),
            unit="working days",
            since=pl.col("_became"),
            threshold=pl.lit(rules.stale_working_days),
            detail=last_date,
        )
    )


def _local_midnight(dates: pl.Series, tz: str) -> pl.Series:
    """The UTC instant each team-local date begins (a midnight lost to DST begins at the jump)."""
    local = dates.cast(pl.Datetime("us")).dt.replace_time_zone(tz, ambiguous="earliest", non_existent="null")
    fallback = dates.cast(pl.Datetime("us")).dt.replace_time_zone("UTC")
    return local.dt.convert_time_zone("UTC").fill_null(fallback).cast(_UTC_TS).alias("_became")
