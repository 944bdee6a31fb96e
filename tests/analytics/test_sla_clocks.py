"""SLA clocks against the hand-checked examples of docs/sla.md (same tickets, same numbers), plus invariants."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cadence.analytics.sla_clocks import CLOCKS, sla_clocks
from cadence.analytics.sla_policy import SlaPolicy, parse_policy
from cadence.domain import frames as F
from cadence.domain.errors import InputError

PARIS = ZoneInfo("Europe/Paris")
H = 3600.0

# The policy of docs/sla.md: Mon-Fri 09:00-17:00 Paris time, French public holidays.
POLICY = parse_policy(
    {
        "name": "docs",
        "at_risk": "20%",
        "goals": {
            "first_response": {"P1": "1h", "P2": "2h", "P3": "4h"},
            "resolution": {"P1": "8h", "P2": "16h", "P3": "10h"},
        },
        "statuses": {"pause": ["Waiting for customer"], "stop": ["Resolved", "Closed"]},
    }
)
CALENDAR = POLICY.calendar.calendar("Europe/Paris", "FR")


def paris(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=PARIS).astimezone(dt.UTC)  # type: ignore[misc]


Event = tuple[str, str | None, str, dt.datetime]


def frames(*tickets: tuple[str, str, dt.datetime, list[Event]]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(key, priority, created, events) -> READ_TICKETS, READ_TICKET_EVENTS; status/resolution from the events."""
    rows: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    for n, (key, priority, created, history) in enumerate(tickets, start=1):
        statuses = [e for e in history if e[0] == "status"]
        status = statuses[-1][2] if statuses else "New"
        resolved = statuses[-1][3] if status in {"Resolved", "Closed"} else None
        rows.append({"ticket_id": n, "team_id": 1, "key": key, "priority": priority, "status": status,
                     "created_at": created, "resolved_at": resolved})  # fmt: skip
        events += [{"ticket_id": n, "kind": k, "from_value": a, "to_value": b, "at": at} for k, a, b, at in history]
    ev = pl.DataFrame(events, schema=dict(F.READ_TICKET_EVENTS)) if events else F.empty(F.READ_TICKET_EVENTS)
    return F.conform(pl.DataFrame(rows), F.READ_TICKETS), F.conform(ev, F.READ_TICKET_EVENTS)


def clocks(
    *tickets: tuple[str, str, dt.datetime, list[Event]], now: dt.datetime, policy: SlaPolicy = POLICY
) -> pl.DataFrame:
    t, e = frames(*tickets)
    return sla_clocks(t, e, policy, policy.calendar.calendar("Europe/Paris", "FR"), now=now)


def row(frame: pl.DataFrame, goal: str, cycle: int = 1) -> dict[str, Any]:
    return frame.filter((pl.col("goal") == goal) & (pl.col("cycle") == cycle)).row(0, named=True)


def test_across_a_weekend() -> None:
    out = clocks(
        ("SD-1", "P2", paris(2026, 3, 6, 16), [
            ("status", "New", "Open", paris(2026, 3, 6, 16, 30)),
            ("status", "Open", "Resolved", paris(2026, 3, 10, 10)),
        ]),
        now=paris(2026, 3, 12, 12),
    )  # fmt: skip
    assert out.schema == pl.Schema(CLOCKS)
    first, resolution = row(out, "first_response"), row(out, "resolution")
    assert (first["elapsed_s"], first["state"], first["met_at"]) == (0.5 * H, "met", paris(2026, 3, 6, 16, 30))
    assert resolution["elapsed_s"] == 10 * H  # Fri 1 h + Mon 8 h + Tue 1 h
    assert resolution["calendar_s"] == 90 * H
    assert (resolution["goal_s"], resolution["remaining_s"], resolution["state"]) == (16 * H, 6 * H, "met")


def test_across_a_public_holiday() -> None:
    out = clocks(
        ("SD-2", "P2", paris(2026, 4, 30, 15), [
            ("status", "New", "Open", paris(2026, 4, 30, 16)),
            ("status", "Open", "Resolved", paris(2026, 5, 4, 11)),
        ]),
        now=paris(2026, 5, 5, 12),
    )  # fmt: skip
    assert row(out, "resolution")["elapsed_s"] == 4 * H  # Thu 2 h + Fri 1 May (Labour Day) 0 + Mon 2 h


def test_across_a_dst_change_with_its_due_date() -> None:
    out = clocks(
        ("SD-3", "P1", paris(2026, 3, 27, 16), [("status", "New", "Open", paris(2026, 3, 27, 16, 30))]),
        now=paris(2026, 3, 30, 10),
    )  # fmt: skip
    resolution = row(out, "resolution")
    assert resolution["elapsed_s"] == 2 * H  # Fri 16:00 CET -> Mon 10:00 CEST: 1 h + 1 h
    assert (resolution["state"], resolution["remaining_s"], resolution["at_risk"]) == ("running", 6 * H, False)
    assert resolution["due_at"] == dt.datetime(2026, 3, 30, 14, tzinfo=dt.UTC)  # Mon 16:00 CEST
    first = row(out, "first_response")
    assert (first["elapsed_s"], first["state"]) == (0.5 * H, "met")


def test_a_pause_while_waiting_for_the_customer() -> None:
    out = clocks(
        ("SD-4", "P3", paris(2026, 3, 9, 9), [
            ("status", "New", "Open", paris(2026, 3, 9, 9, 30)),
            ("status", "Open", "Waiting for customer", paris(2026, 3, 9, 10)),
            ("status", "Waiting for customer", "Open", paris(2026, 3, 9, 14)),
            ("status", "Open", "Resolved", paris(2026, 3, 9, 16)),
        ]),
        now=paris(2026, 3, 10, 9),
    )  # fmt: skip
    resolution = row(out, "resolution")
    assert (resolution["elapsed_s"], resolution["calendar_s"], resolution["state"]) == (3 * H, 7 * H, "met")


def test_a_paused_clock_is_paused_and_not_at_risk_by_pausing() -> None:
    out = clocks(
        ("SD-5", "P3", paris(2026, 3, 9, 9), [("status", "New", "Waiting for customer", paris(2026, 3, 9, 17))]),
        now=paris(2026, 3, 11, 12),
    )  # fmt: skip
    resolution = row(out, "resolution")
    assert (resolution["elapsed_s"], resolution["state"], resolution["remaining_s"]) == (8 * H, "paused", 2 * H)
    assert resolution["at_risk"] is False  # 2 h left of 10 h is exactly 20 %, not under it
    assert resolution["due_at"] == paris(2026, 3, 11, 14)  # as if it resumed now


def test_a_reopened_ticket_starts_a_new_cycle() -> None:
    out = clocks(
        ("SD-6", "P3", paris(2026, 3, 9, 9), [
            ("status", "New", "Open", paris(2026, 3, 9, 9, 15)),
            ("status", "Open", "Resolved", paris(2026, 3, 9, 13)),
            ("status", "Resolved", "Open", paris(2026, 3, 11, 9)),
            ("status", "Open", "Resolved", paris(2026, 3, 12, 13)),
            ("status", "Resolved", "Closed", paris(2026, 3, 13, 9)),
        ]),
        now=paris(2026, 3, 16, 9),
    )  # fmt: skip
    one, two = row(out, "resolution", 1), row(out, "resolution", 2)
    assert (one["elapsed_s"], one["state"], one["met_at"]) == (4 * H, "met", paris(2026, 3, 9, 13))
    assert (two["started_at"], two["stopped_at"]) == (paris(2026, 3, 11, 9), paris(2026, 3, 12, 13))
    assert (two["elapsed_s"], two["state"], two["remaining_s"]) == (12 * H, "breached", -2 * H)
    assert two["breached_at"] == two["due_at"] == paris(2026, 3, 12, 11)  # Wed 8 h + Thu 2 h
    assert out.filter(pl.col("goal") == "first_response").height == 1


def test_a_priority_change_retargets_the_running_cycle() -> None:
    out = clocks(
        ("SD-7", "P3", paris(2026, 3, 9, 9), [
            ("status", "New", "Open", paris(2026, 3, 9, 9, 30)),
            ("priority", "P3", "P1", paris(2026, 3, 10, 9)),
        ]),
        now=paris(2026, 3, 10, 12),
    )  # fmt: skip
    resolution = row(out, "resolution")
    assert (resolution["priority"], resolution["goal_s"], resolution["elapsed_s"]) == ("P1", 8 * H, 11 * H)
    assert (resolution["state"], resolution["breached_at"]) == ("breached", paris(2026, 3, 9, 17))
    first = row(out, "first_response")  # answered while still P3
    assert (first["priority"], first["goal_s"]) == ("P3", 4 * H)


def test_a_policy_change_rejudges_the_past() -> None:
    ticket = ("SD-1", "P2", paris(2026, 3, 6, 16), [
        ("status", "New", "Open", paris(2026, 3, 6, 16, 30)),
        ("status", "Open", "Resolved", paris(2026, 3, 10, 10)),
    ])  # fmt: skip
    stricter = parse_policy(POLICY.to_dict() | {"goals": {"resolution": {"P2": "8h"}}})
    assert row(clocks(ticket, now=paris(2026, 3, 12, 12)), "resolution")["state"] == "met"
    after = row(clocks(ticket, now=paris(2026, 3, 12, 12), policy=stricter), "resolution")
    assert (after["state"], after["breached_at"], after["remaining_s"]) == ("breached", paris(2026, 3, 9, 16), -2 * H)


def test_at_risk_untracked_and_tickets_without_events() -> None:
    out = clocks(
        ("SD-8", "P2", paris(2026, 3, 9, 9), []),
        ("SD-9", "P9", paris(2026, 3, 9, 9), []),
        ("SD-10", "P2", paris(2026, 3, 20, 9), []),
        now=paris(2026, 3, 10, 15),
    )  # fmt: skip
    resolution = out.filter(pl.col("goal") == "resolution").sort("ticket_id")
    assert resolution.get_column("key").to_list() == ["SD-8", "SD-9"]  # SD-10 is created after now
    sd8, sd9 = resolution.row(0, named=True), resolution.row(1, named=True)
    assert (sd8["elapsed_s"], sd8["remaining_s"], sd8["at_risk"], sd8["state"]) == (14 * H, 2 * H, True, "running")
    assert (sd9["state"], sd9["goal_s"], sd9["at_risk"]) == ("untracked", None, False)
    first = out.filter((pl.col("goal") == "first_response") & (pl.col("key") == "SD-8")).row(0, named=True)
    assert (first["state"], first["breached_at"]) == ("breached", paris(2026, 3, 9, 11))


def test_triage_waiting_pauses_and_answers() -> None:
    out = clocks(
        ("SD-11", "P3", paris(2026, 3, 9, 9), [
            ("triage", "new", "waiting", paris(2026, 3, 9, 10)),
            ("triage", "waiting", "accepted", paris(2026, 3, 9, 15)),
        ]),
        now=paris(2026, 3, 9, 17),
    )  # fmt: skip
    assert row(out, "first_response")["elapsed_s"] == 1 * H
    assert row(out, "resolution")["elapsed_s"] == 3 * H


def test_policy_validation_names_the_field() -> None:
    with pytest.raises(InputError, match=r"goals\.resolution\.P1"):
        parse_policy({"goals": {"resolution": {"P1": "soon"}}})
    with pytest.raises(InputError, match=r"calendar\.hours"):
        parse_policy({"calendar": {"hours": "mon-fri 17:00-09:00"}})
    with pytest.raises(InputError, match=r"calendar\.country"):
        parse_policy({"calendar": {"country": "XX"}})
    with pytest.raises(InputError, match=r"'goals\.first_reply' is not known"):
        parse_policy({"goals": {"first_reply": {"P1": "1h"}}})
    with pytest.raises(InputError, match=r"statuses\.pause"):
        parse_policy({"statuses": {"pause": ["Resolved"], "stop": ["Resolved"]}})
    assert parse_policy(POLICY.to_dict()) == POLICY


STATUSES = ["Open", "Waiting for customer", "Resolved", "Closed", "In progress"]


@settings(max_examples=40, deadline=None)
@given(
    steps=st.lists(st.tuples(st.integers(1, 80 * 3600), st.sampled_from(STATUSES)), max_size=8),
    later=st.integers(0, 200 * 3600),
)
def test_invariants_on_random_histories(steps: list[tuple[int, str]], later: int) -> None:
    """Under 24x7 without pauses the clock is wall-clock time; pausing and office hours only ever count less;
    cycles stop before the next one starts; a met cycle is within its goal."""
    created = paris(2026, 3, 2, 8)
    history: list[Event] = []
    at, previous = created, "New"
    for gap, status in steps:
        at += dt.timedelta(seconds=gap)
        history.append(("status", previous, status, at))
        previous = status
    now = at + dt.timedelta(seconds=later)
    always = parse_policy({"calendar": {"hours": "24x7"}, "statuses": {"pause": [], "stop": ["Resolved", "Closed"]}})
    plain = clocks(("SD-1", "P3", created, history), now=now, policy=always)
    office = clocks(("SD-1", "P3", created, history), now=now)
    for frame in (plain, office):
        assert (frame.get_column("elapsed_s") <= frame.get_column("calendar_s") + 1e-6).all()
        met = frame.filter(pl.col("state") == "met")
        assert (met.get_column("elapsed_s") <= met.get_column("goal_s")).all()
        res = frame.filter(pl.col("goal") == "resolution").sort("cycle")
        assert res.get_column("cycle").to_list() == list(range(1, res.height + 1))
        starts, stops = res.get_column("started_at").to_list(), res.get_column("stopped_at").to_list()
        assert all(stop is not None and stop <= start for stop, start in zip(stops, starts[1:], strict=False))
    assert (plain.get_column("elapsed_s") == plain.get_column("calendar_s")).all()
    assert (office.get_column("elapsed_s") <= plain.get_column("elapsed_s") + 1e-6).all()
