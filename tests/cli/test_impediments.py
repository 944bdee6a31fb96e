"""``cadence impediments TEAM [--candidates] [--format json]`` on the hand-made history of six planted stalls."""

from __future__ import annotations

import json

from cadence.services.audit_log import SYSTEM
from cadence.services.impediments import open_impediment
from cadence.store.database import Database
from cadence.store.migrations import upgrade
from tests.services.impediment_world import NOW, seed


def test_open_impediments_and_candidates(cli, sqlite_url: str) -> None:  # type: ignore[no-untyped-def]
    db = Database(sqlite_url)
    upgrade(db)
    seed(db)
    admin = type(SYSTEM)(user_id=0, username="cadence", display_name="Cadence", is_superuser=True)
    open_impediment(db, admin, "OPS", title="Staging is down", now=NOW, item_key="OPS-A")
    db.dispose()

    shown = cli(sqlite_url, "impediments", "OPS")
    assert shown.exit_code == 0, shown.output
    assert "Staging is down (OPS-A)" in shown.stdout and "level 0" in shown.stdout and "Open 1;" in shown.stdout
    listed = json.loads(cli(sqlite_url, "impediments", "OPS", "--format", "json").stdout)
    assert [r["title"] for r in listed["open"]] == ["Staging is down"] and listed["metrics"]["open"] == 1

    found = cli(sqlite_url, "impediments", "OPS", "--candidates", "--format", "json")
    assert found.exit_code == 0, found.output
    candidates = json.loads(found.stdout)["candidates"]
    # Months after the planted week every item in progress has gone quiet: each is stale, none is forgotten.
    stale = {c["item_key"] for c in candidates if c["signal"] == "stale"}
    assert stale == {"OPS-A", "OPS-B", "OPS-C", "OPS-D", "OPS-E", "OPS-F", "OPS-W"}
    assert all(c["reason"] and c["signal_key"].startswith(f"{c['signal']}:") for c in candidates)
    text = cli(sqlite_url, "impediments", "OPS", "--candidates")
    assert "No change for" in text.stdout and "Waiting on WEB-1 of WEB" in text.stdout
    assert cli(sqlite_url, "impediments", "NOPE").exit_code == 7
