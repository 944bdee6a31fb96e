"""``cadence risks TEAM --format json``: the stable contract (exact keys), with a risk, its history and mitigation,
and a proposed risk from the team's data (a WIP limit of 1 in the workspace file; seven items in progress)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cadence.services.audit_log import SYSTEM
from cadence.services.risks import add_mitigation, create_risk, rescore_risk
from cadence.services.workspace_config import WorkspaceConfig
from cadence.store.database import Database
from cadence.store.migrations import upgrade
from tests.services.impediment_world import NOW, seed

RISK_KEYS = {"id", "title", "probability", "impact", "score", "roam", "status", "owner", "review_on", "epic_key",
             "fix_version", "mitigations", "history"}  # fmt: skip
PROPOSAL_KEYS = {"signal_key", "rule", "title", "reason", "evidence", "probability", "impact"}


def test_the_json_contract(cli, sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    db = Database(sqlite_url)
    upgrade(db)
    seed(db)
    admin = type(SYSTEM)(user_id=0, username="cadence", display_name="Cadence", is_superuser=True)
    config = WorkspaceConfig()
    made = create_risk(db, config, admin, "OPS", title="Vendor API deprecation", probability=2, impact=4, now=NOW,
                       epic_key="OPS-EPIC", roam="owned")  # fmt: skip
    rescore_risk(db, config, admin, "OPS", made["id"], probability=4, impact=4, now=NOW, note="date confirmed")
    add_mitigation(db, config, admin, "OPS", made["id"], title="Pin the client", now=NOW)
    db.dispose()
    toml = tmp_path / "cadence.toml"
    toml.write_text("[teams.OPS.risks]\nwip_limit = 1\n", encoding="utf-8")
    monkeypatch.setenv("CADENCE_WORKSPACE_FILE", str(toml))

    shown = cli(sqlite_url, "risks", "OPS", "--format", "json")
    assert shown.exit_code == 0, shown.output
    body = json.loads(shown.stdout)
    assert set(body) == {"team", "risks", "proposed"} and body["team"] == "OPS"
    [risk] = body["risks"]
    assert set(risk) == RISK_KEYS
    assert (risk["title"], risk["probability"], risk["impact"], risk["score"], risk["roam"], risk["status"]) == (
        "Vendor API deprecation", 4, 4, 16, "owned", "open"
    )  # fmt: skip
    assert (risk["epic_key"], risk["fix_version"], risk["owner"], risk["review_on"]) == ("OPS-EPIC", None, None, None)
    assert [(h["score"], h["note"]) for h in risk["history"]] == [(8, "first assessment"), (16, "date confirmed")]
    assert [(m["title"], m["status"]) for m in risk["mitigations"]] == [("Pin the client", "open")]
    wip = [p for p in body["proposed"] if p["rule"] == "wip_above_limit"]
    assert len(wip) == 1 and set(wip[0]) == PROPOSAL_KEYS
    assert wip[0]["signal_key"] == "wip_above_limit:team" and wip[0]["evidence"]["limit"] == 1
    assert all(set(p) == PROPOSAL_KEYS for p in body["proposed"])

    text = cli(sqlite_url, "risks", "OPS")
    assert text.exit_code == 0 and "Vendor API deprecation" in text.stdout and "16 (4x4)" in text.stdout
    assert "proposed" in text.stdout
    assert cli(sqlite_url, "risks", "NOPE").exit_code == 7
