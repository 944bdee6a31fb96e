"""The team's decision log and working agreements.

A **decision** records what was decided, the options considered, who decided, on which day, the items it touches
and, optionally, the meeting it was taken in. A **working agreement** is one line the team holds itself to; retiring
it keeps it on record with the moment it was retired. Viewers and above read; members and above record decisions
and add or retire agreements. Every change writes an audit entry in its transaction.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from cadence.domain.errors import Conflict, InputError, NotFound
from cadence.domain.model import Role
from cadence.services.access import Actor, access_team
from cadence.services.audit_log import record_change
from cadence.store import decisions as store
from cadence.store.database import Database

__all__ = ["add_agreement", "list_agreements", "list_decisions", "record_decision", "retire_agreement"]

_WRITER = Role.MEMBER
_MAX_OPTIONS = 20


def _text(value: str | None, what: str, limit: int, *, required: bool = False) -> str | None:
    clean = (value or "").strip()
    if required and not clean:
        raise InputError(f"the {what} is required", field=what)
    if len(clean) > limit:
        raise InputError(f"the {what} is {len(clean)} characters long; at most {limit} are allowed", field=what)
    return clean or None


def _decision(row: store.DecisionRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "title": row.title,
        "decision": row.decision,
        "options": row.options,
        "decided_by": row.decided_by,
        "decided_on": row.decided_on,
        "item_keys": row.item_keys,
        "meeting_id": row.meeting_id,
        "meeting": row.meeting_title,
        "created_at": row.created_at,
    }


def _agreement(row: store.AgreementRow) -> dict[str, Any]:
    return {"id": row.id, "text": row.text, "created_at": row.created_at, "retired_at": row.retired_at,
            "active": row.retired_at is None}  # fmt: skip


def record_decision(
    db: Database,
    actor: Actor,
    key: str,
    *,
    title: str,
    decision: str,
    now: dt.datetime,
    options: list[str] | None = None,
    decided_by: str | None = None,
    decided_on: dt.date | None = None,
    item_keys: list[str] | None = None,
    meeting_id: int | None = None,
) -> dict[str, Any]:
    """Add a decision to the log (members and above); ``decided_on`` defaults to today (UTC) and ``decided_by`` to
    the actor's name. Linked items must be the team's items; the meeting must be the team's."""
    team = access_team(db, actor, key, need=_WRITER)
    clean_title = _text(title, "title", 300, required=True)
    clean_decision = _text(decision, "decision", 10_000, required=True)
    choices = [c for c in (_text(o, "option", 500) for o in options or []) if c]
    if len(choices) > _MAX_OPTIONS:
        raise InputError(f"at most {_MAX_OPTIONS} options, not {len(choices)}", field="options")
    keys = list(dict.fromkeys(k.strip() for k in item_keys or [] if k.strip()))
    who = _text(decided_by, "decided by", 200) or actor.display_name
    day = decided_on or now.date()
    with db.begin() as conn:
        unknown = sorted(set(keys) - store.known_item_keys(conn, team.id, keys))
        if unknown:
            raise NotFound(f"team {team.key} has no item {', '.join(unknown)}", items=unknown)
        if meeting_id is not None and not store.meeting_of_team(conn, team.id, meeting_id):
            raise NotFound(f"team {team.key} has no meeting {meeting_id}", meeting=meeting_id)
        values = {
            "title": clean_title, "decision": clean_decision, "options": choices, "decided_by": who,
            "decided_on": day, "item_keys": keys, "meeting_id": meeting_id,
        }  # fmt: skip
        new_id = store.insert_decision(conn, team_id=team.id, created_at=now, **values)
        record_change(
            conn, actor, "create", "decision", entity_id=str(new_id), team_id=team.id,
            after={**values, "decided_on": day.isoformat()}, at=now,
        )  # fmt: skip
        row = next(r for r in store.list_decisions(conn, team.id) if r.id == new_id)
    return _decision(row)


def list_decisions(db: Database, actor: Actor, key: str) -> list[dict[str, Any]]:
    """The team's decision log, newest first (viewers and above)."""
    team = access_team(db, actor, key)
    with db.connect() as conn:
        return [_decision(r) for r in store.list_decisions(conn, team.id)]


def add_agreement(db: Database, actor: Actor, key: str, *, text: str, now: dt.datetime) -> dict[str, Any]:
    """Add a working agreement (members and above)."""
    team = access_team(db, actor, key, need=_WRITER)
    clean = _text(text, "agreement", 1_000, required=True)
    assert clean is not None
    with db.begin() as conn:
        new_id = store.insert_agreement(conn, team_id=team.id, text=clean, created_at=now)
        record_change(
            conn, actor, "create", "working_agreement", entity_id=str(new_id), team_id=team.id,
            after={"text": clean}, at=now,
        )  # fmt: skip
        row = store.find_agreement(conn, team.id, new_id)
    assert row is not None
    return _agreement(row)


def retire_agreement(db: Database, actor: Actor, key: str, agreement_id: int, *, now: dt.datetime) -> dict[str, Any]:
    """Retire a working agreement (members and above); it stays on record as retired."""
    team = access_team(db, actor, key, need=_WRITER)
    with db.begin() as conn:
        row = store.find_agreement(conn, team.id, agreement_id)
        if row is None:
            raise NotFound(f"team {team.key} has no working agreement {agreement_id}", agreement=agreement_id)
        if not store.retire_agreement(conn, row.id, at=now):
            raise Conflict(f"working agreement {agreement_id} was retired already")
        record_change(
            conn, actor, "retire", "working_agreement", entity_id=str(row.id), team_id=team.id,
            before={"text": row.text, "retired_at": None}, after={"retired_at": now.isoformat()}, at=now,
        )  # fmt: skip
        retired = store.find_agreement(conn, team.id, row.id)
    assert retired is not None
    return _agreement(retired)


def list_agreements(db: Database, actor: Actor, key: str) -> list[dict[str, Any]]:
    """The team's working agreements: those in force first, then the retired ones (viewers and above)."""
    team = access_team(db, actor, key)
    with db.connect() as conn:
        return [_agreement(r) for r in store.list_agreements(conn, team.id)]
