"""Support history frames the SLA and support metrics need beyond ``read_models``: ticket links and triage."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl
from sqlalchemy import Connection, select

from cadence.store import schema as S

__all__ = ["TICKET_LINK_FRAME", "read_linked_item_ids", "read_ticket_links"]

_TS = pl.Datetime("us", "UTC")
TICKET_LINK_FRAME: dict[str, pl.DataType | type[pl.DataType]] = {
    "ticket_id": pl.Int64,
    "item_id": pl.Int64,
    "kind": pl.String,
    "created_at": _TS,
    "item_team_id": pl.Int64,
    "item_resolved_at": _TS,
}
"""One row per link of a team's tickets to a dev item; ``created_at`` is the escalation instant."""


def read_ticket_links(conn: Connection, team_ids: Sequence[int]) -> pl.DataFrame:
    links, tickets, items = S.table(S.TicketLink), S.table(S.SupportTicket), S.table(S.WorkItem)
    query = (
        select(
            links.c.ticket_id, links.c.item_id, links.c.kind, links.c.created_at, items.c.team_id, items.c.resolved_at
        )
        .join(tickets, tickets.c.id == links.c.ticket_id)
        .join(items, items.c.id == links.c.item_id)
        .where(tickets.c.team_id.in_(list(team_ids)))
        .order_by(links.c.ticket_id, links.c.item_id)
    )
    rows = [tuple(row) for row in conn.execute(query)]
    frame = pl.DataFrame(rows, schema=list(TICKET_LINK_FRAME), orient="row", infer_schema_length=None)
    return frame.with_columns(
        [
            pl.col(c).dt.replace_time_zone("UTC") if frame.schema[c] == pl.Datetime("us") else pl.col(c)
            for c in ("created_at", "item_resolved_at")
        ]
    ).cast(TICKET_LINK_FRAME)  # type: ignore[arg-type]


def read_linked_item_ids(conn: Connection, team_ids: Sequence[int]) -> pl.Series:
    """Ids of the teams' dev items linked to any support ticket (of any team): the interrupts."""
    links, items = S.table(S.TicketLink), S.table(S.WorkItem)
    query = (
        select(links.c.item_id)
        .distinct()
        .join(items, items.c.id == links.c.item_id)
        .where(items.c.team_id.in_(list(team_ids)))
        .order_by(links.c.item_id)
    )
    return pl.Series("item_id", [row[0] for row in conn.execute(query)], dtype=pl.Int64)
