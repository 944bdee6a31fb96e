"""``cadence notify`` end to end: add an e-mail channel, queue a message, send it to a real SMTP server."""

from __future__ import annotations

import polars as pl
import pytest
from cryptography.fernet import Fernet

from cadence.domain.batch import RecordBatch
from cadence.services.notifications import enqueue
from cadence.store.database import Database
from cadence.store.ingest import ingest
from cadence.store.migrations import upgrade
from cadence.store.teams import find_team
from tests.notify_servers import SmtpServer, closed_port, smtp_server

__all__ = ["smtp_server"]


@pytest.fixture
def url(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("CADENCE_ENCRYPTION_KEY", Fernet.generate_key().decode())
    monkeypatch.setenv("CADENCE_NOTIFY_MAX_ATTEMPTS", "1")
    db = Database(sqlite_url)
    upgrade(db)
    with db.begin() as conn:
        ingest(
            conn, RecordBatch(source="t", teams=pl.DataFrame({"key": ["OPS"], "name": ["Ops"], "timezone": ["UTC"]}))
        )
    db.dispose()
    return sqlite_url


def _queue(url: str, key: str) -> int:
    db = Database(url)
    with db.begin() as conn:
        team = find_team(conn, "OPS")
        assert team is not None
        queued = enqueue(
            conn, team_id=team.id, topic="relay", subject="SD-1 relayed", body="Export fails", dedupe_key=key
        )
    db.dispose()
    return queued


def test_add_send_list_remove(cli, url: str, smtp_server: SmtpServer) -> None:  # type: ignore[no-untyped-def]
    added = cli(url, "notify", "add", "OPS", "mail", "--kind", "email", "--to", "ann@example.org",
                "--smtp-host", "127.0.0.1", "--smtp-port", str(smtp_server.port), "--smtp-tls", "none",
                "--from", "cadence@example.org", "--topics", "relay")  # fmt: skip
    assert added.exit_code == 0, added.output
    assert "a…@example.org via 127.0.0.1" in added.output
    assert _queue(url, "relay:SD-1") == 1
    sent = cli(url, "notify", "send")
    assert sent.exit_code == 0 and "1 sent, 0 to retry, 0 failed" in sent.output
    assert [(m.recipients, m.subject) for m in smtp_server.mails] == [(("ann@example.org",), "SD-1 relayed")]
    tested = cli(url, "notify", "test", "OPS", "mail")
    assert tested.exit_code == 0 and len(smtp_server.mails) == 2
    listed = cli(url, "notify", "channels", "OPS")
    assert "mail\temail\ta…@example.org" in listed.output and "relay" in listed.output
    assert cli(url, "notify", "remove", "OPS", "mail").exit_code == 0
    assert "no notification channel" in cli(url, "notify", "channels", "OPS").output


def test_send_exits_1_when_a_message_fails_for_good(cli, url: str) -> None:  # type: ignore[no-untyped-def]
    added = cli(url, "notify", "add", "OPS", "dead", "--kind", "email", "--to", "ann@example.org",
                "--smtp-host", "127.0.0.1", "--smtp-port", str(closed_port()), "--smtp-tls", "none")  # fmt: skip
    assert added.exit_code == 0, added.output
    _queue(url, "k")
    sent = cli(url, "notify", "send")
    assert sent.exit_code == 1 and "0 sent, 0 to retry, 1 failed" in sent.output
    assert cli(url, "notify", "test", "OPS", "dead").exit_code == 1


def test_bad_input_is_refused(cli, url: str) -> None:  # type: ignore[no-untyped-def]
    bad_tls = cli(url, "notify", "add", "OPS", "m", "--kind", "email", "--to", "a@example.org", "--smtp-host", "h",
                  "--smtp-tls", "plain")  # fmt: skip
    assert bad_tls.exit_code == 6
    http = cli(url, "notify", "add", "OPS", "h", "--kind", "webhook", "--url", "http://example.org/hook")
    assert http.exit_code == 6
