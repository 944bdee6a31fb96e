"""Action items through the service, over a real database: carry-over, overdue, nudges, the metric check, the
completion rate and the audit trail."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from cadence.domain.errors import InputError, NotFound, PermissionDenied
from cadence.domain.model import Role
from cadence.services.access import Actor, actor_for_user
from cadence.services.action_items import (
    action_board,
    action_summary,
    create_action,
    nudge_overdue,
    open_actions,
    owner_by_email,
    update_action,
)
from cadence.services.audit_log import SYSTEM
from cadence.services.notifications import add_channel
from cadence.services.users import create_user, set_role
from cadence.store import schema as S
from cadence.store.accounts import find_user
from cadence.store.database import Database
from cadence.store.ingest import ingest
from cadence.store.teams import find_team
from tests.factories import team_batch

# 2024-03-20 09:00 UTC is 10:00 in Paris (the OPS team's zone), a Wednesday.
NOW = dt.datetime(2024, 3, 20, 9, tzinfo=dt.UTC)
KEY = Fernet.generate_key().decode()
PEOPLE = {"pm": Role.MANAGER, "dev": Role.MEMBER, "viewer": Role.VIEWER}


@pytest.fixture
def actors(db: Database) -> dict[str, Actor]:
    with db.begin() as conn:
        ingest(conn, team_batch())
    out = {}
    for name, role in PEOPLE.items():
        create_user(db, SYSTEM, username=name, password="correct horse battery", now=NOW)
        set_role(db, SYSTEM, username=name, team_key="OPS", role=role, now=NOW)
        with db.connect() as conn:
            user = find_user(conn, name)
        assert user is not None
        out[name] = actor_for_user(db, user)
    return out


def _team_id(db: Database) -> int:
    with db.connect() as conn:
        team = find_team(conn, "OPS")
    assert team is not None
    return team.id


def _person(db: Database, name: str) -> int:
    with db.connect() as conn:
        people = S.table(S.Person)
        return int(conn.execute(select(people.c.id).where(people.c.display_name == name)).scalar_one())


def _meeting(db: Database, *, kind: str, at: dt.datetime, source_id: str) -> int:
    meetings = S.table(S.Meeting)
    with db.begin() as conn:
        query = meetings.insert().values(
            team_id=_team_id(db), source="cadence", source_id=source_id, kind=kind, title=f"{kind} {at:%d %b}",
            held_at=at,
        )  # fmt: skip
        return int(conn.execute(query.returning(meetings.c.id)).scalar_one())


def test_open_actions_are_carried_over_to_every_following_meeting_until_closed(
    db: Database, actors: dict[str, Actor]
) -> None:
    retro = _meeting(db, kind="retro", at=NOW - dt.timedelta(days=6), source_id="r1")
    made = NOW - dt.timedelta(days=6) + dt.timedelta(hours=1)
    ann = _person(db, "Ann Lee")
    first = create_action(
        db, actors["pm"], "OPS", title="  Split the   release checklist ", now=made, owner_person_id=ann,
        due_on=dt.date(2024, 3, 18), meeting_id=retro, origin="retro",
    )  # fmt: skip
    assert first["title"] == "Split the release checklist"
    assert (first["owner"], first["origin"], first["meeting_id"], first["age_days"]) == ("Ann Lee", "retro", retro, 0)
    second = create_action(db, actors["dev"], "OPS", title="Pair on reviews", now=made)
    # Two stand-ups after the retro: both actions have been carried through them.
    _meeting(db, kind="standup", at=NOW - dt.timedelta(days=2), source_id="s1")
    _meeting(db, kind="standup", at=NOW - dt.timedelta(days=1), source_id="s2")

    listed = open_actions(db, actors["viewer"], "OPS", now=NOW)
    assert [a["id"] for a in listed] == [first["id"], second["id"]]
    head = listed[0]
    # Due Monday 18 March, today is Wednesday 20 March in Paris: two days late; created six days ago.
    assert (head["overdue"], head["days_overdue"], head["age_days"], head["carried_over"]) == (True, 2, 6, 2)
    assert (listed[1]["overdue"], listed[1]["due_on"], listed[1]["owner"]) == (False, None, None)

    update_action(db, actors["dev"], "OPS", first["id"], status="done", now=NOW)
    assert [a["id"] for a in open_actions(db, actors["viewer"], "OPS", now=NOW)] == [second["id"]]
    reopened = update_action(db, actors["dev"], "OPS", first["id"], status="open", now=NOW)
    assert reopened["status"] == "open" and reopened["done_at"] is None


def test_roles_teams_and_bad_input(db: Database, actors: dict[str, Actor]) -> None:
    with pytest.raises(PermissionDenied):
        create_action(db, actors["viewer"], "OPS", title="Nope", now=NOW)
    with pytest.raises(NotFound):
        create_action(db, actors["pm"], "WEB", title="Nope", now=NOW)
    with pytest.raises(InputError):
        create_action(db, actors["pm"], "OPS", title="   ", now=NOW)
    with pytest.raises(InputError):
        create_action(db, actors["pm"], "OPS", title="Odd origin", origin="hallway", now=NOW)
    with pytest.raises(NotFound):
        create_action(db, actors["pm"], "OPS", title="No such meeting", meeting_id=999, now=NOW)
    with pytest.raises(InputError):
        create_action(db, actors["pm"], "OPS", title="Outsider", owner_person_id=10_000, now=NOW)
    with pytest.raises(InputError):
        create_action(db, actors["pm"], "OPS", title="A date alone", check_on=dt.date(2024, 4, 1), now=NOW)
    made = create_action(db, actors["pm"], "OPS", title="Fine", now=NOW)
    with pytest.raises(PermissionDenied):
        update_action(db, actors["viewer"], "OPS", made["id"], status="done", now=NOW)
    with pytest.raises(InputError):
        update_action(db, actors["dev"], "OPS", made["id"], status="finished", now=NOW)
    with pytest.raises(NotFound):
        update_action(db, actors["dev"], "OPS", made["id"] + 1, status="done", now=NOW)
    assert owner_by_email(db, actors["viewer"], "OPS", "ANN@example.com ") == _person(db, "Ann Lee")
    with pytest.raises(InputError):
        owner_by_email(db, actors["viewer"], "OPS", "nobody@example.com")


def test_every_change_is_audited_with_before_and_after(db: Database, actors: dict[str, Actor]) -> None:
    made = create_action(db, actors["pm"], "OPS", title="Write the runbook", due_on=dt.date(2024, 3, 22), now=NOW)
    bo = _person(db, "Bo Chen")
    update_action(db, actors["dev"], "OPS", made["id"], owner_person_id=bo, due_on=dt.date(2024, 3, 29), now=NOW)
    update_action(db, actors["dev"], "OPS", made["id"], owner_person_id=bo, now=NOW)  # no change: no entry
    update_action(db, actors["dev"], "OPS", made["id"], status="dropped", now=NOW)
    audit = S.table(S.AuditEntry)
    with db.connect() as conn:
        rows = conn.execute(
            select(audit.c.action, audit.c.actor_label, audit.c.before, audit.c.after)
            .where(audit.c.entity == "action_item")
            .order_by(audit.c.id)
        ).all()
    assert [(r.action, r.actor_label) for r in rows] == [
        ("create", "user:pm"), ("update", "user:dev"), ("update", "user:dev"),
    ]  # fmt: skip
    assert rows[0].after["title"] == "Write the runbook" and rows[0].after["due_on"] == "2024-03-22"
    assert rows[1].before == {"owner_id": None, "due_on": "2024-03-22"}
    assert rows[1].after == {"owner_id": bo, "due_on": "2024-03-29"}
    assert rows[2].before == {"status": "open", "done_at": None}
    assert rows[2].after == {"status": "dropped", "done_at": None}


def test_nudges_queue_one_message_per_overdue_action_per_day(db: Database, actors: dict[str, Actor]) -> None:
    add_channel(
        db, actors["pm"], "OPS", encryption_key=KEY, name="hook", kind="webhook",
        target={"url": "https://example.org/hook"}, topics=("actions",), now=NOW,
    )  # fmt: skip
    add_channel(
        db, actors["pm"], "OPS", encryption_key=KEY, name="other", kind="webhook",
        target={"url": "https://example.org/other"}, topics=("relay",), now=NOW,
    )  # fmt: skip
    late = create_action(db, actors["pm"], "OPS", title="Late one", due_on=dt.date(2024, 3, 19), now=NOW)
    create_action(db, actors["pm"], "OPS", title="Due today", due_on=dt.date(2024, 3, 20), now=NOW)
    closed = create_action(db, actors["pm"], "OPS", title="Done late", due_on=dt.date(2024, 3, 1), now=NOW)
    update_action(db, actors["pm"], "OPS", closed["id"], status="done", now=NOW)

    assert nudge_overdue(db, now=NOW) == {"overdue": 1, "nudged": 1, "messages": 1}
    assert nudge_overdue(db, now=NOW + dt.timedelta(hours=8)) == {"overdue": 1, "nudged": 0, "messages": 0}
    # 23:30 UTC on the 20th is already the 21st in Paris: a new day, a new nudge (and "Due today" is now late).
    next_day = dt.datetime(2024, 3, 20, 23, 30, tzinfo=dt.UTC)
    assert nudge_overdue(db, now=next_day) == {"overdue": 2, "nudged": 2, "messages": 2}

    messages = S.table(S.NotificationMessage)
    with db.connect() as conn:
        rows = conn.execute(select(messages.c.dedupe_key, messages.c.topic, messages.c.subject)).all()
        nudged_at = conn.execute(
            select(S.table(S.ActionItem).c.last_nudged_at).where(S.table(S.ActionItem).c.id == late["id"])
        ).scalar_one()
    assert sorted(r.dedupe_key for r in rows) == sorted(
        [f"action-{late['id']}-2024-03-20", f"action-{late['id']}-2024-03-21", f"action-{late['id'] + 1}-2024-03-21"]
    )
    assert {r.topic for r in rows} == {"actions"}
    assert "[OPS] Overdue action: Late one" in {r.subject for r in rows}
    assert nudged_at == next_day


def test_completion_rate_counts_actions_done_by_their_due_date(db: Database, actors: dict[str, Actor]) -> None:
    def action(title: str, due: dt.date | None) -> int:
        made = create_action(db, actors["pm"], "OPS", title=title, due_on=due, now=NOW - dt.timedelta(days=30))
        return int(made["id"])

    on_time = action("On time", dt.date(2024, 3, 10))
    late = action("Late", dt.date(2024, 3, 5))
    dropped = action("Dropped", dt.date(2024, 3, 8))
    action("Still open", dt.date(2024, 3, 12))
    undated = action("No due date", None)
    action("Due next week", dt.date(2024, 3, 27))  # outside the window ending today
    # Closed 2024-03-09 23:30 UTC = 10 March 00:30 in Paris: on the due date in the team's zone, so on time.
    update_action(db, actors["pm"], "OPS", on_time, status="done", now=dt.datetime(2024, 3, 9, 23, 30, tzinfo=dt.UTC))
    update_action(db, actors["pm"], "OPS", late, status="done", now=dt.datetime(2024, 3, 6, 9, tzinfo=dt.UTC))
    update_action(db, actors["pm"], "OPS", dropped, status="dropped", now=dt.datetime(2024, 3, 7, tzinfo=dt.UTC))
    update_action(db, actors["pm"], "OPS", undated, status="done", now=dt.datetime(2024, 3, 7, tzinfo=dt.UTC))

    summary = action_summary(db, actors["viewer"], "OPS", now=NOW)
    # Due in the window: on time, late, dropped, still open = 4; done by the due date: 1.
    assert summary["completion"]["due"] == 4 and summary["completion"]["done_on_time"] == 1
    assert summary["completion"]["rate"] == pytest.approx(0.25)
    # Open: still open (overdue since 12 March) and due next week.
    assert (summary["open"], summary["overdue"]) == (2, 1)
    board = action_board(db, actors["viewer"], "OPS", now=NOW)
    assert [a["title"] for a in board["overdue"]] == ["Still open"]
    assert {a["title"] for a in board["done"]} == {"On time", "Late", "No due date"}
    assert [a["title"] for a in board["dropped"]] == ["Dropped"]
    assert board["completion"] == summary["completion"]


def test_a_metric_linked_action_compares_the_metric_now_with_its_baseline(
    db: Database, actors: dict[str, Actor]
) -> None:
    # OPS-1 is the team's only delivered item: In Progress 4 March 09:00 -> Done 12 March 16:00 = 8 d 7 h.
    when = dt.datetime(2024, 3, 13, 9, tzinfo=dt.UTC)
    made = create_action(
        db, actors["pm"], "OPS", title="Shorten reviews", metric="cycle_time.p50", check_after_weeks=2, now=when
    )
    assert made["metric_baseline"] == pytest.approx(8 + 7 / 24)
    assert made["check_on"] == "2024-03-27"  # today (13 March) + 2 weeks
    with pytest.raises(InputError):
        create_action(db, actors["pm"], "OPS", title="Unknown metric", metric="happiness.p85", now=when)
    early = action_board(db, actors["viewer"], "OPS", now=when)["open"][0]["metric_check"]
    assert (early["change"], early["improved"], early["due"]) == (0.0, False, False)  # unchanged is no improvement

    # Deliver OPS-2: In Progress 6 March 09:00 -> Done 13 March 10:00 = 7 d 1 h. The P50 (nearest rank) of
    # {7 d 1 h, 8 d 7 h} is 7 d 1 h: cycle time went down, which is better.
    transitions = S.table(S.Transition)
    items = S.table(S.WorkItem)
    with db.begin() as conn:
        item_id = conn.execute(select(items.c.id).where(items.c.key == "OPS-2")).scalar_one()
        conn.execute(
            transitions.insert().values(
                item_id=item_id, event_key="h5", from_status="In Progress", to_status="Done",
                at=dt.datetime(2024, 3, 13, 10, tzinfo=dt.UTC),
            )
        )  # fmt: skip
        teams = S.table(S.Team)
        conn.execute(teams.update().values(data_version=teams.c.data_version + 1))
    later = dt.datetime(2024, 3, 28, 9, tzinfo=dt.UTC)
    [shown] = action_board(db, actors["viewer"], "OPS", now=later)["open"]
    check = shown["metric_check"]
    assert check["baseline"] == pytest.approx(8 + 7 / 24) and check["current"] == pytest.approx(7 + 1 / 24)
    assert check["change"] == pytest.approx(-1.25)
    assert (check["better"], check["improved"], check["due"]) == ("lower", True, True)
