"""BPIC 2013 (Volvo IT incidents) through Cadence's support analytics, checked exactly against plain Python.

The log is imported as tickets with the existing event-log importer and mapping; time per status and the L1/L2/L3
level changes from :mod:`cadence.analytics.support_metrics` must equal a straightforward computation over the raw
CSV with the standard library. The SLA clocks run on the same history under a 24x7 policy, with invariants.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import time
from collections import Counter, defaultdict
from pathlib import Path

import polars as pl
import pytest

from cadence.analytics.sla_clocks import sla_clocks
from cadence.analytics.sla_policy import parse_policy
from cadence.analytics.support_metrics import level_changes, time_in_status
from cadence.services.imports import import_event_log
from cadence.store.database import Database
from cadence.store.read_models import read_ticket_events, read_tickets
from tests.evaluation.datasets import dataset

pytestmark = pytest.mark.slow

MAPPING = Path(__file__).parents[1] / "connectors" / "files" / "bpic.toml"
RESOLVED = {"Completed / Closed", "Completed / Resolved", "Completed / Cancelled"}
NOW = dt.datetime(2013, 1, 1, tzinfo=dt.UTC)


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """SQLite only: this checks the analytics on a real dataset; the store's two backends are tested elsewhere."""
    return sqlite_url


def _raw(path: Path) -> dict[str, list[tuple[dt.datetime, int, str, str | None]]]:
    """Per ticket, its rows as (instant, line, "Status / Sub Status", level), in time then file order."""
    rows: dict[str, list[tuple[dt.datetime, int, str, str | None]]] = defaultdict(list)
    with gzip.open(path, "rt", encoding="utf-8-sig", newline="") as handle:
        for line, row in enumerate(csv.DictReader(handle)):
            status = " / ".join(v.strip() for v in (row["Status"], row["Sub Status"]) if v.strip())
            at = dt.datetime.fromisoformat(row["Change Date+Time"]).astimezone(dt.UTC)
            rows[row["SR Number"].strip()].append((at, line, status, row["ST Level"].strip() or None))
    for history in rows.values():
        history.sort(key=lambda r: (r[0], r[1]))
    return rows


def _expected_time_in_status(
    rows: dict[str, list[tuple[dt.datetime, int, str, str | None]]],
) -> dict[str, tuple[int, int]]:
    seconds: Counter[str] = Counter()
    intervals: Counter[str] = Counter()
    for history in rows.values():
        resolved = history[-1][2] in RESOLVED
        for i, (at, _, status, _) in enumerate(history):
            end = history[i + 1][0] if i + 1 < len(history) else (at if resolved else NOW)
            seconds[status] += int((end - at).total_seconds())
            intervals[status] += 1
    return {s: (intervals[s], seconds[s]) for s in seconds}


def _expected_levels(
    rows: dict[str, list[tuple[dt.datetime, int, str, str | None]]],
) -> dict[tuple[str | None, str], tuple[int, int]]:
    events: Counter[tuple[str | None, str]] = Counter()
    tickets: dict[tuple[str | None, str], set[str]] = defaultdict(set)
    for ticket, history in rows.items():
        previous: str | None = None
        for _, _, _, level in history:
            if level is not None and level != previous:
                events[(previous, level)] += 1
                tickets[(previous, level)].add(ticket)
            previous = level
    return {pair: (n, len(tickets[pair])) for pair, n in events.items()}


def test_bpic_2013_time_in_status_and_escalations_match_plain_python(db: Database) -> None:
    log = dataset("helpdesk") / "bpic2013_volvo_it_incidents.csv.gz"
    report = import_event_log(db, log, MAPPING, team="VOLVO")
    assert report.skipped == 0
    with db.connect() as conn:
        tickets, events = read_tickets(conn), read_ticket_events(conn)
    rows = _raw(log)
    assert tickets.height == len(rows) == 7_554

    started = time.perf_counter()
    statuses = time_in_status(tickets, events, now=NOW)
    levels = level_changes(events)
    analytics_seconds = time.perf_counter() - started
    mine = {r["status"]: (r["intervals"], r["seconds"]) for r in statuses.iter_rows(named=True)}
    assert mine == _expected_time_in_status(rows)
    assert sum(n for n, _ in mine.values()) == 65_533
    theirs = _expected_levels(rows)
    assert {
        (r["from_value"], r["to_value"]): (r["events"], r["tickets"]) for r in levels.iter_rows(named=True)
    } == theirs
    assert theirs[("L1", "L2")][0] > 1000 and theirs[("L2", "L3")][0] > 100  # escalations really are in the log
    assert analytics_seconds < 5

    policy = parse_policy(
        {
            "calendar": {"hours": "24x7", "holidays": False},
            "goals": {"first_response": {"*": "4h"}, "resolution": {"*": "120h"}},
            "statuses": {"stop": sorted(RESOLVED), "pause": ["Accepted / Wait - User", "Accepted / Wait - Customer"]},
        }
    )
    started = time.perf_counter()
    clocks = sla_clocks(tickets, events, policy, policy.calendar.calendar("UTC", None), now=NOW)
    clock_seconds = time.perf_counter() - started
    print(f"BPIC 2013: {tickets.height} tickets, {events.height} events; clocks in {clock_seconds:.2f}s")
    assert clock_seconds < 10
    resolution = clocks.filter(pl.col("goal") == "resolution")
    # a 24x7 clock counts at most the wall-clock time, exactly it when nothing paused
    assert (resolution.get_column("elapsed_s") <= resolution.get_column("calendar_s") + 1e-6).all()
    # a ticket gets a resolution cycle when it is ever in a status that does not stop the clock
    ever_open = sum(any(r[2] not in RESOLVED for r in history) for history in rows.values())
    assert resolution.filter(pl.col("cycle") == 1).height == ever_open
    assert set(clocks.get_column("state").unique().to_list()) <= {"met", "breached", "running", "paused"}
