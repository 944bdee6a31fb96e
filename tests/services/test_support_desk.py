"""Ticket intake and triage through the service, over SQLite and PostgreSQL: keys, events, updates, audit entries,
the impact x urgency matrix checked cell by cell, duplicate merges, snoozes, waiting, and illegal moves."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func, select

from cadence.domain.errors import ConfigurationError, Conflict, InputError, NotFound, PermissionDenied
from cadence.services.access import Actor
from cadence.services.support_desk import create_ticket, triage_ticket
from cadence.services.support_views import support_queue, ticket_detail
from cadence.services.workspace_config import (
    DEFAULT_PRIORITY_MATRIX,
    SupportSettings,
    WorkspaceConfig,
    load_workspace_config,
)
from cadence.store import schema as S
from cadence.store.database import Database
from tests.services.support_world import NOW, TICKET, support_world

CONFIG = WorkspaceConfig()


@pytest.fixture
def actors(db: Database) -> dict[str, Actor]:
    return support_world(db)


def _count(db: Database, model: type, **where: object) -> int:
    table = S.table(model)
    query = select(func.count()).select_from(table)
    for name, value in where.items():
        query = query.where(table.c[name] == value)
    with db.connect() as conn:
        return int(conn.execute(query).scalar_one())


def _new(db: Database, agent: Actor, **changes: str) -> str:
    return create_ticket(db, agent, "OPS", {**TICKET, **changes}, now=NOW).key


def test_an_agent_creates_tickets_keyed_per_team(db: Database, actors: dict[str, Actor]) -> None:
    first = create_ticket(db, actors["agent"], "OPS", TICKET, now=NOW)
    second = create_ticket(db, actors["pm"], "OPS", {**TICKET, "channel": "Phone"}, now=NOW)
    assert (first.key, second.key) == ("SUP-1", "SUP-2")
    assert (first.source, first.source_id, first.status, first.level, first.triage_state) == (
        "cadence", "OPS:SUP-1", "New", "L1", "new",
    )  # fmt: skip
    assert (first.requester, first.customer, first.impact, first.urgency, first.priority) == (
        "ann@customer.example", "Customer Co", "high", "medium", None,
    )  # fmt: skip
    assert first.requesters == ["ann@customer.example"] and second.channel == "phone"
    detail = ticket_detail(db, CONFIG, actors["viewer"], "OPS", "SUP-1", now=NOW)
    assert [(e["kind"], e["from_value"], e["to_value"]) for e in detail.events] == [("status", None, "New")]
    assert _count(db, S.AuditEntry, entity="support_ticket", action="create") == 2


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("title", "  ", "title: this field is required"),
        ("requester", None, "requester: this field is required"),
        ("channel", "fax", "channel: 'fax' is not one of email, phone, chat, portal, web, other"),
        ("impact", "huge", "impact: 'huge' is not one of high, medium, low"),
        ("urgency", None, "urgency: 'None' is not one of high, medium, low"),
        ("customer", "x" * 201, "customer: at most 200 characters (got 201)"),
    ],
)
def test_a_bad_field_is_named(db: Database, actors: dict[str, Actor], field: str, value: object, words: str) -> None:
    with pytest.raises(InputError) as error:
        create_ticket(db, actors["agent"], "OPS", {**TICKET, field: value}, now=NOW)
    assert error.value.message == words and error.value.data == {"field": field}
    assert _count(db, S.SupportTicket, source="cadence") == 0


def test_only_support_and_above_change_tickets(db: Database, actors: dict[str, Actor]) -> None:
    for name in ("dev", "viewer"):
        with pytest.raises(PermissionDenied):
            create_ticket(db, actors[name], "OPS", TICKET, now=NOW)
    key = _new(db, actors["agent"])
    with pytest.raises(PermissionDenied):
        triage_ticket(db, CONFIG, actors["dev"], "OPS", key, action="accept", now=NOW)
    assert support_queue(db, CONFIG, actors["viewer"], "OPS", now=NOW).can_act is False
    assert support_queue(db, CONFIG, actors["agent"], "OPS", now=NOW).can_act is True


# The default matrix, cell by cell, as written in docs/support.md.
HAND_CHECKED = {
    ("high", "high"): "P1", ("high", "medium"): "P2", ("high", "low"): "P3",
    ("medium", "high"): "P2", ("medium", "medium"): "P3", ("medium", "low"): "P4",
    ("low", "high"): "P3", ("low", "medium"): "P4", ("low", "low"): "P4",
}  # fmt: skip


def test_the_default_matrix_is_the_documented_grid() -> None:
    cells = {(i, u): p for i, row in DEFAULT_PRIORITY_MATRIX.items() for u, p in row.items()}
    assert cells == HAND_CHECKED


@pytest.mark.parametrize(("impact", "urgency"), sorted(HAND_CHECKED))
def test_accept_sets_the_priority_from_the_matrix(
    db: Database, actors: dict[str, Actor], impact: str, urgency: str
) -> None:
    key = _new(db, actors["agent"], impact=impact, urgency=urgency)
    accepted = triage_ticket(db, CONFIG, actors["agent"], "OPS", key, action="accept", now=NOW)
    assert (accepted.triage_state, accepted.status, accepted.priority) == (
        "accepted",
        "Open",
        HAND_CHECKED[impact, urgency],
    )
    detail = ticket_detail(db, CONFIG, actors["agent"], "OPS", key, now=NOW)
    assert [(e["kind"], e["from_value"], e["to_value"]) for e in detail.events] == [
        ("status", None, "New"), ("triage", "new", "accepted"), ("status", "New", "Open"),
        ("priority", None, HAND_CHECKED[impact, urgency]),
    ]  # fmt: skip
    assert [u.text for u in detail.updates] == [
        f"Accepted by agent: priority {HAND_CHECKED[impact, urgency]} (impact {impact} x urgency {urgency})."
    ]


def test_a_configured_matrix_overrides_cells(db: Database, actors: dict[str, Actor], tmp_path: Path) -> None:
    path = tmp_path / "cadence.toml"
    path.write_text('[teams.OPS.support]\npriority_matrix = { low = { low = "P3" }, high = { low = "P2" } }\n')
    config = load_workspace_config(path)
    key = _new(db, actors["agent"], impact="low", urgency="low")
    assert triage_ticket(db, config, actors["agent"], "OPS", key, action="accept", now=NOW).priority == "P3"
    assert config.for_team("OPS").support.priority("high", "low") == "P2"
    assert config.for_team("OPS").support.priority("high", "high") == "P1"  # untouched cells keep the default


def test_each_action_writes_an_event_an_update_and_an_audit_entry(db: Database, actors: dict[str, Actor]) -> None:
    agent = actors["agent"]
    key = _new(db, agent)
    triage_ticket(db, CONFIG, agent, "OPS", key, action="ask_info", note="Which browser?", now=NOW)
    triage_ticket(db, CONFIG, agent, "OPS", key, action="accept", now=NOW + dt.timedelta(hours=1))
    triage_ticket(db, CONFIG, agent, "OPS", key, action="ask_info", now=NOW + dt.timedelta(hours=2))
    detail = ticket_detail(db, CONFIG, agent, "OPS", key, now=NOW)
    triage = [(e["from_value"], e["to_value"]) for e in detail.events if e["kind"] == "triage"]
    assert triage == [("new", "waiting"), ("waiting", "accepted"), ("accepted", "waiting")]
    statuses = [(e["from_value"], e["to_value"]) for e in detail.events if e["kind"] == "status"]
    assert statuses == [(None, "New"), ("New", "Waiting for customer"), ("Waiting for customer", "Open"),
                        ("Open", "Waiting for customer")]  # fmt: skip
    assert [u.text for u in detail.updates] == [
        "agent asked the requester for more information: Which browser?",
        "Accepted by agent: priority P2 (impact high x urgency medium).",
        "agent asked the requester for more information.",
    ]
    assert detail.ticket.status == "Waiting for customer" and detail.state == "waiting"
    assert [_count(db, S.AuditEntry, entity="support_ticket", action=a) for a in ("ask_info", "accept")] == [2, 1]


def test_decline_needs_a_reason_and_closes_the_ticket(db: Database, actors: dict[str, Actor]) -> None:
    key = _new(db, actors["agent"])
    with pytest.raises(InputError) as missing:
        triage_ticket(db, CONFIG, actors["agent"], "OPS", key, action="decline", reason=" ", now=NOW)
    assert missing.value.data == {"field": "reason"}
    declined = triage_ticket(db, CONFIG, actors["agent"], "OPS", key, action="decline", reason="Works as designed",
                             now=NOW)  # fmt: skip
    assert (declined.triage_state, declined.status, declined.decline_reason, declined.resolved_at) == (
        "declined", "Closed", "Works as designed", NOW,
    )  # fmt: skip
    with pytest.raises(Conflict) as illegal:
        triage_ticket(db, CONFIG, actors["agent"], "OPS", key, action="accept", now=NOW)
    assert illegal.value.message == "ticket SUP-1 is declined: it cannot be accepted from there; it is closed"


def test_illegal_moves_name_what_is_allowed(db: Database, actors: dict[str, Actor]) -> None:
    key = _new(db, actors["agent"])
    triage_ticket(db, CONFIG, actors["agent"], "OPS", key, action="accept", now=NOW)
    with pytest.raises(Conflict) as again:
        triage_ticket(db, CONFIG, actors["agent"], "OPS", key, action="accept", now=NOW)
    assert again.value.message == (
        "ticket SUP-1 is accepted: it cannot be accepted from there; allowed: duplicate, ask_info"
    )
    with pytest.raises(InputError) as unknown:
        triage_ticket(db, CONFIG, actors["agent"], "OPS", key, action="close", now=NOW)
    assert unknown.value.data == {"field": "action"}


def test_a_duplicate_merges_its_requesters_into_the_canonical_ticket(db: Database, actors: dict[str, Actor]) -> None:
    agent = actors["agent"]
    canonical = _new(db, agent)
    first = _new(db, agent, requester="bo@other.example")
    second = _new(db, agent, requester="ann@customer.example")  # already waiting on the canonical ticket
    third = _new(db, agent, requester="cy@third.example")
    for dup in (first, second, third):
        triage_ticket(db, CONFIG, agent, "OPS", dup, action="duplicate", duplicate_of=canonical, now=NOW)
    main = ticket_detail(db, CONFIG, agent, "OPS", canonical, now=NOW)
    assert main.ticket.requesters == ["ann@customer.example", "bo@other.example", "cy@third.example"]
    assert main.ticket.triage_state == "new"  # the canonical ticket keeps its own state
    assert main.updates[0].text == (
        "SUP-2 was merged into this ticket by agent; requesters: ann@customer.example, bo@other.example."
    )
    dup = ticket_detail(db, CONFIG, agent, "OPS", first, now=NOW)
    assert (dup.state, dup.ticket.status, dup.duplicate_of, dup.ticket.resolved_at) == (
        "duplicate", "Closed", "SUP-1", NOW,
    )  # fmt: skip
    assert [u.text for u in dup.updates] == ["Closed by agent as a duplicate of SUP-1."]
    assert _count(db, S.AuditEntry, entity="support_ticket", action="merge") == 3
    with pytest.raises(Conflict) as chained:
        triage_ticket(db, CONFIG, agent, "OPS", canonical, action="duplicate", duplicate_of=first, now=NOW)
    assert chained.value.message == "duplicate_of: SUP-2 is duplicate; mark it a duplicate of SUP-1 instead"
    with pytest.raises(InputError):
        triage_ticket(db, CONFIG, agent, "OPS", canonical, action="duplicate", duplicate_of=canonical, now=NOW)
    with pytest.raises(NotFound):
        triage_ticket(db, CONFIG, agent, "OPS", canonical, action="duplicate", duplicate_of="SUP-99", now=NOW)


def test_a_snoozed_ticket_reappears_when_its_day_starts(db: Database, actors: dict[str, Actor]) -> None:
    agent = actors["agent"]
    key = _new(db, agent)
    with pytest.raises(InputError):
        triage_ticket(db, CONFIG, agent, "OPS", key, action="snooze", until="2024-03-20", now=NOW)  # today: past
    snoozed = triage_ticket(db, CONFIG, agent, "OPS", key, action="snooze", until="2024-03-22", now=NOW)
    # OPS works in Europe/Paris (UTC+1 in March): the 22nd starts at 23:00 UTC on the 21st.
    assert snoozed.snoozed_until == dt.datetime(2024, 3, 21, 23, tzinfo=dt.UTC)

    def queue(at: dt.datetime) -> list[tuple[str, str | None]]:  # SD-1, imported and open, is always there
        return [(t.key, s) for t, s in support_queue(db, CONFIG, agent, "OPS", now=at).tickets if t.key != "SD-1"]

    assert queue(NOW) == []
    assert support_queue(db, CONFIG, agent, "OPS", now=NOW, view="snoozed").tickets[0][0].key == key
    assert queue(dt.datetime(2024, 3, 21, 22, 59, tzinfo=dt.UTC)) == []
    assert queue(dt.datetime(2024, 3, 21, 23, tzinfo=dt.UTC)) == [(key, "new")]
    accepted = triage_ticket(
        db, CONFIG, agent, "OPS", key, action="accept", now=dt.datetime(2024, 3, 22, tzinfo=dt.UTC)
    )
    assert accepted.triage_state == "accepted"


def test_queue_views_and_filters(db: Database, actors: dict[str, Actor]) -> None:
    agent = actors["agent"]
    a = _new(db, agent, title="Login loops", impact="high", urgency="high")
    b = _new(db, agent, title="Typo on invoice", impact="low", urgency="low")
    c = _new(db, agent, title="Spam")
    triage_ticket(db, CONFIG, agent, "OPS", a, action="accept", now=NOW)
    triage_ticket(db, CONFIG, agent, "OPS", b, action="accept", now=NOW)
    triage_ticket(db, CONFIG, agent, "OPS", c, action="decline", reason="spam", now=NOW)
    queue = support_queue(db, CONFIG, agent, "OPS", now=NOW, view="accepted")
    assert [t.key for t, _ in queue.tickets] == [b, a]  # newest first (same time: highest id first)
    # The factory's imported SD-1, open and never triaged in Cadence, is to triage.
    assert queue.counts == {"triage": 1, "accepted": 2, "snoozed": 0, "closed": 1, "all": 4}
    assert [t.key for t, _ in support_queue(db, CONFIG, agent, "OPS", now=NOW, view="all", priority="P1").tickets] == [
        a
    ]
    assert [
        t.key for t, _ in support_queue(db, CONFIG, agent, "OPS", now=NOW, view="all", search="INVOICE").tickets
    ] == [b]
    with pytest.raises(InputError):
        support_queue(db, CONFIG, agent, "OPS", now=NOW, view="mine")


def test_triage_duty_is_a_function_of_the_date(tmp_path: Path) -> None:
    path = tmp_path / "cadence.toml"
    path.write_text('[teams.OPS.support]\ntriage_rotation = ["ann", "bo", "cy"]\nrotation_days = 7\n'
                    "rotation_start = 2026-01-05\nstall_days = 3\n")  # fmt: skip
    support = load_workspace_config(path).for_team("OPS").support
    assert support.stall_days == 3
    # 2026-01-05 (Monday) starts ann's week; each turn is seven days; the rotation wraps after cy.
    days = {"2026-01-05": "ann", "2026-01-11": "ann", "2026-01-12": "bo", "2026-01-19": "cy", "2026-01-26": "ann",
            "2026-01-04": "cy", "2025-12-29": "cy", "2025-12-28": "bo"}  # fmt: skip
    assert {d: support.on_duty(dt.date.fromisoformat(d)) for d in days} == days
    assert SupportSettings().on_duty(dt.date(2026, 1, 5)) is None


@pytest.mark.parametrize(
    ("table", "words"),
    [
        ('triage_rotation = "ann"', "teams.OPS.support.triage_rotation must be a list of people"),
        ("rotation_days = 0", "teams.OPS.support.rotation_days must be a whole number of days from 1 to 365"),
        ('rotation_start = "soon"', "teams.OPS.support.rotation_start must be a date"),
        ('priority_matrix = { high = { high = "P0" } }', "teams.OPS.support.priority_matrix.high.high is 'P0'"),
        ('priority_matrix = { huge = { high = "P1" } }', "priority_matrix uses impact and urgency levels"),
        ("triage = 1", "teams.OPS.support has unknown key(s) ['triage']"),
    ],
)
def test_a_wrong_support_section_is_named(tmp_path: Path, table: str, words: str) -> None:
    path = tmp_path / "cadence.toml"
    path.write_text(f"[teams.OPS.support]\n{table}\n")
    with pytest.raises(ConfigurationError) as error:
        load_workspace_config(path)
    assert words in error.value.message


def test_an_imported_ticket_keeps_its_priority_when_accepted(db: Database, actors: dict[str, Actor]) -> None:
    """The factory's SD-1 came from a service desk with priority P2 and no impact or urgency."""
    accepted = triage_ticket(db, CONFIG, actors["agent"], "OPS", "SD-1", action="accept", now=NOW)
    assert (accepted.triage_state, accepted.priority, accepted.status) == ("accepted", "P2", "Open")
    detail = ticket_detail(db, CONFIG, actors["agent"], "OPS", "SD-1", now=NOW)
    assert detail.updates[-1].text == "Accepted by agent: priority P2 (kept from test)."
    assert [(e["kind"], e["from_value"], e["to_value"]) for e in detail.events][-2:] == [
        ("triage", None, "accepted"), ("status", "Escalated", "Open"),
    ]  # fmt: skip
