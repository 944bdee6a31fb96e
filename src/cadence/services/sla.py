"""SLA policies (managers set them, every change audited) and the SLA clocks of a team, recomputed from history.

Clocks are never stored: they are a pure function (:func:`cadence.analytics.sla_clocks.sla_clocks`) of the
stored tickets and events, the team's policies and ``now``. Changing a policy therefore re-judges every ticket,
past ones included. Results are cached per (team data version, ticket mark, policy version, time zone, minute of
``now``); the ticket mark moves with every ticket created or triaged in Cadence (``store.support_desk.ticket_mark``)
and the policy version is a digest of the team's stored policies, so a change is seen at once.

Which policy a ticket follows: the team's stored policy named as the ticket's ``sla_policy`` (e.g. "Premium");
otherwise the team's stored policy ``default``; otherwise the built-in
:data:`~cadence.analytics.sla_policy.DEFAULT_POLICY` (Mon-Fri 09:00-17:00 in the team's zone, its country's
holidays; see docs/sla.md).

Functions other services call (stable):

* ``team_clocks(db, config, actor, key, *, now) -> polars.DataFrame`` — support role; one row per (ticket, goal,
  cycle), columns :data:`~cadence.analytics.sla_clocks.CLOCKS` (``ticket_id``, ``key``, ``policy``, ``goal``
  first_response|resolution, ``cycle``, ``priority``, ``started_at``, ``stopped_at``, ``elapsed_s``,
  ``calendar_s``, ``goal_s``, ``remaining_s``, ``state`` running|paused|met|breached|untracked, ``at_risk``,
  ``breached_at``, ``met_at``, ``due_at``).
* ``ticket_clocks(db, config, actor, key, ticket_key, *, now) -> polars.DataFrame`` — the same rows for one
  ticket (from the team's cached result).
* ``current_clocks(frame)`` — the latest cycle of each (ticket, goal): what a ticket page shows.
* ``find_clocks(db, config, actor, key, *, now, state=None, goal=None, at_risk=None, current=True)`` — filtered,
  soonest due first (what the API and CLI list).
* ``clocks_of_team(db, config, team, *, now)`` — no access check, for services that already checked it.

Triage: a pause on Cadence's triage state ``waiting`` needs that history, read from ticket events of kind
``triage`` (``to_value`` = the new triage state); tickets triaged without such events pause on their status only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl

from cadence.analytics.sla_clocks import CLOCKS, assign_policies, sla_clocks
from cadence.analytics.sla_policy import DEFAULT_POLICY, SlaPolicy, parse_policy
from cadence.domain.errors import InputError, NotFound
from cadence.domain.model import Role, Team
from cadence.services.access import Actor, access_team
from cadence.services.audit_log import record_change
from cadence.services.caches import Cache
from cadence.services.workspace_config import WorkspaceConfig
from cadence.store import read_models as R
from cadence.store import sla_policies as store
from cadence.store import support_desk as ticket_store
from cadence.store.database import Database

__all__ = [
    "TeamPolicies",
    "clear_sla_caches",
    "clocks_of_team",
    "current_clocks",
    "find_clocks",
    "policies_of_team",
    "policy_for_ticket",
    "save_policy",
    "team_clocks",
    "team_policies",
    "team_policy",
    "ticket_clocks",
    "ticket_history",
]


@dataclass(frozen=True)
class TeamPolicies:
    """A team's stored policies (parsed), the fallback for other tickets, and the version that keys caches."""

    team: Team
    policies: Mapping[str, SlaPolicy]
    version: str

    @property
    def fallback(self) -> SlaPolicy:
        return self.policies.get("default", DEFAULT_POLICY)

    def to_dict(self) -> dict[str, Any]:
        return {
            "team": self.team.key,
            "version": self.version,
            "policies": [p.to_dict() | {"stored": True} for p in self.policies.values()],
            "fallback": self.fallback.to_dict() | {"stored": "default" in self.policies},
        }


_FRAMES = Cache("ticket_frames", 64)
_CLOCKS = Cache("sla_clocks", 64)


def clear_sla_caches() -> None:
    _FRAMES.clear()
    _CLOCKS.clear()


def _load(team: Team, rows: list[store.PolicyRow]) -> TeamPolicies:
    policies = {row.name: parse_policy(row.rules, name=row.name) for row in rows}
    digest = hashlib.sha256(
        json.dumps([[row.name, row.rules] for row in rows], sort_keys=True, default=str).encode()
    ).hexdigest()[:12]
    return TeamPolicies(team, policies, digest)


def policies_of_team(db: Database, team: Team) -> TeamPolicies:
    """The team's policies (no access check: callers have done it)."""
    with db.connect() as conn:
        return _load(team, store.list_policies(conn, team.id))


def team_policies(db: Database, actor: Actor, key: str) -> TeamPolicies:
    """The team's policies (manager role)."""
    return policies_of_team(db, access_team(db, actor, key, need=Role.MANAGER))


def team_policy(db: Database, actor: Actor, key: str, name: str) -> SlaPolicy:
    """One policy by name (manager role); ``default`` answers the built-in policy when none is stored."""
    found = team_policies(db, actor, key)
    if name in found.policies:
        return found.policies[name]
    if name == "default":
        return DEFAULT_POLICY
    known = ", ".join(found.policies) or "none (the built-in default applies)"
    raise NotFound(f"team {found.team.key} has no SLA policy '{name}'; its policies: {known}", policy=name)


def save_policy(
    db: Database, actor: Actor, key: str, raw: Mapping[str, Any], *, now: dt.datetime, name: str | None = None
) -> SlaPolicy:
    """Create or replace one of the team's policies (manager role) from a JSON/TOML dictionary, audited with the
    canonical policy before and after. Absent parts take the built-in defaults."""
    team = access_team(db, actor, key, need=Role.MANAGER)
    if not isinstance(raw, Mapping):
        raise InputError("an SLA policy must be a table of settings (see docs/sla.md)")
    policy = parse_policy(raw, name=name)
    after = policy.to_dict()
    with db.begin() as conn:
        row = store.find_policy(conn, team.id, policy.name)
        if row is None:
            store.insert_policy(conn, team_id=team.id, name=policy.name, rules=after)
            record_change(conn, actor, "create", "sla_policy", entity_id=policy.name, team_id=team.id, after=after,
                          at=now)  # fmt: skip
        else:
            before = parse_policy(row.rules, name=row.name).to_dict()
            store.update_policy(conn, row.id, rules=after)
            record_change(conn, actor, "update", "sla_policy", entity_id=policy.name, team_id=team.id, before=before,
                          after=after, at=now)  # fmt: skip
    return policy


def policy_for_ticket(policies: TeamPolicies, sla_policy: str | None) -> SlaPolicy:
    """The policy a ticket follows (rule in this module's docstring)."""
    return policies.policies.get(sla_policy or "", policies.fallback)


def _ticket_version(db: Database, team: Team) -> tuple[Any, ...]:
    """What ticket caches key on: the data version (syncs, imports, escalations) and the ticket mark (intake and
    triage, which leave the data version alone; see ``services.support_desk``)."""
    with db.connect() as conn:
        return (team.data_version, *ticket_store.ticket_mark(conn, team.id))


def ticket_history(
    db: Database, team: Team, version: tuple[Any, ...] | None = None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """READ_TICKETS and READ_TICKET_EVENTS of the team, cached per ticket version (no access check)."""

    def read() -> tuple[pl.DataFrame, pl.DataFrame]:
        with db.connect() as conn:
            return R.read_tickets(conn, [team.id]), R.read_ticket_events(conn, [team.id])

    key = (db.label, team.id, version or _ticket_version(db, team))
    result: tuple[pl.DataFrame, pl.DataFrame] = _FRAMES.get_or_compute(key, read)
    return result


def clocks_of_team(db: Database, config: WorkspaceConfig, team: Team, *, now: dt.datetime) -> pl.DataFrame:
    """Every clock of ``team`` at ``now`` (no access check: callers have done it)."""
    policies = policies_of_team(db, team)
    zone = config.for_team(team.key).time_zone or team.timezone or "UTC"
    minute = now.replace(second=0, microsecond=0)
    version = _ticket_version(db, team)
    key = (db.label, team.id, version, policies.version, zone, team.country, minute)

    def compute() -> pl.DataFrame:
        tickets, events = ticket_history(db, team, version)
        names = assign_policies(tickets, set(policies.policies), policies.fallback.name)
        parts = []
        for name in names.unique().sort().to_list():
            policy = policies.policies.get(name, policies.fallback)
            calendar = policy.calendar.calendar(zone, team.country)
            mine = tickets.filter(names == name)
            parts.append(sla_clocks(mine, events, policy, calendar, now=now))
        return pl.concat(parts).sort("ticket_id", "goal", "cycle") if parts else pl.DataFrame(schema=CLOCKS)

    result: pl.DataFrame = _CLOCKS.get_or_compute(key, compute)
    return result


def team_clocks(db: Database, config: WorkspaceConfig, actor: Actor, key: str, *, now: dt.datetime) -> pl.DataFrame:
    """Every SLA clock of the team at ``now`` (support role); columns in this module's docstring."""
    team = access_team(db, actor, key, need=Role.SUPPORT)
    return clocks_of_team(db, config, team, now=now)


def ticket_clocks(
    db: Database, config: WorkspaceConfig, actor: Actor, key: str, ticket_key: str, *, now: dt.datetime
) -> pl.DataFrame:
    """The clocks of one ticket (support role), every cycle; empty when the ticket has none yet."""
    return team_clocks(db, config, actor, key, now=now).filter(pl.col("key") == ticket_key)


def current_clocks(clocks: pl.DataFrame) -> pl.DataFrame:
    """The latest cycle of each (ticket, goal)."""
    return clocks.filter(pl.col("cycle") == pl.col("cycle").max().over("ticket_id", "goal"))


def find_clocks(
    db: Database, config: WorkspaceConfig, actor: Actor, key: str, *, now: dt.datetime, state: str | None = None,
    goal: str | None = None, at_risk: bool | None = None, current: bool = True,
) -> pl.DataFrame:  # fmt: skip
    """The team's clocks (support role) filtered by state, goal and risk, soonest due first (then by ticket);
    ``current`` keeps only the latest cycle of each (ticket, goal)."""
    frame = team_clocks(db, config, actor, key, now=now)
    if current:
        frame = current_clocks(frame)
    if state is not None:
        frame = frame.filter(pl.col("state") == state)
    if goal is not None:
        frame = frame.filter(pl.col("goal") == goal)
    if at_risk is not None:
        frame = frame.filter(pl.col("at_risk") == at_risk)
    return frame.sort("due_at", "ticket_id", "goal", "cycle", nulls_last=True)
