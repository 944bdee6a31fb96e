"""``cadence actions TEAM|add|nudge`` on the seeded demo: the list matches the stored open actions, an added action
joins it, the nudge runs once a day."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from cadence.store import schema as S
from cadence.store.database import Database


@pytest.fixture
def seeded(cli, sqlite_url: str) -> str:
    assert cli(sqlite_url, "db", "upgrade").exit_code == 0
    result = cli(sqlite_url, "seed", "--demo", "--scale", "0.1", "--seed", "11", "--until", "2026-06-30")
    assert result.exit_code == 0, result.output
    return sqlite_url


def _stored(url: str) -> tuple[str, list[tuple[int, dt.date | None]], str]:
    """The SUP team's zone, its open actions (id, due date) and one member's e-mail, straight from the tables."""
    db = Database(url)
    try:
        teams, actions = S.table(S.Team), S.table(S.ActionItem)
        people, memberships = S.table(S.Person), S.table(S.Membership)
        with db.connect() as conn:
            team_id, zone = conn.execute(select(teams.c.id, teams.c.timezone).where(teams.c.key == "SUP")).one()
            rows = conn.execute(
                select(actions.c.id, actions.c.due_on)
                .where(actions.c.team_id == team_id, actions.c.status == "open")
                .order_by(actions.c.created_at, actions.c.id)
            ).all()
            email = (
                conn.execute(
                    select(people.c.email)
                    .join(memberships, memberships.c.person_id == people.c.id)
                    .where(memberships.c.team_id == team_id, people.c.email.is_not(None))
                    .order_by(people.c.id)
                )
                .scalars()
                .first()
            )
    finally:
        db.dispose()
    assert email
    return zone, [(r.id, r.due_on) for r in rows], email


def test_list_add_and_nudge(cli, seeded: str) -> None:
    zone, stored, email = _stored(seeded)
    today = dt.datetime.now(dt.UTC).astimezone(ZoneInfo(zone)).date()
    assert stored, "the demo seeds open retro actions"

    listed = cli(seeded, "actions", "SUP", "--format", "json")
    assert listed.exit_code == 0, listed.output
    body = json.loads(listed.stdout)
    assert [a["id"] for a in body["actions"]] == [i for i, _ in stored]
    for action, (_, due) in zip(body["actions"], stored, strict=True):
        assert action["overdue"] == (due is not None and due < today)
        assert action["origin"] == "retro"  # the demo's actions come from retrospectives
    overdue = json.loads(cli(seeded, "actions", "SUP", "--overdue", "--format", "json").stdout)["actions"]
    assert [a["id"] for a in overdue] == [i for i, due in stored if due is not None and due < today]
    text = cli(seeded, "actions", "list", "SUP")
    assert text.exit_code == 0 and "Completion rate" in text.stdout

    added = cli(
        seeded, "actions", "add", "SUP", "Limit WIP to three", "--owner", email.upper(), "--due", "2099-01-31",
        "--metric", "cycle_time.p85", "--check-after-weeks", "3", "--format", "json",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    made = json.loads(added.stdout)
    assert (made["owner_email"], made["due_on"], made["metric"]) == (email, "2099-01-31", "cycle_time.p85")
    assert made["check_on"] == (today + dt.timedelta(weeks=3)).isoformat()
    again = json.loads(cli(seeded, "actions", "SUP", "--format", "json").stdout)["actions"]
    assert again[-1]["id"] == made["id"] and not again[-1]["overdue"]

    assert cli(seeded, "actions", "add", "SUP", "x", "--due", "someday").exit_code == 6
    assert cli(seeded, "actions", "add", "SUP", "x", "--owner", "nobody@example.org").exit_code == 6
    assert cli(seeded, "actions", "NOPE").exit_code == 7

    first = cli(seeded, "actions", "nudge", "--format", "json")
    assert first.exit_code == 0, first.output
    every_team = json.loads(first.stdout)
    assert every_team["nudged"] == every_team["overdue"] >= len(overdue)
    assert every_team["messages"] == 0  # the demo has no notification channel
    second = json.loads(cli(seeded, "actions", "nudge", "--format", "json").stdout)
    assert (second["overdue"], second["nudged"]) == (every_team["overdue"], 0)  # once a day
