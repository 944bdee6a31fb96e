"""A support team's metrics over a date range (support role), from its clocks and stored history.

The range is whole days in the team's time zone, ``[from 00:00, to + 1 day 00:00)``; by default the last four
weeks ending today. Definitions: :mod:`cadence.analytics.support_metrics` and docs/metrics.md.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl

from cadence.analytics.serialize import json_rows, json_value
from cadence.analytics.support_metrics import level_changes, support_metrics, time_in_status
from cadence.domain.errors import InputError
from cadence.domain.model import Role
from cadence.services.access import Actor, access_team
from cadence.services.sla import clocks_of_team, policies_of_team, ticket_history
from cadence.services.workspace_config import WorkspaceConfig
from cadence.store import read_models as R
from cadence.store.database import Database
from cadence.store.support_frames import read_linked_item_ids, read_ticket_links

__all__ = ["DEFAULT_DAYS", "team_support_metrics"]

DEFAULT_DAYS = 28


def _window(start: dt.date | None, end: dt.date | None, now: dt.datetime, zone: str) -> tuple[dt.date, dt.date]:
    last = end or now.astimezone(ZoneInfo(zone)).date()
    first = start or last - dt.timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        raise InputError(f"the range starts on {first} after it ends on {last}; swap --from and --to")
    return first, last


def _instant(day: dt.date, zone: str) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=ZoneInfo(zone)).astimezone(dt.UTC)


def team_support_metrics(
    db: Database, config: WorkspaceConfig, actor: Actor, key: str, *, now: dt.datetime,
    start: dt.date | None = None, end: dt.date | None = None,
) -> dict[str, Any]:  # fmt: skip
    """The support metrics of team ``key`` over ``[start, end]`` (support role), JSON-ready."""
    team = access_team(db, actor, key, need=Role.SUPPORT)
    zone = config.for_team(team.key).time_zone or team.timezone or "UTC"
    first, last = _window(start, end, now, zone)
    lo, hi = _instant(first, zone), _instant(last + dt.timedelta(days=1), zone)
    clocks = clocks_of_team(db, config, team, now=now)
    tickets, events = ticket_history(db, team)
    with db.connect() as conn:
        links = read_ticket_links(conn, [team.id])
        items = R.read_items(conn, [team.id])
        linked = read_linked_item_ids(conn, [team.id])
    calendar = policies_of_team(db, team).fallback.calendar.calendar(zone, team.country)
    result = support_metrics(clocks, tickets, events, links, items, linked, calendar, start=lo, end=hi, now=now)
    statuses = time_in_status(tickets, events, now=now).with_columns((pl.col("seconds") / 3600).alias("hours"))
    result["time_in_status"] = json_rows(statuses.drop("seconds"))
    result["level_changes"] = json_rows(level_changes(events))
    result["parameters"] = {"from": first.isoformat(), "to": last.isoformat(), "time_zone": zone,
                            "now": now.isoformat()}  # fmt: skip
    result["team"] = {"key": team.key, "name": team.name, "data_version": team.data_version}
    return json_value(result)  # type: ignore[return-value]
