"""The team's risk register: risks scored probability 1-5 x impact 1-5, their ROAM status, owner, mitigations, review
date and score history; the heat map; the stale-risk review list; proposals from data signals; the exposure of a
risk beside the forecast of the epic or fix version it threatens.

* **Score** = probability x impact (1..25). Every score a risk is given (at creation, on every re-score, on
  acceptance from a signal) is a ``risk_scores`` row with who, when and a note: the history.
* **ROAM**: ``resolved``, ``owned``, ``accepted``, ``mitigated``, or none until the team decides.
* **Status**: ``open`` or ``closed`` (close and reopen), and ``dismissed`` for a proposal the team rejected (kept so
  it is not proposed again; never shown in the register).
* **Stale**: an open risk whose review date is before today (team zone), or that was not scored for
  ``stale_after_days`` days (``[teams.KEY.risks]``; the creation time counts when it has no score row).
* **Heat map**: the count of open risks in each (probability, impact) cell of the 5x5 grid.
* **Mitigations** are action items (``services.action_items``, origin ``risk``) linked by ``ActionItem.risk_id``.

Viewers read; members create, edit, re-score, close, reopen and add mitigations; managers accept or dismiss proposed
risks. Every change is audited with before and after.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from cadence.analytics.serialize import json_value
from cadence.domain.errors import CadenceError, Conflict, InputError, NotFound
from cadence.domain.model import Role, Team
from cadence.services.access import Actor, access_team
from cadence.services.action_items import create_action, team_owners
from cadence.services.audit_log import record_change
from cadence.services.forecasts import scope_forecast
from cadence.services.risk_signals import team_risk_signals
from cadence.services.workspace_config import WorkspaceConfig
from cadence.store import action_items as action_store
from cadence.store import risks as store
from cadence.store.database import Database

__all__ = [
    "BANDS",
    "ROAM",
    "STATUSES",
    "UNSET",
    "Register",
    "accept_proposal",
    "add_mitigation",
    "create_risk",
    "dismiss_proposal",
    "heat_map",
    "proposed_risks",
    "rescore_risk",
    "risk_band",
    "risk_detail",
    "risk_register",
    "update_risk",
]

ROAM = ("resolved", "owned", "accepted", "mitigated")
STATUSES = ("open", "closed")
BANDS = ((15, "severe"), (10, "high"), (5, "medium"), (1, "low"))
"""Score bands of the heat map, highest first: a score at or above the bound takes the band."""
_TITLE_MAX = 300
_TEXT_MAX = 4000
_MEMBER = Role.MEMBER
_MANAGER = Role.MANAGER


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()
"""Marks an :func:`update_risk` field the caller did not send (None means "clear it")."""


def risk_band(score: int) -> str:
    """The heat-map band of a score (1..25)."""
    return next(name for bound, name in BANDS if score >= bound)


def _today(team: Team, now: dt.datetime) -> dt.date:
    return now.astimezone(ZoneInfo(team.timezone or "UTC")).date()


def _level(value: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
        raise InputError(f"{what} must be a whole number from 1 to 5, not {value!r}", **{what: value})
    return value


def _text(value: str | None, what: str, limit: int, *, required: bool = False) -> str | None:
    text = " ".join((value or "").split()) if what == "title" else (value or "").strip()
    if required and not text:
        raise InputError(f"a risk's {what} must not be empty")
    if len(text) > limit:
        raise InputError(f"a risk's {what} must be at most {limit} characters")
    return text or None


def _roam(value: str | None) -> str | None:
    value = (value or "").strip() or None
    if value is not None and value not in ROAM:
        raise InputError(f"ROAM '{value}' is not one of {', '.join(ROAM)}", roam=value)
    return value


def _owner(conn: Any, team: Team, person_id: int | None) -> int | None:
    if person_id is not None and action_store.find_member(conn, team.id, person_id) is None:
        raise InputError(f"person {person_id} is not a member of team {team.key}", owner=person_id)
    return person_id


def _stale_days(config: WorkspaceConfig | None, team: Team) -> int:
    return (config or WorkspaceConfig()).for_team(team.key).risk_register.stale_after_days


def _stale_reasons(row: store.RiskRow, today: dt.date, now: dt.datetime, stale_days: int) -> list[str]:
    if row.status != "open":
        return []
    reasons = []
    if row.review_on is not None and row.review_on < today:
        reasons.append(f"review was due on {row.review_on.isoformat()}")
    scored = row.last_scored_at or row.created_at
    age = (now - scored).days
    if age >= stale_days:
        reasons.append(f"not scored for {age} days")
    return reasons


def _view(
    row: store.RiskRow,
    today: dt.date,
    now: dt.datetime,
    stale_days: int,
    scores: list[store.ScoreRow],
    mitigations: list[store.MitigationRow],
) -> dict[str, Any]:
    reasons = _stale_reasons(row, today, now, stale_days)
    score = row.probability * row.impact
    return {
        "id": row.id,
        "title": row.title,
        "description": row.description,
        "probability": row.probability,
        "impact": row.impact,
        "score": score,
        "band": risk_band(score),
        "roam": row.roam,
        "status": row.status,
        "owner": row.owner,
        "owner_person_id": row.owner_id,
        "review_on": None if row.review_on is None else row.review_on.isoformat(),
        "epic_key": row.epic_key,
        "fix_version": row.fix_version,
        "signal_key": row.signal_key,
        "evidence": row.evidence,
        "created_at": row.created_at.isoformat(),
        "closed_at": None if row.closed_at is None else row.closed_at.isoformat(),
        "last_scored_at": None if row.last_scored_at is None else row.last_scored_at.isoformat(),
        "stale": bool(reasons),
        "stale_reasons": reasons,
        "mitigations": [
            {
                "id": m.id,
                "title": m.title,
                "status": m.status,
                "owner": m.owner,
                "due_on": None if m.due_on is None else m.due_on.isoformat(),
            }
            for m in mitigations
        ],
        "history": [
            {
                "probability": s.probability,
                "impact": s.impact,
                "score": s.probability * s.impact,
                "at": s.at.isoformat(),
                "by": s.by,
                "note": s.note,
            }
            for s in scores
        ],
    }


def _views(conn: Any, team: Team, rows: list[store.RiskRow], now: dt.datetime, stale_days: int) -> list[dict[str, Any]]:
    ids = [r.id for r in rows]
    scores: dict[int, list[store.ScoreRow]] = {}
    for s in store.list_scores(conn, ids):
        scores.setdefault(s.risk_id, []).append(s)
    mitigations: dict[int, list[store.MitigationRow]] = {}
    for m in store.list_mitigations(conn, ids):
        mitigations.setdefault(m.risk_id, []).append(m)
    today = _today(team, now)
    return [_view(r, today, now, stale_days, scores.get(r.id, []), mitigations.get(r.id, [])) for r in rows]


def _audit(row: store.RiskRow) -> dict[str, Any]:
    return {
        "title": row.title, "probability": row.probability, "impact": row.impact, "roam": row.roam,
        "status": row.status, "owner_id": row.owner_id,
        "review_on": None if row.review_on is None else row.review_on.isoformat(), "epic_key": row.epic_key,
        "fix_version": row.fix_version, "signal_key": row.signal_key,
    }  # fmt: skip


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in values.items()}


def heat_map(risks: list[dict[str, Any]]) -> dict[str, Any]:
    """The 5x5 grid of open-risk counts, impact 5 (top row) down to 1, probability 1 (left) to 5; each cell with its
    score and band, and the total counted."""
    open_ = [r for r in risks if r["status"] == "open"]
    grid = np.zeros((5, 5), dtype=np.int64)
    if open_:
        impact = np.array([r["impact"] for r in open_]) - 1
        probability = np.array([r["probability"] for r in open_]) - 1
        np.add.at(grid, (impact, probability), 1)
    rows = [
        {"impact": i, "cells": [
            {"probability": p, "score": p * i, "band": risk_band(p * i), "count": int(grid[i - 1, p - 1])}
            for p in range(1, 6)
        ]}
        for i in range(5, 0, -1)
    ]  # fmt: skip
    return {"rows": rows, "total": int(grid.sum())}


# --- proposals from data signals ------------------------------------------------------------------------------------


def _proposal(signal: dict[str, Any]) -> dict[str, Any]:
    return {
        "signal_key": str(signal["signal_key"]),
        "rule": signal.get("rule"),
        "title": signal.get("title"),
        "reason": signal.get("reason"),
        "evidence": json_value(signal.get("evidence")),
        "probability": int(signal.get("probability") or 3),
        "impact": int(signal.get("impact") or 3),
    }


def _open_proposals(
    db: Database, config: WorkspaceConfig, actor: Actor, team: Team, *, now: dt.datetime
) -> list[dict[str, Any]]:
    signals = team_risk_signals(db, config, actor, team.key, now=now)
    with db.connect() as conn:
        decided = store.decided_signal_keys(conn, team.id)
    return [_proposal(s) for s in signals if str(s["signal_key"]) not in decided]


def proposed_risks(
    db: Database, config: WorkspaceConfig, actor: Actor, key: str, *, now: dt.datetime
) -> list[dict[str, Any]]:
    """Risks the team's data suggests, with their evidence, not yet accepted or dismissed (viewers and up)."""
    team = access_team(db, actor, key)
    return _open_proposals(db, config, actor, team, now=now)


def _decided(conn: Any, team: Team, signal_key: str) -> store.RiskRow | None:
    for row in store.list_risks(conn, team.id):
        if row.signal_key == signal_key:
            return row
    return None


def _decide(
    db: Database, config: WorkspaceConfig, actor: Actor, key: str, signal_key: str, *, now: dt.datetime, accept: bool,
    note: str | None,
) -> dict[str, Any]:  # fmt: skip
    """Accept or dismiss a proposal; the same decision again returns the stored risk (idempotent), the opposite one
    is a :class:`Conflict`."""
    team = access_team(db, actor, key, need=_MANAGER)
    wanted = "dismissed" if not accept else None

    def settled(row: store.RiskRow) -> dict[str, Any]:
        if (row.status == "dismissed") != (wanted == "dismissed"):
            done = "dismissed" if row.status == "dismissed" else "accepted"
            raise Conflict(f"proposal {signal_key} was {done} already", signal_key=signal_key)
        return risk_detail(db, config, actor, key, row.id, now=now, forecast=False)

    with db.connect() as conn:
        earlier = _decided(conn, team, signal_key)
    if earlier is not None:
        return settled(earlier)
    found = next((p for p in _open_proposals(db, config, actor, team, now=now) if p["signal_key"] == signal_key), None)
    if found is None:
        raise NotFound(f"team {team.key} has no proposed risk {signal_key}", signal_key=signal_key)
    title = _text(found["title"] or found["reason"] or signal_key, "title", _TITLE_MAX) or signal_key[:_TITLE_MAX]
    values: dict[str, Any] = {
        "description": found["reason"], "probability": _level(found["probability"], "probability"),
        "impact": _level(found["impact"], "impact"), "signal_key": signal_key, "evidence": found["evidence"],
    }  # fmt: skip
    scope = found["evidence"] if isinstance(found["evidence"], dict) else {}
    if scope.get("scope_kind") == "epic":  # a deadline signal: link the risk to the scope it threatens
        values["epic_key"] = str(scope["scope"])
    elif scope.get("scope_kind") == "version":
        values["fix_version"] = str(scope["scope"])
    if accept:
        values |= {"status": "open"}
    else:
        values |= {"status": "dismissed", "closed_at": now}
    try:
        with db.begin() as conn:
            new_id = store.insert_risk(conn, team_id=team.id, title=title[:_TITLE_MAX], now=now, **values)
            if accept:
                store.insert_score(
                    conn, new_id, probability=values["probability"], impact=values["impact"], at=now,
                    by_user_id=actor.user_id or None, note=_text(note, "note", _TEXT_MAX) or f"from {found['rule']}",
                )  # fmt: skip
            row = store.find_risk(conn, team.id, new_id)
            assert row is not None
            record_change(
                conn, actor, "accept" if accept else "dismiss", "risk_proposal", entity_id=signal_key,
                team_id=team.id, after={**_audit(row), "note": note}, at=now,
            )  # fmt: skip
    except Conflict:
        with db.connect() as conn:
            raced = _decided(conn, team, signal_key)
        if raced is None:
            raise
        return settled(raced)
    return risk_detail(db, config, actor, key, new_id, now=now, forecast=False)


def accept_proposal(
    db: Database, config: WorkspaceConfig, actor: Actor, key: str, signal_key: str, *, now: dt.datetime,
    note: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Turn a proposed risk into an open risk with the signal's evidence and suggested score (managers)."""
    return _decide(db, config, actor, key, signal_key, now=now, accept=True, note=note)


def dismiss_proposal(
    db: Database, config: WorkspaceConfig, actor: Actor, key: str, signal_key: str, *, now: dt.datetime,
    note: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Record that a proposed risk is not one (managers), so the signal is not proposed again."""
    return _decide(db, config, actor, key, signal_key, now=now, accept=False, note=note)


# --- the register ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Register:
    team: Team
    today: dt.date
    stale_after_days: int
    risks: list[dict[str, Any]]
    """Open and closed risks, highest score first (dismissed proposals are left out)."""
    heat_map: dict[str, Any]
    stale: list[dict[str, Any]]
    proposed: list[dict[str, Any]]
    people: list[dict[str, Any]]
    can_edit: bool
    can_manage: bool


def risk_register(
    db: Database, config: WorkspaceConfig, actor: Actor, key: str, *, now: dt.datetime, proposals: bool = True
) -> Register:
    """The register, its heat map, the stale review list and the open proposals (viewers and up)."""
    team = access_team(db, actor, key)
    stale_days = _stale_days(config, team)
    with db.connect() as conn:
        rows = store.list_risks(conn, team.id, statuses=STATUSES)
        views = _views(conn, team, rows, now, stale_days)
    role = actor.role_in(team.id)
    return Register(
        team=team,
        today=_today(team, now),
        stale_after_days=stale_days,
        risks=views,
        heat_map=heat_map(views),
        stale=[v for v in views if v["stale"]],
        proposed=_open_proposals(db, config, actor, team, now=now) if proposals else [],
        people=team_owners(db, actor, key),
        can_edit=role is not None and role.covers(_MEMBER),
        can_manage=role is not None and role.covers(_MANAGER),
    )


def _forecast(db: Database, config: WorkspaceConfig, team: Team, row: store.RiskRow, now: dt.datetime) -> Any:
    """The P85 date of the epic or fix version the risk threatens (the epic when both are set); None without one."""
    if row.epic_key is None and row.fix_version is None:
        return None
    kind, value = ("epic", row.epic_key) if row.epic_key else ("version", row.fix_version)
    try:
        found = scope_forecast(
            db, config, team.key, now=now, epic=value if kind == "epic" else None,
            version=value if kind == "version" else None, trials=2000,
        )  # fmt: skip
    except CadenceError as error:
        return {"kind": kind, "value": value, "error": str(error)}
    when = found["when"]
    return {
        "kind": kind,
        "value": value,
        "remaining": found["counts"]["remaining"],
        "p50": when["dates"].get("50"),
        "p85": when["dates"].get("85"),
        "finishes": when.get("finishes", True),
        "error": None,
    }


def risk_detail(
    db: Database, config: WorkspaceConfig, actor: Actor, key: str, risk_id: int, *, now: dt.datetime,
    forecast: bool = True,
) -> dict[str, Any]:  # fmt: skip
    """One risk with its history and mitigations and, when it names an epic or fix version, that scope's forecast
    (its P85 date) beside the risk's exposure (viewers and up)."""
    team = access_team(db, actor, key)
    with db.connect() as conn:
        row = store.find_risk(conn, team.id, risk_id)
        if row is None:
            raise NotFound(f"team {team.key} has no risk {risk_id}", risk=risk_id)
        view = _views(conn, team, [row], now, _stale_days(config, team))[0]
    view["forecast"] = _forecast(db, config, team, row, now) if forecast else None
    return view


def _find(conn: Any, team: Team, risk_id: int) -> store.RiskRow:
    row = store.find_risk(conn, team.id, risk_id)
    if row is None or row.status == "dismissed":
        raise NotFound(f"team {team.key} has no risk {risk_id}", risk=risk_id)
    return row


def create_risk(
    db: Database,
    config: WorkspaceConfig,
    actor: Actor,
    key: str,
    *,
    title: str,
    probability: int,
    impact: int,
    now: dt.datetime,
    description: str | None = None,
    owner_person_id: int | None = None,
    review_on: dt.date | None = None,
    roam: str | None = None,
    epic_key: str | None = None,
    fix_version: str | None = None,
    note: str | None = None,
) -> dict[str, Any]:
    """Record a risk (members and up) and its first score."""
    team = access_team(db, actor, key, need=_MEMBER)
    values: dict[str, Any] = {
        "description": _text(description, "description", _TEXT_MAX),
        "probability": _level(probability, "probability"), "impact": _level(impact, "impact"),
        "review_on": review_on, "roam": _roam(roam), "status": "open",
        "epic_key": _text(epic_key, "epic", 64), "fix_version": _text(fix_version, "fix version", 200),
    }  # fmt: skip
    clean_title = _text(title, "title", _TITLE_MAX, required=True)
    assert clean_title is not None
    with db.begin() as conn:
        values["owner_id"] = _owner(conn, team, owner_person_id)
        new_id = store.insert_risk(conn, team_id=team.id, title=clean_title, now=now, **values)
        store.insert_score(
            conn, new_id, probability=probability, impact=impact, at=now, by_user_id=actor.user_id or None,
            note=_text(note, "note", _TEXT_MAX) or "first assessment",
        )  # fmt: skip
        row = _find(conn, team, new_id)
        record_change(conn, actor, "create", "risk", entity_id=str(new_id), team_id=team.id, after=_audit(row), at=now)
    return risk_detail(db, config, actor, key, new_id, now=now, forecast=False)


def rescore_risk(
    db: Database, config: WorkspaceConfig, actor: Actor, key: str, risk_id: int, *, probability: int, impact: int,
    now: dt.datetime, note: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Give an open risk a new score (members and up): a history row with who, when and the note, even when the
    score is unchanged (a review that confirms the score is still a review)."""
    team = access_team(db, actor, key, need=_MEMBER)
    _level(probability, "probability")
    _level(impact, "impact")
    with db.begin() as conn:
        row = _find(conn, team, risk_id)
        if row.status != "open":
            raise Conflict(f"risk {risk_id} is {row.status}: reopen it before scoring it", risk=risk_id)
        store.update_risk(conn, risk_id, probability=probability, impact=impact, updated_at=now)
        store.insert_score(
            conn, risk_id, probability=probability, impact=impact, at=now, by_user_id=actor.user_id or None,
            note=_text(note, "note", _TEXT_MAX),
        )  # fmt: skip
        record_change(
            conn, actor, "score", "risk", entity_id=str(risk_id), team_id=team.id,
            before={"probability": row.probability, "impact": row.impact},
            after={"probability": probability, "impact": impact, "note": note}, at=now,
        )  # fmt: skip
    return risk_detail(db, config, actor, key, risk_id, now=now, forecast=False)


def update_risk(
    db: Database,
    config: WorkspaceConfig,
    actor: Actor,
    key: str,
    risk_id: int,
    *,
    now: dt.datetime,
    title: Any = UNSET,
    description: Any = UNSET,
    owner_person_id: Any = UNSET,
    review_on: Any = UNSET,
    roam: Any = UNSET,
    epic_key: Any = UNSET,
    fix_version: Any = UNSET,
    status: Any = UNSET,
) -> dict[str, Any]:
    """Change a risk's fields, or close (``status="closed"``) or reopen (``"open"``) it (members and up); audited.
    Fields left at :data:`UNSET` stay; ``None`` clears an optional one."""
    team = access_team(db, actor, key, need=_MEMBER)
    if status is not UNSET and status not in STATUSES:
        raise InputError(f"status '{status}' is not one of {', '.join(STATUSES)}", status=status)
    wanted: dict[str, Any] = {}
    if title is not UNSET:
        wanted["title"] = _text(title, "title", _TITLE_MAX, required=True)
    if description is not UNSET:
        wanted["description"] = _text(description, "description", _TEXT_MAX)
    if review_on is not UNSET:
        wanted["review_on"] = review_on
    if roam is not UNSET:
        wanted["roam"] = _roam(roam)
    if epic_key is not UNSET:
        wanted["epic_key"] = _text(epic_key, "epic", 64)
    if fix_version is not UNSET:
        wanted["fix_version"] = _text(fix_version, "fix version", 200)
    if status is not UNSET:
        wanted["status"] = status
    with db.begin() as conn:
        row = _find(conn, team, risk_id)
        if owner_person_id is not UNSET:
            wanted["owner_id"] = _owner(conn, team, owner_person_id)
        current = {**_audit(row), "description": row.description, "review_on": row.review_on}
        changes = {k: v for k, v in wanted.items() if current.get(k) != v}
        if "status" in changes:
            changes["closed_at"] = now if changes["status"] == "closed" else None
        if changes:
            store.update_risk(conn, risk_id, updated_at=now, **changes)
            action = {"closed": "close", "open": "reopen"}.get(changes.get("status", ""), "update")
            record_change(
                conn, actor, action, "risk", entity_id=str(risk_id), team_id=team.id,
                before=_jsonable({k: current.get(k) for k in changes if k != "closed_at"}),
                after=_jsonable({k: v for k, v in changes.items() if k != "closed_at"}), at=now,
            )  # fmt: skip
    return risk_detail(db, config, actor, key, risk_id, now=now, forecast=False)


def add_mitigation(
    db: Database, config: WorkspaceConfig, actor: Actor, key: str, risk_id: int, *, title: str, now: dt.datetime,
    owner_person_id: int | None = None, due_on: dt.date | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Add an action item (origin ``risk``) that mitigates the risk (members and up); the link is audited."""
    team = access_team(db, actor, key, need=_MEMBER)
    with db.connect() as conn:
        _find(conn, team, risk_id)
    action = create_action(
        db, actor, key, title=title, now=now, owner_person_id=owner_person_id, due_on=due_on, origin="risk",
        config=config,
    )  # fmt: skip
    with db.begin() as conn:
        if not store.link_mitigation(conn, team.id, int(action["id"]), risk_id):
            raise NotFound(f"team {team.key} has no action {action['id']}", action=action["id"])
        record_change(
            conn, actor, "mitigate", "risk", entity_id=str(risk_id), team_id=team.id,
            after={"action_id": action["id"], "title": action["title"]}, at=now,
        )  # fmt: skip
    return risk_detail(db, config, actor, key, risk_id, now=now, forecast=False)
