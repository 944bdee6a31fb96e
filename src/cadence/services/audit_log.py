"""Writing the audit log: who changed what, when, with the values before and after."""

from __future__ import annotations

import datetime as dt
from typing import Any

from cadence.services.access import Actor
from cadence.store.audit import insert_audit
from cadence.store.database import Connection

__all__ = ["SYSTEM", "record_change"]

SYSTEM = Actor(user_id=0, username="cadence", display_name="Cadence")
"""The actor for changes made by the command line or a background job rather than a signed-in person."""


def record_change(
    conn: Connection,
    actor: Actor,
    action: str,
    entity: str,
    *,
    entity_id: str | None = None,
    team_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    at: dt.datetime | None = None,
) -> None:
    """Add an audit entry inside the caller's transaction, so the change and its record commit together."""
    insert_audit(
        conn,
        actor_user_id=actor.user_id or None,
        actor_label=actor.label,
        action=action,
        entity=entity,
        entity_id=entity_id,
        team_id=team_id,
        before=before,
        after=after,
        at=at,
    )
