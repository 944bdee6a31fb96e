"""The scheduler: when each job is due (hand-checked in a team zone across DST), once-only runs on a shared
PostgreSQL with real e-mail delivery, failures recorded without stopping the others, and the app's thread."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
import time

import httpx
import polars as pl
import pytest
import uvicorn
from cryptography.fernet import Fernet

from cadence.app import create_app
from cadence.domain.batch import RecordBatch
from cadence.domain.model import Team
from cadence.reports.weekly import render_markdown
from cadence.services.audit_log import SYSTEM
from cadence.services.notifications import add_channel, deliver_pending
from cadence.services.scheduler import (
    JOBS,
    STALE_AFTER,
    Delivery,
    Job,
    Scheduler,
    due_occurrences,
    recent_runs,
    run_due,
    weekly_report_message,
)
from cadence.services.weekly_report import team_report
from cadence.services.workspace_config import WorkspaceConfig
from cadence.settings import Settings
from cadence.store import job_runs
from cadence.store import schema as S
from cadence.store.database import Database
from cadence.store.ingest import ingest
from cadence.store.migrations import upgrade
from cadence.store.teams import list_teams
from tests.notify_servers import SmtpServer, smtp_server

__all__ = ["smtp_server"]  # fixture used by name

KEY = Fernet.generate_key().decode()
ADMIN = dataclasses.replace(SYSTEM, is_superuser=True)
PARIS = Team(1, "OPS", "Operations", "Europe/Paris", None, 0)
CONFIG = WorkspaceConfig()
UTC = dt.UTC


def _due(job: str, now: dt.datetime, team: Team = PARIS) -> list[tuple[str, str, dt.datetime]]:
    return [(o.job, o.slot, o.due_at) for j, o in due_occurrences(CONFIG, [team], now=now) if j.name == job]


def test_standup_reminder_is_due_fifteen_minutes_before_the_standup_across_dst() -> None:
    # Default stand-up: Mon-Fri 09:30 Europe/Paris. Summer time starts on Sunday 2026-03-29.
    # Friday 27 March (CET, UTC+1): 09:30 local = 08:30 UTC, reminder window [08:15, 08:30) UTC.
    assert _due("standup-reminder", dt.datetime(2026, 3, 27, 8, 14, 59, tzinfo=UTC)) == []
    friday = [("standup-reminder", "OPS:2026-03-27", dt.datetime(2026, 3, 27, 8, 15, tzinfo=UTC))]
    assert _due("standup-reminder", dt.datetime(2026, 3, 27, 8, 15, tzinfo=UTC)) == friday
    assert _due("standup-reminder", dt.datetime(2026, 3, 27, 8, 29, 59, tzinfo=UTC)) == friday
    assert _due("standup-reminder", dt.datetime(2026, 3, 27, 8, 30, tzinfo=UTC)) == []  # it has started
    # Saturday and Sunday have no stand-up.
    assert _due("standup-reminder", dt.datetime(2026, 3, 28, 8, 20, tzinfo=UTC)) == []
    # Monday 30 March (CEST, UTC+2): 09:30 local = 07:30 UTC, window [07:15, 07:30) UTC; 08:15 UTC is too late.
    monday = [("standup-reminder", "OPS:2026-03-30", dt.datetime(2026, 3, 30, 7, 15, tzinfo=UTC))]
    assert _due("standup-reminder", dt.datetime(2026, 3, 30, 7, 15, tzinfo=UTC)) == monday
    assert _due("standup-reminder", dt.datetime(2026, 3, 30, 7, 14, tzinfo=UTC)) == []
    assert _due("standup-reminder", dt.datetime(2026, 3, 30, 8, 15, tzinfo=UTC)) == []


def test_daily_and_weekly_jobs_follow_the_team_zone() -> None:
    # support-digest: Mon-Fri from 08:00 local to the end of the local day. 08:00 CET = 07:00 UTC; CEST = 06:00 UTC.
    assert _due("support-digest", dt.datetime(2026, 3, 27, 6, 59, tzinfo=UTC)) == []
    assert _due("support-digest", dt.datetime(2026, 3, 27, 7, 0, tzinfo=UTC)) == [
        ("support-digest", "OPS:2026-03-27", dt.datetime(2026, 3, 27, 7, 0, tzinfo=UTC))
    ]
    assert _due("support-digest", dt.datetime(2026, 3, 30, 6, 0, tzinfo=UTC))[0][2] == dt.datetime(
        2026, 3, 30, 6, 0, tzinfo=UTC
    )
    # 22:59 UTC on Friday is still Friday in Paris (23:59); 23:00 UTC is Saturday: no digest.
    assert _due("support-digest", dt.datetime(2026, 3, 27, 22, 59, tzinfo=UTC))[0][1] == "OPS:2026-03-27"
    assert _due("support-digest", dt.datetime(2026, 3, 27, 23, 0, tzinfo=UTC)) == []
    # risk-review: Mondays from 09:00 local, slot = ISO week. 30 March 2026 is in week 14.
    assert _due("risk-review", dt.datetime(2026, 3, 30, 7, 0, tzinfo=UTC)) == [
        ("risk-review", "OPS:2026-W14", dt.datetime(2026, 3, 30, 7, 0, tzinfo=UTC))
    ]
    assert _due("risk-review", dt.datetime(2026, 3, 30, 6, 59, tzinfo=UTC)) == []
    # weekly-report: Mondays from 08:00 local, for the week before. Summer time ends on Sunday 2026-10-25.
    assert _due("weekly-report", dt.datetime(2026, 10, 19, 6, 0, tzinfo=UTC))[0][1:] == (
        "OPS:2026-W43",
        dt.datetime(2026, 10, 19, 6, 0, tzinfo=UTC),
    )
    assert _due("weekly-report", dt.datetime(2026, 10, 26, 6, 30, tzinfo=UTC)) == []  # 07:30 CET
    assert _due("weekly-report", dt.datetime(2026, 10, 26, 7, 0, tzinfo=UTC))[0][1] == "OPS:2026-W44"
    assert _due("weekly-report", dt.datetime(2026, 10, 23, 14, 0, tzinfo=UTC)) == []  # a Friday
    # overdue-actions runs once for the workspace, daily from 08:00 UTC; delivery every minute.
    assert _due("overdue-actions", dt.datetime(2026, 3, 27, 8, 0, tzinfo=UTC))[0][1] == "*:2026-03-27"
    assert _due("deliver-notifications", dt.datetime(2026, 3, 27, 8, 0, 42, tzinfo=UTC))[0][1] == "*:2026-03-27T08:00Z"


def _setup(db: Database, smtp: SmtpServer) -> dict[str, int]:
    with db.begin() as conn:
        teams = pl.DataFrame(
            {"key": ["OPS", "WEB"], "name": ["Operations", "Web"], "timezone": ["Europe/Paris", "Europe/Paris"]}
        )
        ingest(conn, RecordBatch(source="test", teams=teams))
        ids = {t.key: t.id for t in list_teams(conn)}
        risks = S.table(S.Risk)
        for title, status, review_on in (
            ("Vendor API sunset", "open", dt.date(2026, 3, 20)),  # due for review
            ("Key person leaves", "owned", dt.date(2026, 4, 20)),  # not yet
            ("Old outage", "resolved", dt.date(2026, 1, 5)),  # resolved: never reviewed
        ):
            conn.execute(risks.insert().values(team_id=ids["OPS"], title=title, probability=3, impact=4,
                                               status=status, review_on=review_on))  # fmt: skip
    for key in ("OPS", "WEB"):
        target = {"to": f"{key.lower()}@example.org", "smtp_host": "127.0.0.1", "smtp_port": smtp.port,
                  "smtp_tls": "none", "from": "cadence@example.org"}  # fmt: skip
        add_channel(db, ADMIN, key, encryption_key=KEY, name="mail", kind="email", target=target,
                    now=dt.datetime(2026, 3, 1, tzinfo=UTC))  # fmt: skip
    return ids


@pytest.mark.postgres
def test_two_instances_on_one_postgresql_send_each_scheduled_message_once(
    postgres_url: str, smtp_server: SmtpServer
) -> None:
    first, second = Database(postgres_url), Database(postgres_url)
    upgrade(first)
    try:
        _setup(first, smtp_server)
        delivery = Delivery(encryption_key=KEY)
        # 07:20 UTC = 09:20 in Paris (summer time): the stand-up reminder is due on every weekday, the risk review
        # (Monday from 09:00) on the Monday; the support digest has nothing to say (no ticket).
        mornings = [dt.datetime(2026, 3, 30, 7, 20, tzinfo=UTC) + dt.timedelta(days=d) for d in range(3)]
        outcomes: dict[str, list] = {"a": [], "b": []}
        for now in mornings:
            barrier = threading.Barrier(2)

            def instance(db: Database, name: str, now: dt.datetime = now, barrier: threading.Barrier = barrier):
                barrier.wait()
                outcomes[name] += run_due(db, CONFIG, now=now, instance=name, delivery=delivery)

            threads = [threading.Thread(target=instance, args=(db, n)) for db, n in ((first, "a"), (second, "b"))]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(60)
            # Whatever one instance queued after the other's delivery goes out now.
            deliver_pending(first, now=now, encryption_key=KEY)
        subjects = sorted((m.recipients, m.subject) for m in smtp_server.mails)
        assert subjects == sorted(
            [(("ops@example.org",), "[OPS] Stand-up at 09:30")] * 3
            + [(("web@example.org",), "[WEB] Stand-up at 09:30")] * 3
            + [(("ops@example.org",), "[OPS] 1 risk(s) to review")]
            + [(("ops@example.org",), "[OPS] Weekly report 2026-W13 (2026-03-23 to 2026-03-29)")]
            + [(("web@example.org",), "[WEB] Weekly report 2026-W13 (2026-03-23 to 2026-03-29)")]
        )
        [review] = [m for m in smtp_server.mails if "risk" in m.subject]
        assert "Vendor API sunset (probability 3 x impact 4 = 12, open: review was due on 2026-03-20)" in review.body
        # Every claimed occurrence ran in exactly one instance; the other skipped it.
        all_outcomes = outcomes["a"] + outcomes["b"]
        claimed = [o for o in all_outcomes if o.job != "deliver-notifications"]
        by_slot: dict[tuple[str, str], list[str]] = {}
        for outcome in claimed:
            by_slot.setdefault((outcome.job, outcome.slot), []).append(outcome.state)
        # Per morning: reminder and digest for both teams (the digest has nothing to say); Monday: 2 risk reviews
        # and 2 weekly reports.
        assert len(by_slot) == 3 * 4 + 2 + 2
        assert all(sorted(states) == ["done", "skipped"] for states in by_slot.values())
        runs = recent_runs(first, limit=100)
        assert len(runs) == len(by_slot) and {r.state for r in runs} == {"done"}
    finally:
        first.dispose()
        second.dispose()


def _boom(ctx: object, occurrence: object) -> str:
    raise RuntimeError("the report renderer is missing")


def test_a_failing_job_is_recorded_failed_and_the_others_still_run(db: Database, smtp_server: SmtpServer) -> None:
    _setup(db, smtp_server)
    failing = Job("broken", lambda config, team, now: JOBS[0].due(config, team, now), _boom)
    jobs = (failing, *JOBS)
    now = dt.datetime(2026, 3, 30, 7, 20, tzinfo=UTC)
    outcomes = run_due(db, CONFIG, now=now, instance="a", delivery=Delivery(encryption_key=KEY), jobs=jobs)
    states = {(o.job, o.slot): (o.state, o.detail) for o in outcomes}
    assert states[("broken", "OPS:2026-03-30")] == ("failed", "RuntimeError: the report renderer is missing")
    assert states[("standup-reminder", "OPS:2026-03-30")] == ("done", "1 message(s) queued")
    assert states[("deliver-notifications", "*:2026-03-30T07:20Z")] == ("done", "5 sent, 0 to retry, 0 failed")
    assert sorted(m.subject for m in smtp_server.mails) == [
        "[OPS] 1 risk(s) to review",
        "[OPS] Stand-up at 09:30",
        "[OPS] Weekly report 2026-W13 (2026-03-23 to 2026-03-29)",
        "[WEB] Stand-up at 09:30",
        "[WEB] Weekly report 2026-W13 (2026-03-23 to 2026-03-29)",
    ]
    failed = sorted((r.slot, r.state, r.error) for r in recent_runs(db, job="broken"))
    assert failed == [
        ("OPS:2026-03-30", "failed", "RuntimeError: the report renderer is missing"),
        ("WEB:2026-03-30", "failed", "RuntimeError: the report renderer is missing"),
    ]
    # A failed occurrence is not run again: the next tick skips it like any claimed one.
    again = run_due(db, CONFIG, now=now + dt.timedelta(minutes=1), instance="b", jobs=jobs)
    assert {o.state for o in again if o.job != "deliver-notifications"} == {"skipped"}


def test_a_run_left_running_by_a_stopped_instance_is_recorded_failed(db: Database) -> None:
    start = dt.datetime(2026, 3, 30, 7, 20, tzinfo=UTC)
    with db.begin() as conn:
        run_id = job_runs.claim_run(conn, job="weekly-report", slot="OPS:2026-W14", instance="gone", now=start)
        assert run_id is not None
        assert job_runs.claim_run(conn, job="weekly-report", slot="OPS:2026-W14", instance="b", now=start) is None
    run_due(db, CONFIG, now=start + STALE_AFTER - dt.timedelta(seconds=1), instance="b")
    assert [r.state for r in recent_runs(db, job="weekly-report")] == ["running"]  # may still be working
    run_due(db, CONFIG, now=start + STALE_AFTER + dt.timedelta(seconds=1), instance="b")
    [run] = recent_runs(db, job="weekly-report")
    assert (run.state, run.instance) == ("failed", "gone")
    assert run.error == "abandoned: its instance stopped before the run ended"


def test_the_weekly_report_goes_out_as_the_rendered_report_of_the_week_before(
    db: Database, smtp_server: SmtpServer
) -> None:
    _setup(db, smtp_server)
    monday = dt.datetime(2026, 4, 6, 6, 0, tzinfo=UTC)  # 08:00 in Paris
    delivery = Delivery(encryption_key=KEY, render_report=render_markdown)
    outcomes = run_due(db, CONFIG, now=monday, instance="a", delivery=delivery)
    assert ("weekly-report", "OPS:2026-W15", "done") in [(o.job, o.slot, o.state) for o in outcomes]
    [mail] = [m for m in smtp_server.mails if m.subject == "[OPS] Weekly report 2026-W14 (2026-03-30 to 2026-04-05)"]
    body = mail.body.replace("\r\n", "\n").strip()
    expected = render_markdown(team_report(db, CONFIG, ADMIN, "OPS", now=monday)).strip()
    assert body == expected  # the whole report, as 'cadence report weekly --format md' writes it
    assert "## Operations (OPS), 2026-W14" in body and "| Items delivered | 0 |" in body
    # Without a renderer (an embedder's scheduler), the message still carries the report's headline figures.
    with db.connect() as conn:
        [web] = [t for t in list_teams(conn) if t.key == "WEB"]
    _, plain = weekly_report_message(db, CONFIG, web, now=monday)
    assert (
        plain.startswith("The weekly report of Web for 2026-03-30 to 2026-04-05:") and "- Items delivered: 0" in plain
    )


def test_the_scheduler_thread_starts_and_stops_with_the_app(db: Database) -> None:
    settings = Settings(database_url=str(db.url), scheduler_interval_seconds=5)
    app = create_app(settings, db, scheduler=True)
    scheduler: Scheduler = app.state.scheduler
    assert not scheduler.running
    # Served by uvicorn with its lifespan, as 'cadence serve' does.
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        port = server.servers[0].sockets[0].getsockname()[1]
        assert httpx.get(f"http://127.0.0.1:{port}/api/health").status_code == 200
        assert scheduler.running
        while scheduler.ticks == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert scheduler.ticks >= 1  # the first tick runs at start
    finally:
        server.should_exit = True
        thread.join(15)
    assert not thread.is_alive()
    assert not scheduler.running
    assert create_app(settings, db).state.scheduler is None  # tests and embedders get no thread unless asked
