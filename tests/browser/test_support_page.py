"""The support desk in Chromium: an agent creates a ticket, accepts it, escalates it, and sees the dev item's stage
change once a sync moved the item and the relay ran."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from cadence.domain.batch import RecordBatch
from cadence.services.relay import relay_changes
from cadence.services.workspace_config import WorkspaceConfig
from cadence.store.ingest import ingest
from tests.browser.conftest import Visit

__all__ = ["test_an_agent_takes_a_ticket_from_intake_to_a_relayed_dev_stage"]


def _move(visit: Visit, key: str, at: dt.datetime) -> None:
    """What a sync does when the developers start the item: its new status and the transition."""
    item = pl.DataFrame({"source_id": [key], "team": ["SUP"], "key": [key], "type": ["bug"], "title": ["CSV fix"],
                         "status": ["In Progress"], "created_at": [at - dt.timedelta(minutes=5)]})  # fmt: skip
    change = pl.DataFrame({"item_source_id": [key], "event_key": [f"{key}-start"], "from_status": ["Backlog"],
                           "to_status": ["In Progress"], "at": [at]})  # fmt: skip
    with visit.site.db.begin() as conn:
        ingest(conn, RecordBatch(source="cadence", items=item, transitions=change))


def test_an_agent_takes_a_ticket_from_intake_to_a_relayed_dev_stage(visit: Visit) -> None:
    page: Any = visit.page
    visit.sign_in("agent")
    page.goto(visit.url("/teams/SUP/support"))
    assert page.locator("h1").inner_text() == "Support desk"
    page.fill("#t-title", "CSV export times out")
    page.fill("#t-requester", "jo@customer.example")
    page.fill("#t-customer", "Customer Co")
    page.select_option("#t-channel", "email")
    page.select_option("#t-impact", "high")
    page.select_option("#t-urgency", "high")
    page.click("text=Create ticket")
    page.wait_for_url("**/teams/SUP/support/tickets/SUP-*")
    ticket = page.url.rsplit("/", 1)[-1]
    assert page.locator(".triage-state").inner_text() == "new"

    page.click("#triage-title ~ form >> text=Accept")
    page.wait_for_load_state()
    assert page.locator(".triage-state").inner_text() == "accepted"
    assert page.locator(".ticket-priority").inner_text() == "P1"

    page.fill("#e-title", "Fix the CSV export timeout")
    page.click("text=Escalate to developers")
    page.wait_for_load_state()
    assert page.locator(".ticket-level").inner_text() == "L2"
    row = page.locator(".linked-items tbody tr").first
    item_key = row.locator("th").inner_text().split()[0]
    assert "not started yet" in row.locator(".item-stage").inner_text()

    _move(visit, item_key, dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1))
    report = relay_changes(visit.site.db, WorkspaceConfig(), now=dt.datetime.now(dt.UTC))
    assert ticket in report.tickets
    page.reload()
    assert page.locator(".linked-items .item-stage").first.inner_text().startswith("in progress")
    relayed = page.locator(".update-relay").first.inner_text()
    # The demo ends on 2026-06-30: no release in the twelve weeks before today, so no typical time to quote.
    assert relayed.endswith(
        "Work on the fix for your issue has started; this team has no measured time to release yet."
    )
    visit.screenshot("support-ticket")
    page.goto(visit.url("/teams/SUP/support?view=accepted"))
    assert page.locator(f"text={ticket}").count() >= 1
    visit.screenshot("support-queue")
    assert visit.errors == []
