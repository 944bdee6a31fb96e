"""Support metrics on hand-made histories, and their definitions in docs/metrics.md word for word."""

from __future__ import annotations

import datetime as dt
import inspect
import re
from pathlib import Path

import polars as pl
import pytest

from cadence.analytics import support_metrics as M
from cadence.analytics.working_calendar import WorkingCalendar
from cadence.domain import frames as F

UTC = dt.UTC
DOC = Path(__file__).resolve().parents[2] / "docs" / "metrics.md"


def ts(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


START, END, NOW = ts(2026, 3, 1), ts(2026, 4, 1), ts(2026, 3, 20, 12)


def _clocks(rows: list[tuple[str, str, str, float, float, dt.datetime | None, dt.datetime | None]]) -> pl.DataFrame:
    """(goal, priority, state, elapsed h, calendar h, stopped_at, breached_at)."""
    return pl.DataFrame(
        {
            "goal": [r[0] for r in rows],
            "priority": [r[1] for r in rows],
            "state": [r[2] for r in rows],
            "elapsed_s": [float(r[3]) * 3600 for r in rows],
            "calendar_s": [float(r[4]) * 3600 for r in rows],
            "stopped_at": pl.Series([r[5] for r in rows], dtype=pl.Datetime("us", "UTC")),
            "met_at": pl.Series([r[5] if r[2] == "met" else None for r in rows], dtype=pl.Datetime("us", "UTC")),
            "breached_at": pl.Series([r[6] for r in rows], dtype=pl.Datetime("us", "UTC")),
        }
    )


def test_attainment_counts_decided_cycles_in_the_window() -> None:
    clocks = _clocks([
        ("resolution", "P1", "met", 2, 3, ts(2026, 3, 2), None),
        ("resolution", "P1", "breached", 9, 20, ts(2026, 3, 3), ts(2026, 3, 2, 17)),
        ("resolution", "P2", "breached", 30, 50, None, ts(2026, 3, 5)),  # still open, breached in the window
        ("resolution", "P2", "met", 1, 1, ts(2026, 2, 20), None),  # decided before the window
        ("resolution", "P3", "running", 1, 1, None, None),
        ("first_response", "P1", "met", 0.5, 0.5, ts(2026, 3, 2), None),
    ])  # fmt: skip
    out = M.sla_attainment(clocks, start=START, end=END)
    assert out["resolution"]["met"] == 1 and out["resolution"]["breached"] == 2
    assert out["resolution"]["attainment"] == pytest.approx(1 / 3)
    assert out["resolution"]["by_priority"]["P1"] == {"met": 1, "breached": 1, "attainment": 0.5, "breach_rate": 0.5}
    assert out["first_response"]["attainment"] == 1.0
    durations = M.ticket_durations(clocks, start=START, end=END)
    assert durations["time_to_resolution"]["business_hours"] == {"n": 2, "p50": 2.0, "p85": 9.0}
    assert durations["time_to_resolution"]["calendar_hours"] == {"n": 2, "p50": 3.0, "p85": 20.0}


def _tickets() -> pl.DataFrame:
    return F.conform(
        pl.DataFrame({
            "ticket_id": [1, 2, 3], "team_id": 1, "key": ["S-1", "S-2", "S-3"],
            "status": ["Resolved", "Open", "Open"],
            "created_at": [ts(2026, 3, 2, 9), ts(2026, 3, 9, 9), ts(2026, 3, 19, 12)],
            "resolved_at": [ts(2026, 3, 4, 9), None, None],
        }),
        F.READ_TICKETS,
    )  # fmt: skip


def _events() -> pl.DataFrame:
    rows = [
        (1, "status", "New", "Open", ts(2026, 3, 2, 10)),
        (1, "level", "L1", "L2", ts(2026, 3, 2, 15)),
        (1, "status", "Open", "Resolved", ts(2026, 3, 4, 9)),
        (2, "status", "New", "Open", ts(2026, 3, 9, 12)),
        (2, "level", "L1", "L2", ts(2026, 3, 9, 15)),
        (2, "level", "L2", "L3", ts(2026, 3, 10, 9)),
    ]
    return F.conform(
        pl.DataFrame(rows, schema=["ticket_id", "kind", "from_value", "to_value", "at"], orient="row"),
        F.READ_TICKET_EVENTS,
    )


def test_ticket_age_escalation_handoff_and_waiting_on_dev() -> None:
    tickets, events = _tickets(), _events()
    assert M.open_ticket_age(tickets, now=NOW) == {"n": 2, "p50": 24.0, "p85": 267.0, "max": 267.0}
    links = pl.DataFrame({
        "ticket_id": [2, 3], "item_id": [10, 11], "kind": ["escalated", "escalated"],
        "created_at": [ts(2026, 3, 10, 9), ts(2026, 3, 19, 13)],
        "item_team_id": [1, 1], "item_resolved_at": [ts(2026, 3, 12, 9), None],
    })  # fmt: skip
    assert M.escalation_rate(tickets, links, start=START, end=END) == {"tickets": 3, "escalated": 2, "rate": 2 / 3}
    waiting = M.time_waiting_on_dev(links, start=START, end=END, now=NOW)
    assert waiting == {"n": 1, "p50": 48.0, "p85": 48.0, "waiting_now": {"n": 1, "p50": 23.0, "p85": 23.0}}
    office = WorkingCalendar("UTC")
    handoff = M.handoff_time(tickets, events, office, start=START, end=END)
    assert handoff["calendar_hours"] == {"n": 2, "p50": 6.0, "p85": 6.0}
    assert handoff["business_hours"] == {"n": 2, "p50": 6.0, "p85": 6.0}


def test_time_in_status_and_level_changes() -> None:
    tickets, events = _tickets(), _events()
    out = {
        r["status"]: (r["intervals"], r["seconds"])
        for r in M.time_in_status(tickets, events, now=NOW).iter_rows(named=True)
    }
    # S-1: New 1 h, Open 47 h, Resolved ends at its own event; S-2: New 3 h, Open Mar 9 12:00 -> now (264 h)
    assert out == {"New": (2, 4 * 3600), "Open": (2, (47 + 264) * 3600), "Resolved": (1, 0)}
    levels = M.level_changes(events).rows()
    assert levels == [("L1", "L2", 2, 2), ("L2", "L3", 1, 1)]


def test_interrupt_load() -> None:
    items = pl.DataFrame({
        "item_id": [10, 11, 12, 13, 14], "type": ["bug", "story", "incident", "story", "story"],
        "estimate": [2.0, 5.0, None, 3.0, 1.0],
        "resolved_at": [ts(2026, 3, 5), ts(2026, 3, 6), ts(2026, 3, 7), ts(2026, 3, 8), ts(2026, 5, 1)],
    })  # fmt: skip
    out = M.interrupt_load(items, pl.Series([10, 14]), start=START, end=END)
    assert out == {"delivered": 4, "interrupts": 2, "share": 0.5, "estimated": 3, "capacity_share": 0.2}
    none = M.interrupt_load(items.with_columns(pl.lit(None, pl.Float64).alias("estimate")), pl.Series([10]),
                            start=START, end=END)  # fmt: skip
    assert none["capacity_share"] is None


def _words(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("``", "`")).strip()


@pytest.mark.parametrize(
    "function",
    ["sla_attainment", "ticket_durations", "open_ticket_age", "escalation_rate", "time_waiting_on_dev", "handoff_time",
     "interrupt_load", "time_in_status", "level_changes"],
)  # fmt: skip
def test_each_definition_is_in_the_metrics_doc(function: str) -> None:
    doc = inspect.getdoc(getattr(M, function))
    assert doc
    definitions = [p for p in doc.split("\n\n") if "**" in p]
    assert definitions
    page = _words(DOC.read_text(encoding="utf-8"))
    for paragraph in definitions:
        assert _words(paragraph) in page, f"docs/metrics.md lacks the definition of {function}"
