"""Notifications through the service, over a real database, a real SMTP server and a real HTTP receiver."""

from __future__ import annotations

import datetime as dt
import threading

import polars as pl
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from cadence.domain.batch import RecordBatch
from cadence.domain.errors import ConfigurationError, Conflict, PermissionDenied
from cadence.domain.model import Role
from cadence.services.access import Actor, actor_for_user
from cadence.services.audit_log import SYSTEM
from cadence.services.notifications import (
    add_channel,
    backoff,
    deliver_pending,
    enqueue,
    list_channels,
    recent_messages,
    remove_channel,
)
from cadence.services.notifications import (
    test_channel as try_channel,
)
from cadence.services.users import create_user, set_role
from cadence.store import notifications as store
from cadence.store import schema as S
from cadence.store.accounts import find_user
from cadence.store.database import Database
from cadence.store.ingest import ingest
from cadence.store.migrations import upgrade
from cadence.store.teams import find_team
from tests.notify_servers import SmtpServer, WebhookServer, closed_port, smtp_server, webhook_server

__all__ = ["smtp_server", "webhook_server"]  # fixtures used by name

KEY = Fernet.generate_key().decode()
T0 = dt.datetime.now(dt.UTC).replace(microsecond=0)


def _setup(db: Database) -> dict[str, Actor]:
    with db.begin() as conn:
        teams = pl.DataFrame({"key": ["OPS", "WEB"], "name": ["Operations", "Web"], "timezone": ["UTC", "UTC"]})
        ingest(conn, RecordBatch(source="test", teams=teams))
    out = {}
    for name, role in (("pm", Role.MANAGER), ("dev", Role.MEMBER)):
        create_user(db, SYSTEM, username=name, password="correct horse battery", now=T0)
        set_role(db, SYSTEM, username=name, team_key="OPS", role=role, now=T0)
        with db.connect() as conn:
            user = find_user(conn, name)
        assert user is not None
        out[name] = actor_for_user(db, user)
    return out


@pytest.fixture
def actors(db: Database) -> dict[str, Actor]:
    return _setup(db)


def _team_id(db: Database, key: str = "OPS") -> int:
    with db.connect() as conn:
        team = find_team(conn, key)
    assert team is not None
    return team.id


def _email(smtp: SmtpServer | int, to: str = "ann@example.org, bo@example.org") -> dict[str, object]:
    port = smtp if isinstance(smtp, int) else smtp.port
    return {"to": to, "smtp_host": "127.0.0.1", "smtp_port": port, "smtp_tls": "none", "from": "cadence@example.org"}


def _add(db: Database, actor: Actor, name: str, kind: str, target: dict[str, object], topics: tuple[str, ...] = ()):
    return add_channel(db, actor, "OPS", encryption_key=KEY, name=name, kind=kind, target=target, topics=topics, now=T0)


def _enqueue(db: Database, key: str, *, topic: str = "relay", subject: str = "OPS-7 escalated", now=T0) -> int:
    with db.begin() as conn:
        return enqueue(conn, team_id=_team_id(db), topic=topic, subject=subject, body=f"Body of {key}\nline 2",
                       dedupe_key=key, now=now)  # fmt: skip


def test_an_enqueued_message_arrives_by_email(db: Database, actors: dict[str, Actor], smtp_server: SmtpServer) -> None:
    _add(db, actors["pm"], "pm mail", "email", _email(smtp_server))
    assert _enqueue(db, "ticket:7:escalated") == 1
    report = deliver_pending(db, now=T0, encryption_key=KEY)
    assert (report.claimed, report.sent, report.retried, report.failed) == (1, 1, 0, 0)
    # Apprise sends one e-mail per recipient, so addresses are not disclosed to each other.
    assert sorted(m.recipients for m in smtp_server.mails) == [("ann@example.org",), ("bo@example.org",)]
    assert {m.subject for m in smtp_server.mails} == {"OPS-7 escalated"}
    assert {m.body.replace("\r\n", "\n").strip() for m in smtp_server.mails} == {"Body of ticket:7:escalated\nline 2"}
    assert {m.sender for m in smtp_server.mails} == {"cadence@example.org"}
    [message] = recent_messages(db, actors["pm"], "OPS")
    assert (message.state, message.attempts, message.sent_at, message.last_error) == ("sent", 1, T0, None)
    assert deliver_pending(db, now=T0 + dt.timedelta(hours=1), encryption_key=KEY).claimed == 0


def test_the_same_dedupe_key_twice_sends_one_email(
    db: Database, actors: dict[str, Actor], smtp_server: SmtpServer
) -> None:
    _add(db, actors["pm"], "pm mail", "email", _email(smtp_server, "ann@example.org"))
    assert _enqueue(db, "digest:2026-W48") == 1
    assert _enqueue(db, "digest:2026-W48", subject="a second rendering") == 0
    assert deliver_pending(db, now=T0, encryption_key=KEY).sent == 1
    assert _enqueue(db, "digest:2026-W48") == 0  # still a duplicate once sent
    assert deliver_pending(db, now=T0, encryption_key=KEY).claimed == 0
    assert [m.subject for m in smtp_server.mails] == ["OPS-7 escalated"]


def test_topics_choose_the_channels(db: Database, actors: dict[str, Actor], webhook_server: WebhookServer) -> None:
    _add(db, actors["pm"], "relay only", "webhook", {"url": webhook_server.url + "/relay"}, ("relay",))
    _add(db, actors["pm"], "everything", "webhook", {"url": webhook_server.url + "/all"})
    _add(db, actors["pm"], "digests", "webhook", {"url": webhook_server.url + "/digest"}, ("digest", "Weekly"))
    assert _enqueue(db, "a", topic="relay") == 2
    assert _enqueue(db, "b", topic="weekly") == 2
    assert _enqueue(db, "c", topic="sla") == 1
    with db.begin() as conn:  # another team's event reaches none of OPS's channels
        assert enqueue(conn, team_id=_team_id(db, "WEB"), topic="relay", subject="s", body="b", dedupe_key="a") == 0
    assert deliver_pending(db, now=T0, encryption_key=KEY).sent == 5
    paths = sorted(path.split("?")[0] for path, _ in webhook_server.requests)
    assert paths == ["/all", "/all", "/all", "/digest", "/relay"]


def test_a_failing_channel_backs_off_then_fails_while_others_deliver(
    db: Database, actors: dict[str, Actor], smtp_server: SmtpServer
) -> None:
    _add(db, actors["pm"], "good", "email", _email(smtp_server, "ann@example.org"))
    _add(db, actors["pm"], "broken", "email", _email(closed_port(), "ann@example.org"))
    assert _enqueue(db, "k1") == 2
    minute = dt.timedelta(minutes=1)
    runs = []
    for offset in (0, 0.5, 1, 2.9, 3, 100):  # minutes after T0
        report = deliver_pending(db, now=T0 + offset * minute, encryption_key=KEY, max_attempts=3, retry_after=minute)
        runs.append((offset, report.claimed, report.sent, report.retried, report.failed))
    # attempt 1 at T0 (next in 1 min), attempt 2 at T0+1 (next in 2 min), attempt 3 at T0+3: failed for good.
    assert runs == [(0, 2, 1, 1, 0), (0.5, 0, 0, 0, 0), (1, 1, 0, 1, 0), (2.9, 0, 0, 0, 0), (3, 1, 0, 0, 1),
                    (100, 0, 0, 0, 0)]  # fmt: skip
    assert len(smtp_server.mails) == 1
    by_channel = {m.channel_name: m for m in recent_messages(db, actors["pm"], "OPS")}
    failed = by_channel["broken"]
    assert (failed.state, failed.attempts, failed.sent_at) == ("failed", 3, None)
    assert failed.last_error is not None
    assert failed.last_error.startswith("e-mail via 127.0.0.1:")
    assert "Connection error" in failed.last_error
    assert by_channel["good"].state == "sent"


def test_backoff_doubles_up_to_six_hours() -> None:
    minute = dt.timedelta(minutes=1)
    assert [backoff(n, minute) for n in (1, 2, 3, 4)] == [minute, 2 * minute, 4 * minute, 8 * minute]
    assert backoff(30, minute) == dt.timedelta(hours=6)


def test_a_webhook_receives_the_json_payload(
    db: Database, actors: dict[str, Actor], webhook_server: WebhookServer
) -> None:
    _add(db, actors["pm"], "hook", "webhook", {"url": webhook_server.url + "/cadence/hook?token=s3cret"})
    _enqueue(db, "k", subject="SLA breached: SD-4")
    assert deliver_pending(db, now=T0, encryption_key=KEY).sent == 1
    [(path, payload)] = webhook_server.requests
    assert path == "/cadence/hook?token=s3cret"
    assert payload["title"] == "SLA breached: SD-4"
    assert payload["message"] == "Body of k\nline 2"
    assert payload["type"] == "info"


def test_a_webhook_answering_500_is_retried(
    db: Database, actors: dict[str, Actor], webhook_server: WebhookServer
) -> None:
    webhook_server.status = 500
    _add(db, actors["pm"], "hook", "webhook", {"url": webhook_server.url + "/h"})
    _enqueue(db, "k")
    report = deliver_pending(db, now=T0, encryption_key=KEY)
    assert (report.sent, report.retried) == (0, 1)
    assert report.errors[0][0] == "hook" and "500" in report.errors[0][1]


def test_targets_are_stored_encrypted_and_listed_masked(db: Database, actors: dict[str, Actor]) -> None:
    _add(db, actors["pm"], "mail", "email", {**_email(2525, "ann.lee@example.org"), "username": "relay",
                                             "password": "hunter2"})  # fmt: skip
    _add(db, actors["pm"], "slack", "slack", {"url": "https://hooks.slack.com/services/T0AB/B0CD/abcdefTOKEN123456"})
    with db.connect() as conn:
        raw = [row.target_encrypted for row in conn.execute(select(S.table(S.NotificationChannel)))]
        audit = [str(row.after) for row in conn.execute(select(S.table(S.AuditEntry)))]
    for secret in ("ann.lee", "example.org", "hunter2", "abcdefTOKEN", "hooks.slack.com"):
        assert not any(secret in value for value in raw)
    for secret in ("ann.lee", "hunter2", "abcdefTOKEN", "T0AB"):
        assert not any(secret in value for value in audit)
    views = {v.name: v for v in list_channels(db, actors["pm"], "OPS", encryption_key=KEY)}
    assert views["mail"].target == "a…@example.org via 127.0.0.1:2525 (none)"
    assert views["slack"].target == "https://hooks.slack.com/…"
    assert list_channels(db, actors["pm"], "OPS", encryption_key=Fernet.generate_key().decode())[0].target.startswith(
        "(cannot be read"
    )


def test_only_managers_configure_channels(db: Database, actors: dict[str, Actor]) -> None:
    with pytest.raises(PermissionDenied):
        _add(db, actors["dev"], "x", "webhook", {"url": "https://example.org/h"})
    with pytest.raises(PermissionDenied):
        list_channels(db, actors["dev"], "OPS", encryption_key=KEY)
    _add(db, actors["pm"], "x", "webhook", {"url": "https://example.org/h"})
    with pytest.raises(Conflict):
        _add(db, actors["pm"], "x", "webhook", {"url": "https://example.org/h"})
    with pytest.raises(PermissionDenied):
        remove_channel(db, actors["dev"], "OPS", name="x", now=T0)
    _enqueue(db, "k")
    remove_channel(db, actors["pm"], "OPS", name="x", now=T0)
    assert list_channels(db, actors["pm"], "OPS", encryption_key=KEY) == []
    assert recent_messages(db, actors["pm"], "OPS") == []  # its queued messages went with it


def test_test_channel_sends_now_or_says_why_not(
    db: Database, actors: dict[str, Actor], smtp_server: SmtpServer
) -> None:
    _add(db, actors["pm"], "good", "email", _email(smtp_server, "ann@example.org"))
    _add(db, actors["pm"], "broken", "email", _email(closed_port(), "ann@example.org"))
    assert try_channel(db, actors["pm"], "OPS", encryption_key=KEY, name="good") is None
    assert smtp_server.mails[0].subject == "Cadence test message for team OPS"
    error = try_channel(db, actors["pm"], "OPS", encryption_key=KEY, name="broken")
    assert error is not None and "Connection error" in error


def test_a_wrong_key_leaves_messages_pending(db: Database, actors: dict[str, Actor], smtp_server: SmtpServer) -> None:
    _add(db, actors["pm"], "mail", "email", _email(smtp_server))
    _enqueue(db, "k")
    with pytest.raises(ConfigurationError):
        deliver_pending(db, now=T0, encryption_key=Fernet.generate_key().decode())
    [message] = recent_messages(db, actors["pm"], "OPS")
    assert (message.state, message.attempts) == ("pending", 0)
    assert deliver_pending(db, now=T0, encryption_key=KEY).sent == 1


def test_a_stale_claim_is_taken_over(db: Database, actors: dict[str, Actor], smtp_server: SmtpServer) -> None:
    _add(db, actors["pm"], "mail", "email", _email(smtp_server, "ann@example.org"))
    _enqueue(db, "k")
    with db.begin() as conn:  # a sender claims, then dies before sending
        assert len(store.claim_messages(conn, token="dead", now=T0, stale_before=T0, limit=10)) == 1
    assert deliver_pending(db, now=T0 + dt.timedelta(minutes=14), encryption_key=KEY).claimed == 0
    report = deliver_pending(db, now=T0 + dt.timedelta(minutes=16), encryption_key=KEY)
    assert (report.claimed, report.sent) == (1, 1)
    with db.begin() as conn:  # the dead sender waking up cannot settle a message it no longer holds
        assert not store.settle_message(conn, recent_messages(db, actors["pm"], "OPS")[0].id, token="dead",
                                        state="failed", now=T0)  # fmt: skip
    assert recent_messages(db, actors["pm"], "OPS")[0].attempts == 2


@pytest.mark.postgres
def test_postgres_claims_skip_rows_another_sender_holds(postgres_url: str) -> None:
    db = Database(postgres_url)
    upgrade(db)
    try:
        actors = _setup(db)
        _add(db, actors["pm"], "hook", "webhook", {"url": "https://example.org/h"})
        for n in range(6):
            _enqueue(db, f"k{n}")
        with db.begin() as first:
            held = store.claim_messages(first, token="a", now=T0, stale_before=T0, limit=4)
            with db.begin() as second:  # while the first transaction is open: no wait, the other two rows
                other = store.claim_messages(second, token="b", now=T0, stale_before=T0, limit=10)
        assert len(held) == 4 and len(other) == 2
        assert not {m.id for m in held} & {m.id for m in other}
    finally:
        db.dispose()


@pytest.mark.postgres
def test_two_senders_on_postgres_deliver_each_message_once(postgres_url: str, webhook_server: WebhookServer) -> None:
    db = Database(postgres_url)
    upgrade(db)
    try:
        actors = _setup(db)
        _add(db, actors["pm"], "hook", "webhook", {"url": webhook_server.url + "/h"})
        count = 40
        for n in range(count):
            _enqueue(db, f"k{n}", subject=f"message {n}")
        claimed: dict[str, int] = {}
        start = threading.Barrier(2)

        def sender(name: str) -> None:
            start.wait()
            total = 0
            while (report := deliver_pending(db, now=T0, limit=3, encryption_key=KEY)).claimed:
                total += report.claimed
            claimed[name] = total

        threads = [threading.Thread(target=sender, args=(name,)) for name in ("a", "b")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        subjects = sorted(payload["title"] for _, payload in webhook_server.requests)
        assert subjects == sorted(f"message {n}" for n in range(count))  # each once, none missing
        assert claimed["a"] + claimed["b"] == count
        with db.connect() as conn:
            assert store.count_messages(conn) == {"sent": count}
    finally:
        db.dispose()
