"""Escalation, the hand-off clock, the relay and the digest, over SQLite and PostgreSQL — and end to end: a dev item
moves, the relay writes the ticket's update, and the e-mail arrives at a real local SMTP server.

Hand-computed figures: the factory's OPS-1 entered In Progress on 2024-03-04 09:00, Review on 03-08 11:00 and Done
on 03-12 16:00 — 8 d 7 h from start and 4 d 5 h from review to release. It is the team's only release in the twelve
weeks before NOW (2024-03-20 12:00), so the P85 times to release are 8.29 and 4.21 days: "8 days" and "4 days".
The factory's imported ticket SD-1 is linked to OPS-2 (In Progress since 2024-03-06 09:00): the first relay pass
tells it "started".
"""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography.fernet import Fernet

from cadence.domain.errors import Conflict, NotFound, PermissionDenied
from cadence.services.access import Actor
from cadence.services.escalation import escalate
from cadence.services.notifications import add_channel, deliver_pending
from cadence.services.relay import relay_changes, relay_text
from cadence.services.support_desk import create_ticket, triage_ticket
from cadence.services.support_digest import support_digest
from cadence.services.support_views import ticket_detail
from cadence.services.workspace_config import WorkspaceConfig
from cadence.store.database import Database
from tests.notify_servers import SmtpServer, smtp_server
from tests.services.support_world import NOW, TICKET, move, support_world

__all__ = ["smtp_server"]  # fixture used by name

CONFIG = WorkspaceConfig()
KEY = Fernet.generate_key().decode()
H = dt.timedelta(hours=1)
ESCALATED = NOW - 48 * H
STARTED = "Work on the fix for your issue has started; typical time to release for this team is 8 days (P85)."
IN_REVIEW = "The fix for your issue is in review; typical time to release for this team is 4 days (P85)."
RELEASED = "The fix for your issue has been released."
REOPENED = "The fix for your issue was reopened; typical time to release for this team is 8 days (P85)."


@pytest.fixture
def actors(db: Database) -> dict[str, Actor]:
    return support_world(db)


def _escalated(db: Database, agent: Actor, **ticket: str) -> str:
    """A ticket created 3 h before ESCALATED, accepted, then escalated as a new Cadence bug; returns the item key."""
    key = create_ticket(db, agent, "OPS", {**TICKET, **ticket}, now=ESCALATED - 3 * H).key
    triage_ticket(db, CONFIG, agent, "OPS", key, action="accept", now=ESCALATED - 2 * H)
    return escalate(db, CONFIG, agent, "OPS", key, now=ESCALATED).item_key


def _move(db: Database, old: str, new: str, at: dt.datetime) -> None:
    move(db, source="cadence", source_id="OPS-3", key="OPS-3", old=old, new=new, at=at, created=ESCALATED)


def _relayed(db: Database, agent: Actor, ticket: str = "SUP-1") -> list[tuple[str | None, str]]:
    updates = ticket_detail(db, CONFIG, agent, "OPS", ticket, now=NOW).updates
    return [(u.stage, u.text) for u in updates if u.kind == "relay"]


def test_escalation_creates_a_cadence_bug_and_moves_the_ticket_to_l2(db: Database, actors: dict[str, Actor]) -> None:
    agent = actors["agent"]
    ticket = create_ticket(db, agent, "OPS", TICKET, now=ESCALATED - 3 * H).key
    with pytest.raises(Conflict) as early:
        escalate(db, CONFIG, agent, "OPS", ticket, now=ESCALATED)
    assert early.value.message == "ticket SUP-1 is new: accept it first"
    triage_ticket(db, CONFIG, agent, "OPS", ticket, action="accept", now=ESCALATED - 2 * H)
    with pytest.raises(PermissionDenied):
        escalate(db, CONFIG, actors["dev"], "OPS", ticket, now=ESCALATED)
    done = escalate(db, CONFIG, agent, "OPS", ticket, now=ESCALATED)
    assert (done.item_key, done.created, done.where, done.level) == ("OPS-3", True, "cadence", "L2")
    detail = ticket_detail(db, CONFIG, agent, "OPS", ticket, now=NOW)
    assert detail.ticket.level == "L2"
    assert [(e["kind"], e["from_value"], e["to_value"]) for e in detail.events][-1] == ("level", "L1", "L2")
    assert detail.l1_to_l2 == 3 * H  # created -> the level event
    [item] = detail.items
    assert (item.key, item.title, item.words) == ("OPS-3", TICKET["title"], "not started yet (Backlog)")
    assert (item.handoff.escalated_at, item.handoff.committed_at, item.handoff.waiting_on_dev) == (
        ESCALATED, None, 48 * H,
    )  # fmt: skip
    assert detail.updates[-1].text == "Escalated to the developers as OPS-3 by agent."
    with pytest.raises(Conflict):
        escalate(db, CONFIG, agent, "OPS", ticket, item_key="OPS-3", now=NOW)  # linked already


def test_several_tickets_link_one_item_and_all_hear_of_it(db: Database, actors: dict[str, Actor]) -> None:
    agent = actors["agent"]
    first = create_ticket(db, agent, "OPS", TICKET, now=ESCALATED).key
    second = create_ticket(db, agent, "OPS", {**TICKET, "requester": "bo@x.example"}, now=ESCALATED).key
    for key in (first, second):
        triage_ticket(db, CONFIG, agent, "OPS", key, action="accept", now=ESCALATED)
        linked = escalate(db, CONFIG, agent, "OPS", key, item_key="OPS-2", now=ESCALATED + H)
        assert (linked.item_key, linked.created) == ("OPS-2", False)
    with pytest.raises(NotFound) as unknown:
        escalate(db, CONFIG, agent, "OPS", first, item_key="OPS-77", now=NOW)
    assert unknown.value.data == {"field": "item_key"}
    report = relay_changes(db, CONFIG, now=NOW)
    assert (report.updates, sorted(report.tickets)) == (3, ["SD-1", "SUP-1", "SUP-2"])
    # OPS-2 entered In Progress on 2024-03-06 09:00, before the escalation: committed already, zero to commitment.
    for key in ("SD-1", first, second):
        assert _relayed(db, agent, key) == [("started", STARTED)]
        [item] = ticket_detail(db, CONFIG, agent, "OPS", key, now=NOW).items
        assert item.words == "in progress (In Progress)"
        assert item.handoff.committed_at == dt.datetime(2024, 3, 6, 9, tzinfo=dt.UTC)
        # SD-1 was escalated on 2024-03-05 10:00, 23 h before; the SUP tickets after it: zero.
        assert item.handoff.escalation_to_commitment == (23 * H if key == "SD-1" else dt.timedelta(0))

    # SUP-2 turns out to duplicate SUP-1: when OPS-2 is released, only the open tickets hear of it.
    triage_ticket(db, CONFIG, agent, "OPS", second, action="duplicate", duplicate_of=first, now=NOW)
    move(db, source="test", source_id="2", key="OPS-2", old="In Progress", new="Done", at=NOW - H,
         created=dt.datetime(2024, 3, 5, 10, tzinfo=dt.UTC))  # fmt: skip
    assert sorted(relay_changes(db, CONFIG, now=NOW).tickets) == ["SD-1", "SUP-1"]
    assert _relayed(db, agent, first)[-1] == ("done", RELEASED)
    assert _relayed(db, agent, second) == [("started", STARTED)]


def test_the_relay_speaks_each_stage_once(db: Database, actors: dict[str, Actor]) -> None:
    agent = actors["agent"]
    assert _escalated(db, agent) == "OPS-3"
    assert relay_changes(db, CONFIG, now=NOW).tickets == ("SD-1",)  # OPS-3 still in the backlog: nothing to say

    _move(db, "Backlog", "In Progress", ESCALATED + 5 * H)
    assert relay_changes(db, CONFIG, now=NOW).updates == 1
    assert relay_changes(db, CONFIG, now=NOW).updates == 0  # idempotent
    _move(db, "In Progress", "Doing", ESCALATED + 6 * H)  # another status of the same relay stage: nothing new
    assert relay_changes(db, CONFIG, now=NOW).updates == 0
    _move(db, "Doing", "Code Review", ESCALATED + 20 * H)
    _move(db, "Code Review", "Done", ESCALATED + 30 * H)
    assert relay_changes(db, CONFIG, now=NOW).updates == 1  # only the current stage is relayed
    _move(db, "Done", "Reopened", ESCALATED + 40 * H)
    assert relay_changes(db, CONFIG, now=NOW).updates == 1
    _move(db, "Reopened", "In Review", ESCALATED + 44 * H)
    assert relay_changes(db, CONFIG, now=NOW).updates == 1
    assert relay_changes(db, CONFIG, now=NOW).updates == 0
    assert _relayed(db, agent) == [
        ("started", STARTED), ("done", RELEASED), ("reopened", REOPENED), ("in review", IN_REVIEW),
    ]  # fmt: skip
    [item] = ticket_detail(db, CONFIG, agent, "OPS", "SUP-1", now=NOW).items
    assert item.words == "in review (Review)"
    assert item.handoff.committed_at == ESCALATED + 5 * H and item.handoff.waiting_running
    assert item.handoff.escalation_to_commitment == 5 * H


def test_relay_texts() -> None:
    assert relay_text("in review", 3.2) == (
        "The fix for your issue is in review; typical time to release for this team is 3 days (P85)."
    )
    assert relay_text("started", 0.7) == (
        "Work on the fix for your issue has started; typical time to release for this team is 1 day (P85)."
    )
    assert relay_text("started", 2.5).endswith("is 3 days (P85).")  # halves round up
    assert relay_text("started", 0.2).endswith("is less than a day (P85).")
    assert relay_text("reopened", None) == (
        "The fix for your issue was reopened; this team has no measured time to release yet."
    )
    assert relay_text("done", None, discarded_status="Won't Fix") == (
        "The developers closed the work on your issue without a fix (Won't Fix)."
    )


def test_the_digest_lists_answerable_and_stalled_tickets(db: Database, actors: dict[str, Actor]) -> None:
    agent, pm = actors["agent"], actors["pm"]
    add_channel(db, pm, "OPS", encryption_key=KEY, name="digests", kind="webhook",
                target={"url": "http://127.0.0.1:9/hook"}, topics=["digest"], now=NOW)  # fmt: skip
    _escalated(db, agent)
    other = create_ticket(db, agent, "OPS", {**TICKET, "title": "Slow search"}, now=ESCALATED).key
    triage_ticket(db, CONFIG, agent, "OPS", other, action="accept", now=ESCALATED)
    escalate(db, CONFIG, agent, "OPS", other, item_key="OPS-2", now=ESCALATED)
    _move(db, "Backlog", "In Progress", ESCALATED + 5 * H)
    _move(db, "In Progress", "Done", ESCALATED + 30 * H)

    digest = support_digest(db, CONFIG, actors["viewer"], "OPS", now=NOW)
    assert digest.since == NOW - dt.timedelta(days=7)
    assert [(e.ticket_key, e.detail) for e in digest.answerable] == [("SUP-1", "OPS-3 released on 2024-03-19")]
    # OPS-2 has been In Progress since 2024-03-06 09:00: 14 days without a change (>= 5).
    stalled = "OPS-2 in progress (In Progress), unchanged for 14 days"
    assert [(e.ticket_key, e.detail) for e in digest.stalled] == [("SD-1", stalled), ("SUP-2", stalled)]
    assert digest.at_risk == []
    with pytest.raises(PermissionDenied):
        support_digest(db, CONFIG, actors["dev"], "OPS", now=NOW, send=True)
    sent = support_digest(db, CONFIG, agent, "OPS", now=NOW, send=True)
    assert sent.queued == 1
    assert "Can now be answered (1):\n- SUP-1 Export to CSV fails: OPS-3 released on 2024-03-19" in sent.text()
    later = support_digest(db, CONFIG, agent, "OPS", now=NOW + H)
    assert (later.since, later.answerable, len(later.stalled)) == (NOW, [], 2)  # released before the last digest


def test_end_to_end_a_dev_move_reaches_support_by_email(
    db: Database, actors: dict[str, Actor], smtp_server: SmtpServer
) -> None:
    _escalated(db, actors["agent"])
    assert relay_changes(db, CONFIG, now=NOW).tickets == ("SD-1",)  # before any channel: an update, no message
    target = {"to": "support@example.org", "smtp_host": "127.0.0.1", "smtp_port": smtp_server.port,
              "smtp_tls": "none", "from": "cadence@example.org"}  # fmt: skip
    add_channel(db, actors["pm"], "OPS", encryption_key=KEY, name="support mail", kind="email", target=target,
                topics=["relay"], now=NOW)  # fmt: skip
    _move(db, "Backlog", "In Progress", ESCALATED + 5 * H)
    _move(db, "In Progress", "In Review", ESCALATED + 20 * H)  # a sync brings both moves at once

    report = relay_changes(db, CONFIG, now=NOW)
    assert (report.updates, report.notifications) == (1, 1)
    assert _relayed(db, actors["agent"]) == [("in review", IN_REVIEW)]
    delivered = deliver_pending(db, now=NOW, encryption_key=KEY)
    assert delivered.sent == 1, delivered.errors
    [mail] = smtp_server.mails
    assert mail.recipients == ("support@example.org",)
    assert mail.subject == "SUP-1 Export to CSV fails: OPS-3 in review"
    assert mail.body.replace("\r\n", "\n").strip() == f"SUP-1 (Export to CSV fails), dev item OPS-3:\n{IN_REVIEW}"

    assert relay_changes(db, CONFIG, now=NOW).notifications == 0  # running it again sends nothing
    assert deliver_pending(db, now=NOW + H, encryption_key=KEY).claimed == 0
    assert len(smtp_server.mails) == 1


def test_sla_clocks_show_on_the_ticket_and_at_risk_in_the_digest(db: Database, actors: dict[str, Actor]) -> None:
    """The built-in policy: P1 resolution within 8 business hours (Mon-Fri 09:00-17:00, Europe/Paris for OPS), at
    risk under 20 % left. Created and accepted on Tue 2024-03-19 at 14:30 Paris (13:30 UTC): by Wed 13:00 Paris
    (NOW) 2.5 h + 4 h = 6.5 h have elapsed, 1.5 h (18.75 %) remain."""
    agent = actors["agent"]
    created = dt.datetime(2024, 3, 19, 13, 30, tzinfo=dt.UTC)
    key = create_ticket(db, agent, "OPS", {**TICKET, "urgency": "high"}, now=created).key
    triage_ticket(db, CONFIG, agent, "OPS", key, action="accept", now=created)
    clocks = ticket_detail(db, CONFIG, agent, "OPS", key, now=NOW).clocks
    assert [(c["goal"], c["state"], c["remaining"]) for c in clocks] == [
        ("first response", "met", "—"), ("resolution", "at risk", "1h30m"),
    ]  # fmt: skip
    assert ticket_detail(db, CONFIG, actors["viewer"], "OPS", key, now=NOW).clocks == []  # clocks are for support
    digest = support_digest(db, CONFIG, agent, "OPS", now=NOW)
    # The factory's SD-1 (P2, open since 2024-03-05) breached its resolution goal long ago: listed first, by due time.
    assert [(e.ticket_key, e.detail) for e in digest.at_risk] == [
        ("SD-1", "resolution breached"), (key, "resolution at risk, 1h30m left"),
    ]  # fmt: skip
    assert support_digest(db, CONFIG, actors["viewer"], "OPS", now=NOW).at_risk == []


def test_asking_the_requester_pauses_the_resolution_clock(db: Database, actors: dict[str, Actor]) -> None:
    """Same ticket as above, but the agent asks the requester a question at Wed 09:00 Paris (08:00 UTC): only the
    2.5 business hours of Tuesday count, 5.5 h remain and the clock is paused."""
    agent = actors["agent"]
    created = dt.datetime(2024, 3, 19, 13, 30, tzinfo=dt.UTC)
    key = create_ticket(db, agent, "OPS", {**TICKET, "urgency": "high"}, now=created).key
    triage_ticket(db, CONFIG, agent, "OPS", key, action="accept", now=created)
    triage_ticket(db, CONFIG, agent, "OPS", key, action="ask_info", now=dt.datetime(2024, 3, 20, 8, tzinfo=dt.UTC))
    clocks = ticket_detail(db, CONFIG, agent, "OPS", key, now=NOW).clocks
    assert [(c["goal"], c["state"], c["remaining"]) for c in clocks] == [
        ("first response", "met", "—"), ("resolution", "paused", "5h30m"),
    ]  # fmt: skip
