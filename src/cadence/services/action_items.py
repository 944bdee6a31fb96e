"""Action items from any meeting, carried over until someone closes them.

An action has a title, an owner (a member of the team), a due date, a status (``open`` -> ``done`` | ``dropped``,
and back to ``open``), an origin (``retro``, ``standup``, ``planning``, ``impediment``, ``risk``, ``manual``) and
the meeting that raised it. **Carried over** means nothing needs copying: :func:`open_actions` is the list every
following meeting of the team opens with, each action with its age and how many meetings it has been carried
through, until it is done or dropped.

**Overdue**: open with a due date before today in the team's zone. :func:`nudge_overdue` queues one message per
overdue action per day on the team's ``actions`` notification topic (dedupe key ``action-<id>-<date>``), so running
it twice a day sends nothing new.

**Metric link**: an action may name a metric it should move (a dotted key of the team metrics result, e.g.
``cycle_time.p85``). Its value over the default range is stored as the baseline at creation; from ``check_on``
(default four weeks later) the action shows the value now against the baseline, and whether that is better in the
metric's direction (``analytics.action_completion.BETTER``).

Viewers read; members create and update; every change is audited with before and after.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl

from cadence.analytics.action_completion import better_direction, completion_rate, metric_check
from cadence.domain.errors import InputError, NotFound
from cadence.domain.model import Role, Team
from cadence.services.access import Actor, access_team
from cadence.services.audit_log import record_change
from cadence.services.notifications import enqueue
from cadence.services.targets import resolve_metric
from cadence.services.team_metrics import DEFAULT_WEEKS, team_metrics
from cadence.services.workspace_config import WorkspaceConfig
from cadence.store import action_items as store
from cadence.store.database import Database
from cadence.store.teams import list_teams

__all__ = [
    "DEFAULT_CHECK_WEEKS",
    "ORIGINS",
    "STATUSES",
    "UNSET",
    "action_board",
    "action_summary",
    "create_action",
    "nudge_overdue",
    "open_actions",
    "owner_by_email",
    "team_owners",
    "update_action",
]

ORIGINS = ("retro", "standup", "planning", "impediment", "risk", "manual")
STATUSES = ("open", "done", "dropped")
DEFAULT_CHECK_WEEKS = 4
"""When an action names a metric but no check date: compare after this many weeks."""
NUDGE_TOPIC = "actions"
_TITLE_MAX = 300
_DESCRIPTION_MAX = 4000


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()
"""Marks an :func:`update_action` field the caller did not send (None means "clear it")."""


def _today(team: Team, now: dt.datetime) -> dt.date:
    return now.astimezone(ZoneInfo(team.timezone or "UTC")).date()


def _local_date(team: Team, at: dt.datetime | None) -> dt.date | None:
    return None if at is None else at.astimezone(ZoneInfo(team.timezone or "UTC")).date()


def _origin(row: store.ActionRow) -> str:
    if row.origin:
        return row.origin
    return row.meeting_kind if row.meeting_kind in ORIGINS else "manual"


def _view(team: Team, row: store.ActionRow, today: dt.date, meeting_times: list[dt.datetime]) -> dict[str, Any]:
    created = _local_date(team, row.created_at) or today
    overdue = row.status == "open" and row.due_on is not None and row.due_on < today
    return {
        "id": row.id,
        "team": team.key,
        "title": row.title,
        "description": row.description,
        "owner": row.owner_name,
        "owner_person_id": row.owner_id,
        "owner_email": row.owner_email,
        "due_on": None if row.due_on is None else row.due_on.isoformat(),
        "status": row.status,
        "overdue": overdue,
        "days_overdue": (today - row.due_on).days if overdue and row.due_on is not None else 0,
        "origin": _origin(row),
        "meeting_id": row.meeting_id,
        "meeting": None
        if row.meeting_id is None
        else {"id": row.meeting_id, "kind": row.meeting_kind, "title": row.meeting_title},
        "created_at": row.created_at.isoformat(),
        "age_days": max((today - created).days, 0),
        "carried_over": len(meeting_times) - bisect.bisect_right(meeting_times, row.created_at),
        "done_at": None if row.done_at is None else row.done_at.isoformat(),
        "metric": row.metric,
        "metric_baseline": row.metric_baseline,
        "check_on": None if row.check_on is None else row.check_on.isoformat(),
        "last_nudged_at": None if row.last_nudged_at is None else row.last_nudged_at.isoformat(),
    }


def _meeting_times(conn: Any, team: Team, now: dt.datetime) -> list[dt.datetime]:
    return [m.held_at for m in store.team_meetings(conn, team.id, end=now)]


def _metric_value(
    db: Database, config: WorkspaceConfig | None, key: str, metric: str, now: dt.datetime
) -> float | None:
    result = team_metrics(db, config or WorkspaceConfig(), key, now=now)
    return resolve_metric(result, metric)


def _clean_title(title: str) -> str:
    text = " ".join(title.split())
    if not text or len(text) > _TITLE_MAX:
        raise InputError(f"an action's title must be 1 to {_TITLE_MAX} characters", title=title[:80])
    return text


def _clean_description(description: str | None) -> str | None:
    text = (description or "").strip()
    if len(text) > _DESCRIPTION_MAX:
        raise InputError(f"an action's description must be at most {_DESCRIPTION_MAX} characters")
    return text or None


def _owner(conn: Any, team: Team, person_id: int | None) -> store.OwnerRow | None:
    if person_id is None:
        return None
    owner = store.find_member(conn, team.id, person_id)
    if owner is None:
        raise InputError(f"person {person_id} is not a member of team {team.key}", owner=person_id)
    return owner


def create_action(
    db: Database,
    actor: Actor,
    key: str,
    *,
    title: str,
    now: dt.datetime,
    owner_person_id: int | None = None,
    due_on: dt.date | None = None,
    meeting_id: int | None = None,
    origin: str = "manual",
    description: str | None = None,
    metric: str | None = None,
    check_on: dt.date | None = None,
    check_after_weeks: int | None = None,
    config: WorkspaceConfig | None = None,
) -> dict[str, Any]:
    """Record an action (members and above). With ``metric``, its current value becomes the baseline and the check
    is set to ``check_on``, else ``check_after_weeks`` (default four) weeks from today."""
    team = access_team(db, actor, key, need=Role.MEMBER)
    clean_title = _clean_title(title)
    if origin not in ORIGINS:
        raise InputError(f"origin '{origin}' is not one of {', '.join(ORIGINS)}", origin=origin)
    if check_after_weeks is not None and not 1 <= check_after_weeks <= 52:
        raise InputError("--check-after-weeks must be between 1 and 52", weeks=check_after_weeks)
    today = _today(team, now)
    baseline = None
    metric = (metric or "").strip() or None
    if metric is not None:
        baseline = _metric_value(db, config, team.key, metric, now)
        if check_on is None:
            check_on = today + dt.timedelta(weeks=check_after_weeks or DEFAULT_CHECK_WEEKS)
    elif check_on is not None or check_after_weeks is not None:
        raise InputError("a check date needs a metric to check (--metric)")
    with db.begin() as conn:
        owner = _owner(conn, team, owner_person_id)
        if meeting_id is not None and store.find_meeting(conn, team.id, meeting_id) is None:
            raise NotFound(f"team {team.key} has no meeting {meeting_id}", meeting=meeting_id)
        values = {
            "title": clean_title, "description": _clean_description(description), "owner_id": owner_person_id,
            "due_on": due_on, "meeting_id": meeting_id, "origin": origin, "metric": metric,
            "metric_baseline": baseline, "check_on": check_on,
        }  # fmt: skip
        action_id = store.insert_action(conn, team_id=team.id, now=now, **values)
        after = {**values, "owner": None if owner is None else owner.display_name}
        record_change(
            conn, actor, "create", "action_item", entity_id=str(action_id), team_id=team.id, after=_jsonable(after),
            at=now,
        )  # fmt: skip
        row = store.find_action(conn, team.id, action_id)
        assert row is not None
        times = _meeting_times(conn, team, now)
    return _view(team, row, today, times)


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in values.items()}


def open_actions(db: Database, actor: Actor, key: str, *, now: dt.datetime) -> list[dict[str, Any]]:
    """The team's open actions, oldest first — what every meeting opens with until each is closed (viewers)."""
    team = access_team(db, actor, key)
    with db.connect() as conn:
        rows = store.list_actions(conn, team.id, statuses=("open",))
        times = _meeting_times(conn, team, now)
    today = _today(team, now)
    return [_view(team, row, today, times) for row in rows]


def _check(db: Database, config: WorkspaceConfig | None, team: Team, view: dict[str, Any], now: dt.datetime) -> None:
    """Add the before/after check to an action that names a metric."""
    metric = view["metric"]
    if metric is None:
        view["metric_check"] = None
        return
    try:
        current = _metric_value(db, config, team.key, metric, now)
    except InputError:
        current = None
    check = metric_check(view["metric_baseline"], current, better_direction(metric))
    check_on = view["check_on"]
    check["due"] = check_on is not None and check_on <= _today(team, now).isoformat()
    view["metric_check"] = check


def _completion(
    team: Team, rows: Sequence[tuple[dt.date | None, str, dt.datetime | None]], today: dt.date
) -> dict[str, Any]:
    """The completion rate over the last twelve weeks from ``(due_on, status, done_at)`` rows."""
    frame = pl.DataFrame(
        {
            "due_on": [due for due, _, _ in rows],
            "status": [status for _, status, _ in rows],
            "done_on": [_local_date(team, done_at) for _, _, done_at in rows],
        },
        schema={"due_on": pl.Date, "status": pl.String, "done_on": pl.Date},
    )
    return completion_rate(frame, start=_window_start(today), end=today)


def _window_start(today: dt.date) -> dt.date:
    return today - dt.timedelta(weeks=DEFAULT_WEEKS) + dt.timedelta(days=1)


def action_board(
    db: Database, actor: Actor, key: str, *, now: dt.datetime, config: WorkspaceConfig | None = None
) -> dict[str, Any]:
    """The actions page and API: open (overdue first counted apart), done and dropped lists, the completion rate over
    the last twelve weeks, and each metric-linked action's before/after check (viewers)."""
    team = access_team(db, actor, key)
    with db.connect() as conn:
        rows = store.list_actions(conn, team.id)
        times = _meeting_times(conn, team, now)
    today = _today(team, now)
    views = [_view(team, row, today, times) for row in rows]
    for view in views:
        if view["metric"] is not None:
            _check(db, config, team, view, now)
        else:
            view["metric_check"] = None
    open_ = [v for v in views if v["status"] == "open"]
    closed = sorted((v for v in views if v["status"] != "open"), key=lambda v: v["done_at"] or "", reverse=True)
    return {
        "team": team.key,
        "today": today.isoformat(),
        "open": open_,
        "overdue": [v for v in open_ if v["overdue"]],
        "done": [v for v in closed if v["status"] == "done"],
        "dropped": [v for v in closed if v["status"] == "dropped"],
        "completion": _completion(team, [(r.due_on, r.status, r.done_at) for r in rows], today),
    }


def action_summary(db: Database, actor: Actor, key: str, *, now: dt.datetime) -> dict[str, Any]:
    """The dashboard card: open and overdue counts and the completion rate (viewers). Two indexed queries that read
    only the actions due in the window, so the card stays cheap without a cache that an action change would have to
    invalidate (action changes do not bump the team's data version)."""
    team = access_team(db, actor, key)
    today = _today(team, now)
    with db.connect() as conn:
        figures = store.action_figures(conn, team.id, today=today, start=_window_start(today))
    return {
        "open": figures.open,
        "overdue": figures.overdue,
        "completion": _completion(team, figures.due_in_window, today),
    }


def team_owners(db: Database, actor: Actor, key: str) -> list[dict[str, Any]]:
    """Who may own an action: the team's members (viewers may list them for the form)."""
    team = access_team(db, actor, key)
    with db.connect() as conn:
        members = store.team_members(conn, team.id)
    return [{"person_id": m.person_id, "name": m.display_name, "email": m.email} for m in members]


def owner_by_email(db: Database, actor: Actor, key: str, email: str) -> int:
    """The person id of the team member with this e-mail (the CLI's ``--owner``)."""
    team = access_team(db, actor, key)
    with db.connect() as conn:
        owner = store.find_member_by_email(conn, team.id, email)
    if owner is None:
        raise InputError(f"no member of team {team.key} has the e-mail {email}", owner=email)
    return owner.person_id


def update_action(
    db: Database,
    actor: Actor,
    key: str,
    action_id: int,
    *,
    now: dt.datetime,
    status: str | None = None,
    owner_person_id: Any = UNSET,
    due_on: Any = UNSET,
    title: str | None = None,
    description: Any = UNSET,
) -> dict[str, Any]:
    """Change an action's status, owner, due date, title or description (members and above); audited.

    ``done`` stamps when it was closed; reopening clears that stamp. Fields left at :data:`UNSET` stay as they are;
    ``None`` clears the owner or due date.
    """
    team = access_team(db, actor, key, need=Role.MEMBER)
    if status is not None and status not in STATUSES:
        raise InputError(f"status '{status}' is not one of {', '.join(STATUSES)}", status=status)
    with db.begin() as conn:
        row = store.find_action(conn, team.id, action_id)
        if row is None:
            raise NotFound(f"team {team.key} has no action {action_id}", action=action_id)
        changes: dict[str, Any] = {}
        before: dict[str, Any] = {}
        if status is not None and status != row.status:
            changes["status"], before["status"] = status, row.status
            changes["done_at"] = now if status == "done" else None
            before["done_at"] = row.done_at.isoformat() if row.done_at else None
        if owner_person_id is not UNSET and owner_person_id != row.owner_id:
            _owner(conn, team, owner_person_id)
            changes["owner_id"], before["owner_id"] = owner_person_id, row.owner_id
        if due_on is not UNSET and due_on != row.due_on:
            changes["due_on"], before["due_on"] = due_on, row.due_on
        if title is not None and _clean_title(title) != row.title:
            changes["title"], before["title"] = _clean_title(title), row.title
        if description is not UNSET and _clean_description(description) != row.description:
            changes["description"], before["description"] = _clean_description(description), row.description
        if changes:
            store.update_action(conn, row.id, **changes)
            record_change(
                conn, actor, "update", "action_item", entity_id=str(row.id), team_id=team.id,
                before=_jsonable(before), after=_jsonable(changes), at=now,
            )  # fmt: skip
            row = store.find_action(conn, team.id, action_id)
            assert row is not None
        times = _meeting_times(conn, team, now)
    return _view(team, row, _today(team, now), times)


def nudge_overdue(db: Database, *, now: dt.datetime) -> dict[str, int]:
    """Queue one reminder per overdue action per day (``cadence actions nudge``; a scheduler runs it daily).

    Runs for every team (a system job, no actor). An action already nudged today (in its team's zone) is skipped;
    the outbox's ``(channel, dedupe_key)`` key makes a concurrent second run queue nothing either. Returns
    ``{"overdue": n, "nudged": actions nudged now, "messages": outbox rows queued}``.
    """
    with db.connect() as conn:
        teams = {team.id: team for team in list_teams(conn)}
        # The latest "today" of any zone bounds the query; each team's own today filters below.
        rows = store.overdue_actions(conn, today=now.date() + dt.timedelta(days=1))
    overdue = nudged = messages = 0
    for row in rows:
        team = teams[row.team_id]
        today = _today(team, now)
        if row.due_on is None or row.due_on >= today:
            continue
        overdue += 1
        if _local_date(team, row.last_nudged_at) == today:
            continue
        late = (today - row.due_on).days
        owner = row.owner_name or "nobody (no owner yet)"
        with db.begin() as conn:
            messages += enqueue(
                conn, team_id=team.id, topic=NUDGE_TOPIC, dedupe_key=f"action-{row.id}-{today.isoformat()}",
                subject=f"[{team.key}] Overdue action: {row.title}",
                body=(
                    f"The action \"{row.title}\" was due on {row.due_on.isoformat()} ({late} day"
                    f"{'s' if late != 1 else ''} ago) and is still open. Owner: {owner}. "
                    "Mark it done, drop it, or give it a new due date on the team's actions page."
                ),
                now=now,
            )  # fmt: skip
            store.mark_nudged(conn, row.id, at=now)
        nudged += 1
    return {"overdue": overdue, "nudged": nudged, "messages": messages}
