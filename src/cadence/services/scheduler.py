"""The in-process scheduler: stand-up reminders, digests, nudges, risk reviews and the weekly report, run once each.

Every job says when it is due, per team in the team's zone (or once for the workspace). An *occurrence* is one due
run, named by a *slot* (``OPS:2026-11-26``, ``OPS:2026-W48``). :func:`run_due` claims each occurrence due at
``now`` by inserting its ``job_runs`` row (``store.job_runs.claim_run``): exactly one instance wins the insert and
runs it, every other instance sharing the database skips it. The messages a job queues carry the slot in their
dedupe key too, so even a second run could not queue a second copy. ``deliver-notifications`` is not claimed: the
outbox's own claim already sends each message once, and a row per minute would only grow the table.

A run that is still ``running`` after :data:`STALE_AFTER` belongs to an instance that stopped mid-run; it is
recorded ``failed`` and not retried (part of its messages may have been queued). A job that raises is recorded
``failed`` with its error and the other jobs still run.

:class:`Scheduler` is the thread ``cadence serve`` starts (``CADENCE_SCHEDULER``): it calls :func:`run_due` every
``interval`` seconds and stops when the app shuts down. See ``docs/scheduler.md``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal
from zoneinfo import ZoneInfo

from cadence.analytics.capacity import public_holidays
from cadence.domain.model import Team
from cadence.services import notifications
from cadence.services.action_items import nudge_overdue
from cadence.services.audit_log import SYSTEM
from cadence.services.risks import risk_register
from cadence.services.standup import standup_zone
from cadence.services.standup_schedule import next_standup
from cadence.services.support_digest import support_digest
from cadence.services.sync import DEFAULT_LEASE, sync_every_source
from cadence.services.weekly_report import team_report
from cadence.services.workspace_config import WorkspaceConfig
from cadence.store import job_runs as store
from cadence.store.database import Database
from cadence.store.teams import list_teams

__all__ = [
    "JOBS",
    "REMINDER_LEAD",
    "STALE_AFTER",
    "Delivery",
    "Job",
    "JobOutcome",
    "Occurrence",
    "ReportRenderer",
    "Scheduler",
    "due_occurrences",
    "recent_runs",
    "run_due",
    "scheduled_jobs",
    "weekly_report_message",
]

log = logging.getLogger(__name__)

ReportRenderer = Callable[[dict[str, Any]], str]
"""A weekly report (``services.weekly_report.team_report``) in, a message body out."""

REMINDER_LEAD = dt.timedelta(minutes=15)
"""A stand-up reminder is due this long before the stand-up starts, until it starts."""
STALE_AFTER = dt.timedelta(hours=1)
"""A run still ``running`` this long after it started is recorded failed (far above any job's duration)."""
_SHELL = dataclasses.replace(SYSTEM, is_superuser=True)
"""The scheduler acts for the installation, like the command line."""
WORKSPACE = "*"
"""The slot prefix of a job that runs once for the whole workspace."""


@dataclass(frozen=True)
class Delivery:
    """What the jobs that send need from the edges: the settings of delivery and the report renderer."""

    encryption_key: str | None = None
    max_attempts: int = notifications.MAX_ATTEMPTS
    retry_after: dt.timedelta = notifications.RETRY_AFTER
    render_report: ReportRenderer | None = None
    """Writes the weekly report into a message body (``reports.weekly.render_markdown``, passed by the edges)."""


@dataclass(frozen=True)
class Occurrence:
    """One due run of a job: for a team (``team`` set) or the workspace."""

    job: str
    slot: str
    due_at: dt.datetime
    team: Team | None = None


@dataclass(frozen=True)
class JobOutcome:
    """What :func:`run_due` did with one occurrence."""

    job: str
    slot: str
    state: Literal["done", "failed", "skipped"]
    """``skipped``: another run had claimed it."""
    detail: str
    instance: str

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class _Context:
    db: Database
    config: WorkspaceConfig
    now: dt.datetime
    delivery: Delivery


@dataclass(frozen=True)
class Job:
    """A scheduled job: when it is due (``due`` returns the occurrence at ``now``, or None) and what it does."""

    name: str
    due: Callable[[WorkspaceConfig, Team | None, dt.datetime], Occurrence | None]
    run: Callable[[_Context, Occurrence], str]
    per_team: bool = True
    claimed: bool = True
    """False only for jobs that are safe to run everywhere at once (the outbox delivery)."""


def _zone(config: WorkspaceConfig, team: Team) -> str:
    return config.for_team(team.key).time_zone or team.timezone or "UTC"


def _at_local(
    job: str, team: Team | None, zone: str, now: dt.datetime, *, days: Sequence[int], at: dt.time, weekly: bool
) -> Occurrence | None:
    """Due from local time ``at`` on one of ``days`` until the end of that local day (a restarted server still sends
    today's run). The slot is the local date, or the ISO week for a weekly job."""
    local = now.astimezone(ZoneInfo(zone))
    today = local.date()
    starts = dt.datetime.combine(today, at, tzinfo=ZoneInfo(zone)).astimezone(dt.UTC)
    if today.weekday() not in days or now < starts:
        return None
    year, week, _ = today.isocalendar()
    period = f"{year}-W{week:02d}" if weekly else today.isoformat()
    return Occurrence(job, f"{team.key if team else WORKSPACE}:{period}", starts, team)


def _holidays(team: Team, around: dt.date) -> tuple[dt.date, ...]:
    if not team.country:
        return ()
    try:
        return public_holidays(team.country, around - dt.timedelta(days=7), around + dt.timedelta(days=7))
    except ValueError:
        return ()


def _standup_due(config: WorkspaceConfig, team: Team | None, now: dt.datetime) -> Occurrence | None:
    """Due from :data:`REMINDER_LEAD` before a scheduled stand-up until it starts; slot = its local date."""
    assert team is not None
    zone = standup_zone(config, team)
    settings = config.for_team(team.key).standup
    holidays = _holidays(team, now.astimezone(ZoneInfo(zone)).date())
    upcoming = next_standup(settings, zone, now=now, holidays=holidays)
    if upcoming is None or not upcoming - REMINDER_LEAD <= now < upcoming:
        return None
    day = upcoming.astimezone(ZoneInfo(zone)).date()
    return Occurrence("standup-reminder", f"{team.key}:{day.isoformat()}", upcoming - REMINDER_LEAD, team)


def _standup_run(ctx: _Context, occ: Occurrence) -> str:
    assert occ.team is not None
    team = occ.team
    starts = occ.due_at + REMINDER_LEAD
    local = starts.astimezone(ZoneInfo(standup_zone(ctx.config, team)))
    minutes = ctx.config.for_team(team.key).standup.timebox_minutes
    body = (
        f"The stand-up of {team.name} starts at {local:%H:%M} ({local.tzname()}) and lasts {minutes} minutes. "
        f"Check in before it on the team's stand-up page, or with 'cadence checkin {team.key}'."
    )
    return _enqueue(ctx, occ, topic="standup", subject=f"[{team.key}] Stand-up at {local:%H:%M}", body=body)


def _enqueue(ctx: _Context, occ: Occurrence, *, topic: str, subject: str, body: str) -> str:
    assert occ.team is not None
    with ctx.db.begin() as conn:
        queued = notifications.enqueue(
            conn, team_id=occ.team.id, topic=topic, subject=subject, body=body,
            dedupe_key=f"job:{occ.job}:{occ.slot}", now=ctx.now,
        )  # fmt: skip
    return f"{queued} message(s) queued"


def _digest_due(config: WorkspaceConfig, team: Team | None, now: dt.datetime) -> Occurrence | None:
    assert team is not None
    return _at_local("support-digest", team, _zone(config, team), now, days=range(5), at=dt.time(8), weekly=False)


def _digest_run(ctx: _Context, occ: Occurrence) -> str:
    assert occ.team is not None
    if support_digest(ctx.db, ctx.config, _SHELL, occ.team.key, now=ctx.now).empty:
        return "nothing to report"
    sent = support_digest(ctx.db, ctx.config, _SHELL, occ.team.key, now=ctx.now, send=True)
    return f"{sent.queued} message(s) queued"


def _overdue_due(config: WorkspaceConfig, team: Team | None, now: dt.datetime) -> Occurrence | None:
    return _at_local("overdue-actions", None, "UTC", now, days=range(7), at=dt.time(8), weekly=False)


def _overdue_run(ctx: _Context, occ: Occurrence) -> str:
    counts = nudge_overdue(ctx.db, now=ctx.now)
    return f"{counts['overdue']} overdue, {counts['nudged']} nudged, {counts['messages']} message(s) queued"


def _risk_due(config: WorkspaceConfig, team: Team | None, now: dt.datetime) -> Occurrence | None:
    assert team is not None
    return _at_local("risk-review", team, _zone(config, team), now, days=(0,), at=dt.time(9), weekly=True)


def _risk_run(ctx: _Context, occ: Occurrence) -> str:
    assert occ.team is not None
    team = occ.team
    stale = risk_register(ctx.db, ctx.config, _SHELL, team.key, now=ctx.now, proposals=False).stale
    if not stale:
        return "no risk to review"
    lines = [
        f"- {r['title']} (probability {r['probability']} x impact {r['impact']} = {r['score']}, "
        f"{r['roam'] or r['status']}: {'; '.join(r['stale_reasons'])})"
        for r in stale
    ]
    body = f"{len(stale)} open risk(s) of {team.name} are due for review:\n" + "\n".join(lines)
    return _enqueue(ctx, occ, topic="risks", subject=f"[{team.key}] {len(stale)} risk(s) to review", body=body)


def weekly_report_message(
    db: Database, config: WorkspaceConfig, team: Team, *, now: dt.datetime, render: ReportRenderer | None = None
) -> tuple[str, str]:
    """The weekly-report message: subject and body for the last complete ISO week in the team's zone.

    The body is the report itself, written by ``render`` (the edges pass the Markdown renderer of
    ``reports.weekly``: services cannot import it); without one, the headline figures of the same report.
    """
    report = team_report(db, config, _SHELL, team.key, now=now)
    if render is not None:
        body = render(report)
    else:
        lines = [
            f"- {figure['label']}: {figure['value'] if figure['value'] is not None else 'n/a'}"
            for section in report["sections"]
            for figure in section["figures"]
        ]
        body = f"The weekly report of {team.name} for {report['start']} to {report['end']}:\n" + "\n".join(lines)
    return f"[{team.key}] Weekly report {report['week']} ({report['start']} to {report['end']})", body


def _report_due(config: WorkspaceConfig, team: Team | None, now: dt.datetime) -> Occurrence | None:
    assert team is not None
    return _at_local("weekly-report", team, _zone(config, team), now, days=(0,), at=dt.time(8), weekly=True)


def _report_run(ctx: _Context, occ: Occurrence) -> str:
    assert occ.team is not None
    subject, body = weekly_report_message(ctx.db, ctx.config, occ.team, now=ctx.now, render=ctx.delivery.render_report)
    return _enqueue(ctx, occ, topic="report", subject=subject, body=body)


def _deliver_due(config: WorkspaceConfig, team: Team | None, now: dt.datetime) -> Occurrence | None:
    minute = now.astimezone(dt.UTC).replace(second=0, microsecond=0)
    return Occurrence("deliver-notifications", f"{WORKSPACE}:{minute:%Y-%m-%dT%H:%MZ}", minute)


def _deliver_run(ctx: _Context, occ: Occurrence) -> str:
    d = ctx.delivery
    report = notifications.deliver_pending(
        ctx.db, now=ctx.now, encryption_key=d.encryption_key, max_attempts=d.max_attempts, retry_after=d.retry_after
    )
    return f"{report.sent} sent, {report.retried} to retry, {report.failed} failed"


JOBS: tuple[Job, ...] = (
    Job("standup-reminder", _standup_due, _standup_run),
    Job("support-digest", _digest_due, _digest_run),
    Job("overdue-actions", _overdue_due, _overdue_run, per_team=False),
    Job("risk-review", _risk_due, _risk_run),
    Job("weekly-report", _report_due, _report_run),
    Job("deliver-notifications", _deliver_due, _deliver_run, per_team=False, claimed=False),
)
"""The job table, in run order: delivery last, so what the other jobs queued goes out in the same tick."""


def scheduled_jobs(
    *, sync_every: dt.timedelta, sync_lease: dt.timedelta = DEFAULT_LEASE, reconcile_every: dt.timedelta | None = None
) -> tuple[Job, ...]:
    """:data:`JOBS`, plus ``sync-sources`` before the delivery when ``sync_every`` is positive (the edges pass
    ``CADENCE_SYNC_INTERVAL_MINUTES``): every Jira source synced once per period, slot = the period's start in UTC.
    The claim runs each period in one instance; each source's sync lease keeps it from running twice at once, also
    beside a ``cadence sync`` by hand or a period that outlasts the interval."""
    seconds = int(sync_every.total_seconds())
    if seconds <= 0:
        return JOBS

    def sync_due(config: WorkspaceConfig, team: Team | None, now: dt.datetime) -> Occurrence | None:
        start = dt.datetime.fromtimestamp(int(now.timestamp()) // seconds * seconds, dt.UTC)
        return Occurrence("sync-sources", f"{WORKSPACE}:{start:%Y-%m-%dT%H:%MZ}", start)

    def sync_run(ctx: _Context, occ: Occurrence) -> str:
        return sync_every_source(
            ctx.db, key=ctx.delivery.encryption_key, config=ctx.config, lease=sync_lease,
            reconcile_every=reconcile_every, now=ctx.now,
        )  # fmt: skip

    return (*JOBS[:-1], Job("sync-sources", sync_due, sync_run, per_team=False), JOBS[-1])


def due_occurrences(
    config: WorkspaceConfig, teams: Sequence[Team], *, now: dt.datetime, jobs: Sequence[Job] = JOBS
) -> list[tuple[Job, Occurrence]]:
    """Every occurrence due at ``now`` (claimed or not), in job order then team key order."""
    out = []
    for job in jobs:
        for team in teams if job.per_team else (None,):
            occurrence = job.due(config, team, now)
            if occurrence is not None:
                out.append((job, occurrence))
    return out


def run_due(
    db: Database, config: WorkspaceConfig, *, now: dt.datetime, instance: str, delivery: Delivery | None = None,
    jobs: Sequence[Job] = JOBS,
) -> list[JobOutcome]:  # fmt: skip
    """Run every occurrence due at ``now`` that no run has claimed yet; one outcome per due occurrence.

    Safe to call from several instances at once: each claimed occurrence runs in exactly one of them. A job that
    raises is recorded ``failed`` and the next one runs.
    """
    ctx = _Context(db, config, now, delivery or Delivery())
    with db.begin() as conn:
        abandoned = store.abandon_stale_runs(conn, started_before=now - STALE_AFTER, now=now)
        teams = list_teams(conn)
    if abandoned:
        log.warning("%d scheduled run(s) abandoned by a stopped instance were recorded failed", abandoned)
    outcomes = []
    for job, occurrence in due_occurrences(config, teams, now=now, jobs=jobs):
        run_id = None
        if job.claimed:
            with db.begin() as conn:
                run_id = store.claim_run(conn, job=job.name, slot=occurrence.slot, instance=instance, now=now)
            if run_id is None:
                outcomes.append(JobOutcome(job.name, occurrence.slot, "skipped", "claimed by another run", instance))
                continue
        failure: str | None = None
        try:
            detail = job.run(ctx, occurrence)
        except Exception as error:  # one failing job must not stop the others
            message = f"{type(error).__name__}: {error}"
            log.exception("scheduled job %s %s failed", job.name, occurrence.slot)
            outcomes.append(JobOutcome(job.name, occurrence.slot, "failed", message, instance))
            failure = message
        else:
            outcomes.append(JobOutcome(job.name, occurrence.slot, "done", detail, instance))
        state = "done" if failure is None else "failed"
        if run_id is not None:
            with db.begin() as conn:
                store.finish_run(conn, run_id, state=state, now=now, error=failure)
    return outcomes


def recent_runs(db: Database, *, limit: int = 50, job: str | None = None) -> list[store.JobRunRow]:
    """The latest claimed runs, newest first (``cadence jobs list``)."""
    with db.connect() as conn:
        return store.recent_runs(conn, limit=limit, job=job)


class Scheduler:
    """A daemon thread calling :func:`run_due` every ``interval`` seconds (the first time at once) until stopped."""

    def __init__(
        self, db: Database, config: WorkspaceConfig, *, instance: str, interval: float = 60.0,
        delivery: Delivery | None = None, clock: Callable[[], dt.datetime] | None = None,
        jobs: Sequence[Job] = JOBS,
    ) -> None:  # fmt: skip
        self.db, self.config, self.instance, self.interval, self.jobs = db, config, instance, interval, jobs
        self.delivery = delivery or Delivery()
        self.clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self.ticks = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if self.running:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="cadence-scheduler", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Ask the thread to stop and wait for the tick in progress to end."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def tick(self) -> list[JobOutcome]:
        """One :func:`run_due` at the clock's now; a failure of the database is logged, not raised."""
        try:
            return run_due(
                self.db, self.config, now=self.clock(), instance=self.instance, delivery=self.delivery, jobs=self.jobs
            )
        except Exception:  # the thread must outlive a database restart
            log.exception("scheduler tick failed")
            return []
        finally:
            self.ticks += 1

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.tick()
            self._stop.wait(self.interval)
