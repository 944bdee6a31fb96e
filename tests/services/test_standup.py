"""The stand-up: its schedule (pure, to the minute), check-ins, the facilitator view and the conflict signals, on the
hand-made team of ``standup_world`` (SQLite and PostgreSQL) and on the demo workspace."""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from cadence.domain.errors import ConfigurationError, InputError, NotFound, PermissionDenied
from cadence.services.action_items import create_action
from cadence.services.impediments import list_impediments
from cadence.services.poker import cast_vote, reveal_votes, start_session
from cadence.services.standup import raise_impediment_from_check_in, standup_view, submit_check_in, team_check_ins
from cadence.services.standup_schedule import StandupSettings, parse_standup_settings, standup_times
from cadence.services.workspace_config import load_workspace_config
from cadence.store.audit import read_audit
from cadence.store.database import Database
from cadence.store.teams import find_team
from tests.factories import ts
from tests.services import standup_world as world

# --- the schedule ------------------------------------------------------------------------------------------------

PARIS = "Europe/Paris"
WHIT_MONDAY_2024 = dt.date(2024, 5, 20)
EASTER_MONDAY_2024 = dt.date(2024, 4, 1)


def test_the_next_stand_up_skips_the_weekend_and_a_public_holiday() -> None:
    times = standup_times(StandupSettings(), PARIS, now=ts(2024, 5, 17, 8), holidays=[WHIT_MONDAY_2024])
    assert times.today == dt.date(2024, 5, 17)
    assert times.today_at == ts(2024, 5, 17, 7, 30)  # 09:30 in Paris, summer time
    assert not times.in_progress  # the 15-minute time-box ended at 07:45 UTC
    assert times.next_at == ts(2024, 5, 21, 7, 30)  # not Saturday, Sunday or Whit Monday
    assert times.previous_at == ts(2024, 5, 16, 7, 30)


def test_during_the_time_box_the_stand_up_is_in_progress_and_the_last_one_is_yesterdays() -> None:
    times = standup_times(StandupSettings(), PARIS, now=ts(2024, 5, 16, 7, 40))
    assert times.in_progress
    assert times.previous_at == ts(2024, 5, 15, 7, 30)
    assert times.next_at == ts(2024, 5, 17, 7, 30)


def test_the_schedule_follows_the_local_clock_across_the_daylight_saving_change() -> None:
    # Friday 29 March 2024 is in winter time (UTC+1); summer time starts on Sunday 31; Monday 1 April is a holiday.
    times = standup_times(StandupSettings(), PARIS, now=ts(2024, 3, 30, 12), holidays=[EASTER_MONDAY_2024])
    assert times.today_at is None
    assert times.previous_at == ts(2024, 3, 29, 8, 30)
    assert times.next_at == ts(2024, 4, 2, 7, 30)


def test_a_three_day_schedule_at_a_custom_time() -> None:
    settings = parse_standup_settings({"days": ["Mon", "wed", "friday"], "time": "10:15", "timebox_minutes": 10},
                                      "teams.OPS.standup")  # fmt: skip
    assert settings.days == (0, 2, 4)
    times = standup_times(settings, "UTC", now=ts(2024, 5, 14, 12))  # a Tuesday
    assert (times.today_at, times.previous_at, times.next_at) == (
        None,
        ts(2024, 5, 13, 10, 15),
        ts(2024, 5, 15, 10, 15),
    )


@pytest.mark.parametrize(
    ("table", "named"),
    [
        ({"day": ["mon"]}, "unknown key(s) ['day']"),
        ({"days": ["mon", "funday"]}, "'funday' is not a day"),
        ({"days": []}, "days must be a non-empty list"),
        ({"time": "half past nine"}, "time must be a local time"),
        ({"timebox_minutes": 0}, "timebox_minutes must be a whole number from 1 to 240"),
        ({"time_zone": "Mars/Olympus"}, "'Mars/Olympus' is not an IANA zone"),
    ],
)
def test_a_wrong_standup_section_is_refused_naming_the_key(
    tmp_path: Path, table: dict[str, object], named: str
) -> None:
    path = tmp_path / "cadence.toml"
    lines = "\n".join(f"{k} = {v!r}".replace("'", '"') for k, v in table.items())
    path.write_text(f"[teams.OPS.standup]\n{lines}\n")
    with pytest.raises(ConfigurationError) as raised:
        load_workspace_config(path)
    assert "teams.OPS.standup" in raised.value.message and named in raised.value.message.replace('"', "'")


def test_the_standup_section_is_read_from_the_workspace_file(tmp_path: Path) -> None:
    path = tmp_path / "cadence.toml"
    path.write_text('[teams.OPS.standup]\ndays = ["tue", "thu"]\ntime = 08:45:00\nstale_working_days = 4\n')
    settings = load_workspace_config(path).for_team("OPS").standup
    assert (settings.days, settings.time, settings.stale_working_days) == ((1, 3), dt.time(8, 45), 4)
    assert settings.time_zone is None and settings.timebox_minutes == 15  # the team's zone, the default time-box


# --- check-ins ---------------------------------------------------------------------------------------------------


def test_a_check_in_is_one_per_person_per_day_and_resubmitting_edits_it(db: Database) -> None:
    world.build(db)
    bo, config = world.actor(db, "bo"), world.config()
    first = submit_check_in(db, config, bo, "OPS", now=world.NOW, yesterday="Reviewed OPS-3", today="Finish OPS-1",
                            item_keys=["OPS-1", "OPS-3", "OPS-1"])  # fmt: skip
    assert first["created"] and first["on_date"] == "2024-05-16" and first["items"] == ["OPS-1", "OPS-3"]
    later = world.NOW + dt.timedelta(hours=1)
    second = submit_check_in(db, config, bo, "OPS", now=later, today="Finish OPS-1", blockers="Staging is down")
    assert not second["created"] and second["id"] == first["id"]
    assert second["updated_at"] == later and second["yesterday"] is None and second["blockers"] == "Staging is down"
    listed = team_check_ins(db, config, bo, "OPS", now=later)
    assert [(c["person"]["name"], c["blockers"]) for c in listed] == [("Bo Chen", "Staging is down")]
    with db.connect() as conn:
        team = find_team(conn, "OPS")
        assert team is not None
        audit = [a for a in read_audit(conn, team_id=team.id) if a["entity"] == "check_in"]
    assert [a["action"] for a in audit] == ["update", "create"]  # newest first
    assert audit[0]["before"]["yesterday"] == "Reviewed OPS-3" and audit[0]["after"]["blockers"] == "Staging is down"


def test_a_check_in_the_next_day_is_a_new_one(db: Database) -> None:
    world.build(db)
    bo, config = world.actor(db, "bo"), world.config()
    today = submit_check_in(db, config, bo, "OPS", now=world.NOW, today="OPS-1")
    # 23:30 UTC on the 16th is already the 17th in Paris: the stand-up's day is the team's.
    tomorrow = submit_check_in(db, config, bo, "OPS", now=ts(2024, 5, 16, 22, 30), today="OPS-1 again")
    assert tomorrow["created"] and tomorrow["id"] != today["id"] and tomorrow["on_date"] == "2024-05-17"


def test_unknown_items_empty_check_ins_and_viewers_are_refused(db: Database) -> None:
    world.build(db)
    bo, config = world.actor(db, "bo"), world.config()
    with pytest.raises(InputError) as unknown:
        submit_check_in(db, config, bo, "OPS", now=world.NOW, today="x", item_keys=["OPS-1", "OPS-99", "WEB-1"])
    assert unknown.value.message == "items: team OPS has no item OPS-99, WEB-1"
    with pytest.raises(InputError, match="at least one of yesterday, today or blockers"):
        submit_check_in(db, config, bo, "OPS", now=world.NOW, today="   ")
    with pytest.raises(PermissionDenied):
        submit_check_in(db, config, world.actor(db, "dee"), "OPS", now=world.NOW, today="Watching")
    with pytest.raises(PermissionDenied):  # only a manager checks in for someone else
        submit_check_in(db, config, bo, "OPS", now=world.NOW, today="x", person="cy@example.com")


def test_a_manager_or_the_command_line_checks_in_for_a_member_by_email(db: Database) -> None:
    world.build(db)
    config = world.config()
    saved = submit_check_in(
        db, config, world.actor(db, "ann"), "OPS", now=world.NOW, today="x", person="CY@example.com"
    )
    assert saved["person"]["name"] == "Cy Diaz"
    with pytest.raises(NotFound, match=r"nobody has the e-mail or username 'zed@example\.com'"):
        submit_check_in(db, config, world.ADMIN, "OPS", now=world.NOW, today="x", person="zed@example.com")


# --- the facilitator view ----------------------------------------------------------------------------------------


def test_the_facilitator_view_walks_the_board_with_the_changes_since_the_last_stand_up(db: Database) -> None:
    world.build(db)
    view = standup_view(db, world.config(), world.actor(db, "bo"), "OPS", now=world.NOW)
    assert view["since"] == world.LAST_STANDUP
    assert view["schedule"]["today_at"] == ts(2024, 5, 16, 7, 30) and view["schedule"]["next_at"] == ts(
        2024, 5, 17, 7, 30
    )
    board = [(b["position"], b["key"], b["stage"], b["assignee"], b["changes"]) for b in view["board"]]
    assert board == [
        (1, "OPS-3", "QA", "Cy Diaz", []),
        (2, "OPS-1", "Review", "Bo Chen", []),
        (3, "OPS-2", "In Progress", "Cy Diaz", ["status Ready -> In Progress", "assignee none -> Cy Diaz", "flagged"]),
    ]
    assert [b["key"] for b in view["blocked"]] == ["OPS-2"]
    assert [(a["key"], round(a["value"], 2), a["threshold"]) for a in view["ageing"]] == [("OPS-1", 13.04, 5.0)]
    assert [(s["key"], s["value"]) for s in view["stale"]] == [("OPS-1", 3.0)]
    assert [(e["ticket"], e["item"], e["priority"]) for e in view["escalations"]] == [("SD-1", "OPS-5", "P1")]
    assert view["sla_at_risk"] is None  # a member does not see SLA clocks
    assert [p["name"] for p in view["not_checked_in"]] == ["Ann Lee", "Bo Chen", "Cy Diaz"]  # Dee is a viewer


def test_the_stale_threshold_and_the_last_stand_up_come_from_the_settings(db: Database) -> None:
    world.build(db)
    ann = world.actor(db, "ann")
    view = standup_view(db, world.config(stale_working_days=4), ann, "OPS", now=world.NOW, since=ts(2024, 5, 10))
    assert view["stale"] == []  # three working days are not four
    assert view["since"] == ts(2024, 5, 10)
    assert [c for b in view["board"] if b["key"] == "OPS-1" for c in b["changes"]] == ["status In Progress -> Review"]
    assert isinstance(view["sla_at_risk"], list)  # a manager sees them


def test_the_view_is_for_members(db: Database) -> None:
    world.build(db)
    with pytest.raises(PermissionDenied):
        standup_view(db, world.config(), world.actor(db, "dee"), "OPS", now=world.NOW)
    with pytest.raises(NotFound):
        standup_view(db, world.config(), world.actor(db, "bo"), "WEB", now=world.NOW)


def test_a_blocker_becomes_an_impediment_with_one_click_and_only_once(db: Database) -> None:
    world.build(db)
    bo, config = world.actor(db, "bo"), world.config()
    check_in = submit_check_in(db, config, bo, "OPS", now=world.NOW, blockers="Staging DB is down\nSince Monday",
                               item_keys=["OPS-1"])  # fmt: skip
    raised = raise_impediment_from_check_in(db, config, bo, "OPS", check_in["id"], now=world.NOW)
    impediment = raised["impediment"]
    assert raised["created"]
    assert (impediment["title"], impediment["owner"], impediment["item_key"], impediment["check_in_id"]) == (
        "Staging DB is down", "Bo Chen", "OPS-1", check_in["id"])  # fmt: skip
    again = raise_impediment_from_check_in(db, config, bo, "OPS", check_in["id"], now=world.NOW)
    assert not again["created"] and again["impediment"]["id"] == impediment["id"]
    view = standup_view(db, config, bo, "OPS", now=world.NOW + dt.timedelta(hours=9, minutes=36))  # same day in Paris
    assert [(i["id"], i["age_days"]) for i in view["impediments"]] == [(impediment["id"], 0.4)]
    assert view["check_ins"][0]["impediment_id"] == impediment["id"]
    no_blocker = submit_check_in(db, config, world.actor(db, "cy"), "OPS", now=world.NOW, today="OPS-2")
    with pytest.raises(InputError, match="names no blocker"):
        raise_impediment_from_check_in(db, config, bo, "OPS", no_blocker["id"], now=world.NOW)
    with pytest.raises(NotFound):
        raise_impediment_from_check_in(db, config, bo, "OPS", 999_999, now=world.NOW)


def test_two_racing_clicks_on_a_blocker_make_one_impediment(db: Database) -> None:
    world.build(db)
    bo, config = world.actor(db, "bo"), world.config()
    check_in = submit_check_in(db, config, bo, "OPS", now=world.NOW, blockers="VPN certificate expired")
    start = threading.Barrier(2)

    def click() -> dict[str, object]:
        start.wait()
        return raise_impediment_from_check_in(db, config, bo, "OPS", check_in["id"], now=world.NOW)

    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(pool.map(lambda _: click(), range(2)))
    ids = {a["impediment"]["id"] for a in answers}  # type: ignore[index]
    assert len(ids) == 1  # both clicks answer with the same impediment
    assert sorted(bool(a["created"]) for a in answers) == [False, True]
    listed = [i for i in list_impediments(db, bo, "OPS", now=world.NOW, status="all") if i["check_in_id"]]
    assert [i["id"] for i in listed] == list(ids)


def test_action_items_due_soon_are_listed(db: Database) -> None:
    world.build(db)
    ann = world.actor(db, "ann")
    create_action(db, ann, "OPS", title="Fix the flaky test", now=world.NOW, due_on=dt.date(2024, 5, 19))
    create_action(db, ann, "OPS", title="Write the runbook", now=world.NOW, due_on=dt.date(2024, 5, 20))
    create_action(db, ann, "OPS", title="Was due last week", now=world.NOW, due_on=dt.date(2024, 5, 9))
    view = standup_view(db, world.config(), ann, "OPS", now=world.NOW)
    assert [(a["title"], a["overdue"]) for a in view["actions"]] == [
        ("Fix the flaky test", False),  # due in three days
        ("Was due last week", True),
    ]


# --- conflict signals --------------------------------------------------------------------------------------------


def test_conflicting_demands_are_surfaced(db: Database) -> None:
    world.build(db)
    ann, bo, cy = (world.actor(db, name) for name in ("ann", "bo", "cy"))
    session = start_session(db, ann, "OPS", item_key="OPS-4", now=world.NOW)
    cast_vote(db, bo, "OPS", session.id, value="1", now=world.NOW)
    cast_vote(db, cy, "OPS", session.id, value="13", now=world.NOW)
    cast_vote(db, ann, "OPS", session.id, value="?", now=world.NOW)
    reveal_votes(db, ann, "OPS", session.id, now=world.NOW)
    conflicts = standup_view(db, world.config(person_wip_limit=2, urgent_rank_top=1), ann, "OPS",
                             now=world.NOW)["conflicts"]  # fmt: skip
    [cy_over] = conflicts["over_allocated"]
    assert (cy_over["name"], cy_over["capacity"], cy_over["in_progress"]) == ("Cy Diaz", 1.2, 3)
    assert cy_over["in_progress_by_team"] == {"OPS": 2, "WEB": 1}
    assert cy_over["reasons"] == [
        "allocated 1.2 of a full-time person across teams (OPS 0.6, WEB 0.6)",
        "3 items in progress across teams (OPS 2, WEB 1), above the limit of 2",
    ]
    [urgent] = conflicts["urgent_ranked_low"]
    assert (urgent["ticket"], urgent["item"], urgent["position"], urgent["backlog_size"]) == ("SD-1", "OPS-5", 2, 2)
    [spread] = conflicts["poker_spread"]
    assert (spread["item"], spread["low"], spread["high"], spread["steps"]) == ("OPS-4", "1", "13", 5)
    # With the default thresholds only the capacity remains: 3 items is the limit, rank 2 is in the top 10.
    relaxed = standup_view(db, world.config(poker_spread_steps=5), ann, "OPS", now=world.NOW)["conflicts"]
    assert [p["reasons"][0][:12] for p in relaxed["over_allocated"]] == ["allocated 1."]
    assert relaxed["urgent_ranked_low"] == [] and relaxed["poker_spread"] == []


# --- the demo workspace ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Database:
    from cadence.services.seeding import seed_demo
    from cadence.store.migrations import upgrade

    db = Database(f"sqlite:///{tmp_path_factory.mktemp('demo')}/cadence.db")
    upgrade(db)
    seed_demo(db, seed=7, scale=0.3, until=dt.date(2026, 6, 30))
    return db


def test_the_demo_stand_up_agrees_with_its_own_lists(demo: Database) -> None:
    from cadence.services.workspace_config import WorkspaceConfig

    view = standup_view(demo, WorkspaceConfig(), world.ADMIN, "SUP", now=ts(2026, 6, 30, 20))
    assert view["since"] == ts(2026, 6, 29, 7, 30)  # Monday's stand-up, 09:30 in Paris
    board = view["board"]
    assert board and [b["position"] for b in board] == list(range(1, len(board) + 1))
    assert {b["key"] for b in view["blocked"]} == {b["key"] for b in board if b["flagged"] or b["blocked_by"]}
    assert {a["key"] for a in view["ageing"]} == {b["key"] for b in board if b["over_p85"]}
    assert all(a["value"] > a["threshold"] for a in view["ageing"])
    checked = {c["person"]["id"] for c in view["check_ins"]}
    assert checked and not checked & {p["id"] for p in view["not_checked_in"]}
    assert all(i["age_days"] >= 0 for i in view["impediments"])


def test_a_double_submit_that_loses_the_race_inserts_nothing(db: Database) -> None:
    from cadence.store import standup as store

    world.build(db)
    with db.begin() as conn:
        team = find_team(conn, "OPS")
        person = store.find_person(conn, "bo@example.com")
        assert team is not None and person is not None
        values = {"team_id": team.id, "person_id": person.id, "on_date": dt.date(2024, 5, 16), "yesterday": None,
                  "today": "x", "blockers": None, "item_keys": [], "now": world.NOW}  # fmt: skip
        first = store.insert_check_in(conn, **values)  # type: ignore[arg-type]
        assert first is not None
        assert store.insert_check_in(conn, **values) is None  # type: ignore[arg-type]
        assert [c.id for c in store.list_check_ins(conn, team.id, dt.date(2024, 5, 16))] == [first]
