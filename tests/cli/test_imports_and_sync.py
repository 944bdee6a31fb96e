"""``cadence connect jira``, ``cadence sync`` and ``cadence sources`` against the fake Jira."""

from __future__ import annotations

import json
from typing import Any

import pytest
from cryptography.fernet import Fernet

from cadence.store.database import Database
from cadence.store.migrations import upgrade
from tests.connectors.jira.fake_jira import FakeJira, Served
from tests.connectors.jira.payloads import drill_issues, field_catalog


@pytest.fixture
def url(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    db = Database(sqlite_url)
    upgrade(db)
    db.dispose()
    monkeypatch.setenv("CADENCE_ENCRYPTION_KEY", Fernet.generate_key().decode())
    monkeypatch.setenv("JIRA_PAT", "good-token")
    return sqlite_url


def test_connect_sync_and_list(cli: Any, url: str) -> None:
    fake = FakeJira("dc", drill_issues(), fields=field_catalog("Apache"))
    with Served(fake) as server:
        connected = cli(
            url,
            "connect",
            "jira",
            "--name",
            "apache",
            "--url",
            server.url,
            "--pat-env",
            "JIRA_PAT",
            "--project",
            "DRILL",
            "--team",
            "DRILL",
            "--allow-http",
        )
        assert connected.exit_code == 0, connected.output
        assert "Jira Data Center source 'apache'" in connected.stdout
        synced = cli(url, "sync", "apache")
        assert synced.exit_code == 0, synced.output
        assert "apache: read 3 issues" in synced.stdout and "0 skipped" in synced.stdout
        again = cli(url, "sync", "--format", "json")
        assert json.loads(again.stdout)["stored"] == 0
        full = cli(url, "sync", "apache", "--full", "--format", "json")
        assert json.loads(full.stdout)["unchanged"] > 0
    listed = cli(url, "sources")
    assert listed.exit_code == 0
    assert "apache" in listed.stdout and "ok" in listed.stdout


def test_connect_explains_what_is_missing(cli: Any, url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    both = cli(
        url, "connect", "jira", "--name", "x", "--url", "https://j.example.com", "--pat-env", "A", "--token-env", "B"
    )
    assert both.exit_code == 6 and "exactly one" in both.stderr
    unset = cli(url, "connect", "jira", "--name", "x", "--url", "https://j.example.com", "--pat-env", "UNSET_VAR_X")
    assert unset.exit_code == 6 and "UNSET_VAR_X is not set" in unset.stderr
    monkeypatch.delenv("CADENCE_ENCRYPTION_KEY")
    nokey = cli(url, "connect", "jira", "--name", "x", "--url", "https://j.example.com", "--pat-env", "JIRA_PAT")
    assert nokey.exit_code == 3 and "CADENCE_ENCRYPTION_KEY" in nokey.stderr
    nothing = cli(url, "sync")
    assert nothing.exit_code == 6 and "no source" in nothing.stderr


def test_sync_with_a_revoked_token_exits_8(cli: Any, url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeJira("dc", [], fields=[])
    monkeypatch.setenv("JIRA_PAT", "revoked")
    with Served(fake) as server:
        cli(url, "connect", "jira", "--name", "dc", "--url", server.url, "--pat-env", "JIRA_PAT", "--allow-http")
        result = cli(url, "sync", "dc")
    assert result.exit_code == 8
    assert "HTTP 401" in result.stderr and "$JIRA_PAT" in result.stderr
