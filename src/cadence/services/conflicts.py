"""Signals of conflicting demands, for the stand-up's facilitator view: nobody decides them here, they are made
visible so the team talks about them.

* **Over-allocated person**: a member of the team whose allocations across all teams add up to more than one
  full-time person — the sum of ``Membership.capacity`` over the memberships whose role does the team's work (the
  team's ``[teams.KEY.planning] capacity_roles``, members by default; a manager or a viewer membership is not an
  allocation) is above 1 — or who has more than ``person_wip_limit`` [3] items in progress (current stage of
  category active or waiting) assigned to them across all teams.
* **Urgent ticket ranked low**: an open P1 or P2 support ticket (of any team) linked to an item of the team that
  has not started (its stage is before the first in-progress stage) and whose position in the team's not-started
  work, ordered by rank (unranked last, then by creation), is below the top ``urgent_rank_top`` [10].
* **Wide poker spread**: a planning-poker round of the team, revealed and not yet saved or revealed since the last
  stand-up, whose lowest and highest numeric cards lie more than ``poker_spread_steps`` [2] deck positions apart
  (``?`` and other non-numeric cards left out, as ``services.poker`` does).

The thresholds are ``[teams.KEY.standup]`` settings (``services.standup_schedule.StandupSettings``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from cadence.analytics.history import same_item_as_next
from cadence.domain.model import Team
from cadence.services.poker import card_points
from cadence.services.sprint_forecast import team_history
from cadence.services.standup_schedule import StandupSettings
from cadence.services.team_metrics import team_frames
from cadence.services.workspace_config import WorkspaceConfig
from cadence.store import standup as store
from cadence.store.backlog import read_open_items
from cadence.store.database import Database
from cadence.store.teams import list_teams

__all__ = ["URGENT_PRIORITIES", "conflicts_of_team", "over_allocated", "poker_spreads", "urgent_ranked_low"]

URGENT_PRIORITIES = ("P1", "P2")
_FULL_TIME = 1.0
_EPSILON = 1e-9


def conflicts_of_team(
    db: Database, config: WorkspaceConfig, team: Team, *, since: dt.datetime, now: dt.datetime
) -> dict[str, list[dict[str, Any]]]:
    """The three kinds of signal of the module docstring (no access check: the caller did it)."""
    settings = config.for_team(team.key).standup
    return {
        "over_allocated": over_allocated(db, config, team, settings),
        "urgent_ranked_low": urgent_ranked_low(db, config, team, settings),
        "poker_spread": poker_spreads(db, team, settings, since=since),
    }


def _in_progress_by_person(db: Database, config: WorkspaceConfig) -> pl.DataFrame:
    """person_id, team_key, items: the items in progress assigned to each person, per team, in every team."""
    with db.connect() as conn:
        teams = list_teams(conn)
    parts = []
    for other in teams:
        history = team_history(db, config, other)
        stages = [i for i, stage in enumerate(history.workflow.stages) if stage.in_progress]
        current = history.history.intervals.filter(~same_item_as_next() & pl.col("stage_index").is_in(stages))
        assigned = (
            current.select("item_id")
            .join(team_frames(db, other).items.select("item_id", "assignee_id"), on="item_id", how="inner")
            .filter(pl.col("assignee_id").is_not_null())
            .group_by("assignee_id")
            .agg(pl.len().alias("items"))
            .select(pl.col("assignee_id").alias("person_id"), pl.lit(other.key).alias("team_key"), "items")
        )
        parts.append(assigned)
    schema = {"person_id": pl.Int64, "team_key": pl.String, "items": pl.UInt32}
    return pl.concat([p.cast(schema) for p in parts]) if parts else pl.DataFrame(schema=schema)  # type: ignore[arg-type]


def over_allocated(
    db: Database, config: WorkspaceConfig, team: Team, settings: StandupSettings
) -> list[dict[str, Any]]:
    """Members allocated beyond one person (capacity) or beyond the WIP limit across teams, by name."""
    with db.connect() as conn:
        rows = store.allocations(conn, team.id)
    if not rows:
        return []
    wip = _in_progress_by_person(db, config).filter(pl.col("person_id").is_in([r.person_id for r in rows]))
    wip_of: dict[int, dict[str, int]] = {}
    for person_id, team_key, items in wip.iter_rows():
        wip_of.setdefault(int(person_id), {})[str(team_key)] = int(items)
    people: dict[int, dict[str, Any]] = {}
    for r in rows:
        entry = people.setdefault(r.person_id, {"person_id": r.person_id, "name": r.name, "teams": []})
        if r.role in config.for_team(r.team_key).planning.capacity_roles:
            entry["teams"].append({"team": r.team_key, "capacity": r.capacity})
    out = []
    for person_id, entry in people.items():
        capacity = round(sum(t["capacity"] for t in entry["teams"]), 3)
        in_progress = wip_of.get(person_id, {})
        total_wip = sum(in_progress.values())
        reasons = []
        if capacity > _FULL_TIME + _EPSILON:
            shares = ", ".join(f"{t['team']} {t['capacity']:g}" for t in entry["teams"])
            reasons.append(f"allocated {capacity:g} of a full-time person across teams ({shares})")
        if total_wip > settings.person_wip_limit:
            per_team = ", ".join(f"{k} {v}" for k, v in sorted(in_progress.items()))
            reasons.append(
                f"{total_wip} items in progress across teams ({per_team}), above the limit of "
                f"{settings.person_wip_limit}"
            )
        if reasons:
            out.append({**entry, "capacity": capacity, "in_progress": total_wip, "in_progress_by_team": in_progress,
                        "reasons": reasons})  # fmt: skip
    return out


def urgent_ranked_low(
    db: Database, config: WorkspaceConfig, team: Team, settings: StandupSettings
) -> list[dict[str, Any]]:
    """Open P1/P2 tickets whose linked, not-started item of the team sits below the top of its backlog."""
    with db.connect() as conn:
        links = store.urgent_links(conn, team.id, URGENT_PRIORITIES)
        if not links:
            return []
        open_items = read_open_items(conn, team.id)
    workflow = team_history(db, config, team).workflow
    first_active = min(
        (i for i, stage in enumerate(workflow.stages) if stage.in_progress), default=len(workflow.stages)
    )
    statuses = open_items["status"].unique().drop_nulls().to_list()
    stage_of = {status: workflow.stage_of(status) for status in statuses}
    waiting = (
        open_items.with_columns(
            pl.col("status").replace_strict(stage_of, default=None, return_dtype=pl.Int64).alias("stage_index")
        )
        .filter(pl.col("stage_index") < first_active)
        .sort(["rank", "created_at", "item_id"], nulls_last=True)
        .with_columns(pl.int_range(1, pl.len() + 1).alias("position"))
    )
    position = dict(zip(waiting["item_id"].to_list(), waiting["position"].to_list(), strict=True))
    ranked = dict(zip(waiting["item_id"].to_list(), waiting["rank"].to_list(), strict=True))
    out = []
    for link in links:
        at = position.get(link.item_id)
        if at is None or at <= settings.urgent_rank_top:
            continue  # started, done, or near the top: no conflict
        where = "unranked" if ranked.get(link.item_id) is None else f"at position {at}"
        out.append({
            "ticket": link.ticket_key, "ticket_title": link.ticket_title, "priority": link.priority,
            "item": link.item_key, "position": at, "backlog_size": waiting.height,
            "reason": f"{link.priority} ticket {link.ticket_key} waits on {link.item_key}, {where} of "
                      f"{waiting.height} not-started items (top {settings.urgent_rank_top} expected)",
        })  # fmt: skip
    return out


def _steps(deck: list[str], cards: list[str]) -> tuple[str, str, int] | None:
    ranked = sorted({c for c in cards if c in deck and card_points(c) is not None}, key=deck.index)
    if not ranked:
        return None
    return ranked[0], ranked[-1], deck.index(ranked[-1]) - deck.index(ranked[0])


def poker_spreads(db: Database, team: Team, settings: StandupSettings, *, since: dt.datetime) -> list[dict[str, Any]]:
    """Revealed poker rounds (pending, or revealed since ``since``) whose spread exceeds the threshold."""
    with db.connect() as conn:
        rounds = store.poker_rounds(conn, team.id, revealed_since=since)
    out = []
    for r in rounds:
        spread = _steps(r.deck, r.votes)
        if spread is None or spread[2] <= settings.poker_spread_steps:
            continue
        low, high, steps = spread
        out.append({
            "session_id": r.session_id, "item": r.item_key, "state": r.state, "low": low, "high": high,
            "steps": steps, "votes": len(r.votes),
            "reason": f"poker on {r.item_key}: cards from {low} to {high}, {steps} deck steps apart "
                      f"(more than {settings.poker_spread_steps})",
        })  # fmt: skip
    return out
