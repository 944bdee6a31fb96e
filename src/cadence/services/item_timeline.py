"""One work item's page: the item and its whole history, every kind of change merged in time order."""

from __future__ import annotations

from dataclasses import dataclass

from cadence.domain.errors import NotFound
from cadence.domain.model import Team
from cadence.services.access import Actor, access_team
from cadence.store.database import Database
from cadence.store.item_timeline import ItemEvent, ItemRecord, read_item, read_item_events

__all__ = ["ItemTimeline", "item_timeline"]


@dataclass(frozen=True)
class ItemTimeline:
    team: Team
    item: ItemRecord
    events: list[ItemEvent]


def item_timeline(db: Database, actor: Actor, team_key: str, item_key: str) -> ItemTimeline:
    """The item ``item_key`` of team ``team_key`` with its events, oldest first (viewers and above)."""
    team = access_team(db, actor, team_key)
    with db.connect() as conn:
        item = read_item(conn, team.id, item_key)
        if item is None:
            raise NotFound(f"team {team.key} has no work item '{item_key}'", team=team.key, item=item_key)
        events = read_item_events(conn, item.id)
    return ItemTimeline(team, item, events)
