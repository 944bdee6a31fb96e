"""Sprint planning through the services over a real database: capacity hand-checked with French public holidays, a
part-timer and time off, net of the measured interrupt load; the cut line; a committed plan frozen and read-only."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from cadence.domain.batch import RecordBatch
from cadence.domain.errors import Conflict, InputError, NotFound, PermissionDenied
from cadence.domain.model import Role
from cadence.services.access import Actor
from cadence.services.audit_log import SYSTEM
from cadence.services.sprint_planning import commit_plan, create_plan, list_plans, sprint_plan, update_plan
from cadence.services.time_off import add_time_off, delete_time_off, list_time_off, set_member_availability
from cadence.services.users import create_user, set_role
from cadence.services.workspace_config import WorkspaceConfig
from cadence.store import schema as S
from cadence.store.database import Database
from cadence.store.ingest import ingest
from cadence.store.teams import find_team
from tests.factories import ts

NOW = ts(2024, 4, 26, 12)  # a Friday; the sprint planned runs Monday 29 April to Friday 10 May 2024
START, END = dt.date(2024, 4, 29), dt.date(2024, 5, 10)
CONFIG = WorkspaceConfig()
AC = "Export a report.\n\nAcceptance criteria:\n- the file opens"


def planning_batch() -> RecordBatch:
    """Team OPS (France): Ann manages, Bo and Cy are members. Two closed sprints: S1 delivered P-1 (5 points,
    planned); S2 delivered P-2 (6 points, planned) and P-3 (2 points, an incident added mid-sprint). 60 chores were
    delivered, two a day, from 27 March to 25 April. The backlog: B-1 (2), B-2 (1), B-3 (3), B-4 (no estimate)."""
    chores = [f"T-{n}" for n in range(1, 61)]
    chore_done = [ts(2024, 3, 27, 10) + dt.timedelta(days=n // 2, hours=n % 2) for n in range(60)]
    keys = ["P-1", "P-2", "P-3", *chores, "B-1", "B-2", "B-3", "B-4"]
    n = len(keys)
    done = [ts(2024, 3, 12, 16), ts(2024, 3, 27, 16), ts(2024, 3, 21, 16), *chore_done]
    started = [ts(2024, 3, 5, 9), ts(2024, 3, 19, 9), ts(2024, 3, 20, 12), *(d - dt.timedelta(hours=5) for d in
               chore_done)]  # fmt: skip
    transitions = pl.DataFrame(
        {
            "item_source_id": [k for k in keys[:63] for _ in range(2)],
            "event_key": [f"{k}-{i}" for k in keys[:63] for i in range(2)],
            "from_status": ["Backlog", "In Progress"] * 63,
            "to_status": ["In Progress", "Done"] * 63,
            "at": [t for pair in zip(started, done, strict=True) for t in pair],
        }
    )
    return RecordBatch(
        source="test",
        teams=pl.DataFrame({"key": ["OPS"], "name": ["Operations"], "timezone": ["Europe/Paris"], "country": ["FR"]}),
        people=pl.DataFrame(
            {"source_id": ["u1", "u2", "u3"], "display_name": ["Ann", "Bo", "Cy"], "email": [None, None, None]},
            schema_overrides={"email": pl.String},
        ),
        memberships=pl.DataFrame(
            {"team": ["OPS"] * 3, "person_id": ["u1", "u2", "u3"], "role": ["manager", "member", "member"]}
        ),
        sprints=pl.DataFrame(
            {
                "source_id": ["s1", "s2"],
                "team": ["OPS", "OPS"],
                "name": ["S1", "S2"],
                "state": ["closed", "closed"],
                "start_at": [ts(2024, 3, 4, 8), ts(2024, 3, 18, 8)],
                "end_at": [ts(2024, 3, 15, 17), ts(2024, 3, 29, 17)],
                "completed_at": [ts(2024, 3, 15, 17, 30), ts(2024, 3, 29, 17, 30)],
            }
        ),
        items=pl.DataFrame(
            {
                "source_id": keys,
                "team": ["OPS"] * n,
                "key": keys,
                "type": ["story", "story", "incident", *["chore"] * 60, "story", "story", "story", "story"],
                "title": ["Login", "Search", "Outage", *chores, "Export", "Import", "Billing page", "Dark mode"],
                "description": [None] * 63 + [AC, AC, AC, None],
                "status": ["Done"] * 63 + ["Backlog"] * 4,
                "estimate": [5.0, 6.0, 2.0, *[None] * 60, 2.0, 1.0, 3.0, None],
                "labels": [[] for _ in keys],
                "rank": [None] * 63 + [1, 2, 3, 4],
                "created_at": [ts(2024, 3, 1, 9)] * n,
                "updated_at": [ts(2024, 4, 20, 9)] * n,
                "resolved_at": [*done, None, None, None, None],
                "resolution": ["Done"] * 63 + [None] * 4,
            },
            schema_overrides={"labels": pl.List(pl.String), "rank": pl.Int64, "estimate": pl.Float64},
        ),
        transitions=transitions,
        sprint_changes=pl.DataFrame(
            {
                "item_source_id": ["P-1", "P-2", "P-3"],
                "event_key": ["sp1", "sp2", "sp3"],
                "sprint_id": ["s1", "s2", "s2"],
                "change": ["added"] * 3,
                "at": [ts(2024, 3, 4, 7), ts(2024, 3, 18, 7), ts(2024, 3, 20, 10)],
            }
        ),
    )


def seed(db: Database) -> int:
    """The team, plus accounts: ``pm`` (manager), ``bo`` and ``cy`` (members, tied to the people Bo and Cy)."""
    with db.begin() as conn:
        ingest(conn, planning_batch())
        team = find_team(conn, "OPS")
    assert team is not None
    for name in ("pm", "bo", "cy"):
        create_user(db, SYSTEM, username=name, password="correct horse battery", now=NOW)
    set_role(db, SYSTEM, username="pm", team_key="OPS", role=Role.MANAGER, now=NOW)
    people, users = S.table(S.Person), S.table(S.User)
    with db.begin() as conn:  # tie the member accounts to the synced people (as an administrator would)
        for username, person in (("bo", "u2"), ("cy", "u3")):
            person_id = conn.execute(people.select().where(people.c.source_id == person)).first()
            assert person_id is not None
            conn.execute(users.update().where(users.c.username == username).values(person_id=person_id.id))
    return team.id


def _person(db: Database, source_id: str) -> int:
    people = S.table(S.Person)
    with db.connect() as conn:
        row = conn.execute(people.select().where(people.c.source_id == source_id)).first()
    assert row is not None
    return int(row.id)


def _actor(db: Database, username: str, team_id: int, role: Role) -> Actor:
    users = S.table(S.User)
    with db.connect() as conn:
        user_id = conn.execute(users.select().where(users.c.username == username)).first()
    assert user_id is not None
    return Actor(int(user_id.id), username, username, roles={team_id: role})


def _availability(db: Database, team_id: int) -> tuple[Actor, int, int]:
    """Bo works 60 %, has 7-9 May off (8 and 9 May are holidays); Cy takes the afternoon of 2 May off."""
    pm = _actor(db, "pm", team_id, Role.MANAGER)
    bo, cy = _person(db, "u2"), _person(db, "u3")
    set_member_availability(db, pm, "OPS", person_id=bo, part_time=0.6, focus_factor=None, now=NOW)
    add_time_off(db, pm, "OPS", person_id=bo, start_on=dt.date(2024, 5, 7), end_on=dt.date(2024, 5, 9), now=NOW)
    cy_actor = _actor(db, "cy", team_id, Role.MEMBER)
    add_time_off(db, cy_actor, "OPS", start_on=dt.date(2024, 5, 2), end_on=dt.date(2024, 5, 2), day_fraction=0.5,
                 note="dentist", now=NOW)  # fmt: skip
    return pm, bo, cy


def test_capacity_is_hand_checked_with_holidays_a_part_timer_time_off_and_interrupts(db: Database) -> None:
    team_id = seed(db)
    pm, _, _ = _availability(db, team_id)
    plan = create_plan(db, CONFIG, pm, "OPS", now=NOW, start=START, end=END, goal="Ship exports")
    c = plan["capacity"]
    # 29 April - 10 May: 10 weekdays; 1, 8 and 9 May are French public holidays -> 7 working days.
    assert c["holidays"] == ["2024-05-01", "2024-05-08", "2024-05-09"]
    assert c["working_days"] == 7
    # Ann is a manager: not in the default capacity roles. Team focus factor 0.8 (the documented default).
    members = {m["name"]: m for m in c["members"]}
    assert set(members) == {"Bo", "Cy"}
    assert (members["Bo"]["time_off_days"], members["Bo"]["part_time"]) == (1.0, 0.6)
    assert members["Bo"]["capacity_days"] == pytest.approx(6 * 0.6 * 0.8)  # 2.88
    assert members["Cy"]["time_off_days"] == 0.5
    assert members["Cy"]["capacity_days"] == pytest.approx(6.5 * 1.0 * 0.8)  # 5.2
    assert c["person_days"] == pytest.approx(8.08)
    # Interrupts: S1 0 of 5 points unplanned, S2 2 of 8 -> shares 0 and 0.25; by count 0 and 1/2.
    assert c["interrupt"]["points"] == {"sprints": 2, "p50": 0.0, "p85": pytest.approx(0.25)}
    assert c["interrupt"]["count"] == {"sprints": 2, "p50": 0.0, "p85": pytest.approx(0.5)}
    # Points per person-day: (5 + 8) points over the capacity S1 and S2 had with today's roster, 10 working days
    # each: Bo 10 x 0.6 x 0.8 = 4.8, Cy 10 x 0.8 = 8 -> 12.8 a sprint; 13 / 25.6.
    rate = 13 / 25.6
    assert c["points_per_person_day"] == pytest.approx(rate)
    assert c["points"] == pytest.approx(8.08 * rate)
    assert c["net_person_days"] == {"50": pytest.approx(8.08), "85": pytest.approx(8.08 * 0.75)}
    assert c["net_points"] == {"50": pytest.approx(8.08 * rate), "85": pytest.approx(6.06 * rate)}  # 4.10, 3.08
    assert {(e["name"], e["note"]) for e in c["time_off"]} == {("Bo", None), ("Cy", "dentist")}

    # The cut line: B-1 (2) and B-2 (1) fit 3.08 points at P85; B-3 (3) does not; at P50 (4.10) neither.
    f = plan["forecast"]
    assert f["budget"]["points_basis"] == "capacity"
    items85 = f["budget"]["items"]["85"]
    assert items85 == int(f["items"]["p85"] * 0.5)  # the Monte Carlo count net of the P85 interrupt share by count
    assert items85 >= 2 and f["budget"]["items"]["50"] >= 2  # 60 chores in 30 days: the points bind, not the count
    assert f["cut"] == {"50": 2, "85": 2}
    # The default selection is the backlog top up to the P85 line.
    assert [i["key"] for i in plan["items"]] == ["B-1", "B-2"]
    assert (f["selection"]["points"], f["selection"]["fit_points"]) == (3.0, "fits")
    top = {r["key"]: r for r in f["backlog"]["items"]}
    assert [r["key"] for r in f["backlog"]["items"]] == ["B-1", "B-2", "B-3", "B-4"]
    assert top["B-4"]["ready"] is False and "estimate" in top["B-4"]["lacks"]
    assert top["B-1"]["cumulative_points"] == 2.0 and top["B-3"]["cumulative_points"] == 6.0
    assert plan["plan"]["goal"] == "Ship exports"


def test_members_enter_their_own_time_off_and_managers_anyones(db: Database) -> None:
    team_id = seed(db)
    bo_actor = _actor(db, "bo", team_id, Role.MEMBER)
    pm = _actor(db, "pm", team_id, Role.MANAGER)
    cy = _person(db, "u3")
    mine = add_time_off(db, bo_actor, "OPS", start_on=dt.date(2024, 5, 2), end_on=dt.date(2024, 5, 3), now=NOW)
    assert (mine["name"], mine["day_fraction"]) == ("Bo", 1.0)
    with pytest.raises(PermissionDenied, match="their own time off"):
        add_time_off(db, bo_actor, "OPS", person_id=cy, start_on=START, end_on=START, now=NOW)
    theirs = add_time_off(db, pm, "OPS", person_id=cy, start_on=START, end_on=START, now=NOW)
    with pytest.raises(PermissionDenied):
        delete_time_off(db, bo_actor, "OPS", theirs["id"], now=NOW)
    with pytest.raises(InputError, match="before it starts"):
        add_time_off(db, bo_actor, "OPS", start_on=END, end_on=START, now=NOW)
    with pytest.raises(InputError, match="day_fraction"):
        add_time_off(db, bo_actor, "OPS", start_on=START, end_on=START, day_fraction=1.5, now=NOW)
    viewer = Actor(99, "v", "V", roles={team_id: Role.VIEWER})
    with pytest.raises(PermissionDenied):
        list_time_off(db, viewer, "OPS")
    assert [e["name"] for e in list_time_off(db, bo_actor, "OPS", start=START, end=END)] == ["Cy", "Bo"]
    delete_time_off(db, bo_actor, "OPS", mine["id"], now=NOW)
    delete_time_off(db, pm, "OPS", theirs["id"], now=NOW)
    assert list_time_off(db, pm, "OPS") == []
    with pytest.raises(NotFound):
        delete_time_off(db, pm, "OPS", theirs["id"], now=NOW)
    with db.connect() as conn:
        audit = S.table(S.AuditEntry)
        actions = [(r.action, r.entity) for r in conn.execute(audit.select().order_by(audit.c.id))]
    assert actions.count(("create", "time_off")) == 2 and actions.count(("delete", "time_off")) == 2


def test_a_committed_plan_is_a_frozen_read_only_snapshot(db: Database) -> None:
    team_id = seed(db)
    pm, bo, _ = _availability(db, team_id)
    draft = create_plan(db, CONFIG, pm, "OPS", now=NOW, start=START, end=END, items=["B-2"])
    plan_id = draft["plan"]["id"]
    changed = update_plan(db, CONFIG, pm, "OPS", plan_id, now=NOW, goal="Exports", items=["B-1", "B-3", "B-1"])
    assert [i["key"] for i in changed["items"]] == ["B-1", "B-3"]
    assert changed["forecast"]["selection"]["points"] == 5.0
    assert changed["forecast"]["selection"]["fit_points"] == "too_big"  # 5 > P50 net 4.10 points
    with pytest.raises(InputError, match="no item NOPE-1"):
        update_plan(db, CONFIG, pm, "OPS", plan_id, now=NOW, items=["NOPE-1"])
    member = _actor(db, "bo", team_id, Role.MEMBER)
    with pytest.raises(PermissionDenied):
        commit_plan(db, CONFIG, member, "OPS", plan_id, now=NOW)

    later = NOW + dt.timedelta(hours=1)
    committed = commit_plan(db, CONFIG, pm, "OPS", plan_id, now=later)
    assert committed["plan"]["state"] == "committed"
    assert committed["plan"]["committed_by"] == "pm"
    assert committed["plan"]["committed_at"] == "2024-04-26T13:00:00Z"
    assert [(i["key"], i["estimate"], i["ready"]) for i in committed["items"]] == [("B-1", 2.0, True),
                                                                                   ("B-3", 3.0, True)]  # fmt: skip
    frozen_capacity = committed["capacity"]["person_days"]

    # After the commit, availability and estimates change: the snapshot does not.
    add_time_off(db, pm, "OPS", person_id=bo, start_on=START, end_on=END, now=later)
    items = S.table(S.WorkItem)
    with db.begin() as conn:
        conn.execute(items.update().where(items.c.key == "B-3").values(estimate=8.0))
    again = sprint_plan(db, CONFIG, member, "OPS", plan_id, now=later + dt.timedelta(days=1))
    assert again["capacity"]["person_days"] == pytest.approx(frozen_capacity)
    assert [(i["key"], i["estimate"]) for i in again["items"]] == [("B-1", 2.0), ("B-3", 3.0)]
    assert again["forecast"] == committed["forecast"]
    assert again["can_edit"] is False

    with pytest.raises(Conflict, match="read-only"):
        update_plan(db, CONFIG, pm, "OPS", plan_id, now=later, goal="Other")
    with pytest.raises(Conflict, match="read-only"):
        commit_plan(db, CONFIG, pm, "OPS", plan_id, now=later)
    assert [(p["id"], p["state"], p["items"]) for p in list_plans(db, member, "OPS")] == [(plan_id, "committed", 2)]
    with db.connect() as conn:
        audit = S.table(S.AuditEntry)
        rows = [(r.action, r.entity) for r in conn.execute(audit.select().where(audit.c.entity == "sprint_plan"))]
    assert rows == [("create", "sprint_plan"), ("update", "sprint_plan"), ("commit", "sprint_plan")]


def test_viewers_do_not_see_plans_and_members_do_not_change_them(db: Database) -> None:
    team_id = seed(db)
    pm = _actor(db, "pm", team_id, Role.MANAGER)
    plan = create_plan(db, CONFIG, pm, "OPS", now=NOW, start=START, end=END, items=[])
    with pytest.raises(PermissionDenied):
        sprint_plan(db, CONFIG, Actor(99, "v", "V", roles={team_id: Role.VIEWER}), "OPS", plan["plan"]["id"], now=NOW)
    member = _actor(db, "bo", team_id, Role.MEMBER)
    with pytest.raises(PermissionDenied):
        update_plan(db, CONFIG, member, "OPS", plan["plan"]["id"], now=NOW, goal="x")
    with pytest.raises(InputError, match="longer than"):
        create_plan(db, CONFIG, pm, "OPS", now=NOW, start=START, end=START + dt.timedelta(days=60))


def test_the_team_planning_settings_are_read_and_checked(tmp_path: Path) -> None:
    from cadence.domain.errors import ConfigurationError
    from cadence.services.workspace_config import load_workspace_config

    good = tmp_path / "cadence.toml"
    good.write_text(
        '[teams.OPS.planning]\nfocus_factor = 0.5\ninterrupt_sprints = 1\ncapacity_roles = ["member", "manager"]\n'
    )
    planning = load_workspace_config(good).for_team("OPS").planning
    assert (planning.focus_factor, planning.interrupt_sprints, planning.capacity_roles) == (
        0.5,
        1,
        ("member", "manager"),
    )
    assert load_workspace_config(tmp_path / "absent.toml").for_team("OPS").planning.focus_factor == 0.8
    bad = tmp_path / "bad.toml"
    bad.write_text("[teams.OPS.planning]\nfocus_factor = 1.5\n")
    with pytest.raises(ConfigurationError, match=r"teams\.OPS\.planning\.focus_factor"):
        load_workspace_config(bad)


def test_the_team_focus_factor_and_roles_from_the_workspace_file_shape_capacity(db: Database, tmp_path: Path) -> None:
    from cadence.services.workspace_config import load_workspace_config

    team_id = seed(db)
    pm, _, _ = _availability(db, team_id)
    path = tmp_path / "cadence.toml"
    path.write_text('[teams.OPS.planning]\nfocus_factor = 0.5\ncapacity_roles = ["member", "manager"]\n')
    plan = create_plan(db, load_workspace_config(path), pm, "OPS", now=NOW, start=START, end=END, items=[])
    members = {m["name"]: m["capacity_days"] for m in plan["capacity"]["members"]}
    # The managers (Ann, and the pm account's person) now count: 7 days x 0.5. Bo 6 x 0.6 x 0.5, Cy 6.5 x 0.5.
    assert members == {"Ann": 3.5, "pm": 3.5, "Bo": pytest.approx(1.8), "Cy": pytest.approx(3.25)}
