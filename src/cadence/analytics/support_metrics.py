"""Support metrics: SLA attainment, response and resolution times, ticket age, escalations, and the interrupt load
support puts on the dev team. Pure functions of the clocks (:mod:`cadence.analytics.sla_clocks`), the READ_TICKETS
and READ_TICKET_EVENTS frames, ticket links and the team's items; a window is ``[start, end)`` in UTC.

Percentiles are nearest-rank (:func:`cadence.analytics.percentiles.nearest_rank`); durations are in hours.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import Any

import polars as pl

from cadence.analytics.percentiles import nearest_rank
from cadence.analytics.working_calendar import WorkingCalendar, business_between

__all__ = [
    "escalation_rate",
    "handoff_time",
    "interrupt_load",
    "level_changes",
    "open_ticket_age",
    "sla_attainment",
    "support_metrics",
    "ticket_durations",
    "time_in_status",
    "time_waiting_on_dev",
]

_H = 3600.0


def _in(column: str, start: dt.datetime, end: dt.datetime) -> pl.Expr:
    return (pl.col(column) >= start) & (pl.col(column) < end)


def _share(part: int | float, whole: int | float) -> float | None:
    return part / whole if whole else None


def _p(values: pl.Series) -> dict[str, Any]:
    ranks = nearest_rank(values, (50, 85))
    return {"n": int(values.drop_nulls().len()), "p50": ranks[50], "p85": ranks[85]}


def sla_attainment(clocks: pl.DataFrame, *, start: dt.datetime, end: dt.datetime) -> dict[str, Any]:
    """**SLA attainment** of a goal is met / (met + breached) over the cycles that were decided in the window: a
    cycle is decided when it is met (its stop is in the window) or breached (the instant its elapsed time reached
    the goal is in the window, even if the ticket is still open). The **breach rate** is breached / (met + breached)
    = 1 - attainment. Both are given per goal, overall and per priority; untracked cycles (no goal for the
    priority) are left out.

    JSON: ``{goal: {"met", "breached", "attainment", "breach_rate", "by_priority": {priority: {...}}}}``.
    """
    decided = clocks.filter(
        ((pl.col("state") == "met") & _in("met_at", start, end))
        | ((pl.col("state") == "breached") & _in("breached_at", start, end))
    )
    counts = decided.group_by("goal", "priority").agg(
        (pl.col("state") == "met").sum().alias("met"), (pl.col("state") == "breached").sum().alias("breached")
    )

    def figures(met: int, breached: int) -> dict[str, Any]:
        attained = _share(met, met + breached)
        return {"met": met, "breached": breached, "attainment": attained,
                "breach_rate": None if attained is None else 1 - attained}  # fmt: skip

    out: dict[str, Any] = {}
    for goal in sorted(clocks.get_column("goal").unique().to_list()):
        mine = counts.filter(pl.col("goal") == goal).sort("priority", nulls_last=True)
        entry = figures(int(mine.get_column("met").sum()), int(mine.get_column("breached").sum()))
        entry["by_priority"] = {
            str(r["priority"]): figures(r["met"], r["breached"]) for r in mine.iter_rows(named=True)
        }
        out[goal] = entry
    return out


def ticket_durations(clocks: pl.DataFrame, *, start: dt.datetime, end: dt.datetime) -> dict[str, Any]:
    """**Time to first response** and **time to resolution**: over the first-response and resolution cycles that
    stopped in the window (each cycle of a reopened ticket counts), the P50 and P85 of the business hours the clock
    counted (pauses excluded, the policy's calendar) and of the calendar hours from the cycle's start to its stop.

    JSON: ``{"time_to_first_response" | "time_to_resolution": {"business_hours": {n, p50, p85},
    "calendar_hours": {...}}}``.
    """
    stopped = clocks.filter(_in("stopped_at", start, end))
    out = {}
    for goal, name in (("first_response", "time_to_first_response"), ("resolution", "time_to_resolution")):
        mine = stopped.filter(pl.col("goal") == goal)
        out[name] = {
            "business_hours": _p(mine.get_column("elapsed_s") / _H),
            "calendar_hours": _p(mine.get_column("calendar_s") / _H),
        }
    return out


def open_ticket_age(tickets: pl.DataFrame, *, now: dt.datetime) -> dict[str, Any]:
    """**Open ticket age**: for the tickets created by ``now`` and not resolved (no resolution time), the calendar
    hours since creation: count, P50, P85 and the oldest.

    JSON: ``{"n", "p50", "p85", "max"}`` in hours.
    """
    ages = tickets.filter(pl.col("resolved_at").is_null() & (pl.col("created_at") <= now)).select(
        ((pl.lit(now) - pl.col("created_at")).dt.total_seconds() / _H).alias("age")
    )
    age = ages.get_column("age")
    return _p(age) | {"max": None if age.is_empty() else float(age.max())}  # type: ignore[arg-type]


def escalation_rate(
    tickets: pl.DataFrame, links: pl.DataFrame, *, start: dt.datetime, end: dt.datetime
) -> dict[str, Any]:
    """**Escalation rate**: among the tickets created in the window, the share linked to at least one dev item (an
    escalation or a relation to an incident), whenever the link was made.

    JSON: ``{"tickets", "escalated", "rate"}``.
    """
    created = tickets.filter(_in("created_at", start, end)).get_column("ticket_id")
    linked = links.filter(pl.col("ticket_id").is_in(created.implode())).get_column("ticket_id").n_unique()
    return {"tickets": created.len(), "escalated": linked, "rate": _share(linked, created.len())}


def time_waiting_on_dev(
    links: pl.DataFrame, *, start: dt.datetime, end: dt.datetime, now: dt.datetime
) -> dict[str, Any]:
    """**Time waiting on dev**: for each ticket-to-item link whose dev item was resolved in the window, the calendar
    hours from the link (the escalation) to the item's resolution (0 when the item was already resolved); P50 and
    P85. ``waiting_now`` counts the links whose item is unresolved at ``now``, with the P50/P85 of their hours so far.

    JSON: ``{"n", "p50", "p85", "waiting_now": {"n", "p50", "p85"}}``.
    """
    hours = (pl.col("item_resolved_at") - pl.col("created_at")).dt.total_seconds().clip(0) / _H
    done = links.filter(_in("item_resolved_at", start, end) & pl.col("created_at").is_not_null())
    waiting = links.filter(pl.col("item_resolved_at").is_null() & (pl.col("created_at") <= now))
    so_far = (pl.lit(now) - pl.col("created_at")).dt.total_seconds() / _H
    return _p(done.select(hours).to_series()) | {"waiting_now": _p(waiting.select(so_far).to_series())}


def handoff_time(
    tickets: pl.DataFrame, events: pl.DataFrame, calendar: WorkingCalendar, *, start: dt.datetime, end: dt.datetime
) -> dict[str, Any]:
    """**L1 -> L2 hand-off time**: for each ticket whose first level event from L1 to L2 happened in the window, the
    time from the ticket's creation to that event, in calendar hours and in business hours of the policy's
    calendar; P50 and P85.

    JSON: ``{"business_hours": {n, p50, p85}, "calendar_hours": {...}}``.
    """
    first = (
        events.filter((pl.col("kind") == "level") & (pl.col("from_value") == "L1") & (pl.col("to_value") == "L2"))
        .group_by("ticket_id")
        .agg(pl.col("at").min())
        .filter(_in("at", start, end))
        .join(tickets.select("ticket_id", "created_at"), on="ticket_id")
    )
    business = pl.Series(business_between(calendar, first.get_column("created_at"), first.get_column("at")) / _H)
    calendar_h = first.select((pl.col("at") - pl.col("created_at")).dt.total_seconds().clip(0) / _H).to_series()
    return {"business_hours": _p(business), "calendar_hours": _p(calendar_h)}


def interrupt_load(
    items: pl.DataFrame, linked_items: pl.Series, *, start: dt.datetime, end: dt.datetime,
    interrupt_types: Collection[str] = ("incident", "support"),
) -> dict[str, Any]:  # fmt: skip
    """**Interrupt load** on the dev team: among the team's items resolved in the window (its deliveries), the share
    that are interrupts — linked to a support ticket, or of an interrupt type (incident, support). **Capacity share**:
    the interrupts' share of the delivered estimate, over the delivered items that carry an estimate; null when none
    does.

    JSON: ``{"delivered", "interrupts", "share", "estimated", "capacity_share"}``.
    """
    delivered = items.filter(_in("resolved_at", start, end)).with_columns(
        (pl.col("item_id").is_in(linked_items.implode()) | pl.col("type").is_in(sorted(interrupt_types))).alias("hit")
    )
    hits = int(delivered.get_column("hit").sum())
    estimated = delivered.filter(pl.col("estimate").is_not_null())
    total = float(estimated.get_column("estimate").sum())
    interrupted = float(estimated.filter(pl.col("hit")).get_column("estimate").sum())
    return {
        "delivered": delivered.height,
        "interrupts": hits,
        "share": _share(hits, delivered.height),
        "estimated": estimated.height,
        "capacity_share": _share(interrupted, total) if estimated.height else None,
    }


def time_in_status(tickets: pl.DataFrame, events: pl.DataFrame, *, now: dt.datetime) -> pl.DataFrame:
    """**Time in status**: each status event starts an interval in its new status (``to``) that ends at the ticket's
    next status event; a ticket's last status lasts until ``now`` unless the ticket is resolved (then it ends at its
    last event). When the first status event names a ``from`` status, the time from the ticket's creation to that
    event is an interval in that status. Seconds are summed per status, with the number of intervals; events after
    ``now`` are ignored.

    Columns: ``status``, ``intervals``, ``seconds``, sorted by status.
    """
    status = events.filter((pl.col("kind") == "status") & (pl.col("at") <= now)).join(
        tickets.select("ticket_id", "created_at", "resolved_at"), on="ticket_id", maintain_order="left"
    )
    same_next = pl.col("ticket_id").shift(-1) == pl.col("ticket_id")
    open_end = pl.when(pl.col("resolved_at").is_null()).then(pl.lit(now)).otherwise(pl.col("at"))
    spans = status.select(
        pl.col("to_value").alias("status"),
        "at",
        pl.when(same_next).then(pl.col("at").shift(-1)).otherwise(open_end).alias("end"),
    )
    before = (
        status.group_by("ticket_id")
        .agg(pl.col("from_value").first(), pl.col("at").first(), pl.col("created_at").first())
        .filter(pl.col("from_value").is_not_null())
        .select(pl.col("from_value").alias("status"), pl.col("created_at").alias("at"), pl.col("at").alias("end"))
    )
    return (
        pl.concat([spans, before])
        .group_by("status")
        .agg(pl.len().alias("intervals"), (pl.col("end") - pl.col("at")).dt.total_microseconds().sum().alias("us"))
        .select("status", pl.col("intervals").cast(pl.Int64), (pl.col("us") // 1_000_000).alias("seconds"))
        .sort("status")
    )


def level_changes(events: pl.DataFrame) -> pl.DataFrame:
    """**Escalations between levels**: the level events (kind ``level``) counted per (from, to) pair, e.g. L1 -> L2;
    a ticket's first level (no ``from``) is counted under from = null.

    Columns: ``from_value``, ``to_value``, ``events``, ``tickets`` (distinct tickets with that change).
    """
    return (
        events.filter(pl.col("kind") == "level")
        .group_by("from_value", "to_value")
        .agg(pl.len().alias("events"), pl.col("ticket_id").n_unique().alias("tickets"))
        .with_columns(pl.col("events", "tickets").cast(pl.Int64))
        .sort("from_value", "to_value", nulls_last=False)
    )


def support_metrics(
    clocks: pl.DataFrame, tickets: pl.DataFrame, events: pl.DataFrame, links: pl.DataFrame, items: pl.DataFrame,
    linked_items: pl.Series, calendar: WorkingCalendar, *, start: dt.datetime, end: dt.datetime, now: dt.datetime,
) -> dict[str, Any]:  # fmt: skip
    """Every support metric of one team over ``[start, end)`` as one JSON-ready dictionary."""
    return {
        "sla_attainment": sla_attainment(clocks, start=start, end=end),
        **ticket_durations(clocks, start=start, end=end),
        "open_ticket_age": open_ticket_age(tickets, now=now),
        "escalation_rate": escalation_rate(tickets, links, start=start, end=end),
        "time_waiting_on_dev": time_waiting_on_dev(links, start=start, end=end, now=now),
        "l1_l2_handoff": handoff_time(tickets, events, calendar, start=start, end=end),
        "interrupt_load": interrupt_load(items, linked_items, start=start, end=end),
        "clocks_now": {
            state: int(n)
            for state, n in clocks.filter(pl.col("state").is_in(["running", "paused"]))
            .group_by("state")
            .len()
            .iter_rows()
        }
        | {"at_risk": int(clocks.get_column("at_risk").sum())},
    }
