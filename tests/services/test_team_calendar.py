"""The team's ICS feed, parsed back with icalendar: the stand-up series, sprint ceremonies and stored meetings."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest

from cadence.domain.errors import NotFound
from cadence.domain.model import Role
from cadence.services.access import Actor, actor_for_user
from cadence.services.audit_log import SYSTEM
from cadence.services.team_calendar import team_calendar_ics
from cadence.services.users import create_user, set_role
from cadence.services.workspace_config import WorkspaceConfig, load_workspace_config
from cadence.store import schema as S
from cadence.store.accounts import find_user
from cadence.store.database import Database
from cadence.store.ingest import ingest
from cadence.store.teams import find_team
from tests.factories import team_batch

PARIS = ZoneInfo("Europe/Paris")
# The factory's sprint: 4 March 08:00 UTC (09:00 in Paris) to 15 March 17:00 UTC (18:00 in Paris).
NOW = dt.datetime(2024, 3, 10, 12, tzinfo=dt.UTC)


@pytest.fixture
def viewer(db: Database) -> Actor:
    with db.begin() as conn:
        ingest(conn, team_batch())
    create_user(db, SYSTEM, username="viewer", password="correct horse battery", now=NOW)
    set_role(db, SYSTEM, username="viewer", team_key="OPS", role=Role.VIEWER, now=NOW)
    with db.connect() as conn:
        user = find_user(conn, "viewer")
    assert user is not None
    return actor_for_user(db, user)


def _meeting(db: Database, kind: str, held_at: dt.datetime, ended_at: dt.datetime | None = None) -> int:
    meetings = S.table(S.Meeting)
    with db.begin() as conn:
        team = find_team(conn, "OPS")
        assert team is not None
        query = meetings.insert().values(
            team_id=team.id, source="cadence", source_id=f"{kind}-{held_at:%Y%m%d}", kind=kind, title=f"Our {kind}",
            held_at=held_at, ended_at=ended_at,
        )  # fmt: skip
        return int(conn.execute(query.returning(meetings.c.id)).scalar_one())


def _events(ics: bytes) -> dict[str, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(ics)
    return {str(event["uid"]): event for event in calendar.walk("VEVENT")}


def _config(tmp_path: Path, section: str) -> WorkspaceConfig:
    path = tmp_path / "cadence.toml"
    path.write_text(section, encoding="utf-8")
    return load_workspace_config(path)


def test_a_configured_standup_is_one_weekly_series_in_the_team_zone(
    db: Database, viewer: Actor, tmp_path: Path
) -> None:
    config = _config(
        tmp_path, '[teams.OPS.standup]\ndays = ["mon", "wed", "fri"]\ntime = "09:30"\ntimebox_minutes = 10\n'
    )
    retro_id = _meeting(
        db, "retro", dt.datetime(2024, 3, 15, 14, tzinfo=dt.UTC), dt.datetime(2024, 3, 15, 15, 5, tzinfo=dt.UTC)
    )
    standup_id = _meeting(db, "standup", dt.datetime(2024, 3, 6, 8, 30, tzinfo=dt.UTC))
    ics = team_calendar_ics(db, viewer, "OPS", now=NOW, config=config)
    calendar = icalendar.Calendar.from_ical(ics)
    assert str(calendar["x-wr-timezone"]) == "Europe/Paris"
    assert [str(tz["tzid"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Paris"]
    events = _events(ics)

    standup = events["standup@OPS.cadence"]
    # The window opens 90 days before 10 March 2024: Monday 11 December 2023, a stand-up day.
    assert standup.decoded("dtstart") == dt.datetime(2023, 12, 11, 9, 30, tzinfo=PARIS)
    assert standup["dtstart"].params["TZID"] == "Europe/Paris"
    assert standup.decoded("dtend") - standup.decoded("dtstart") == dt.timedelta(minutes=10)
    rule = standup["rrule"]
    assert rule["FREQ"] == ["WEEKLY"] and rule["BYDAY"] == ["MO", "WE", "FR"] and "UNTIL" not in rule
    skipped = {d.dt for d in standup["exdate"].dts}
    # French public holidays on stand-up days: Christmas and New Year's Day (Mondays), Easter Monday 1 April 2024.
    for day in (dt.date(2023, 12, 25), dt.date(2024, 1, 1), dt.date(2024, 4, 1), dt.date(2024, 5, 1)):
        assert dt.datetime.combine(day, dt.time(9, 30), tzinfo=PARIS) in skipped
    assert dt.datetime(2024, 7, 14, 9, 30, tzinfo=PARIS) not in skipped  # Bastille Day 2024 is a Sunday

    # The stored stand-up on Wednesday 6 March is covered by the series: not listed twice.
    assert f"meeting-{standup_id}@OPS.cadence" not in events
    # The stored retro wins over the sprint's planned one on the same day, with its real times.
    retro = events[f"meeting-{retro_id}@OPS.cadence"]
    assert retro.decoded("dtstart") == dt.datetime(2024, 3, 15, 15, tzinfo=PARIS)
    assert retro.decoded("dtend") == dt.datetime(2024, 3, 15, 16, 5, tzinfo=PARIS)
    assert not any(uid.startswith("retro-sprint-") for uid in events)

    planning = next(e for uid, e in events.items() if uid.startswith("planning-sprint-"))
    review = next(e for uid, e in events.items() if uid.startswith("review-sprint-"))
    assert (planning.decoded("dtstart"), planning.decoded("dtend")) == (
        dt.datetime(2024, 3, 4, 9, tzinfo=PARIS), dt.datetime(2024, 3, 4, 11, tzinfo=PARIS),
    )  # fmt: skip
    assert (review.decoded("dtstart"), review.decoded("dtend")) == (
        dt.datetime(2024, 3, 15, 16, tzinfo=PARIS), dt.datetime(2024, 3, 15, 17, tzinfo=PARIS),
    )  # fmt: skip
    assert str(review["summary"]) == "Operations — Sprint review: OPS Sprint 1"
    assert set(events) == {"standup@OPS.cadence", f"meeting-{retro_id}@OPS.cadence", planning["uid"], review["uid"]}


def test_without_a_schedule_the_standups_follow_the_sprints(db: Database, viewer: Actor) -> None:
    # Summer time: 2 April 2024 07:30 UTC is 09:30 in Paris (UTC+2).
    review_id = _meeting(db, "review", dt.datetime(2024, 4, 2, 7, 30, tzinfo=dt.UTC))
    events = _events(team_calendar_ics(db, viewer, "OPS", now=NOW, config=WorkspaceConfig()))
    [standup] = [e for uid, e in events.items() if uid.startswith("standup-sprint-")]
    assert standup.decoded("dtstart") == dt.datetime(2024, 3, 4, 9, 30, tzinfo=PARIS)  # the sprint's first Monday
    assert standup.decoded("dtend") == dt.datetime(2024, 3, 4, 9, 45, tzinfo=PARIS)
    rule = standup["rrule"]
    assert rule["BYDAY"] == ["MO", "TU", "WE", "TH", "FR"]
    # Until the sprint's last day (Friday 15 March) at 09:30 in Paris = 08:30 UTC.
    assert rule["UNTIL"] == [dt.datetime(2024, 3, 15, 8, 30, tzinfo=dt.UTC)]
    planned = {uid.split("-sprint-")[0] for uid in events if "-sprint-" in uid}
    assert planned == {"standup", "planning", "review", "retro"}
    retro = next(e for uid, e in events.items() if uid.startswith("retro-sprint-"))
    assert retro.decoded("dtstart") == dt.datetime(2024, 3, 15, 17, tzinfo=PARIS)
    stored = events[f"meeting-{review_id}@OPS.cadence"]
    assert stored.decoded("dtstart") == dt.datetime(2024, 4, 2, 9, 30, tzinfo=PARIS)
    assert stored.decoded("dtend") - stored.decoded("dtstart") == dt.timedelta(hours=1)  # no end: the default length


def test_the_window_starts_ninety_days_back_and_teams_stay_private(db: Database, viewer: Actor) -> None:
    too_old = _meeting(db, "retro", dt.datetime(2023, 12, 10, 9, tzinfo=dt.UTC))  # before 11 December
    inside = _meeting(db, "retro", dt.datetime(2023, 12, 12, 9, tzinfo=dt.UTC))
    events = _events(team_calendar_ics(db, viewer, "OPS", now=NOW))
    assert f"meeting-{inside}@OPS.cadence" in events and f"meeting-{too_old}@OPS.cadence" not in events
    later = dt.datetime(2024, 7, 1, tzinfo=dt.UTC)  # the sprint and the meetings are more than 90 days back
    assert _events(team_calendar_ics(db, viewer, "OPS", now=later)) == {}
    with pytest.raises(NotFound):
        team_calendar_ics(db, viewer, "WEB", now=NOW)
