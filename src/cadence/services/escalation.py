"""Escalating a support ticket to the developers, and the hand-off clock that follows it.

**Escalate** (support role and above): from an accepted (or waiting, or imported untriaged) ticket, either

* link an existing work item of the team by its key — several tickets may share one item; or
* create a new item: in Cadence (source ``cadence``, keyed ``<TEAM>-<n>``, type ``bug`` unless told otherwise,
  in the first status of the team's workflow), or — when the team syncs a Jira source with a project — as a Jira
  issue through the Jira client (:mod:`cadence.connectors.jira.issue_create`), stored at once under the Jira
  source with the key and id Jira answered, so the next sync updates it in place.

Either way the link's ``created_at`` is the escalation time, a ticket at level L1 moves to L2 (a ``level`` event),
an ``escalation`` update is written and the audit log records it, in one transaction. The Jira issue is created
before that transaction: a Jira refusal changes nothing in Cadence.

**Hand-off clock** of each linked item: *escalated at* (the link), *dev commitment* (the item's first entry at or
after its commitment stage; ``escalation -> commitment`` is zero when it was committed before the escalation),
*waiting on dev* (escalation -> the item entering done, still running while it is not done) and, per ticket,
*L1 -> L2 hand-off* (ticket created -> its first level event to L2) — the time Jira Service Management does not
measure.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cadence.connectors.jira.issue_create import create_issue
from cadence.domain.errors import Conflict, InputError, NotFound
from cadence.domain.model import ItemType, Role, Team
from cadence.services.access import Actor, access_team
from cadence.services.audit_log import record_change
from cadence.services.relay import ItemStage, team_workflow
from cadence.services.sources import open_source
from cadence.services.workspace_config import WorkspaceConfig
from cadence.store import support_desk as store
from cadence.store.database import Database
from cadence.store.sources import find_source

__all__ = ["Escalation", "HandOff", "escalate", "handoff", "l1_to_l2"]

_AGENT = Role.SUPPORT
_NOT_YET = {"new": "accept it first", "snoozed": "it is snoozed; accept it first"}
_CLOSED = {"declined", "duplicate"}
_TYPES = {t.value for t in ItemType}


@dataclass(frozen=True)
class Escalation:
    ticket_key: str
    item_key: str
    created: bool
    """True when a new item was created (False: an existing one was linked)."""
    where: str
    """``cadence`` or the Jira source's name."""
    level: str | None


@dataclass(frozen=True)
class HandOff:
    item_key: str
    escalated_at: dt.datetime | None
    committed_at: dt.datetime | None
    escalation_to_commitment: dt.timedelta | None
    done_at: dt.datetime | None
    waiting_on_dev: dt.timedelta | None
    waiting_running: bool


def _ticket(db: Database, team: Team, ticket_key: str) -> store.TicketRow:
    with db.connect() as conn:
        ticket = store.find_ticket(conn, team.id, ticket_key)
    if ticket is None:
        raise NotFound(f"team {team.key} has no ticket {ticket_key}", ticket=ticket_key)
    return ticket


def _check_escalable(ticket: store.TicketRow) -> None:
    if ticket.triage_state in _CLOSED:
        raise Conflict(f"ticket {ticket.key} is {ticket.triage_state}; it cannot be escalated", ticket=ticket.key)
    if ticket.triage_state in _NOT_YET:
        raise Conflict(f"ticket {ticket.key} is {ticket.triage_state}: {_NOT_YET[ticket.triage_state]}",
                       ticket=ticket.key)  # fmt: skip


def _new_item_values(title: str, description: str, item_type: str, status: str, now: dt.datetime) -> dict[str, Any]:
    return {"type": item_type, "title": title, "description": description, "status": status, "created_at": now,
            "updated_at": now, "labels": ["support"]}  # fmt: skip


def escalate(
    db: Database, config: WorkspaceConfig, actor: Actor, key: str, ticket_key: str, *, now: dt.datetime,
    item_key: str | None = None, title: str | None = None, item_type: str = "bug", description: str | None = None,
    credentials_key: str | None = None, transport: Any = None,
) -> Escalation:  # fmt: skip
    """Link ``item_key``, or create the dev item (in Jira when the team syncs one); see the module docstring."""
    team = access_team(db, actor, key, need=_AGENT)
    ticket = _ticket(db, team, ticket_key)
    _check_escalable(ticket)
    if item_type not in _TYPES:
        raise InputError(f"item_type: '{item_type}' is not one of {', '.join(sorted(_TYPES))}", field="item_type")
    summary = (title or ticket.title).strip()
    if not summary:
        raise InputError("title: the dev item needs a title", field="title")
    text = (description if description is not None else ticket.description or "").strip()
    text = f"{text}\n\nEscalated from support ticket {ticket.key} by {actor.display_name}.".strip()
    workflow, _ = team_workflow(db, config, team)
    status = workflow.stages[0].statuses[0]
    values = _new_item_values(summary, text, item_type, status, now)
    where, created = "cadence", None
    if item_key is None:
        with db.connect() as conn:
            source_name = store.jira_source_of_team(conn, team.id)
            source = find_source(conn, source_name) if source_name else None
        if source is not None:
            jira = open_source(source, credentials_key, transport=transport)
            try:
                created = create_issue(
                    jira.client, jira.site.version, project=str(source.config["projects"][0]), summary=summary,
                    issue_type=item_type.capitalize(), description=text,
                )  # fmt: skip
            finally:
                jira.client.close()
            where = source.name
    with db.begin() as conn:
        if item_key is not None:
            item = store.find_item(conn, team.id, item_key.strip())
            if item is None:
                raise NotFound(f"item_key: team {team.key} has no work item {item_key}", field="item_key")
        elif created is not None:
            item = store.insert_work_item(
                conn, team_id=team.id, team_key=team.key, source=where, source_id=created.id, key=created.key,
                values=values,
            )  # fmt: skip
        else:
            item = store.insert_work_item(
                conn, team_id=team.id, team_key=team.key, source="cadence", source_id=None, key=None, values=values
            )
        if not store.insert_link(conn, ticket_id=ticket.id, item_id=item.id, kind="escalated", at=now):
            raise Conflict(f"ticket {ticket.key} is already linked to {item.key}", ticket=ticket.key, item=item.key)
        level = ticket.level
        if ticket.level == "L1":
            level = "L2"
            store.insert_event(conn, ticket_id=ticket.id, kind="level", from_value="L1", to_value="L2", at=now,
                               data={"by": actor.username, "escalated_to": item.key})  # fmt: skip
        store.update_ticket(conn, ticket.id, level=level, updated_at=now)
        verb = "Linked to" if item_key is not None else "Escalated to the developers as"
        where_words = "" if where == "cadence" else f" in Jira ({where})"
        store.insert_update(
            conn, ticket_id=ticket.id, item_id=item.id, kind="escalation",
            text=f"{verb} {item.key}{where_words} by {actor.display_name}.",
            dedupe_key=f"escalation:{item.id}", at=now, by_user_id=actor.user_id,
        )  # fmt: skip
        record_change(
            conn, actor, "escalate", "support_ticket", entity_id=ticket.key, team_id=team.id,
            before={"level": ticket.level},
            after={"level": level, "item": item.key, "created": item_key is None, "where": where}, at=now,
        )  # fmt: skip
        store.bump_data_version(conn, team.id)
    return Escalation(ticket.key, item.key, item_key is None, where, level)


def l1_to_l2(created_at: dt.datetime, events: Sequence[dict[str, Any]]) -> dt.timedelta | None:
    """Ticket created -> its first level event to L2 (None when it never reached L2)."""
    reached = [e["at"] for e in events if e["kind"] == "level" and e["to_value"] == "L2"]
    return min(reached) - created_at if reached else None


def handoff(links: Sequence[store.LinkRow], stages: dict[int, ItemStage], *, now: dt.datetime) -> list[HandOff]:
    """The hand-off clock of each linked item (see the module docstring)."""
    out = []
    for link in links:
        stage = stages.get(link.item_id)
        committed = stage.committed_at if stage else None
        done = stage.done_at if stage else None
        start = link.created_at
        to_commitment = None
        if start is not None and committed is not None:
            to_commitment = max(committed - start, dt.timedelta(0))
        waiting = None
        if start is not None:
            waiting = max((done or now) - start, dt.timedelta(0))
        out.append(HandOff(link.item_key, start, committed, to_commitment, done, waiting, done is None))
    return out
