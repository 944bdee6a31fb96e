"""The service desk: customer tickets, their lifecycle, and escalations to engineering.

Tickets arrive on the customers' clock (long weekdays, a little at weekends), from 36 customers of uneven size (the
ten largest are on the Premium SLA). Priority is the ITIL matrix of impact x urgency (outside the incident week P1 a
few %, P2 about 10 %, P3 half, P4 a third); agents re-prioritise 8 % of tickets. On the agents' clock a ticket is
picked up (New -> Open, assigned to a first-line agent), may wait for the customer a few times, may be escalated to
L2 (Escalated, then Open again with a second-line agent), and about a fifth of all tickets are escalated on to
engineering (L3): a dev item is opened for it and the ticket stays Escalated until that item is resolved. Then it
is resolved, occasionally reopened by the customer, and closed automatically three working days later. During the
incident week a burst of P1/P2 payment tickets arrives, related to the major incident rather than escalated one by
one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl
from numpy.typing import NDArray

from cadence.domain.frames import TICKET_EVENTS, TICKET_LINKS, TICKETS, conform

from .calendar import WorkCalendar
from .organisation import Organisation
from .vocabulary import AREAS, CUSTOMERS, ticket_titles
from .workflow import names

__all__ = ["Desk", "close_tickets", "open_tickets", "ticket_frames", "to_engineering"]

STATUSES = ("New", "Open", "Waiting for customer", "Escalated", "Resolved", "Closed")
NEW, OPEN, WAITING, ESCALATED, RESOLVED, CLOSED = range(6)
_KINDS = ("status", "priority", "level", "assignee")
STATUS, PRIORITY, LEVEL, ASSIGNEE = range(4)
_SCALE_LABELS = ("low", "medium", "high", "critical")
_CHANNELS = ("email", "portal", "chat", "phone", "monitoring")
_CONTACTS = ("anna.berg", "tom.reed", "lea.vidal", "omar.farah", "kim.lee", "sven.holm", "nora.kane", "ravi.shah")
_PREMIUM_CUSTOMERS = 10
_PER_SCALE, _BURST = 1500.0, 120.0


def _lognormal(
    rng: np.random.Generator, median: NDArray[np.float64] | float, sigma: float, n: int
) -> NDArray[np.float64]:
    return np.asarray(median * np.exp(sigma * rng.standard_normal(n)), dtype=np.float64) + 0.01


@dataclass(eq=False)
class Desk:
    """Tickets under simulation: attributes, the agents' clock pointer ``t`` and the events emitted so far.

    Mutable on purpose: the desk is simulated in two phases around the engineering simulation (escalations must
    exist before their dev items, resolutions after them); it never leaves :func:`generate_demo`."""

    team: NDArray[np.int64]
    created: NDArray[np.int64]  # UTC
    impact: NDArray[np.int64]
    urgency: NDArray[np.int64]
    priority: NDArray[np.int64]  # current, 0..3 = P1..P4
    initial_priority: NDArray[np.int64]
    channel: NDArray[np.int64]
    area: NDArray[np.int64]
    customer: NDArray[np.int64]
    contact: NDArray[np.int64]
    burst: NDArray[np.bool_]
    first_line: NDArray[np.int64]
    second_line: NDArray[np.int64]
    assignee: NDArray[np.int64]
    t: NDArray[np.float64]
    to_dev: NDArray[np.bool_]
    chunks: list[
        tuple[NDArray[np.int64], int, NDArray[np.int64], NDArray[np.int64], NDArray[np.float64], NDArray[np.int64]]
    ] = field(default_factory=list)

    def emit(
        self,
        rows: NDArray[np.int64],
        kind: int,
        old: NDArray[np.int64] | int,
        new: NDArray[np.int64] | int,
        by: NDArray[np.int64] | int,
    ) -> None:
        """Record one event per row at the row's current clock reading ``t``."""
        n = rows.size
        self.chunks.append(
            (
                rows,
                kind,
                np.broadcast_to(np.asarray(old, np.int64), (n,)).copy(),
                np.broadcast_to(np.asarray(new, np.int64), (n,)).copy(),
                self.t[rows].copy(),
                np.broadcast_to(np.asarray(by, np.int64), (n,)).copy(),
            )
        )


def _priority(impact: NDArray[np.int64], urgency: NDArray[np.int64]) -> NDArray[np.int64]:
    """The ITIL matrix: critical x high or worse -> P1, ... low x medium or better -> P4."""
    score = impact + urgency
    return np.select([score >= 5, score == 4, score >= 2], [0, 1, 2], 3).astype(np.int64)


def _draw(rng: np.random.Generator, p: NDArray[np.float64]) -> NDArray[np.int64]:
    """One category per row of per-row probabilities."""
    u = rng.random(size=int(p.shape[0]))
    return np.asarray((u[:, None] > np.cumsum(p, axis=1)[:, :-1]).sum(axis=1), dtype=np.int64)


def open_tickets(
    org: Organisation,
    office: WorkCalendar,
    customers: WorkCalendar,
    window: tuple[int, int],
    burst_window: tuple[int, int],
    scale: float,
    until: NDArray[np.float64],
    rng: np.random.Generator,
) -> Desk:
    """Arrivals and everything that happens to tickets up to their escalation to engineering.

    ``window`` is the UTC span tickets arrive in; ``burst_window`` the incident-week span of the payment burst (on
    team 0's desk); ``until`` the agents' clock reading at the end of ``until`` per team.
    """
    desks = np.array([t for t, team in enumerate(org.teams) if team.kind == "support"], dtype=np.int64)
    burst_n = round(_BURST * min(scale, 1.0))
    per_desk = max(0, round((_PER_SCALE * scale - burst_n) / desks.size))
    team = np.concatenate([np.repeat(desks, per_desk), np.zeros(burst_n, np.int64)])
    burst = np.arange(team.size) >= desks.size * per_desk
    n = team.size
    lo, hi = customers.effort_at(team, np.full(n, window[0])), customers.effort_at(team, np.full(n, window[1]))
    created = customers.to_utc(team, lo + rng.random(n) * (hi - lo))
    spike = burst_window[0] + (rng.beta(0.8, 3.0, n) * (burst_window[1] - burst_window[0])).astype(np.int64)
    created = np.where(burst, spike, created)

    impact = _draw(rng, np.where(burst[:, None], [0.0, 0.0, 0.6, 0.4], [0.35, 0.4, 0.2, 0.05]))
    urgency = _draw(rng, np.where(burst[:, None], [0.0, 0.0, 0.5, 0.5], [0.3, 0.45, 0.2, 0.05]))
    channel = _draw(rng, np.where(burst[:, None], [0.3, 0.2, 0.2, 0.3, 0.0], [0.38, 0.3, 0.14, 0.12, 0.06]))
    impact = np.where(channel == 4, np.maximum(impact, 2), impact)
    weight = 1.0 / np.arange(1, len(CUSTOMERS) + 1) ** 0.8
    customer = rng.choice(len(CUSTOMERS), size=n, p=weight / weight.sum())
    area = np.where(burst, 0, _draw(rng, np.tile([0.12, 0.22, 0.18, 0.15, 0.15, 0.1, 0.08], (n, 1))))
    priority = _priority(impact, urgency)
    l1, l2 = org.pick("first_line", team, rng.random(n)), org.pick("second_line", team, rng.random(n))
    desk = Desk(
        team=team,
        created=created,
        impact=impact,
        urgency=urgency,
        priority=priority.copy(),
        initial_priority=priority,
        channel=channel,
        area=area,
        customer=customer,
        contact=rng.integers(0, len(_CONTACTS), n),
        burst=burst,
        first_line=l1,
        second_line=l2,
        assignee=np.full(n, -1, np.int64),
        t=office.effort_at(team, created),
        to_dev=np.zeros(n, bool),
    )
    rows = np.arange(n, dtype=np.int64)
    p = priority
    desk.t += _lognormal(rng, np.array([0.15, 0.6, 2.0, 4.0])[p], 0.7, n)
    desk.emit(rows, STATUS, NEW, OPEN, l1)
    desk.emit(rows, ASSIGNEE, -1, l1, l1)
    desk.assignee = l1.copy()

    bump = rows[rng.random(n) < 0.08]
    desk.t[bump] += _lognormal(rng, 0.5, 0.8, bump.size)
    new_priority = np.clip(p[bump] + np.where(rng.random(bump.size) < 0.7, -1, 1), 0, 3)
    desk.emit(bump, PRIORITY, p[bump], new_priority, l1[bump])
    desk.priority[bump] = new_priority
    p = desk.priority

    cycles = _draw(rng, np.tile([0.6, 0.28, 0.09, 0.03], (n, 1)))
    for c in range(3):
        waiting = rows[cycles > c]
        desk.t[waiting] += _lognormal(rng, 1.5, 0.8, waiting.size)
        desk.emit(waiting, STATUS, OPEN, WAITING, desk.assignee[waiting])
        desk.t[waiting] += _lognormal(rng, 10.0, 1.0, waiting.size)
        desk.emit(waiting, STATUS, WAITING, OPEN, -1)

    u = rng.random(n)
    to_dev = (~burst & (u < np.array([0.45, 0.32, 0.22, 0.1])[p] * 1.05)) | (burst & (u < 0.05))
    second = rows[to_dev | (u < np.array([0.7, 0.5, 0.38, 0.22])[p])]
    desk.t[second] += _lognormal(rng, np.array([0.3, 1.5, 3.0, 4.0])[p[second]], 0.8, second.size)
    desk.emit(second, STATUS, OPEN, ESCALATED, l1[second])
    desk.emit(second, LEVEL, 0, 1, l1[second])
    desk.t[second] += _lognormal(rng, np.array([0.2, 1.0, 3.0, 6.0])[p[second]], 0.8, second.size)
    desk.emit(second, STATUS, ESCALATED, OPEN, l2[second])
    desk.emit(second, ASSIGNEE, l1[second], l2[second], l2[second])
    desk.assignee[second] = l2[second]

    third = rows[to_dev]
    desk.t[third] += _lognormal(rng, np.array([0.5, 2.0, 5.0, 8.0])[p[third]], 0.8, third.size)
    desk.emit(third, STATUS, OPEN, ESCALATED, l2[third])
    desk.emit(third, LEVEL, 1, 2, l2[third])
    desk.to_dev = to_dev & (desk.t <= until[team])
    return desk


def to_engineering(
    desk: Desk, org: Organisation, office: WorkCalendar, rng: np.random.Generator
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64], NDArray[np.int64], NDArray[np.int64]]:
    """Escalated tickets as (ticket, owning team, instant on that team's clock, priority, escalating agent): most
    stay with the support team, a fifth go to its platform partner (the next team)."""
    rows = np.flatnonzero(desk.to_dev)
    home = desk.team[rows]
    partner = np.minimum(home + 1, len(org.teams) - 1)
    has_partner = np.array([t.kind == "platform" for t in org.teams])[partner] & (partner != home)
    team = np.where(has_partner & (rng.random(rows.size) < 0.2), partner, home)
    at = office.effort_at(team, office.to_utc(home, desk.t[rows]))
    return rows, team, at, desk.priority[rows], desk.second_line[rows]


def close_tickets(desk: Desk, office: WorkCalendar, resolved: NDArray[np.int64], rng: np.random.Generator) -> None:
    """Everything after engineering: ``resolved`` is, per ticket escalated to engineering, the UTC instant its dev
    item was resolved (beyond the calendar if it was not). Mutates ``desk``."""
    n, p, rows = desk.t.size, desk.priority, np.arange(desk.t.size, dtype=np.int64)
    dev = np.flatnonzero(desk.to_dev)
    resume = office.effort_at(desk.team[dev], resolved)
    desk.t[dev] = np.maximum(desk.t[dev], resume) + _lognormal(
        rng, np.array([0.3, 1.0, 2.0, 3.0])[p[dev]], 0.8, dev.size
    )
    desk.emit(dev, STATUS, ESCALATED, OPEN, desk.assignee[dev])
    desk.t += _lognormal(rng, np.array([1.5, 4.0, 8.0, 12.0])[p], 1.0, n)
    desk.emit(rows, STATUS, OPEN, RESOLVED, desk.assignee)
    again = rows[rng.random(n) < 0.05]
    desk.t[again] += _lognormal(rng, 16.0, 1.0, again.size)
    desk.emit(again, STATUS, RESOLVED, OPEN, -1)
    desk.t[again] += _lognormal(rng, 3.0, 0.8, again.size)
    desk.emit(again, STATUS, OPEN, RESOLVED, desk.assignee[again])
    desk.t += 25.5 + 2.0 * rng.random(n)
    desk.emit(rows, STATUS, RESOLVED, CLOSED, -1)


def ticket_frames(
    desk: Desk,
    org: Organisation,
    office: WorkCalendar,
    until: NDArray[np.float64],
    escalated: tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]],
    major: tuple[int, int],
    item_ids: pl.Series,
    until_end: int,
    rng: np.random.Generator,
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """TICKETS, TICKET_EVENTS and TICKET_LINKS. ``escalated`` = (ticket rows, item rows, UTC link instants) of the
    escalations to engineering; ``major`` = (item row, UTC creation) of the major incident, which most tickets of
    the incident-week burst relate to."""
    n = desk.t.size
    sizes = [c[0].size for c in desk.chunks]
    ticket = np.concatenate([c[0] for c in desk.chunks])
    kinds = np.repeat(np.array([c[1] for c in desk.chunks], dtype=np.int64), sizes)
    old, new = np.concatenate([c[2] for c in desk.chunks]), np.concatenate([c[3] for c in desk.chunks])
    at, by = np.concatenate([c[4] for c in desk.chunks]), np.concatenate([c[5] for c in desk.chunks])
    sequence = np.repeat(np.arange(len(desk.chunks)), sizes)
    keep = at <= until[desk.team[ticket]]
    order = np.lexsort((sequence[keep], ticket[keep]))
    ticket, kinds, old, new, at, by = (a[keep][order] for a in (ticket, kinds, old, new, at, by))
    instant = (office.to_utc(desk.team[ticket], at) // 1000) * 1000

    people = tuple(org.person_ids.to_list())
    vocabulary = (*STATUSES, "P1", "P2", "P3", "P4", "L1", "L2", "L3", *people)
    offset = np.array([0, 6, 10, 13])[kinds]
    ids, keys = _ticket_ids(desk, org)
    events = pl.DataFrame(
        {
            "ticket": ticket,
            "ticket_source_id": ids.gather(ticket),
            "kind": names(_KINDS, kinds, name="kind"),
            "kind_code": kinds,
            "from_value": names(vocabulary, np.where(old < 0, -1, old + offset), name="from_value"),
            "to_value": names(vocabulary, np.where(new < 0, -1, new + offset), name="to_value"),
            "at": pl.Series(instant).cast(pl.Datetime("us", "UTC")),
            "by_id": names(people, by, name="by_id"),
        }
    ).with_columns(event_key=pl.concat_str([pl.lit("e"), (pl.int_range(pl.len()).over("ticket") + 1).cast(pl.String)]))

    def latest(kind: int) -> pl.Expr:
        return pl.col("to_value").filter(pl.col("kind_code") == kind).last()

    state = events.group_by("ticket").agg(
        status=latest(STATUS),
        priority=latest(PRIORITY),
        level=latest(LEVEL),
        assignee_id=latest(ASSIGNEE),
        updated_at=pl.col("at").max(),
        resolved=pl.col("at").filter(pl.col("to_value") == "Resolved").max(),
    )
    tickets = (
        _ticket_rows(desk, ids, keys, org, rng)
        .join(state, on="ticket", how="left")
        .sort("ticket")
        .with_columns(
            status=pl.col("status").fill_null("New"),
            priority=pl.col("priority").fill_null(pl.col("initial_priority")),
            level=pl.col("level").fill_null("L1"),
            updated_at=pl.max_horizontal("created_at", "updated_at"),
        )
        .with_columns(resolved_at=pl.when(pl.col("status").is_in(["Resolved", "Closed"])).then(pl.col("resolved")))
    )

    esc_ticket, esc_item, esc_at = escalated
    related = np.flatnonzero(desk.burst & (rng.random(n) < 0.7))
    related_at = np.maximum(desk.created[related], major[1]) + 1_800_000_000
    related, related_at = related[related_at <= until_end], related_at[related_at <= until_end]
    links = pl.DataFrame(
        {
            "ticket_source_id": pl.concat([ids.gather(esc_ticket), ids.gather(related)]),
            "item_source_id": pl.concat([item_ids.gather(esc_item), item_ids.gather(np.full(related.size, major[0]))]),
            "kind": ["escalated"] * esc_ticket.size + ["relates"] * related.size,
            "created_at": pl.Series(np.concatenate([esc_at, related_at])).cast(pl.Datetime("us", "UTC")),
        }
    )
    return (
        conform(tickets, TICKETS, name="tickets"),
        conform(events, TICKET_EVENTS, name="ticket_events"),
        conform(links, TICKET_LINKS, name="ticket_links"),
    )


def _ticket_ids(desk: Desk, org: Organisation) -> tuple[pl.Series, pl.Series]:
    """Source ids and keys (``HELP-1``...), numbered per desk in order of creation, as Jira Service Management does."""
    n = desk.team.size
    order = np.lexsort((desk.created, desk.team))
    number = np.empty(n, np.int64)
    number[order] = np.arange(n) - np.searchsorted(desk.team[order], desk.team[order])
    desks = pl.Series([t.desk or t.key for t in org.teams]).gather(desk.team)
    keys = pl.select(pl.concat_str([desks, pl.lit("-"), pl.Series(number + 1).cast(pl.String)])).to_series()
    return pl.select(pl.concat_str([pl.lit("demo-"), keys])).to_series(), keys


def _ticket_rows(
    desk: Desk, ids: pl.Series, keys: pl.Series, org: Organisation, rng: np.random.Generator
) -> pl.DataFrame:
    """The descriptive columns of each ticket."""
    customer = pl.Series([c[0] for c in CUSTOMERS]).gather(desk.customer)
    domain = pl.Series([c[1] for c in CUSTOMERS]).gather(desk.customer)
    contact = pl.Series(_CONTACTS).gather(desk.contact)
    title = ticket_titles(desk.area, rng)
    channel = names(_CHANNELS, desk.channel, name="channel")
    premium = desk.customer < _PREMIUM_CUSTOMERS
    return pl.DataFrame(
        {
            "ticket": np.arange(desk.team.size),
            "source_id": ids,
            "team": pl.Series([t.key for t in org.teams]).gather(desk.team),
            "key": keys,
            "title": title,
            "description": pl.select(
                pl.concat_str(
                    [pl.lit("Via "), channel, pl.lit(". "), customer, pl.lit(" reports: "), title, pl.lit(".")]
                )
            ).to_series(),
            "requester": pl.select(pl.concat_str([contact, pl.lit("@"), domain, pl.lit(".example")])).to_series(),
            "customer": customer,
            "channel": channel,
            "product_area": names(AREAS, desk.area, name="product_area"),
            "impact": names(_SCALE_LABELS, desk.impact, name="impact"),
            "urgency": names(_SCALE_LABELS, desk.urgency, name="urgency"),
            "initial_priority": names(("P1", "P2", "P3", "P4"), desk.initial_priority, name="initial_priority"),
            "sla_policy": np.where(premium, "Premium", "Standard"),
            "created_at": pl.Series((desk.created // 1000) * 1000).cast(pl.Datetime("us", "UTC")),
        }
    )
