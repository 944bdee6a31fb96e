"""Impediments: raised by a person, or proposed by the detector from the team's history and confirmed by the PM.

**Who may do what.** Viewers and above read; members raise an impediment, set its owner and resolve it; managers
confirm or dismiss a detected candidate and change an escalation level. Every change writes an audit entry with
before and after, in the transaction of the change.

**Candidates.** ``analytics.impediment_signals.detect_impediments`` runs on the team's cached frames (its workflow,
history and milestones as the dashboard uses them; assignee changes; the ``blocks`` links whose blocker is
unresolved; the public holidays of the team's country; the rules of ``[teams.KEY.impediments]``). One candidate per
(item, signal), each with its reason and numbers. Its **signal key** is ``signal:item_id:since`` where *since* is the
start of the episode, to the second in UTC (``20261120T093000Z``): the stage entry for ``stage_dwell``, the item's
start for ``age``, otherwise the detector's ``detected_since`` (``open`` when unknown). A key therefore stays the same
while the episode lasts, even as the team's medians move, and a new episode (the item re-enters the stage, is flagged
again) gives a new key.

**Confirm and dismiss.** Confirming stores an impediment with ``detected_by`` = the signal, the signal key and the
evidence (the candidate's reason and numbers), opened at the candidate's ``detected_since`` (``now`` when unknown).
Dismissing stores the candidate as a row of status ``dismissed``. Either way the key is decided and the candidate is
not proposed again.

**Escalation** levels: 0 the team, 1 the scrum master or manager, 2 management, 3 leadership.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Final
from zoneinfo import ZoneInfo

import polars as pl

from cadence.analytics.capacity import public_holidays
from cadence.analytics.days import DAY_US
from cadence.analytics.impediment_metrics import impediment_flow
from cadence.analytics.impediment_signals import detect_impediments
from cadence.analytics.serialize import json_value
from cadence.domain.errors import Conflict, InputError, NotFound
from cadence.domain.model import Role, Team
from cadence.services.access import Actor, access_team
from cadence.services.audit_log import record_change
from cadence.services.sprint_forecast import team_history
from cadence.services.team_metrics import team_frames
from cadence.services.workspace_config import WorkspaceConfig
from cadence.store import impediments as store
from cadence.store import read_models as R
from cadence.store.database import Database

__all__ = [
    "ESCALATION_LEVELS",
    "UNSET",
    "confirm_candidate",
    "dismiss_candidate",
    "impediment_candidates",
    "impediment_metrics",
    "impediments_overview",
    "list_impediments",
    "open_impediment",
    "open_impediments",
    "update_impediment",
]

ESCALATION_LEVELS: Final = {0: "team", 1: "scrum master / manager", 2: "management", 3: "leadership"}
"""Who has to act: each level up takes the impediment to a wider circle."""
_RAISER = Role.MEMBER
_MANAGER = Role.MANAGER
_HOLIDAY_DAYS = 366
"""Public holidays are read for the year up to today: the stale signal counts working days back that far at most."""


class _Unset:
    """Marks an argument left out (``None`` means "no owner")."""


UNSET: Final = _Unset()


def _age_days(opened: dt.datetime, until: dt.datetime) -> float:
    return round(max((until - opened).total_seconds(), 0.0) / 86_400, 1)


def _as_dict(row: store.ImpedimentRow, now: dt.datetime) -> dict[str, Any]:
    end = row.resolved_at if row.resolved_at is not None else now
    return {
        "id": row.id,
        "title": row.title,
        "description": row.description,
        "item_key": row.item_key,
        "owner": row.owner,
        "owner_id": row.owner_id,
        "status": row.status,
        "escalation_level": row.escalation_level,
        "escalation": ESCALATION_LEVELS.get(row.escalation_level, str(row.escalation_level)),
        "detected_by": row.detected_by,
        "signal_key": row.signal_key,
        "evidence": row.evidence,
        "check_in_id": row.check_in_id,
        "opened_at": row.opened_at,
        "resolved_at": row.resolved_at,
        "resolution_note": row.resolution_note,
        "age_days": _age_days(row.opened_at, end),
    }


def _text(value: str | None, what: str, limit: int) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if len(value) > limit:
        raise InputError(f"the {what} is {len(value)} characters long; at most {limit} are allowed", field=what)
    return value or None


def _owner(conn: Any, team: Team, person_id: int | None) -> int | None:
    if person_id is None:
        return None
    if person_id not in {p.id for p in store.team_people(conn, team.id)}:
        raise InputError(f"person {person_id} is not a member of team {team.key}", owner=person_id)
    return person_id


def _level(level: int) -> int:
    if level not in ESCALATION_LEVELS:
        raise InputError(f"escalation level {level} is not one of 0, 1, 2, 3", escalation_level=level)
    return level


def open_impediment(
    db: Database,
    actor: Actor,
    key: str,
    *,
    title: str,
    now: dt.datetime,
    description: str | None = None,
    item_key: str | None = None,
    owner_person_id: int | None = None,
    check_in_id: int | None = None,
    escalation_level: int = 0,
) -> dict[str, Any]:
    """Raise an impediment by hand (members and above); returns it as :func:`open_impediments` lists it."""
    team = access_team(db, actor, key, need=_RAISER)
    clean_title = _text(title, "title", 300)
    if clean_title is None:
        raise InputError("an impediment needs a title", field="title")
    level = _level(escalation_level)
    with db.begin() as conn:
        item_id = None
        if item_key and item_key.strip():
            item_id = store.find_item_key(conn, team.id, item_key.strip())
            if item_id is None:
                raise NotFound(f"team {team.key} has no item {item_key.strip()}", item=item_key.strip())
        values = {
            "description": _text(description, "description", 10_000),
            "item_id": item_id,
            "owner_id": _owner(conn, team, owner_person_id),
            "status": "open",
            "escalation_level": level,
            "check_in_id": check_in_id,
            # one impediment per check-in, even when two clicks race: the unique (team, signal_key) index decides
            "signal_key": None if check_in_id is None else f"check-in:{check_in_id}",
        }
        new_id = store.insert_impediment(conn, team_id=team.id, title=clean_title, opened_at=now, **values)
        row = store.find_impediment(conn, team.id, new_id)
        assert row is not None
        record_change(
            conn, actor, "create", "impediment", entity_id=str(new_id), team_id=team.id,
            after=_audit_view(row), at=now,
        )  # fmt: skip
    return _as_dict(row, now)


def _audit_view(row: store.ImpedimentRow) -> dict[str, Any]:
    return {
        "title": row.title, "item": row.item_key, "owner_id": row.owner_id, "status": row.status,
        "escalation_level": row.escalation_level, "detected_by": row.detected_by, "signal_key": row.signal_key,
        "resolution_note": row.resolution_note,
    }  # fmt: skip


def list_impediments(
    db: Database, actor: Actor, key: str, *, now: dt.datetime, status: str = "open"
) -> list[dict[str, Any]]:
    """The team's impediments of ``status`` (``open``, ``resolved``, ``dismissed`` or ``all``), oldest first."""
    team = access_team(db, actor, key)
    statuses = ("open", "resolved", "dismissed") if status == "all" else (status,)
    if any(s not in ("open", "resolved", "dismissed") for s in statuses):
        raise InputError(f"status '{status}' is not one of open, resolved, dismissed, all", status=status)
    with db.connect() as conn:
        rows = store.list_impediments(conn, team.id, statuses)
    return [_as_dict(row, now) for row in rows]


def open_impediments(db: Database, actor: Actor, key: str, *, now: dt.datetime) -> list[dict[str, Any]]:
    """The team's open impediments, oldest first (viewers and above): each with id, title, owner, age_days,
    escalation_level, item_key and the rest of the record."""
    return list_impediments(db, actor, key, now=now, status="open")


def update_impediment(
    db: Database,
    actor: Actor,
    key: str,
    impediment_id: int,
    *,
    now: dt.datetime,
    owner_person_id: int | _Unset | None = UNSET,
    escalate: int = 0,
    resolve: bool = False,
    resolution_note: str | None = None,
) -> dict[str, Any]:
    """Change an open impediment: its owner (members), its escalation level by ``escalate`` steps (+1 escalates,
    -1 de-escalates; managers), and resolve it with a note (members). One audit entry per kind of change."""
    need = _MANAGER if escalate else _RAISER
    team = access_team(db, actor, key, need=need)
    note = _text(resolution_note, "resolution note", 10_000)
    if resolve and note is None:
        raise InputError("resolving an impediment needs a resolution note: what removed it", field="resolution_note")
    with db.begin() as conn:
        row = store.find_impediment(conn, team.id, impediment_id)
        if row is None or row.status == "dismissed":
            raise NotFound(f"team {team.key} has no impediment {impediment_id}", impediment=impediment_id)
        if row.status != "open":
            raise Conflict(f"impediment {impediment_id} is {row.status}; only open impediments change")
        changes: dict[str, Any] = {}
        if not isinstance(owner_person_id, _Unset) and owner_person_id != row.owner_id:
            changes["owner_id"] = _owner(conn, team, owner_person_id)
        if escalate:
            level = row.escalation_level + escalate
            if level not in ESCALATION_LEVELS:
                raise InputError(
                    f"impediment {impediment_id} is at level {row.escalation_level}; levels run from 0 to 3",
                    escalation_level=level,
                )
            changes["escalation_level"] = level
        if resolve:
            changes.update(status="resolved", resolved_at=now, resolution_note=note)
        if not changes:
            return _as_dict(row, now)
        if not store.update_impediment(conn, row.id, expect_status="open", **changes):
            raise Conflict(f"impediment {impediment_id} was changed meanwhile; reload and try again")
        for action, fields in (
            ("assign", ("owner_id",)),
            ("escalate" if escalate > 0 else "de-escalate", ("escalation_level",)),
            ("resolve", ("status", "resolved_at", "resolution_note")),
        ):
            if any(f in changes for f in fields):
                record_change(
                    conn, actor, action, "impediment", entity_id=str(row.id), team_id=team.id,
                    before={f: json_value(getattr(row, f)) for f in fields},
                    after={f: json_value(changes[f]) for f in fields}, at=now,
                )  # fmt: skip
        updated = store.find_impediment(conn, team.id, row.id)
        assert updated is not None
    return _as_dict(updated, now)


# --- candidates ----------------------------------------------------------------------------------------------------


def _signals(db: Database, config: WorkspaceConfig, team: Team, *, now: dt.datetime) -> pl.DataFrame:
    """The detector's rows for the team at ``now``, with their signal keys."""
    settings = config.for_team(team.key)
    tz = settings.time_zone or team.timezone or "UTC"
    frames = team_frames(db, team)
    history = team_history(db, config, team)
    with db.connect() as conn:
        assignee_changes = R.read_assignee_changes(conn, [team.id])
        links = store.read_blocking_links(conn, team.id)
    today = now.astimezone(ZoneInfo(tz)).date()
    holidays: tuple[dt.date, ...] = ()
    if team.country:
        try:
            holidays = public_holidays(team.country, today - dt.timedelta(days=_HOLIDAY_DAYS), today)
        except ValueError:
            holidays = ()  # a country code the calendar does not know: weekends only, as for a team without one
    found = detect_impediments(
        history.history, frames.items, now=now, tz=tz, milestones=history.milestones,
        assignee_changes=assignee_changes, flag_changes=frames.flag_changes,
        estimate_changes=frames.estimate_changes, blocking_links=links, holidays=holidays,
        rules=settings.impediments,
    )  # fmt: skip
    back = (
        pl.when(pl.col("signal") == "stage_dwell")
        .then(pl.col("threshold"))
        .when(pl.col("signal") == "age")
        .then(pl.col("baseline"))
        .otherwise(pl.lit(0.0))
    )
    anchor = (pl.col("detected_since") - pl.duration(microseconds=(back * DAY_US).round(0).cast(pl.Int64))).dt.round(
        "1s"
    )
    return found.with_columns(
        pl.format(
            "{}:{}:{}",
            pl.col("signal").cast(pl.String),
            pl.col("item_id"),
            anchor.dt.strftime("%Y%m%dT%H%M%SZ").fill_null("open"),
        ).alias("signal_key")
    )


def _candidate(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "signal_key": row["signal_key"],
        "item_id": row["item_id"],
        "item_key": row["key"],
        "stage": row["stage"],
        "signal": row["signal"],
        "reason": row["reason"],
        "value": row["value"],
        "baseline": row["baseline"],
        "threshold": row["threshold"],
        "sample": row["sample"],
        "unit": row["unit"],
        "detail": row["detail"],
        "detected_since": row["detected_since"],
        "has_open_impediment": row["has_open_impediment"],
    }


def _open_candidates(db: Database, config: WorkspaceConfig, team: Team, *, now: dt.datetime) -> list[dict[str, Any]]:
    signals = _signals(db, config, team, now=now)
    with db.connect() as conn:
        decided = store.decided_signal_keys(conn, team.id)
        held = sorted({r.item_id for r in store.list_impediments(conn, team.id, ("open",)) if r.item_id is not None})
    fresh = signals.filter(~pl.col("signal_key").is_in(sorted(decided))).with_columns(
        pl.col("item_id").is_in(held).alias("has_open_impediment")
    )
    return [_candidate(row) for row in fresh.to_dicts()]


def impediment_candidates(
    db: Database, config: WorkspaceConfig, actor: Actor, key: str, *, now: dt.datetime
) -> list[dict[str, Any]]:
    """Items that look stuck and were neither confirmed nor dismissed yet, by item then signal (viewers and up)."""
    team = access_team(db, actor, key)
    return _open_candidates(db, config, team, now=now)


def _find_candidate(
    db: Database, config: WorkspaceConfig, team: Team, signal_key: str, *, now: dt.datetime
) -> dict[str, Any]:
    for candidate in _open_candidates(db, config, team, now=now):
        if candidate["signal_key"] == signal_key:
            return candidate
    raise NotFound(
        f"team {team.key} has no open impediment candidate {signal_key}: it was decided already or no longer holds",
        signal_key=signal_key,
    )


def _evidence(candidate: dict[str, Any]) -> dict[str, Any]:
    return {k: json_value(v) for k, v in candidate.items() if k not in ("signal_key", "item_id", "has_open_impediment")}


def confirm_candidate(
    db: Database,
    config: WorkspaceConfig,
    actor: Actor,
    key: str,
    signal_key: str,
    *,
    now: dt.datetime,
    title: str | None = None,
    owner_person_id: int | None = None,
    escalation_level: int = 0,
) -> dict[str, Any]:
    """Turn a candidate into an impediment (managers); the title defaults to ``KEY: reason``."""
    team = access_team(db, actor, key, need=_MANAGER)
    candidate = _find_candidate(db, config, team, signal_key, now=now)
    clean_title = _text(title, "title", 300) or f"{candidate['item_key']}: {candidate['reason']}"[:300]
    since = candidate["detected_since"]
    opened = since if since is not None and since <= now else now
    level = _level(escalation_level)
    with db.begin() as conn:
        if signal_key in store.decided_signal_keys(conn, team.id):
            raise Conflict(f"candidate {signal_key} was decided meanwhile by someone else")
        new_id = store.insert_impediment(
            conn, team_id=team.id, title=clean_title, opened_at=opened, item_id=candidate["item_id"],
            owner_id=_owner(conn, team, owner_person_id), status="open", escalation_level=level,
            detected_by=candidate["signal"], signal_key=signal_key, evidence=_evidence(candidate),
        )  # fmt: skip
        row = store.find_impediment(conn, team.id, new_id)
        assert row is not None
        record_change(
            conn, actor, "confirm", "impediment", entity_id=str(new_id), team_id=team.id,
            after=_audit_view(row), at=now,
        )  # fmt: skip
    return _as_dict(row, now)


def dismiss_candidate(
    db: Database,
    config: WorkspaceConfig,
    actor: Actor,
    key: str,
    signal_key: str,
    *,
    now: dt.datetime,
    note: str | None = None,
) -> dict[str, Any]:
    """Record that a candidate is not an impediment (managers), so it is not proposed again."""
    team = access_team(db, actor, key, need=_MANAGER)
    candidate = _find_candidate(db, config, team, signal_key, now=now)
    with db.begin() as conn:
        if signal_key in store.decided_signal_keys(conn, team.id):
            raise Conflict(f"candidate {signal_key} was decided meanwhile by someone else")
        new_id = store.insert_impediment(
            conn, team_id=team.id, title=f"{candidate['item_key']}: {candidate['reason']}"[:300], opened_at=now,
            item_id=candidate["item_id"], status="dismissed", resolved_at=now,
            resolution_note=_text(note, "note", 10_000), detected_by=candidate["signal"], signal_key=signal_key,
            evidence=_evidence(candidate),
        )  # fmt: skip
        row = store.find_impediment(conn, team.id, new_id)
        assert row is not None
        record_change(
            conn, actor, "dismiss", "impediment_candidate", entity_id=signal_key, team_id=team.id,
            after=_audit_view(row), at=now,
        )  # fmt: skip
    return _as_dict(row, now)


# --- metrics and the page ------------------------------------------------------------------------------------------


def impediment_metrics(
    db: Database, actor: Actor, key: str, *, now: dt.datetime, window_days: int = 84
) -> dict[str, Any]:
    """Open count, age and time to resolve (``analytics.impediment_metrics.impediment_flow``; viewers and up)."""
    team = access_team(db, actor, key)
    if not 1 <= window_days <= 3660:
        raise InputError(f"the window must be 1 to 3660 days, not {window_days}", window_days=window_days)
    with db.connect() as conn:
        spans = store.read_impediment_spans(conn, team.id)
    return impediment_flow(spans, now=now, window_days=window_days)


@dataclass(frozen=True)
class Overview:
    team: Team
    candidates: list[dict[str, Any]]
    open: list[dict[str, Any]]
    resolved: list[dict[str, Any]]
    metrics: dict[str, Any]
    people: list[store.TeamPerson]
    can_raise: bool
    can_manage: bool


def impediments_overview(
    db: Database, config: WorkspaceConfig, actor: Actor, key: str, *, now: dt.datetime, resolved_limit: int = 30
) -> Overview:
    """What the impediments page shows: candidates, open and recently resolved impediments, the metrics."""
    team = access_team(db, actor, key)
    role = actor.role_in(team.id)
    with db.connect() as conn:
        people = store.team_people(conn, team.id)
    resolved = list_impediments(db, actor, key, now=now, status="resolved")
    resolved.sort(key=lambda r: r["resolved_at"], reverse=True)
    return Overview(
        team=team,
        candidates=_open_candidates(db, config, team, now=now),
        open=open_impediments(db, actor, key, now=now),
        resolved=resolved[:resolved_limit],
        metrics=impediment_metrics(db, actor, key, now=now),
        people=people,
        can_raise=role is not None and role.covers(_RAISER),
        can_manage=role is not None and role.covers(_MANAGER),
    )
