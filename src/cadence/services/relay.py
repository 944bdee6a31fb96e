"""The relay: when a dev item linked to support tickets changes stage, every linked ticket gets a plain-language
update and the support team a ``relay`` notification.

A pass (:func:`relay_changes`) reads, for every ticket linked to an item, the item's current *relay stage*
(``started``, ``in review``, ``done``, ``reopened``: see :mod:`cadence.analytics.dev_handoff`) through the workflow
of the item's team, and compares it with the stage last relayed to that ticket for that item. A different stage
writes one :class:`~cadence.store.schema.support.TicketUpdate` whose dedupe key is ``relay:<item>:<stage>:<time
the item entered it>`` and queues one notification in the same transaction; a pass run twice (or by two app
instances at once) writes nothing new. An item still before its commitment point is not relayed, nor is anything
relayed to a declined or duplicate ticket.

The texts (``N`` is the team's P85 time to release from that stage, in whole days, halves rounded up)::

    started   Work on the fix for your issue has started; typical time to release for this team is N days (P85).
    in review The fix for your issue is in review; typical time to release for this team is N days (P85).
    done      The fix for your issue has been released.
              (discarded: The developers closed the work on your issue without a fix (STATUS).)
    reopened  The fix for your issue was reopened; typical time to release for this team is N days (P85).

Without a measured time (no item released in the last twelve weeks) the sentence ends "...; this team has no
measured time to release yet."

The pass runs after every ingestion (sync, file import, webhook) through :func:`relay_after_ingest`, and on demand
with ``cadence support relay``.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass

import polars as pl

from cadence.analytics.dev_handoff import current_relay_stage, handoff_points, release_p85_days
from cadence.analytics.history import build_history
from cadence.analytics.workflow import Workflow
from cadence.domain.model import Team
from cadence.services import notifications
from cadence.services.team_metrics import DEFAULT_WEEKS, team_frames
from cadence.services.workspace_config import WorkspaceConfig, workflow_from_board
from cadence.store import support_desk as store
from cadence.store.database import Database
from cadence.store.teams import board_stages, list_teams

__all__ = [
    "ItemStage",
    "RelayReport",
    "item_stages",
    "relay_after_ingest",
    "relay_changes",
    "relay_text",
    "stage_words",
    "team_workflow",
]

_log = logging.getLogger(__name__)
_CLOSED = {"declined", "duplicate"}


@dataclass(frozen=True)
class RelayReport:
    updates: int = 0
    """Ticket updates written."""
    notifications: int = 0
    """Messages queued (one per subscribed channel)."""
    tickets: tuple[str, ...] = ()


@dataclass(frozen=True)
class ItemStage:
    """A dev item as support sees it."""

    item_id: int
    relay: str | None
    stage: str
    since: dt.datetime
    last_change_at: dt.datetime
    discarded: bool
    committed_at: dt.datetime | None
    done_at: dt.datetime | None


def team_workflow(db: Database, config: WorkspaceConfig, team: Team) -> tuple[Workflow, dict[str, str] | None]:
    """The workflow the team's metrics use: the workspace file's, else its synced board's, else the default."""
    settings = config.for_team(team.key)
    if settings.explicit:
        return settings.workflow, None
    with db.connect() as conn:
        stages = board_stages(conn, team.id)
    from_board = workflow_from_board(stages) if stages else None
    return from_board if from_board is not None else (settings.workflow, None)


def _days(value: float | None) -> str | None:
    if value is None:
        return None
    if value < 0.5:
        return "less than a day"
    whole = math.floor(value + 0.5)
    return "1 day" if whole == 1 else f"{whole} days"


def relay_text(stage: str, p85_days: float | None, *, discarded_status: str | None = None) -> str:
    """The plain-language sentence for a relayed stage (see the module docstring)."""
    days = _days(p85_days)
    typical = (
        f"; typical time to release for this team is {days} (P85)."
        if days is not None
        else "; this team has no measured time to release yet."
    )
    if stage == "started":
        return "Work on the fix for your issue has started" + typical
    if stage == "in review":
        return "The fix for your issue is in review" + typical
    if stage == "reopened":
        return "The fix for your issue was reopened" + typical
    if discarded_status is not None:
        return f"The developers closed the work on your issue without a fix ({discarded_status})."
    return "The fix for your issue has been released."


def stage_words(stage: ItemStage | None) -> str:
    """A linked item's stage for the support pages, in words."""
    if stage is None:
        return "not started"
    if stage.relay is None:
        return f"not started yet ({stage.stage})"
    if stage.relay == "done":
        return f"closed without a fix ({stage.stage})" if stage.discarded else f"released ({stage.stage})"
    if stage.relay == "started":
        return f"in progress ({stage.stage})"
    return f"{stage.relay} ({stage.stage})"


def _teams(db: Database) -> dict[int, Team]:
    with db.connect() as conn:
        return {team.id: team for team in list_teams(conn)}


def _stages_of(
    db: Database, config: WorkspaceConfig, team: Team, item_ids: list[int], now: dt.datetime
) -> tuple[dict[int, ItemStage], dict[str, float | None]]:
    workflow, categories = team_workflow(db, config, team)
    frames = team_frames(db, team)
    intervals = build_history(frames.items, frames.transitions, workflow, categories).intervals
    current = current_relay_stage(intervals, workflow, item_ids)
    discarded = intervals.filter(pl.col("item_id").is_in(item_ids)).group_by("item_id").agg(pl.col("discarded").last())
    points = handoff_points(intervals, workflow, item_ids)
    joined = current.join(points, on="item_id", how="left").join(
        discarded.with_columns(pl.col("item_id").cast(pl.Int64)), on="item_id", how="left"
    )
    stages = {
        int(r["item_id"]): ItemStage(
            int(r["item_id"]),
            r["relay"],
            r["stage"],
            r["since"],
            r["last_change_at"],
            bool(r["discarded"]),
            r["committed_at"],
            r["done_at"],
        )
        for r in joined.iter_rows(named=True)
    }
    window = dt.timedelta(weeks=DEFAULT_WEEKS)
    return stages, release_p85_days(intervals, workflow, since=now - window, until=now)


def item_stages(
    db: Database, config: WorkspaceConfig, items: Mapping[int, int], *, now: dt.datetime
) -> dict[int, ItemStage]:
    """``item_id -> team_id`` in, each item's stage as support sees it out (items without history left out)."""
    teams = _teams(db)
    out: dict[int, ItemStage] = {}
    for team_id in sorted(set(items.values())):
        ids = sorted(i for i, t in items.items() if t == team_id)
        stages, _ = _stages_of(db, config, teams[team_id], ids, now)
        out.update(stages)
    return out


def relay_changes(db: Database, config: WorkspaceConfig, *, now: dt.datetime) -> RelayReport:
    """Relay every linked item's stage change not relayed yet to its tickets (idempotent; see the module doc)."""
    teams = _teams(db)
    with db.connect() as conn:
        links = [
            link
            for team_id in teams
            for link in store.links_of_team(conn, team_id)
            if link.ticket_state not in _CLOSED  # a declined or duplicate ticket has nobody left to tell
        ]
    if not links:
        return RelayReport()
    by_item_team: dict[int, set[int]] = {}
    for link in links:
        by_item_team.setdefault(link.item_team_id, set()).add(link.item_id)
    stages: dict[int, ItemStage] = {}
    typical: dict[int, dict[str, float | None]] = {}
    for team_id, ids in by_item_team.items():
        found, p85 = _stages_of(db, config, teams[team_id], sorted(ids), now)
        stages.update(found)
        typical.update(dict.fromkeys(found, p85))
    updates = queued = 0
    touched: list[str] = []
    for link in links:
        stage = stages.get(link.item_id)
        if stage is None or stage.relay is None:
            continue
        dedupe = f"relay:{link.item_id}:{stage.relay}:{stage.since.isoformat()}"
        days = typical[link.item_id].get("started" if stage.relay == "reopened" else stage.relay)
        text = relay_text(stage.relay, days, discarded_status=link.item_status if stage.discarded else None)
        with db.begin() as conn:
            last = store.last_relayed(conn, link.ticket_id, link.item_id)
            if last is not None and (last.dedupe_key == dedupe or last.stage == stage.relay):
                continue
            written = store.insert_update(
                conn, ticket_id=link.ticket_id, item_id=link.item_id, kind="relay", stage=stage.relay, text=text,
                dedupe_key=dedupe, at=now,
            )  # fmt: skip
            if written is None:
                continue
            ticket = store.ticket_by_id(conn, link.ticket_id)
            assert ticket is not None
            queued += notifications.enqueue(
                conn, team_id=ticket.team_id, topic="relay",
                subject=f"{ticket.key} {ticket.title[:120]}: {link.item_key} {stage.relay}",
                body=f"{ticket.key} ({ticket.title}), dev item {link.item_key}:\n{text}",
                dedupe_key=f"relay:{ticket.id}:{dedupe}"[:200], now=now,
            )  # fmt: skip
        updates += 1
        touched.append(link.ticket_key)
    return RelayReport(updates, queued, tuple(touched))


def relay_after_ingest(db: Database, config: WorkspaceConfig | None = None) -> RelayReport | None:
    """Run a relay pass after new history arrived; a failure is logged, never raised over a successful ingest."""
    try:
        return relay_changes(db, config or WorkspaceConfig(), now=dt.datetime.now(dt.UTC))
    except Exception:
        _log.exception("the relay pass after ingestion failed; run 'cadence support relay' to retry")
        return None
