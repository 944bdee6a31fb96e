"""The support and ceremony halves of ingestion: tickets and their events, meetings, risks and follow-ups."""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from cadence.domain import frames as F
from cadence.store import schema as S
from cadence.store.bulk import content_hashes, insert_ignoring_duplicates, key_map, upsert_by_hash

if TYPE_CHECKING:
    from cadence.store.ingest import _Ingest

__all__ = ["write_operations", "write_support"]


def write_support(run: _Ingest) -> None:
    batch = run.batch
    ticket_ids = pl.DataFrame(schema={"ticket": pl.String, "ticket_id": pl.Int64, "ticket_team_id": pl.Int64})
    if batch.tickets is not None and batch.tickets.height:
        rows = F.conform(batch.tickets, F.TICKETS, name="tickets")
        ids = run.entity("tickets", S.SupportTicket, rows, people={"assignee_id": "assignee_id"})
        ticket_ids = ids.select(
            pl.col("source_id").alias("ticket"),
            pl.col("id").alias("ticket_id"),
            pl.col("team_id").alias("ticket_team_id"),
        )
    refs = [f.get_column("ticket_source_id") for f in (batch.ticket_events, batch.ticket_links) if f is not None]
    if refs:
        wanted = (
            pl.concat(refs)
            .unique()
            .to_frame("source_id")
            .join(ticket_ids, left_on="source_id", right_on="ticket", how="anti")
        )
        if wanted.height:
            stored = key_map(
                run.conn, S.table(S.SupportTicket), wanted, extra=["team_id"], fixed={"source": run.source}
            )
            ticket_ids = pl.concat(
                [
                    ticket_ids,
                    stored.select(
                        pl.col("source_id").alias("ticket"),
                        pl.col("id").alias("ticket_id"),
                        pl.col("team_id").cast(pl.Int64).alias("ticket_team_id"),
                    ),
                ]
            )
    if batch.ticket_events is not None and batch.ticket_events.height:
        rows = F.conform(batch.ticket_events, F.TICKET_EVENTS, name="ticket_events")
        rows = run._resolve("ticket_events", rows, "ticket_source_id", ticket_ids, required=True, what="ticket")
        rows = run._person(rows, "by_id", "by_id")
        new = insert_ignoring_duplicates(
            run.conn, S.table(S.TicketEvent), rows.drop("ticket_team_id"), ["ticket_id", "event_key"]
        )
        run.report.inserted["ticket_events"] += new
        run.report.unchanged["ticket_events"] += rows.height - new
        if new:
            run.report.teams_changed.update(rows.get_column("ticket_team_id").unique().to_list())
    if batch.ticket_links is not None and batch.ticket_links.height:
        rows = F.conform(batch.ticket_links, F.TICKET_LINKS, name="ticket_links")
        rows = run._resolve("ticket_links", rows, "ticket_source_id", ticket_ids, required=True, what="ticket")
        items = run.item_ids.select("item", "item_id")
        rows = run._resolve("ticket_links", rows, "item_source_id", items, required=True, what="item")
        new = insert_ignoring_duplicates(
            run.conn, S.table(S.TicketLink), rows.drop("ticket_team_id"), ["ticket_id", "item_id"]
        )
        run.report.inserted["ticket_links"] += new
        run.report.unchanged["ticket_links"] += rows.height - new


def write_operations(run: _Ingest) -> None:
    batch = run.batch
    meeting_ids = pl.DataFrame(schema={"source_id": pl.String, "id": pl.Int64})
    if batch.meetings is not None and batch.meetings.height:
        rows = F.conform(batch.meetings, F.MEETINGS, name="meetings")
        meeting_ids = run.entity("meetings", S.Meeting, rows, people={}).select("source_id", "id")
    meetings = meeting_ids.rename({"source_id": "meeting", "id": "__meeting_id"})

    if batch.check_ins is not None and batch.check_ins.height:
        rows = F.conform(batch.check_ins, F.CHECK_INS, name="check_ins")
        rows = run._resolve("check_ins", rows, "team", run.team_ids, required=True, what="team")
        people = run.person_ids.rename({"person_id": "__person_id"})
        rows = run._resolve("check_ins", rows, "person_id", people, required=True, what="person")
        rows = rows.rename({"__person_id": "person_id"})
        rows = _link_meeting(rows, meetings)
        rows = rows.unique(["team_id", "person_id", "on_date"], keep="last", maintain_order=True)
        rows = rows.with_columns(content_hashes(rows))
        result, _ = upsert_by_hash(run.conn, S.table(S.CheckIn), rows, key=["team_id", "person_id", "on_date"])
        run._count("check_ins", result)

    if batch.impediments is not None and batch.impediments.height:
        rows = F.conform(batch.impediments, F.IMPEDIMENTS, name="impediments")
        items = run.item_ids.select("item", "item_id")
        rows = run._resolve("impediments", rows, "item_source_id", items, required=False, what="item")
        run.entity("impediments", S.Impediment, rows, people={"owner_id": "owner_id"})
    if batch.risks is not None and batch.risks.height:
        rows = F.conform(batch.risks, F.RISKS, name="risks")
        run.entity("risks", S.Risk, rows, people={"owner_id": "owner_id"})
    if batch.action_items is not None and batch.action_items.height:
        rows = _link_meeting(F.conform(batch.action_items, F.ACTION_ITEMS, name="action_items"), meetings)
        run.entity("action_items", S.ActionItem, rows, people={"owner_id": "owner_id"})


def _link_meeting(rows: pl.DataFrame, meetings: pl.DataFrame) -> pl.DataFrame:
    """Replace a meeting's source id by its stored id (``None`` when the meeting is not in this batch)."""
    joined = rows.join(meetings, left_on="meeting_id", right_on="meeting", how="left", maintain_order="left")
    return joined.drop("meeting_id").rename({"__meeting_id": "meeting_id"})
