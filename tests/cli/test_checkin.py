"""``cadence checkin`` and ``cadence standup`` on the hand-made stand-up team."""

from __future__ import annotations

import json

import pytest

from cadence.store.database import Database
from cadence.store.migrations import upgrade
from tests.services import standup_world as world


@pytest.fixture
def team(sqlite_url: str) -> str:
    db = Database(sqlite_url)
    upgrade(db)
    world.build(db)
    db.dispose()
    return sqlite_url


def test_checkin_saves_then_updates_the_days_check_in(cli, team: str) -> None:
    args = ("checkin", "OPS", "--yesterday", "Reviewed OPS-3", "--today", "Finish OPS-1", "--items", "OPS-1, OPS-3")
    first = cli(team, *args, "--as", "bo@example.com")
    assert first.exit_code == 0, first.output
    assert first.stdout.startswith("Saved the check-in of Bo Chen for OPS on ")
    assert first.stdout.rstrip().endswith("(items OPS-1, OPS-3).")
    again = cli(team, "checkin", "OPS", "--blockers", "Staging is down", "--as", "bo")
    assert again.exit_code == 0 and again.stdout.startswith("Updated the check-in of Bo Chen")


def test_checkin_names_what_it_refuses(cli, team: str, monkeypatch: pytest.MonkeyPatch) -> None:
    unknown = cli(team, "checkin", "OPS", "--today", "x", "--items", "OPS-1,OPS-99", "--as", "bo")
    assert unknown.exit_code == 6 and "team OPS has no item OPS-99" in unknown.output
    assert cli(team, "checkin", "OPS", "--today", "x", "--as", "zed@example.com").exit_code == 7
    assert cli(team, "checkin", "OPS", "--as", "bo").exit_code == 6  # nothing to say
    monkeypatch.setenv("LOGNAME", "cy")  # without --as: the account named like the login
    mine = cli(team, "checkin", "OPS", "--today", "OPS-2")
    assert mine.exit_code == 0 and "of Cy Diaz" in mine.stdout


def test_standup_prints_the_facilitator_view(cli, team: str) -> None:
    cli(team, "checkin", "OPS", "--blockers", "Staging is down", "--as", "bo")
    text = cli(team, "standup", "OPS", "--since", "2024-05-15T07:30:00Z")
    assert text.exit_code == 0, text.output
    assert "Walk the board (closest to done first):" in text.stdout
    walk = [line.split()[1] for line in text.stdout.splitlines() if line.strip()[:1].isdigit()]
    assert walk == ["OPS-3", "OPS-1", "OPS-2"]
    assert "Bo Chen: Staging is down" in text.stdout and "Not checked in:\n  - Ann Lee\n  - Cy Diaz" in text.stdout
    data = json.loads(cli(team, "standup", "OPS", "--format", "json").stdout)
    assert [b["key"] for b in data["board"]] == ["OPS-3", "OPS-1", "OPS-2"]
    assert cli(team, "standup", "OPS", "--since", "yesterday").exit_code == 6
    assert cli(team, "standup", "NOPE").exit_code == 7
