"""Impediments through the service on a real database: detected candidates are exactly the planted stalls,
confirm/dismiss persist, manual impediments, owner/escalation/resolve with audit entries, and the metrics."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select

from cadence.analytics.impediment_signals import SignalRules
from cadence.domain.errors import Conflict, InputError, NotFound, PermissionDenied
from cadence.domain.model import Role
from cadence.services import impediments as svc
from cadence.services.access import Actor, actor_for_user
from cadence.services.audit_log import SYSTEM
from cadence.services.team_metrics import clear_caches
from cadence.services.users import create_user, set_role
from cadence.services.workspace_config import TeamConfig, WorkspaceConfig, load_workspace_config
from cadence.store import schema as S
from cadence.store.accounts import find_user
from cadence.store.database import Database
from tests.services.impediment_world import NOW, PLANTED, seed

CONFIG = WorkspaceConfig()
ROLES = {"pm": Role.MANAGER, "dev": Role.MEMBER, "viewer": Role.VIEWER}


@pytest.fixture
def actors(db: Database) -> dict[str, Actor]:
    clear_caches()
    seed(db)
    out = {}
    for name, role in ROLES.items():
        create_user(db, SYSTEM, username=name, password="correct horse battery", now=NOW)
        set_role(db, SYSTEM, username=name, team_key="OPS", role=role, now=NOW)
        with db.connect() as conn:
            user = find_user(conn, name)
        assert user is not None
        out[name] = actor_for_user(db, user)
    return out


def _planted(candidates: list[dict[str, object]]) -> set[tuple[object, object, str]]:
    return {(c["item_key"], c["signal"], str(c["signal_key"]).rsplit(":", 1)[1]) for c in candidates}


def _person(db: Database, name: str) -> int:
    with db.connect() as conn:
        return int(
            conn.execute(select(S.table(S.Person).c.id).where(S.table(S.Person).c.display_name == name)).scalar_one()
        )


def _audit(db: Database) -> list[tuple[str, str]]:
    log = S.table(S.AuditEntry)
    with db.connect() as conn:
        rows = conn.execute(
            select(log.c.action, log.c.entity).where(log.c.entity.like("impediment%")).order_by(log.c.id)
        )
        return [(a, e) for a, e in rows]


def test_the_candidates_are_exactly_the_planted_stalls_with_their_reasons(
    db: Database, actors: dict[str, Actor]
) -> None:
    candidates = svc.impediment_candidates(db, CONFIG, actors["viewer"], "OPS", now=NOW)
    assert _planted(candidates) == PLANTED
    reasons = {c["item_key"]: c["reason"] for c in candidates}
    assert reasons == {
        "OPS-A": "In In Progress for 3.1 days, 3.1x this stage's median of 1.0 days",
        "OPS-B": "Flagged as blocked for 0.9 days",
        "OPS-C": "Waiting on WEB-1 of WEB, which is not finished",
        "OPS-D": "No change for 2 working days (last change on 2026-06-15)",
        "OPS-E": "Moved back 2 times; most often Review -> In Progress (2 times)",
        "OPS-F": "Reassigned 3 times in the last 10 days, between 2 people",
    }
    dwell = next(c for c in candidates if c["signal"] == "stage_dwell")
    assert (dwell["baseline"], dwell["threshold"], dwell["sample"]) == (1.0, 2.0, 9)
    assert dwell["signal_key"] == f"stage_dwell:{dwell['item_id']}:20260615T100000Z"


def test_a_signal_key_outlives_a_moving_median_and_the_rules_come_from_the_config(
    db: Database, actors: dict[str, Actor], tmp_path: Path
) -> None:
    later = svc.impediment_candidates(db, CONFIG, actors["pm"], "OPS", now=NOW + dt.timedelta(hours=3))
    dwell_now = next(
        c for c in svc.impediment_candidates(db, CONFIG, actors["pm"], "OPS", now=NOW) if c["signal"] == "stage_dwell"
    )
    assert dwell_now["signal_key"] in {c["signal_key"] for c in later}

    strict = WorkspaceConfig(
        teams={"OPS": TeamConfig(CONFIG.workflow, None, CONFIG.metrics, impediments=SignalRules(dwell_factor=4.0))}
    )
    assert "OPS-A" not in {c["item_key"] for c in svc.impediment_candidates(db, strict, actors["pm"], "OPS", now=NOW)}

    toml = tmp_path / "cadence.toml"
    toml.write_text("[teams.OPS.impediments]\ndwell_factor = 4.0\nstale_working_days = 3\n", encoding="utf-8")
    rules = load_workspace_config(toml).for_team("OPS").impediments
    assert (rules.dwell_factor, rules.stale_working_days, rules.min_sample) == (4.0, 3, 5)
    toml.write_text("[teams.OPS.impediments]\nk = 2\n", encoding="utf-8")
    with pytest.raises(Exception, match="unknown key"):
        load_workspace_config(toml)
    toml.write_text("[teams.OPS.impediments]\nstale_working_days = 0\n", encoding="utf-8")
    with pytest.raises(Exception, match="at least 1"):
        load_workspace_config(toml)


def test_confirm_and_dismiss_persist_and_are_not_proposed_again(db: Database, actors: dict[str, Actor]) -> None:
    candidates = {c["item_key"]: c for c in svc.impediment_candidates(db, CONFIG, actors["pm"], "OPS", now=NOW)}
    flagged, stale = candidates["OPS-B"], candidates["OPS-D"]
    with pytest.raises(PermissionDenied):
        svc.confirm_candidate(db, CONFIG, actors["dev"], "OPS", str(flagged["signal_key"]), now=NOW)

    confirmed = svc.confirm_candidate(
        db, CONFIG, actors["pm"], "OPS", str(flagged["signal_key"]), now=NOW, owner_person_id=_person(db, "Ann Lee")
    )
    assert confirmed["detected_by"] == "flagged" and confirmed["signal_key"] == flagged["signal_key"]
    assert confirmed["title"] == "OPS-B: Flagged as blocked for 0.9 days"
    assert confirmed["opened_at"] == dt.datetime(2026, 6, 17, 15, tzinfo=dt.UTC)  # the signal's since
    assert confirmed["age_days"] == 0.9 and confirmed["owner"] == "Ann Lee" and confirmed["item_key"] == "OPS-B"
    assert confirmed["evidence"]["reason"] == "Flagged as blocked for 0.9 days"
    assert confirmed["evidence"]["detected_since"] == "2026-06-17T15:00:00Z"

    dismissed = svc.dismiss_candidate(
        db, CONFIG, actors["pm"], "OPS", str(stale["signal_key"]), now=NOW, note="On leave"
    )
    assert dismissed["status"] == "dismissed"

    left = svc.impediment_candidates(db, CONFIG, actors["pm"], "OPS", now=NOW + dt.timedelta(hours=1))
    assert {c["item_key"] for c in left} == {"OPS-A", "OPS-C", "OPS-E", "OPS-F"}
    with pytest.raises(NotFound):
        svc.dismiss_candidate(db, CONFIG, actors["pm"], "OPS", str(flagged["signal_key"]), now=NOW)
    with pytest.raises(NotFound):
        svc.confirm_candidate(db, CONFIG, actors["pm"], "OPS", "stale:999:20260101T000000Z", now=NOW)

    assert [i["item_key"] for i in svc.open_impediments(db, actors["viewer"], "OPS", now=NOW)] == ["OPS-B"]
    assert all(c["has_open_impediment"] is False for c in left)
    svc.open_impediment(db, actors["dev"], "OPS", title="Waiting on WEB", now=NOW, item_key="OPS-C")
    held = svc.impediment_candidates(db, CONFIG, actors["pm"], "OPS", now=NOW)
    assert {c["item_key"] for c in held if c["has_open_impediment"]} == {"OPS-C"}
    assert _audit(db) == [("confirm", "impediment"), ("dismiss", "impediment_candidate"), ("create", "impediment")]


def test_manual_impediments_owner_escalation_and_resolution(db: Database, actors: dict[str, Actor]) -> None:
    bo = _person(db, "Bo Chen")
    raised = svc.open_impediment(
        db, actors["dev"], "OPS", title="  Staging is down ", now=NOW - dt.timedelta(days=2), item_key="OPS-W",
        description="Deploys fail",
    )  # fmt: skip
    assert (raised["title"], raised["item_key"], raised["owner"], raised["escalation_level"]) == (
        "Staging is down", "OPS-W", None, 0,
    )  # fmt: skip
    with pytest.raises(PermissionDenied):
        svc.open_impediment(db, actors["viewer"], "OPS", title="x", now=NOW)
    with pytest.raises(NotFound):
        svc.open_impediment(db, actors["dev"], "OPS", title="x", now=NOW, item_key="OPS-404")
    with pytest.raises(InputError):
        svc.open_impediment(db, actors["dev"], "OPS", title="   ", now=NOW)
    with pytest.raises(InputError):
        svc.open_impediment(db, actors["dev"], "OPS", title="x", now=NOW, owner_person_id=999_999)

    listed = svc.open_impediments(db, actors["viewer"], "OPS", now=NOW)
    assert [(i["id"], i["title"], i["age_days"]) for i in listed] == [(raised["id"], "Staging is down", 2.0)]

    iid = int(raised["id"])
    owned = svc.update_impediment(db, actors["dev"], "OPS", iid, now=NOW, owner_person_id=bo)
    assert owned["owner"] == "Bo Chen"
    with pytest.raises(PermissionDenied):
        svc.update_impediment(db, actors["dev"], "OPS", iid, now=NOW, escalate=1)
    for _ in range(3):
        up = svc.update_impediment(db, actors["pm"], "OPS", iid, now=NOW, escalate=1)
    assert up["escalation_level"] == 3 and up["escalation"] == "leadership"
    with pytest.raises(InputError):
        svc.update_impediment(db, actors["pm"], "OPS", iid, now=NOW, escalate=1)
    down = svc.update_impediment(db, actors["pm"], "OPS", iid, now=NOW, escalate=-1)
    assert down["escalation_level"] == 2
    with pytest.raises(InputError):
        svc.update_impediment(db, actors["dev"], "OPS", iid, now=NOW, resolve=True, resolution_note=" ")
    done = svc.update_impediment(db, actors["dev"], "OPS", iid, now=NOW, resolve=True, resolution_note="Rebuilt it")
    assert (done["status"], done["resolution_note"], done["resolved_at"], done["age_days"]) == (
        "resolved", "Rebuilt it", NOW, 2.0,
    )  # fmt: skip
    with pytest.raises(Conflict):
        svc.update_impediment(db, actors["dev"], "OPS", iid, now=NOW, resolve=True, resolution_note="again")
    assert svc.open_impediments(db, actors["viewer"], "OPS", now=NOW) == []
    assert _audit(db) == [
        ("create", "impediment"), ("assign", "impediment"), ("escalate", "impediment"), ("escalate", "impediment"),
        ("escalate", "impediment"), ("de-escalate", "impediment"), ("resolve", "impediment"),
    ]  # fmt: skip


def test_metrics_are_hand_computed(db: Database, actors: dict[str, Actor]) -> None:
    day = dt.timedelta(days=1)
    dev = actors["dev"]
    # open 10 and 4 days ago (still open); resolved ones taking 1, 3 and 8 days; one resolved 100 days ago.
    for opened in (10, 4):
        svc.open_impediment(db, dev, "OPS", title=f"open {opened}", now=NOW - opened * day)
    for opened, took in ((5, 1), (6, 3), (9, 8), (120, 20)):
        made = svc.open_impediment(db, dev, "OPS", title=f"took {took}", now=NOW - opened * day)
        svc.update_impediment(db, dev, "OPS", int(made["id"]), now=NOW - (opened - took) * day, resolve=True,
                              resolution_note="fixed")  # fmt: skip
    stale = next(
        c for c in svc.impediment_candidates(db, CONFIG, actors["pm"], "OPS", now=NOW) if c["signal"] == "stale"
    )
    svc.dismiss_candidate(db, CONFIG, actors["pm"], "OPS", str(stale["signal_key"]), now=NOW)  # not counted

    metrics = svc.impediment_metrics(db, actors["viewer"], "OPS", now=NOW)
    assert metrics == {
        "open": 2, "age_median_days": 4.0, "age_max_days": 10.0, "resolved": 3, "resolve_median_days": 3.0,
        "resolve_p85_days": 8.0, "window_days": 84,
    }  # fmt: skip
    wide = svc.impediment_metrics(db, actors["viewer"], "OPS", now=NOW, window_days=120)
    assert (wide["resolved"], wide["resolve_median_days"], wide["resolve_p85_days"]) == (4, 3.0, 20.0)
    # Back then (NOW - 7 days): open were those opened 9 (took 8, resolved NOW-1) and 10 days ago.
    past = svc.impediment_metrics(db, actors["viewer"], "OPS", now=NOW - 7 * day)
    assert (past["open"], past["age_median_days"], past["age_max_days"], past["resolved"]) == (2, 2.0, 3.0, 0)


def test_the_team_countrys_public_holidays_are_not_working_days(db: Database, actors: dict[str, Actor]) -> None:
    later = dt.datetime(2026, 7, 16, 12, tzinfo=dt.UTC)  # Thursday, two days after Bastille Day (Tue 14 July)

    def quiet_days_of_d() -> float:
        found = svc.impediment_candidates(db, CONFIG, actors["pm"], "OPS", now=later)
        return float(next(c["value"] for c in found if c["item_key"] == "OPS-D" and c["signal"] == "stale"))

    # Working days strictly between Mon 15 June and Thu 16 July: 4 + 5 + 5 + 5 + 3 = 22.
    assert quiet_days_of_d() == 22
    teams = S.table(S.Team)
    with db.begin() as conn:
        conn.execute(teams.update().where(teams.c.key == "OPS").values(country="FR"))
    assert quiet_days_of_d() == 21
