"""The import commands' stable JSON contract: counts and (line, column, problem) on stdout alone."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cadence.store.database import Database
from cadence.store.migrations import upgrade


def _migrated(url: str) -> str:
    db = Database(url)
    upgrade(db)
    db.dispose()
    return url


def test_import_events_json_contract_and_dry_run(cli: Any, sqlite_url: str, tmp_path: Path) -> None:
    url = _migrated(sqlite_url)
    log = tmp_path / "log.csv"
    log.write_text("id,when,state\nT1,2024-03-01T09:00:00Z,New\nT1,bad,Open\nT2,2024-03-01T10:00:00Z,New\n")
    mapping = tmp_path / "map.toml"
    mapping.write_text('[columns]\nticket = "id"\nat = "when"\nstatus = "state"\n')
    args = ["import", "events", str(log), "--mapping", str(mapping), "--team", "HELP", "--format", "json"]
    dry = cli(url, *args, "--dry-run")
    assert dry.exit_code == 0, dry.output
    report = json.loads(dry.stdout)
    assert set(report) == {"stored", "unchanged", "skipped", "problems"}
    assert report["skipped"] == 1
    assert report["problems"] == [{"line": 3, "column": "when", "problem": "timestamp 'bad' does not match ISO 8601"}]
    real = json.loads(cli(url, *args).stdout)
    assert real["stored"] == report["stored"]
    again = json.loads(cli(url, *args).stdout)
    assert again["stored"] == 0 and again["unchanged"] > 0


def test_import_text_summary_and_errors(cli: Any, sqlite_url: str, tmp_path: Path) -> None:
    url = _migrated(sqlite_url)
    csv = tmp_path / "jira.csv"
    csv.write_text("Summary,Issue key,Status,Created\nA,OPS-1,Open,12/Jan/24 3:04 PM\n")
    result = cli(url, "import", "jira-csv", str(csv), "--team", "OPS")
    assert result.exit_code == 0, result.output
    assert "Stored" in result.stdout and "1 items" in result.stdout
    missing = cli(url, "import", "jira-json", str(tmp_path / "absent.json"), "--team", "OPS")
    assert missing.exit_code == 6
    assert "does not exist" in missing.stderr
