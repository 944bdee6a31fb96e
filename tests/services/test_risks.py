"""The risk register through the service on a real database (SQLite and PostgreSQL): score history, ROAM, close and
reopen, mitigations, the heat map and the stale list checked by hand, proposals accepted and dismissed (idempotent),
roles, and the audit trail."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select

from cadence.analytics.risk_signals import RiskRules
from cadence.domain.errors import ConfigurationError, Conflict, InputError, NotFound, PermissionDenied
from cadence.domain.model import Role
from cadence.services import risks as svc
from cadence.services.access import Actor, actor_for_user
from cadence.services.audit_log import SYSTEM
from cadence.services.team_metrics import clear_caches
from cadence.services.users import create_user, set_role
from cadence.services.workspace_config import RiskRegisterSettings, TeamConfig, WorkspaceConfig, load_workspace_config
from cadence.store import schema as S
from cadence.store.accounts import find_user
from cadence.store.database import Database
from tests.services.impediment_world import NOW, seed

BASE = WorkspaceConfig()
CONFIG = WorkspaceConfig(
    teams={
        "OPS": TeamConfig(
            BASE.workflow, None, BASE.metrics, risks=RiskRules(wip_limit=1),
            risk_register=RiskRegisterSettings(stale_after_days=10),
        )
    }
)  # fmt: skip
"""OPS has seven items in progress at NOW against a WIP limit of 1: the ``wip_above_limit`` signal fires."""
SIGNAL = "wip_above_limit:team"
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


def _audit(db: Database) -> list[tuple[str, str]]:
    log = S.table(S.AuditEntry)
    with db.connect() as conn:
        rows = conn.execute(select(log.c.action, log.c.entity).where(log.c.entity.like("risk%")).order_by(log.c.id))
        return [(a, e) for a, e in rows]


def _new(db: Database, actor: Actor, title: str = "Vendor API deprecation", p: int = 3, i: int = 4, **kw: object):  # type: ignore[no-untyped-def]
    return svc.create_risk(db, CONFIG, actor, "OPS", title=title, probability=p, impact=i, now=NOW, **kw)  # type: ignore[arg-type]


def test_scores_are_kept_as_a_history_with_who_when_and_note(db: Database, actors: dict[str, Actor]) -> None:
    made = _new(db, actors["dev"])
    assert (made["probability"], made["impact"], made["score"], made["band"]) == (3, 4, 12, "high")
    later = NOW + dt.timedelta(days=2)
    again = svc.rescore_risk(
        db, CONFIG, actors["pm"], "OPS", made["id"], probability=5, impact=5, now=later, note="vendor confirmed date"
    )
    assert (again["score"], again["band"]) == (25, "severe")
    assert [(h["probability"], h["impact"], h["score"], h["by"], h["note"]) for h in again["history"]] == [
        (3, 4, 12, "dev", "first assessment"),
        (5, 5, 25, "pm", "vendor confirmed date"),
    ]
    assert again["history"][1]["at"] == later.isoformat()
    assert again["last_scored_at"] == later.isoformat()
    assert _audit(db) == [("create", "risk"), ("score", "risk")]


def test_roam_owner_close_and_reopen(db: Database, actors: dict[str, Actor]) -> None:
    made = _new(db, actors["dev"])
    people = {p["name"]: p["person_id"] for p in svc.risk_register(db, CONFIG, actors["dev"], "OPS", now=NOW).people}
    owned = svc.update_risk(
        db, CONFIG, actors["dev"], "OPS", made["id"], now=NOW, roam="owned", owner_person_id=people["Ann Lee"]
    )
    assert (owned["roam"], owned["owner"]) == ("owned", "Ann Lee")
    with pytest.raises(InputError):
        svc.update_risk(db, CONFIG, actors["dev"], "OPS", made["id"], now=NOW, roam="ignored")
    closed = svc.update_risk(db, CONFIG, actors["dev"], "OPS", made["id"], now=NOW, status="closed", roam="resolved")
    assert (closed["status"], closed["roam"], closed["closed_at"]) == ("closed", "resolved", NOW.isoformat())
    with pytest.raises(Conflict):
        svc.rescore_risk(db, CONFIG, actors["dev"], "OPS", made["id"], probability=1, impact=1, now=NOW)
    reopened = svc.update_risk(db, CONFIG, actors["dev"], "OPS", made["id"], now=NOW, status="open")
    assert (reopened["status"], reopened["closed_at"]) == ("open", None)
    assert [a for a, _ in _audit(db)] == ["create", "update", "close", "reopen"]
    with pytest.raises(PermissionDenied):
        svc.update_risk(db, CONFIG, actors["viewer"], "OPS", made["id"], now=NOW, status="closed")


def test_mitigations_are_action_items_linked_to_the_risk(db: Database, actors: dict[str, Actor]) -> None:
    made = _new(db, actors["dev"])
    detail = svc.add_mitigation(
        db, CONFIG, actors["dev"], "OPS", made["id"], title="Pin the client library", now=NOW,
        due_on=dt.date(2026, 6, 30),
    )  # fmt: skip
    assert [(m["title"], m["status"], m["due_on"]) for m in detail["mitigations"]] == [
        ("Pin the client library", "open", "2026-06-30")
    ]
    with db.connect() as conn:
        actions = S.table(S.ActionItem)
        row = conn.execute(select(actions.c.risk_id, actions.c.origin)).one()
    assert (row.risk_id, row.origin) == (made["id"], "risk")
    assert ("mitigate", "risk") in _audit(db)


def test_heat_map_and_stale_list_by_hand(db: Database, actors: dict[str, Actor]) -> None:
    """Four risks at NOW (Thu 2026-06-18, zone UTC, stale after 10 days):

    * A 3x4, scored now, review 2026-06-17 (yesterday) -> stale (review overdue);
    * B 3x4, scored 11 days ago -> stale (not scored for 11 days);
    * C 5x5, scored 9 days ago, review today -> not stale;
    * D 1x1, scored 20 days ago but closed -> not stale, not on the map.
    Heat map: cell (p3, i4) = 2, (p5, i5) = 1, every other cell 0; total 3.
    """
    a = _new(db, actors["dev"], "A", 3, 4, review_on=dt.date(2026, 6, 17))
    b = _new(db, actors["dev"], "B", 3, 4)
    c = _new(db, actors["dev"], "C", 5, 5, review_on=dt.date(2026, 6, 18))
    d = _new(db, actors["dev"], "D", 1, 1)
    scores = S.table(S.RiskScore)
    with db.begin() as conn:
        for risk, days in ((b, 11), (c, 9), (d, 20)):
            conn.execute(scores.update().where(scores.c.risk_id == risk["id"]).values(at=NOW - dt.timedelta(days=days)))
    svc.update_risk(db, CONFIG, actors["dev"], "OPS", d["id"], now=NOW, status="closed")
    register = svc.risk_register(db, CONFIG, actors["viewer"], "OPS", now=NOW)
    assert register.stale_after_days == 10
    assert {r["title"]: r["stale_reasons"] for r in register.stale} == {
        "A": ["review was due on 2026-06-17"],
        "B": ["not scored for 11 days"],
    }
    counts = {(c["probability"], row["impact"]): c["count"] for row in register.heat_map["rows"] for c in row["cells"]}
    assert counts[(3, 4)] == 2 and counts[(5, 5)] == 1
    assert sum(counts.values()) == register.heat_map["total"] == 3
    assert [row["impact"] for row in register.heat_map["rows"]] == [5, 4, 3, 2, 1]
    assert [r["title"] for r in register.risks] == ["C", "A", "B", "D"]  # score, then age
    assert a["id"] in {r["id"] for r in register.stale}


def test_a_proposal_is_accepted_once_with_its_evidence_and_suggested_score(
    db: Database, actors: dict[str, Actor]
) -> None:
    proposed = svc.proposed_risks(db, CONFIG, actors["viewer"], "OPS", now=NOW)
    signal = next(p for p in proposed if p["signal_key"] == SIGNAL)
    assert signal["rule"] == "wip_above_limit" and signal["evidence"]["limit"] == 1
    with pytest.raises(PermissionDenied):
        svc.accept_proposal(db, CONFIG, actors["dev"], "OPS", SIGNAL, now=NOW)
    risk = svc.accept_proposal(db, CONFIG, actors["pm"], "OPS", SIGNAL, now=NOW)
    assert (risk["signal_key"], risk["probability"], risk["impact"]) == (
        SIGNAL, signal["probability"], signal["impact"]
    )  # fmt: skip
    assert risk["evidence"] == signal["evidence"] and risk["status"] == "open"
    assert [h["note"] for h in risk["history"]] == ["from wip_above_limit"]
    assert svc.accept_proposal(db, CONFIG, actors["pm"], "OPS", SIGNAL, now=NOW)["id"] == risk["id"]  # idempotent
    with pytest.raises(Conflict):
        svc.dismiss_proposal(db, CONFIG, actors["pm"], "OPS", SIGNAL, now=NOW)
    assert SIGNAL not in {p["signal_key"] for p in svc.proposed_risks(db, CONFIG, actors["pm"], "OPS", now=NOW)}
    register = svc.risk_register(db, CONFIG, actors["pm"], "OPS", now=NOW)
    assert [r["id"] for r in register.risks] == [risk["id"]]
    assert _audit(db) == [("accept", "risk_proposal")]


def test_a_dismissed_proposal_is_not_proposed_again_nor_listed(db: Database, actors: dict[str, Actor]) -> None:
    first = svc.dismiss_proposal(db, CONFIG, actors["pm"], "OPS", SIGNAL, now=NOW, note="we chose no limit yet")
    assert (first["status"], first["roam"]) == ("dismissed", None)
    again = svc.dismiss_proposal(db, CONFIG, actors["pm"], "OPS", SIGNAL, now=NOW)
    assert again["id"] == first["id"]
    with pytest.raises(Conflict):
        svc.accept_proposal(db, CONFIG, actors["pm"], "OPS", SIGNAL, now=NOW)
    assert SIGNAL not in {p["signal_key"] for p in svc.proposed_risks(db, CONFIG, actors["pm"], "OPS", now=NOW)}
    assert svc.risk_register(db, CONFIG, actors["pm"], "OPS", now=NOW).risks == []
    with pytest.raises(NotFound):
        svc.update_risk(db, CONFIG, actors["pm"], "OPS", first["id"], now=NOW, status="open")
    with pytest.raises(NotFound):
        svc.accept_proposal(db, CONFIG, actors["pm"], "OPS", "no-such-signal", now=NOW)


def test_the_unique_signal_index_turns_a_race_into_a_conflict(db: Database, actors: dict[str, Actor]) -> None:
    from cadence.store import risks as store

    teams = S.table(S.Team)
    with db.begin() as conn:
        team_id = conn.execute(select(teams.c.id).where(teams.c.key == "OPS")).scalar_one()
        store.insert_risk(conn, team_id=team_id, title="x", now=NOW, probability=1, impact=1, signal_key="k")
        with pytest.raises(Conflict):
            store.insert_risk(conn, team_id=team_id, title="y", now=NOW, probability=1, impact=1, signal_key="k")
        # the savepoint kept the transaction usable
        assert store.decided_signal_keys(conn, team_id) == {"k"}


def test_inputs_are_checked(db: Database, actors: dict[str, Actor]) -> None:
    with pytest.raises(InputError):
        _new(db, actors["dev"], p=0)
    with pytest.raises(InputError):
        _new(db, actors["dev"], i=6)
    with pytest.raises(InputError):
        _new(db, actors["dev"], title="  ")
    with pytest.raises(PermissionDenied):
        _new(db, actors["viewer"])


def test_the_detail_shows_the_forecast_of_the_scope_it_threatens(db: Database, actors: dict[str, Actor]) -> None:
    made = _new(db, actors["dev"], epic_key="NOPE-1")
    detail = svc.risk_detail(db, CONFIG, actors["viewer"], "OPS", made["id"], now=NOW)
    forecast = detail["forecast"]
    assert (forecast["kind"], forecast["value"]) == ("epic", "NOPE-1")
    # the epic has no items in this world: the forecast says so rather than inventing a date
    assert forecast["error"] is not None or forecast["remaining"] == 0
    plain = _new(db, actors["dev"], "no scope")
    assert svc.risk_detail(db, CONFIG, actors["viewer"], "OPS", plain["id"], now=NOW)["forecast"] is None


def test_the_stale_rhythm_is_read_from_the_workspace_file(tmp_path: Path) -> None:
    toml = tmp_path / "cadence.toml"
    toml.write_text("[teams.OPS.risk_register]\nstale_after_days = 14\n", encoding="utf-8")
    assert load_workspace_config(toml).for_team("OPS").risk_register.stale_after_days == 14
    assert load_workspace_config(toml).for_team("WEB").risk_register.stale_after_days == 30
    for wrong in ("stale_after_days = 0", "stale_after_days = true", "every = 3"):
        toml.write_text(f"[teams.OPS.risk_register]\n{wrong}\n", encoding="utf-8")
        with pytest.raises(ConfigurationError, match="risk_register"):
            load_workspace_config(toml)
