"""The support desk: ticket intake and triage (the queue and ticket views are in ``services.support_views``).

**Intake** (support role and above): a ticket created in Cadence gets source ``cadence``, the key ``SUP-<n>`` (one
more than the team's highest), status ``New``, level ``L1``, triage state ``new`` and a ``status`` event from
nothing to ``New``. Tickets also arrive from Jira Service Management and event-log imports; those have no triage
state until someone triages them.

**Triage** — each action writes a ``triage`` event (state before -> after), a ``status`` event when the status
changes, a ``triage`` update in plain words and an audit entry, in one transaction:

============  =============================  ======================  ====================
action        allowed from                   triage state after      status after
============  =============================  ======================  ====================
accept        new, snoozed, waiting, none    accepted                Open (+ priority)
decline       new, snoozed, waiting, none    declined                Closed (resolved)
duplicate     new, snoozed, waiting,         duplicate               Closed (resolved)
              accepted, none
snooze        new, snoozed, waiting, none    snoozed                 unchanged
ask_info      new, snoozed, accepted, none   waiting                 Waiting for customer
============  =============================  ======================  ====================

*accept* sets the priority from the team's impact x urgency matrix (``[teams.KEY.support] priority_matrix``,
default :data:`~cadence.services.workspace_config.DEFAULT_PRIORITY_MATRIX`) and records a ``priority`` event; an
imported ticket without impact and urgency keeps the priority its source gave it.
*duplicate* closes the ticket and merges its requesters into the canonical ticket's ``requesters`` (which gets an
update too). *snooze* hides the ticket from the queue until the given day starts in the team's time zone; it then
reappears by itself. *ask_info* waits on the requester: the SLA clocks pause on the ``waiting`` triage state and
on the ``Waiting for customer`` status. Any other move is refused with a 409 naming the state and what is allowed.

**Caches**: intake and triage change no item history, so they leave the team's data version (and with it every
cached item frame and result) alone; they stamp ``updated_at`` through ``store.stamp_ticket_write`` so the ticket
caches of ``services.sla``, keyed on ``store.ticket_mark``, see each of them at once, on every instance.

**Triage duty**: who is on duty on a day is a pure function of the date
(:meth:`~cadence.services.workspace_config.SupportSettings.on_duty`), shown on the queue.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from cadence.domain.errors import Conflict, InputError, NotFound
from cadence.domain.model import Role, Team
from cadence.services.access import Actor, access_team
from cadence.services.audit_log import record_change
from cadence.services.workspace_config import SupportSettings, WorkspaceConfig
from cadence.store import support_desk as store
from cadence.store.database import Database

__all__ = [
    "ACTIONS",
    "CHANNELS",
    "LEVELS",
    "create_ticket",
    "find_ticket",
    "team_zone",
    "triage_ticket",
]

_AGENT = Role.SUPPORT
CHANNELS = ("email", "phone", "chat", "portal", "web", "other")
LEVELS = ("high", "medium", "low")
_ANY = {"new", "snoozed", "waiting", None}
ACTIONS: dict[str, tuple[set[str | None], str, str | None]] = {
    "accept": (_ANY, "accepted", "Open"),
    "decline": (_ANY, "declined", "Closed"),
    "duplicate": (_ANY | {"accepted"}, "duplicate", "Closed"),
    "snooze": (_ANY, "snoozed", None),
    "ask_info": ({"new", "snoozed", "accepted", None}, "waiting", "Waiting for customer"),
}
"""action -> (triage states it may start from, triage state after, status after or None to keep it)."""
_PAST = {"accept": "accepted", "decline": "declined", "duplicate": "marked a duplicate", "snooze": "snoozed",
         "ask_info": "put on waiting"}  # fmt: skip
_LIMITS = {"requester": 200, "customer": 200, "product_area": 100, "title": 500, "description": 20_000}


def team_zone(config: WorkspaceConfig, team: Team) -> ZoneInfo:
    return ZoneInfo(config.for_team(team.key).time_zone or team.timezone or "UTC")


def _text(data: Mapping[str, Any], name: str, *, required: bool) -> str | None:
    value = data.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InputError(f"{name}: this field is required", field=name)
        return None
    if not isinstance(value, str):
        raise InputError(f"{name}: must be text, not {type(value).__name__}", field=name)
    value = value.strip()
    if len(value) > _LIMITS[name]:
        raise InputError(f"{name}: at most {_LIMITS[name]} characters (got {len(value)})", field=name)
    return value


def _choice(data: Mapping[str, Any], name: str, choices: tuple[str, ...]) -> str:
    value = data.get(name)
    if not isinstance(value, str) or value.strip().lower() not in choices:
        raise InputError(f"{name}: '{value}' is not one of {', '.join(choices)}", field=name)
    return value.strip().lower()


def create_ticket(
    db: Database, actor: Actor, key: str, data: Mapping[str, Any], *, now: dt.datetime
) -> store.TicketRow:
    """A new ticket from the support team (see the module docstring); InputError names the first bad field."""
    team = access_team(db, actor, key, need=_AGENT)
    values: dict[str, Any] = {
        "title": _text(data, "title", required=True),
        "requester": _text(data, "requester", required=True),
        "customer": _text(data, "customer", required=False),
        "channel": _choice(data, "channel", CHANNELS),
        "product_area": _text(data, "product_area", required=False),
        "impact": _choice(data, "impact", LEVELS),
        "urgency": _choice(data, "urgency", LEVELS),
        "description": _text(data, "description", required=False),
    }
    values.update(status="New", level="L1", triage_state="new", created_at=now, updated_at=now,
                  requesters=[values["requester"]])  # fmt: skip
    with db.begin() as conn:
        values["updated_at"] = store.stamp_ticket_write(conn, team.id, now)
        ticket = store.insert_ticket(conn, team_id=team.id, team_key=team.key, values=values)
        store.insert_event(conn, ticket_id=ticket.id, kind="status", from_value=None, to_value="New", at=now,
                           data={"by": actor.username})  # fmt: skip
        record_change(
            conn, actor, "create", "support_ticket", entity_id=ticket.key, team_id=team.id,
            after={k: v for k, v in values.items() if k not in {"created_at", "updated_at"}}, at=now,
        )  # fmt: skip
    return ticket


def find_ticket(db: Database, team: Team, ticket_key: str) -> store.TicketRow:
    """The team's ticket ``ticket_key`` or NotFound (the caller has checked access)."""
    with db.connect() as conn:
        ticket = store.find_ticket(conn, team.id, ticket_key)
    if ticket is None:
        raise NotFound(f"team {team.key} has no ticket {ticket_key}", ticket=ticket_key)
    return ticket


def _snooze_end(until: str | dt.date | None, zone: ZoneInfo, now: dt.datetime) -> dt.datetime:
    if until is None or until == "":
        raise InputError("until: give the day the ticket comes back, as YYYY-MM-DD", field="until")
    try:
        day = until if isinstance(until, dt.date) else dt.date.fromisoformat(str(until))
    except ValueError:
        raise InputError(f"until: '{until}' is not a date; use YYYY-MM-DD", field="until") from None
    start = dt.datetime.combine(day, dt.time(), zone).astimezone(dt.UTC)
    if start <= now:
        raise InputError(f"until: {day} is not in the future", field="until")
    return start


def _merged(*lists: list[str] | None) -> list[str]:
    out: list[str] = []
    for names in lists:
        out += [n for n in names or [] if n and n not in out]
    return out


def triage_ticket(
    db: Database, config: WorkspaceConfig, actor: Actor, key: str, ticket_key: str, *, action: str,
    now: dt.datetime, reason: str | None = None, duplicate_of: str | None = None,
    until: str | dt.date | None = None, note: str | None = None,
) -> store.TicketRow:  # fmt: skip
    """Apply one triage action (support role and above); see the module docstring for what each one does."""
    team = access_team(db, actor, key, need=_AGENT)
    if action not in ACTIONS:
        raise InputError(f"action: '{action}' is not one of {', '.join(ACTIONS)}", field="action")
    allowed, after, status = ACTIONS[action]
    ticket = find_ticket(db, team, ticket_key)
    if ticket.triage_state not in allowed:
        moves = [name for name, (starts, _, _) in ACTIONS.items() if ticket.triage_state in starts]
        raise Conflict(
            f"ticket {ticket.key} is {ticket.triage_state or 'untriaged'}: it cannot be {_PAST[action]} from there"
            + (f"; allowed: {', '.join(moves)}" if moves else "; it is closed"),
            ticket=ticket.key, state=ticket.triage_state, action=action,
        )  # fmt: skip
    who = actor.display_name
    changes: dict[str, Any] = {"triage_state": after, "updated_at": now}
    canonical: store.TicketRow | None = None
    settings: SupportSettings = config.for_team(team.key).support
    if action == "accept":
        if ticket.impact is not None and ticket.urgency is not None:
            priority = settings.priority(ticket.impact, ticket.urgency)
            words = f"Accepted by {who}: priority {priority} (impact {ticket.impact} x urgency {ticket.urgency})."
        elif ticket.priority is not None:  # an imported ticket: its source set the priority
            priority = ticket.priority
            words = f"Accepted by {who}: priority {priority} (kept from {ticket.source})."
        else:
            raise InputError(f"ticket {ticket.key} has no impact or urgency to set a priority from", field="impact")
        changes["priority"] = priority
    elif action == "decline":
        reason = (reason or "").strip()
        if not reason:
            raise InputError("reason: say why the ticket is declined", field="reason")
        changes.update(decline_reason=reason[:2000], resolved_at=now)
        words = f"Declined by {who}: {reason}"
    elif action == "duplicate":
        target = (duplicate_of or "").strip()
        if not target:
            raise InputError("duplicate_of: give the key of the ticket this one duplicates", field="duplicate_of")
        if target == ticket.key:
            raise InputError(f"duplicate_of: {ticket.key} cannot duplicate itself", field="duplicate_of")
        with db.connect() as conn:
            canonical = store.find_ticket(conn, team.id, target)
        if canonical is None:
            raise NotFound(f"duplicate_of: team {team.key} has no ticket {target}", field="duplicate_of")
        if canonical.triage_state in {"duplicate", "declined"}:
            hint = ""
            if canonical.duplicate_of_id is not None:
                with db.connect() as conn:
                    root = store.ticket_by_id(conn, canonical.duplicate_of_id)
                hint = f"; mark it a duplicate of {root.key} instead" if root else ""
            raise Conflict(f"duplicate_of: {canonical.key} is {canonical.triage_state}{hint}", field="duplicate_of")
        changes.update(duplicate_of_id=canonical.id, resolved_at=now)
        words = f"Closed by {who} as a duplicate of {canonical.key}."
    elif action == "snooze":
        end = _snooze_end(until, team_zone(config, team), now)
        changes["snoozed_until"] = end
        words = f"Snoozed by {who} until {end.astimezone(team_zone(config, team)).date()}."
    else:
        question = (note or "").strip()
        words = f"{who} asked the requester for more information" + (f": {question}" if question else ".")
    if status is not None:
        changes["status"] = status
    with db.begin() as conn:
        changes["updated_at"] = store.stamp_ticket_write(conn, team.id, now)
        store.update_ticket(conn, ticket.id, **changes)
        data = {"by": actor.username, "action": action}
        store.insert_event(conn, ticket_id=ticket.id, kind="triage", from_value=ticket.triage_state, to_value=after,
                           at=now, data=data)  # fmt: skip
        if status is not None and status != ticket.status:
            store.insert_event(conn, ticket_id=ticket.id, kind="status", from_value=ticket.status, to_value=status,
                               at=now, data=data)  # fmt: skip
        if "priority" in changes and changes["priority"] != ticket.priority:
            store.insert_event(conn, ticket_id=ticket.id, kind="priority", from_value=ticket.priority,
                               to_value=changes["priority"], at=now, data=data)  # fmt: skip
        stamp = uuid.uuid4().hex[:12]
        store.insert_update(conn, ticket_id=ticket.id, kind="triage", stage=after, text=words,
                            dedupe_key=f"triage:{action}:{stamp}", at=now, by_user_id=actor.user_id)  # fmt: skip
        before = {k: _plain(getattr(ticket, k)) for k in changes if k != "updated_at"}
        record_change(conn, actor, action, "support_ticket", entity_id=ticket.key, team_id=team.id, before=before,
                      after={k: _plain(v) for k, v in changes.items() if k != "updated_at"}, at=now)  # fmt: skip
        if canonical is not None:
            merged = _merged(
                canonical.requesters or [canonical.requester or ""], ticket.requesters or [ticket.requester or ""]
            )
            store.update_ticket(conn, canonical.id, requesters=merged, updated_at=changes["updated_at"])
            store.insert_update(
                conn, ticket_id=canonical.id, kind="triage", stage=canonical.triage_state,
                text=f"{ticket.key} was merged into this ticket by {who}; requesters: {', '.join(merged)}.",
                dedupe_key=f"merged:{ticket.id}", at=now, by_user_id=actor.user_id,
            )  # fmt: skip
            record_change(conn, actor, "merge", "support_ticket", entity_id=canonical.key, team_id=team.id,
                          before={"requesters": canonical.requesters}, after={"requesters": merged,
                          "merged": ticket.key}, at=now)  # fmt: skip
        updated = store.ticket_by_id(conn, ticket.id)
    assert updated is not None
    return updated


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.datetime) else value
