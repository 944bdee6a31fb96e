"""A scope of work — an epic, a fix version or a label — its remaining items and how fast it grows.

**Scope.** The items of one team selected by exactly one of: ``epic`` (items whose ``epic_key`` is the epic's key;
the epic itself is not an item of its own scope), ``version`` (items whose ``fix_versions`` hold it) or ``label``
(items whose ``labels`` hold it). Epics are containers, never items of a scope. Matching is exact (case-sensitive,
as Jira stores them).

**Counts** at ``now``: *total* = scope items created by ``now``; *delivered* = those delivered (done, not
discarded, see ``analytics/milestones.py``); *removed* = those discarded (``Won't Do`` or a discarded resolution:
they left the scope); *remaining* = total - delivered - removed.

**Scope growth** over the sampling window (the calendar days ``[first, last]`` in the team's time zone, the same
window as the throughput sample): *added* = scope items created in the window after the scope's first delivery
(before anything is delivered the scope is still being planned: that is its initial scope, not growth), *removed* =
scope items discarded in the window, *delivered* = scope items delivered in it. The measured growth is ``g =
max(added - removed, 0) / delivered``: new items per delivered item, the ``scope_growth`` of ``forecast_when``
(which needs ``0 <= g < 1``: delivering ``r`` remaining items then takes ``r / (1 - g)`` deliveries). A net
shrinking scope counts as ``g = 0`` (the forecast stays on the safe side). When ``g >= 1`` — or the window added
items and delivered none — the scope grows at least as fast as it is delivered: at the current rates it never
finishes, and no date is given.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

import polars as pl

from cadence.analytics.days import epoch_day, local_day
from cadence.domain.errors import InputError

__all__ = [
    "ScopeCounts",
    "ScopeGrowth",
    "ScopeKind",
    "scope_choices",
    "scope_counts",
    "scope_growth",
    "scope_items",
]

ScopeKind = Literal["epic", "version", "label"]


@dataclass(frozen=True, slots=True)
class ScopeCounts:
    total: int
    delivered: int
    removed: int
    remaining: int


@dataclass(frozen=True, slots=True)
class ScopeGrowth:
    """Scope growth measured over ``[first, last]``; ``rate`` is None when it cannot finish (see the module doc)."""

    first: dt.date
    last: dt.date
    added: int
    removed: int
    delivered: int
    rate: float | None

    @property
    def finishes(self) -> bool:
        return self.rate is not None


def _with_outcome(items: pl.DataFrame, milestones: pl.DataFrame) -> pl.DataFrame:
    outcome = milestones.select("item_id", "done_at", "delivered", "discarded")
    return items.join(outcome, on="item_id", how="left").with_columns(
        pl.col("delivered").fill_null(False), pl.col("discarded").fill_null(False)
    )


def scope_items(items: pl.DataFrame, milestones: pl.DataFrame, kind: ScopeKind, value: str) -> pl.DataFrame:
    """The scope's items: item_id, key, created_at, done_at, delivered, discarded (an :class:`InputError` naming
    ``value`` when no item of the team carries it).

    ``items`` holds READ_ITEMS columns, ``milestones`` the output of ``item_milestones``.
    """
    if kind == "epic":
        chosen = pl.col("epic_key") == value
    elif kind == "version":
        chosen = pl.col("fix_versions").list.contains(value)
    elif kind == "label":
        chosen = pl.col("labels").list.contains(value)
    else:
        raise InputError(f"a scope is an epic, a version or a label, not '{kind}'")
    selected = items.filter(chosen.fill_null(False) & (pl.col("type") != "epic"))
    if selected.height == 0:
        raise InputError(f"no item of this team belongs to the {kind} '{value}'")
    return _with_outcome(selected, milestones).select(
        "item_id", "key", "created_at", "done_at", "delivered", "discarded"
    )


def scope_counts(scope: pl.DataFrame, now: dt.datetime) -> ScopeCounts:
    """Total, delivered, removed and remaining items of ``scope`` at ``now`` (see the module docstring)."""
    known = scope.filter(pl.col("created_at") <= now)
    closed = pl.col("done_at").is_not_null() & (pl.col("done_at") <= now)
    row = known.select(
        pl.len().alias("total"),
        (pl.col("delivered") & closed).sum().alias("delivered"),
        (pl.col("discarded") & closed).sum().alias("removed"),
    ).row(0, named=True)
    total, delivered, removed = int(row["total"]), int(row["delivered"] or 0), int(row["removed"] or 0)
    return ScopeCounts(total, delivered, removed, total - delivered - removed)


def scope_growth(scope: pl.DataFrame, *, first: dt.date, last: dt.date, tz: str) -> ScopeGrowth:
    """Items added, removed and delivered in ``[first, last]`` (days in ``tz``) and the growth rate they give."""
    lo, hi = epoch_day(first), epoch_day(last)
    created = local_day(pl.col("created_at"), tz)
    closed = local_day(pl.col("done_at"), tz)
    started = scope.filter("delivered").get_column("done_at").min()
    after_start = pl.col("created_at") > started if started is not None else pl.lit(False)
    row = scope.select(
        (created.is_between(lo, hi) & after_start).sum().alias("added"),
        (pl.col("discarded") & closed.is_between(lo, hi)).sum().alias("removed"),
        (pl.col("delivered") & closed.is_between(lo, hi)).sum().alias("delivered"),
    ).row(0, named=True)
    added, removed, delivered = (int(row[c] or 0) for c in ("added", "removed", "delivered"))
    net = max(added - removed, 0)
    if delivered == 0:
        rate = None if net > 0 else 0.0
    else:
        rate = net / delivered
        rate = None if rate >= 1.0 else rate
    return ScopeGrowth(first, last, added, removed, delivered, rate)


def scope_choices(items: pl.DataFrame, milestones: pl.DataFrame) -> dict[str, list[dict[str, object]]]:
    """Epics, versions and labels that hold at least one open item (not done), with their open and total counts,
    for pickers: ``{"epics": [{"value", "open", "total"}], "versions": [...], "labels": [...]}``, each sorted by
    value."""
    frame = _with_outcome(items.filter(pl.col("type") != "epic"), milestones).with_columns(
        pl.col("done_at").is_null().alias("open")
    )
    out: dict[str, list[dict[str, object]]] = {}
    for name, column, is_list in (
        ("epics", "epic_key", False),
        ("versions", "fix_versions", True),
        ("labels", "labels", True),
    ):
        rows = frame.select(pl.col(column).alias("value"), "open")
        if is_list:
            rows = rows.explode("value")
        counted = (
            rows.drop_nulls("value")
            .group_by("value")
            .agg(pl.col("open").sum().alias("open"), pl.len().alias("total"))
            .filter(pl.col("open") > 0)
            .sort("value")
        )
        out[name] = [
            {"value": r["value"], "open": int(r["open"]), "total": int(r["total"])}
            for r in counted.iter_rows(named=True)
        ]
    return out
