"""A team's delivery forecasts: "how many items by a date" and "when will N items be done", from its own history.

The throughput sample is the team's delivered items per day (``analytics/throughput.py``) over the ``window_days``
days that end yesterday in the team's time zone — today is not over, and a half day would bias the sample low. The
simulation is ``analytics/forecast.py``. A "how many" forecast on calendar days is recalibrated with the team's own
track record at that horizon (``analytics/backtest.calibrated_levels``, the method ``cadence eval forecast``
evaluates) once its history holds at least 12 scored weekly origins; ``how_many.calibrated`` says whether it was.
Unless a seed is given, the seed is derived from (team, data version, day), so the same question asked twice on the
same day gets the same answer, and any new history changes it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any, Literal
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl

from cadence.analytics.backtest import HindcastSettings, calibrated_levels, hindcast
from cadence.analytics.burn_up import CONE_PERCENTILES, burn_up_history, forecast_cone
from cadence.analytics.forecast import (
    FORECAST_PERCENTILES,
    DayKind,
    forecast_how_many,
    forecast_when,
    simulated_days,
    throughput_sample,
)
from cadence.analytics.forecast_scope import ScopeKind, scope_choices, scope_counts, scope_items
from cadence.analytics.forecast_scope import scope_growth as measure_growth
from cadence.analytics.history import build_history
from cadence.analytics.milestones import item_milestones
from cadence.analytics.throughput import throughput
from cadence.analytics.workflow import Workflow
from cadence.domain.errors import InputError
from cadence.domain.model import Team
from cadence.services.caches import Cache
from cadence.services.team_metrics import load_team, team_frames
from cadence.services.workspace_config import WorkspaceConfig
from cadence.store.database import Database

__all__ = ["REFERENCE_HORIZON", "forecast_choices", "scope_forecast", "team_forecast"]

_BASES = Cache("forecast_bases", 64)
_FORECASTS = Cache("forecasts", 256)

REFERENCE_HORIZON = 28
"""The horizon (days) of the track record shown beside a "when" forecast, which has no horizon of its own."""


_UNFINISHED_HORIZON = 91
"""Days of cone drawn for a scope that never finishes at current rates (its lines show deliveries, not a finish)."""


def _seed(team_id: int, data_version: int, day: dt.date) -> int:
    digest = hashlib.sha256(f"{team_id}:{data_version}:{day.isoformat()}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


@dataclass(frozen=True)
class _Basis:
    """What every forecast of a team starts from: its day, its delivered-per-day history and the sample window."""

    team: Team
    tz: str
    today: dt.date
    first: dt.date
    last: dt.date
    items: pl.DataFrame
    milestones: pl.DataFrame
    daily: pl.DataFrame


def _basis(db: Database, config: WorkspaceConfig, key: str, now: dt.datetime, window_days: int) -> _Basis:
    """Cached per (team, data version, day, window): rebuilding a 50k-item team's history takes ~0.1 s."""
    team = load_team(db, key)
    settings = config.for_team(key)
    tz = settings.time_zone or team.timezone or "UTC"
    today = now.astimezone(ZoneInfo(tz)).date()
    cache_key = (db.label, team.id, team.data_version, today, window_days, id(config))
    return _BASES.get_or_compute(cache_key, lambda: _build_basis(db, team, settings.workflow, tz, today, window_days))


def _build_basis(db: Database, team: Team, workflow: Workflow, tz: str, today: dt.date, window_days: int) -> _Basis:
    last = today - dt.timedelta(days=1)
    first = last - dt.timedelta(days=window_days - 1)
    frames = team_frames(db, team)
    history = build_history(frames.items, frames.transitions, workflow)
    milestones = item_milestones(history.intervals, frames.items, workflow)
    earliest = milestones.filter(pl.col("delivered"))["done_at"].min()
    since = min(first, earliest.astimezone(ZoneInfo(tz)).date()) if isinstance(earliest, dt.datetime) else first
    daily = throughput(milestones, start=since, end=last, tz=tz)
    return _Basis(team, tz, today, first, last, frames.items, milestones, daily)


def _rng(basis: _Basis, seed: int | None, salt: str = "") -> np.random.Generator:
    if seed is not None:
        return np.random.default_rng(seed)
    return np.random.default_rng(_seed(basis.team.id, basis.team.data_version, basis.today) ^ _salt(salt))


def _salt(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big") if text else 0


def team_forecast(
    db: Database,
    config: WorkspaceConfig,
    key: str,
    *,
    now: dt.datetime,
    items: int | None = None,
    until: dt.date | None = None,
    window_days: int = 56,
    days: DayKind = "calendar",
    trials: int = 10_000,
    scope_growth: float = 0.0,
    seed: int | None = None,
) -> dict[str, Any]:
    """Forecast team ``key`` from today (in its zone): ``items`` -> "when", ``until`` -> "how many"; one or both.

    JSON-ready: the sample's window and totals, then ``when`` (percentile -> ISO date or null) and/or ``how_many``
    (percentile -> at least this many items, and whether the answer was recalibrated), and ``track_record``: the
    team's own back-test at the same horizon, so every forecast says how often such forecasts came true.
    """
    if items is None and until is None:
        raise InputError("ask for a number of items ('when') or an end date ('how many'), or both")
    basis = _basis(db, config, key, now, window_days)
    if seed is None:  # the draws are seeded by (team, data version, day): the same question has the same answer
        question = (db.label, basis.team.id, basis.team.data_version, basis.today, items, until, window_days, days,
                    trials, scope_growth, id(config))  # fmt: skip
        return _FORECASTS.get_or_compute(
            question, lambda: _team_forecast(basis, items, until, window_days, days, trials, scope_growth, None)
        )
    return _team_forecast(basis, items, until, window_days, days, trials, scope_growth, seed)


def _team_forecast(
    basis: _Basis, items: int | None, until: dt.date | None, window_days: int, days: DayKind, trials: int,
    scope_growth: float, seed: int | None,
) -> dict[str, Any]:  # fmt: skip
    team, today, daily = basis.team, basis.today, basis.daily
    if until is not None and until < today:
        raise InputError(f"the end date {until} is before today ({today}) in the team's time zone {basis.tz}")
    sample = throughput_sample(daily, end=basis.last, window_days=window_days, days=days)
    rng = _rng(basis, seed)
    result: dict[str, Any] = {
        "team": {"key": team.key, "name": team.name, "data_version": team.data_version},
        "sample": {
            "from": basis.first.isoformat(),
            "to": basis.last.isoformat(),
            "days": days,
            "delivered": int(sample.sum()),
        },
        "trials": trials,
    }
    if until is not None:
        result["how_many"] = _how_many(sample, daily, today, until, rng, trials, days, window_days)
    horizon = simulated_days(today, until, "calendar") if until is not None else REFERENCE_HORIZON
    result["track_record"] = _track_record(daily["count"].to_numpy(), max(horizon, 1), window_days, rng)
    if items is not None:
        when = forecast_when(sample, items, today, rng=rng, trials=trials, days=days, scope_growth=scope_growth)
        result["when"] = {
            "items": items,
            "scope_growth": scope_growth,
            "dates": {str(p): None if d is None else d.isoformat() for p, d in when.dates.items()},
            "unfinished_share": when.unfinished_share,
        }
    return result


def _how_many(
    sample: np.ndarray[Any, Any],
    daily: pl.DataFrame,
    today: dt.date,
    until: dt.date,
    rng: np.random.Generator,
    trials: int,
    days: DayKind,
    window_days: int,
    cap: int | None = None,
) -> dict[str, Any]:
    """A "how many" forecast, recalibrated on calendar days by the team's track record; ``cap`` bounds each answer
    (a scope cannot deliver more items than it has left)."""
    levels: dict[int, float] = {}
    if days == "calendar":
        levels = calibrated_levels(
            daily["count"].to_numpy(),
            simulated_days(today, until, days),
            FORECAST_PERCENTILES,
            rng=rng,
            settings=HindcastSettings(window=window_days, trials=1000),
        )
    how_many = forecast_how_many(sample, today, until, rng=rng, trials=trials, days=days, levels=levels)
    return {
        "from": today.isoformat(),
        "to": until.isoformat(),
        "items": {str(p): n if cap is None else min(n, cap) for p, n in how_many.items.items()},
        "calibrated": bool(levels),
    }


def _track_record(
    counts: np.ndarray[Any, Any], horizon: int, window_days: int, rng: np.random.Generator
) -> dict[str, Any]:
    """How often this team's own past forecasts at this horizon came true: the back-test shown beside a forecast.

    Rolling origins a week apart, each forecast made only from the ``window_days`` before it (the method of
    ``cadence eval forecast``); ``p85_coverage`` is the share of origins whose outcome reached the P85 "at least".
    """
    score = hindcast(counts, [horizon], rng=rng, settings=HindcastSettings(window=window_days, trials=1000))[horizon]
    return {
        "horizon_days": horizon,
        "origins": score.origins,
        "p50_coverage": score.p50_coverage,
        "p85_coverage": score.p85_coverage,
        "bias": score.bias,
    }


def forecast_choices(db: Database, config: WorkspaceConfig, key: str, *, now: dt.datetime) -> dict[str, Any]:
    """The team's epics, fix versions and labels that still hold open items (for pickers), with counts."""
    basis = _basis(db, config, key, now, 56)
    return scope_choices(basis.items, basis.milestones)


def _selected(epic: str | None, version: str | None, label: str | None) -> tuple[ScopeKind, str]:
    chosen = [(kind, value) for kind, value in (("epic", epic), ("version", version), ("label", label)) if value]
    if len(chosen) != 1:
        given = ", ".join(f"{kind} '{value}'" for kind, value in chosen) or "none"
        raise InputError(f"choose exactly one scope — an epic, a version or a label (given: {given})")
    kind, value = chosen[0]
    return kind, str(value).strip()  # type: ignore[return-value]


def scope_forecast(
    db: Database,
    config: WorkspaceConfig,
    key: str,
    *,
    now: dt.datetime,
    epic: str | None = None,
    version: str | None = None,
    label: str | None = None,
    until: dt.date | None = None,
    window_days: int = 56,
    days: DayKind = "calendar",
    trials: int = 10_000,
    scope_growth: float | None = None,
    sample_from: Literal["team", "scope"] = "team",
    horizon_days: int = 365,
    seed: int | None = None,
) -> dict[str, Any]:
    """Forecast the remaining items of one epic, fix version or label of team ``key`` (``analytics/forecast_scope``).

    JSON-ready: ``scope`` and its ``counts``, the measured ``growth`` (``scope_growth`` overrides the rate used),
    ``when`` the remaining items will be delivered (no dates when the scope grows as fast as it is delivered),
    ``how_many`` of them by ``until`` (capped at the remaining count), the ``burn_up`` history with its forecast
    cone, the team's ``track_record`` at that horizon as :func:`team_forecast` gives it, and ``choices`` for pickers.
    The throughput sample is the team's (``sample_from="scope"``: only this scope's deliveries).
    """
    kind, value = _selected(epic, version, label)
    if scope_growth is not None and not 0.0 <= scope_growth < 1.0:
        raise InputError(
            f"scope growth must be at least 0 and below 1 (new items per delivered item), not {scope_growth}"
        )
    basis = _basis(db, config, key, now, window_days)
    team, today, tz = basis.team, basis.today, basis.tz
    if until is not None and until < today:
        raise InputError(f"the end date {until} is before today ({today}) in the team's time zone {tz}")
    scope = scope_items(basis.items, basis.milestones, kind, value)
    counts = scope_counts(scope, now)
    growth = measure_growth(scope, first=basis.first, last=basis.last, tz=tz)
    rate = growth.rate if scope_growth is None else scope_growth
    daily = basis.daily if sample_from == "team" else throughput(scope, start=basis.first, end=basis.last, tz=tz)
    sample = throughput_sample(daily, end=basis.last, window_days=window_days, days=days)
    rng = _rng(basis, seed, f"{kind}:{value}")
    result: dict[str, Any] = {
        "team": {"key": team.key, "name": team.name, "data_version": team.data_version},
        "scope": {"kind": kind, "value": value},
        "counts": {
            "total": counts.total,
            "delivered": counts.delivered,
            "removed": counts.removed,
            "remaining": counts.remaining,
        },
        "growth": {
            "from": growth.first.isoformat(),
            "to": growth.last.isoformat(),
            "added": growth.added,
            "removed": growth.removed,
            "delivered": growth.delivered,
            "measured": growth.rate,
            "used": rate,
            "source": "measured" if scope_growth is None else "override",
            "finishes": rate is not None,
        },
        "sample": {
            "from": basis.first.isoformat(),
            "to": basis.last.isoformat(),
            "days": days,
            "throughput": sample_from,
            "delivered": int(sample.sum()),
        },
        "trials": trials,
    }
    if until is not None:
        result["how_many"] = _how_many(
            sample, basis.daily, today, until, rng, trials, days, window_days, cap=counts.remaining
        )
    result["when"] = _scope_when(sample, counts.remaining, today, rng, trials, days, rate)
    horizon = simulated_days(today, until, "calendar") if until is not None else REFERENCE_HORIZON
    result["track_record"] = _track_record(basis.daily["count"].to_numpy(), max(horizon, 1), window_days, rng)
    history = burn_up_history(scope, now=now, tz=tz)
    cone = forecast_cone(
        sample,
        today=today,
        delivered=counts.delivered,
        scope=counts.total - counts.removed,
        remaining=counts.remaining,
        rng=rng,
        trials=trials,
        scope_growth=rate or 0.0,
        days=days,
        horizon_days=horizon_days if rate is not None else min(horizon_days, _UNFINISHED_HORIZON),
        capped=rate is not None,
    )
    result["burn_up"] = {
        "history": [
            {"date": d.isoformat(), "delivered": int(done), "scope": int(size)} for d, done, size in history.iter_rows()
        ],
        "cone": [
            {"date": d.isoformat(), **{f"p{p}": cone.lines[p][i] for p in CONE_PERCENTILES}}
            for i, d in enumerate(cone.dates)
        ],
        "projected_scope": cone.projected_scope,
        "reached": cone.reached,
        "horizon_days": horizon_days,
    }
    result["choices"] = scope_choices(basis.items, basis.milestones)
    return result


def _scope_when(
    sample: np.ndarray[Any, Any],
    remaining: int,
    today: dt.date,
    rng: np.random.Generator,
    trials: int,
    days: DayKind,
    rate: float | None,
) -> dict[str, Any]:
    if rate is None:
        return {
            "items": remaining,
            "scope_growth": None,
            "finishes": False,
            "dates": {str(p): None for p in FORECAST_PERCENTILES},
            "unfinished_share": 1.0,
        }
    when = forecast_when(sample, remaining, today, rng=rng, trials=trials, days=days, scope_growth=rate)
    return {
        "items": remaining,
        "scope_growth": rate,
        "finishes": True,
        "dates": {str(p): None if d is None else d.isoformat() for p, d in when.dates.items()},
        "unfinished_share": when.unfinished_share,
    }
