"""SLA policies stored and audited, and clocks recomputed from stored history when a policy changes."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import polars as pl
import pytest

from cadence.domain.batch import RecordBatch
from cadence.domain.errors import InputError, NotFound, PermissionDenied
from cadence.domain.model import Role
from cadence.services.access import Actor
from cadence.services.sla import (
    clear_sla_caches,
    current_clocks,
    find_clocks,
    save_policy,
    team_clocks,
    team_policies,
    team_policy,
    ticket_clocks,
)
from cadence.services.support_metrics import team_support_metrics
from cadence.services.workspace_config import WorkspaceConfig
from cadence.store.audit import read_audit
from cadence.store.database import Database
from cadence.store.ingest import ingest
from cadence.store.teams import find_team

PARIS = ZoneInfo("Europe/Paris")
NOW = dt.datetime(2026, 3, 12, 11, tzinfo=dt.UTC)
H = 3600.0


def paris(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=PARIS).astimezone(dt.UTC)  # type: ignore[misc]


def _desk(db: Database) -> int:
    """Team HELP (Paris, France) with SD-1 of docs/sla.md (P2, Fri 16:00 -> Tue 10:00, 10 business hours) and a
    Premium customer's SD-2 (P2, Mon 09:00 -> Mon 13:00, 4 business hours), SD-2 escalated to a dev item."""
    batch = RecordBatch(
        source="test",
        teams=pl.DataFrame({"key": ["HELP"], "name": ["Help desk"], "timezone": ["Europe/Paris"], "country": ["FR"]}),
        items=pl.DataFrame(
            {
                "source_id": ["i1"],
                "team": ["HELP"],
                "key": ["DEV-1"],
                "type": ["bug"],
                "title": ["Fix"],
                "status": ["Done"],
                "estimate": [3.0],
                "labels": [["payments"]],
                "created_at": [paris(2026, 3, 9, 11)],
                "resolved_at": [paris(2026, 3, 10, 15)],
                "resolution": ["Done"],
            }
        ),
        tickets=pl.DataFrame(
            {
                "source_id": ["t1", "t2"],
                "team": ["HELP", "HELP"],
                "key": ["SD-1", "SD-2"],
                "title": ["Export fails", "Login slow"],
                "status": ["Resolved", "Resolved"],
                "priority": ["P2", "P2"],
                "level": ["L1", "L2"],
                "sla_policy": ["Standard", "Premium"],
                "created_at": [paris(2026, 3, 6, 16), paris(2026, 3, 9, 9)],
                "resolved_at": [paris(2026, 3, 10, 10), paris(2026, 3, 9, 13)],
            }
        ),
        ticket_events=pl.DataFrame(
            {
                "ticket_source_id": ["t1", "t1", "t2", "t2", "t2"],
                "event_key": ["e1", "e2", "e1", "e2", "e3"],
                "kind": ["status", "status", "status", "level", "status"],
                "from_value": ["New", "Open", "New", "L1", "Open"],
                "to_value": ["Open", "Resolved", "Open", "L2", "Resolved"],
                "at": [
                    paris(2026, 3, 6, 16, 30),
                    paris(2026, 3, 10, 10),
                    paris(2026, 3, 9, 10),
                    paris(2026, 3, 9, 11),
                    paris(2026, 3, 9, 13),
                ],
            }
        ),
        ticket_links=pl.DataFrame(
            {
                "ticket_source_id": ["t2"],
                "item_source_id": ["i1"],
                "kind": ["escalated"],
                "created_at": [paris(2026, 3, 9, 11)],
            }
        ),
    )
    with db.begin() as conn:
        ingest(conn, batch)
        team = find_team(conn, "HELP")
    assert team is not None
    clear_sla_caches()
    return team.id


def _as(role: Role, team_id: int) -> Actor:
    return Actor(0, role.value, role.value.title(), roles={team_id: role})


def _resolution(db: Database, actor: Actor, key: str) -> dict[str, object]:
    clocks = ticket_clocks(db, WorkspaceConfig(), actor, "HELP", key, now=NOW)
    return clocks.filter(pl.col("goal") == "resolution").row(0, named=True)


def test_changing_a_policy_rejudges_stored_history(db: Database) -> None:
    team_id = _desk(db)
    manager, support = _as(Role.MANAGER, team_id), _as(Role.SUPPORT, team_id)
    before = _resolution(db, support, "SD-1")  # built-in default: P2 resolution 24 business hours
    assert (before["policy"], before["elapsed_s"], before["goal_s"], before["state"]) == (
        "default",
        10 * H,
        24 * H,
        "met",
    )

    save_policy(db, manager, "HELP", {"goals": {"resolution": {"P2": "16h"}}}, now=NOW)
    assert _resolution(db, support, "SD-1")["state"] == "met"
    save_policy(db, manager, "HELP", {"goals": {"resolution": {"P2": "8h"}}}, now=NOW)
    after = _resolution(db, support, "SD-1")
    assert (after["state"], after["breached_at"], after["remaining_s"]) == ("breached", paris(2026, 3, 9, 16), -2 * H)

    with db.connect() as conn:
        audit = read_audit(conn, team_id=team_id)
    assert [(a["action"], a["entity"], a["entity_id"]) for a in audit] == [
        ("update", "sla_policy", "default"),
        ("create", "sla_policy", "default"),
    ]
    assert audit[0]["before"]["goals"]["resolution"]["P2"] == "16h"
    assert audit[0]["after"]["goals"]["resolution"]["P2"] == "8h"


def test_a_ticket_follows_its_named_policy(db: Database) -> None:
    team_id = _desk(db)
    manager = _as(Role.MANAGER, team_id)
    save_policy(db, manager, "HELP", {"goals": {"resolution": {"P2": "2h"}}}, name="Premium", now=NOW)
    assert _resolution(db, manager, "SD-2")["policy"] == "Premium"
    assert _resolution(db, manager, "SD-2")["state"] == "breached"  # 4 h of Premium's 2 h
    assert _resolution(db, manager, "SD-1")["policy"] == "default"  # no "Standard" policy: the fallback
    found = team_policies(db, manager, "HELP")
    assert list(found.policies) == ["Premium"] and found.to_dict()["fallback"]["stored"] is False
    assert team_policy(db, manager, "HELP", "default").name == "default"
    with pytest.raises(NotFound, match="no SLA policy 'Gold'"):
        team_policy(db, manager, "HELP", "Gold")


def test_roles_and_validation(db: Database) -> None:
    team_id = _desk(db)
    with pytest.raises(PermissionDenied, match="manager"):
        save_policy(db, _as(Role.SUPPORT, team_id), "HELP", {}, now=NOW)
    with pytest.raises(PermissionDenied, match="support"):
        team_clocks(db, WorkspaceConfig(), _as(Role.MEMBER, team_id), "HELP", now=NOW)
    with pytest.raises(InputError, match=r"goals\.resolution\.P2"):
        save_policy(db, _as(Role.MANAGER, team_id), "HELP", {"goals": {"resolution": {"P2": "-1h"}}}, now=NOW)
    with db.connect() as conn:
        assert read_audit(conn, team_id=team_id) == []


def test_clocks_are_cached_per_data_and_policy_version(db: Database) -> None:
    team_id = _desk(db)
    support = _as(Role.SUPPORT, team_id)
    first = team_clocks(db, WorkspaceConfig(), support, "HELP", now=NOW)
    assert team_clocks(db, WorkspaceConfig(), support, "HELP", now=NOW + dt.timedelta(seconds=20)) is first
    save_policy(db, _as(Role.MANAGER, team_id), "HELP", {"at_risk": "2h"}, now=NOW)
    assert team_clocks(db, WorkspaceConfig(), support, "HELP", now=NOW) is not first
    assert current_clocks(first).height == 4
    met = find_clocks(db, WorkspaceConfig(), support, "HELP", now=NOW, state="met", goal="resolution")
    assert met.get_column("key").to_list() == ["SD-1", "SD-2"]  # met clocks have no due date: by ticket


def test_support_metrics_of_the_desk(db: Database) -> None:
    team_id = _desk(db)
    result = team_support_metrics(
        db, WorkspaceConfig(), _as(Role.SUPPORT, team_id), "HELP", now=NOW, start=dt.date(2026, 3, 1),
        end=dt.date(2026, 3, 12),
    )  # fmt: skip
    assert result["sla_attainment"]["resolution"]["met"] == 2
    assert result["sla_attainment"]["resolution"]["attainment"] == 1.0
    assert result["time_to_resolution"]["business_hours"] == {"n": 2, "p50": 4.0, "p85": 10.0}
    assert result["escalation_rate"] == {"tickets": 2, "escalated": 1, "rate": 0.5}
    # SD-2 escalated Mon 11:00, DEV-1 resolved Tue 15:00: 28 calendar hours
    assert result["time_waiting_on_dev"]["p50"] == 28.0
    assert result["l1_l2_handoff"]["business_hours"]["p50"] == 2.0
    assert result["interrupt_load"] == {"delivered": 1, "interrupts": 1, "share": 1.0, "estimated": 1,
                                        "capacity_share": 1.0}  # fmt: skip
    assert result["open_ticket_age"]["n"] == 0
    with pytest.raises(PermissionDenied):
        team_support_metrics(db, WorkspaceConfig(), _as(Role.VIEWER, team_id), "HELP", now=NOW)
