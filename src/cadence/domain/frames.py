"""The column contract of Cadence's canonical Polars frames.

Two families share these names:

* **Batch frames** are what connectors produce and the store ingests. Rows refer to each other by the
  source's own ids (``source_id``, ``item_source_id``, ``person_id`` = a person's source id) because a connector
  never sees database ids.
* **Read frames** are what the store returns for analytics. They carry database ids (``item_id``, ``team_id``)
  plus the readable keys an analyst needs (``team``, ``key``).

Every timestamp column is ``Datetime("us", "UTC")``: aware UTC, microsecond precision. A frame is checked
against its schema with :func:`conform`, which casts compatible columns and fails loudly on missing ones, so a
connector bug surfaces where it happens instead of as a wrong metric later.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

__all__ = [
    "ACTION_ITEMS",
    "ASSIGNEE_CHANGES",
    "CHECK_INS",
    "ESTIMATE_CHANGES",
    "FLAG_CHANGES",
    "IMPEDIMENTS",
    "ITEMS",
    "ITEM_LINKS",
    "MEETINGS",
    "MEMBERSHIPS",
    "PEOPLE",
    "READ_ASSIGNEE_CHANGES",
    "READ_ESCALATED_BUGS",
    "READ_ESTIMATE_CHANGES",
    "READ_FLAG_CHANGES",
    "READ_ITEMS",
    "READ_SPRINTS",
    "READ_SPRINT_CHANGES",
    "READ_TICKETS",
    "READ_TICKET_EVENTS",
    "READ_TRANSITIONS",
    "RISKS",
    "SPRINTS",
    "SPRINT_CHANGES",
    "TEAMS",
    "TICKETS",
    "TICKET_EVENTS",
    "TICKET_LINKS",
    "TRANSITIONS",
    "FrameContractError",
    "Schema",
    "conform",
    "empty",
]

Schema = Mapping[str, pl.DataType | type[pl.DataType]]

UTC_TS = pl.Datetime("us", "UTC")
STR = pl.String
LIST_STR = pl.List(pl.String)

# --- batch frames (connectors -> store) -------------------------------------------------------------------

TEAMS: Schema = {"key": STR, "name": STR, "timezone": STR, "country": STR}
"""``timezone`` is an IANA name (``Europe/Paris``); ``country`` an ISO 3166 code for public holidays."""

PEOPLE: Schema = {"source_id": STR, "display_name": STR, "email": STR}

MEMBERSHIPS: Schema = {"team": STR, "person_id": STR, "role": STR}
"""``role`` is a :class:`cadence.domain.model.Role` value."""

SPRINTS: Schema = {
    "source_id": STR,
    "team": STR,
    "name": STR,
    "state": STR,  # future | active | closed
    "start_at": UTC_TS,
    "end_at": UTC_TS,
    "completed_at": UTC_TS,
    "goal": STR,
    "board": STR,
}

ITEMS: Schema = {
    "source_id": STR,
    "team": STR,
    "key": STR,
    "type": STR,  # story | bug | task | incident | epic | sub-task (lower case)
    "title": STR,
    "description": STR,
    "priority": STR,
    "status": STR,
    "estimate": pl.Float64,
    "assignee_id": STR,
    "reporter_id": STR,
    "labels": LIST_STR,
    "components": LIST_STR,
    "fix_versions": LIST_STR,  # Jira "Fix Version/s": the releases the item is planned for
    "epic_key": STR,
    "parent_key": STR,
    "created_at": UTC_TS,
    "updated_at": UTC_TS,
    "resolved_at": UTC_TS,
    "resolution": STR,
    "flagged": pl.Boolean,
    "rank": pl.Int64,
}
"""One row per work item, its *current* state. History lives in the change frames below."""

TRANSITIONS: Schema = {
    "item_source_id": STR,
    "event_key": STR,
    "from_status": STR,
    "to_status": STR,
    "at": UTC_TS,
    "by_id": STR,
}
"""Status changes only, as in a Jira changelog: an item's initial status is the first transition's
``from_status`` (or its current status when it never moved). ``event_key`` is unique per item and stable
across re-reads of the same source, which is what makes ingestion idempotent."""

SPRINT_CHANGES: Schema = {
    "item_source_id": STR,
    "event_key": STR,
    "sprint_id": STR,  # the sprint's source_id
    "change": STR,  # added | removed
    "at": UTC_TS,
    "by_id": STR,
}

ESTIMATE_CHANGES: Schema = {
    "item_source_id": STR,
    "event_key": STR,
    "from_value": pl.Float64,
    "to_value": pl.Float64,
    "at": UTC_TS,
    "by_id": STR,
}

ASSIGNEE_CHANGES: Schema = {
    "item_source_id": STR,
    "event_key": STR,
    "from_id": STR,
    "to_id": STR,
    "at": UTC_TS,
    "by_id": STR,
}

FLAG_CHANGES: Schema = {
    "item_source_id": STR,
    "event_key": STR,
    "flagged": pl.Boolean,
    "at": UTC_TS,
    "by_id": STR,
}
"""Flagged (blocked) on/off events; blocked time is the union of flagged intervals."""

ITEM_LINKS: Schema = {
    "from_source_id": STR,
    "to_source_id": STR,
    "link_type": STR,  # blocks | relates | duplicates
    "created_at": UTC_TS,
}
"""``A blocks B`` is ``from=A, to=B``."""

TICKETS: Schema = {
    "source_id": STR,
    "team": STR,
    "key": STR,
    "title": STR,
    "description": STR,
    "requester": STR,
    "customer": STR,
    "channel": STR,  # email | portal | phone | chat | monitoring
    "product_area": STR,
    "impact": STR,  # low | medium | high | critical
    "urgency": STR,  # low | medium | high | critical
    "priority": STR,  # P1 (highest) .. P4
    "status": STR,
    "level": STR,  # L1 | L2 | L3
    "assignee_id": STR,
    "sla_policy": STR,
    "created_at": UTC_TS,
    "updated_at": UTC_TS,
    "resolved_at": UTC_TS,
}

TICKET_EVENTS: Schema = {
    "ticket_source_id": STR,
    "event_key": STR,
    "kind": STR,  # status | priority | level | assignee | sla | triage (Cadence's triage moves)
    "from_value": STR,
    "to_value": STR,
    "at": UTC_TS,
    "by_id": STR,
}

TICKET_LINKS: Schema = {
    "ticket_source_id": STR,
    "item_source_id": STR,
    "kind": STR,  # escalated | relates
    "created_at": UTC_TS,
}

MEETINGS: Schema = {
    "source_id": STR,
    "team": STR,
    "kind": STR,  # standup | planning | retro | review
    "title": STR,
    "held_at": UTC_TS,
    "notes": STR,
}

CHECK_INS: Schema = {
    "team": STR,
    "person_id": STR,
    "meeting_id": STR,  # a meeting's source_id, or null
    "on_date": pl.Date,
    "yesterday": STR,
    "today": STR,
    "blockers": STR,
    "created_at": UTC_TS,
}

IMPEDIMENTS: Schema = {
    "source_id": STR,
    "team": STR,
    "title": STR,
    "description": STR,
    "item_source_id": STR,
    "owner_id": STR,
    "status": STR,  # open | resolved | dismissed
    "escalation_level": pl.Int64,
    "opened_at": UTC_TS,
    "resolved_at": UTC_TS,
    "resolution_note": STR,
}

RISKS: Schema = {
    "source_id": STR,
    "team": STR,
    "title": STR,
    "description": STR,
    "probability": pl.Int64,  # 1..5
    "impact": pl.Int64,  # 1..5
    "status": STR,  # open | resolved | owned | accepted | mitigated
    "owner_id": STR,
    "review_on": pl.Date,
    "created_at": UTC_TS,
}

ACTION_ITEMS: Schema = {
    "source_id": STR,
    "team": STR,
    "title": STR,
    "owner_id": STR,
    "due_on": pl.Date,
    "status": STR,  # open | done | dropped
    "meeting_id": STR,  # origin meeting's source_id, or null
    "created_at": UTC_TS,
    "done_at": UTC_TS,
}

# --- read frames (store -> analytics) ---------------------------------------------------------------------

READ_ITEMS: Schema = {
    "item_id": pl.Int64,
    "team_id": pl.Int64,
    "key": STR,
    "type": STR,
    "priority": STR,
    "status": STR,
    "estimate": pl.Float64,
    "assignee_id": pl.Int64,
    "epic_key": STR,
    "parent_key": STR,
    "created_at": UTC_TS,
    "resolved_at": UTC_TS,
    "resolution": STR,
    "flagged": pl.Boolean,
    "labels": LIST_STR,
    "fix_versions": LIST_STR,
}

READ_TRANSITIONS: Schema = {
    "item_id": pl.Int64,
    "from_status": STR,
    "to_status": STR,
    "at": UTC_TS,
    "by_id": pl.Int64,
}

READ_SPRINT_CHANGES: Schema = {
    "item_id": pl.Int64,
    "sprint_id": pl.Int64,
    "change": STR,
    "at": UTC_TS,
}

READ_ESTIMATE_CHANGES: Schema = {
    "item_id": pl.Int64,
    "from_value": pl.Float64,
    "to_value": pl.Float64,
    "at": UTC_TS,
}

READ_ASSIGNEE_CHANGES: Schema = {
    "item_id": pl.Int64,
    "from_id": pl.Int64,
    "to_id": pl.Int64,
    "at": UTC_TS,
}

READ_FLAG_CHANGES: Schema = {
    "item_id": pl.Int64,
    "flagged": pl.Boolean,
    "at": UTC_TS,
}

READ_SPRINTS: Schema = {
    "sprint_id": pl.Int64,
    "team_id": pl.Int64,
    "name": STR,
    "state": STR,
    "start_at": UTC_TS,
    "end_at": UTC_TS,
    "completed_at": UTC_TS,
}

READ_ESCALATED_BUGS: Schema = {"item_id": pl.Int64}
"""Ids of bugs linked to, or escalated from, a support ticket."""

READ_TICKETS: Schema = {
    "ticket_id": pl.Int64,
    "team_id": pl.Int64,
    "key": STR,
    "channel": STR,
    "impact": STR,
    "urgency": STR,
    "priority": STR,
    "status": STR,
    "level": STR,
    "sla_policy": STR,
    "created_at": UTC_TS,
    "resolved_at": UTC_TS,
}

READ_TICKET_EVENTS: Schema = {
    "ticket_id": pl.Int64,
    "kind": STR,
    "from_value": STR,
    "to_value": STR,
    "at": UTC_TS,
}


class FrameContractError(ValueError):
    """A frame does not honour its schema (a programming error in a connector, never user input)."""


def empty(schema: Schema) -> pl.DataFrame:
    """An empty frame with the schema's columns and types."""
    return pl.DataFrame(schema=dict(schema))


def conform(frame: pl.DataFrame, schema: Schema, *, name: str = "frame") -> pl.DataFrame:
    """Return ``frame`` with exactly the schema's columns, in order, cast to the schema's types.

    Optional columns may be absent (they become nulls) except the identifying ones (``source_id``, ``*_source_id``,
    ``event_key``, ``key``, ``team``), whose absence is a contract error. Naive datetimes are refused rather than
    guessed: a wrong time zone silently shifts every duration.
    """
    required = [c for c in schema if c in {"source_id", "event_key", "key", "team"} or c.endswith("_source_id")]
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise FrameContractError(f"{name} lacks required column(s) {', '.join(missing)}")
    columns = []
    for column, dtype in schema.items():
        if column not in frame.columns:
            columns.append(pl.lit(None, dtype=dtype).alias(column))
            continue
        actual = frame.schema[column]
        if isinstance(actual, pl.Datetime) and actual.time_zone is None:
            raise FrameContractError(f"{name}.{column} holds naive datetimes; give them a time zone")
        if isinstance(actual, pl.Datetime) and actual.time_zone != "UTC":
            columns.append(pl.col(column).dt.convert_time_zone("UTC").cast(dtype).alias(column))
        else:
            columns.append(pl.col(column).cast(dtype).alias(column))
    return frame.select(columns)
