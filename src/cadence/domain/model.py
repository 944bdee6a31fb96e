"""Entities and enums of Cadence's world, as frozen dataclasses.

These are the values services hand to the edges. Bulk history (items and their changes) travels as Polars
frames instead (see :mod:`cadence.domain.frames`): millions of rows do not fit in dataclasses.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field

__all__ = [
    "ItemType",
    "MeetingKind",
    "Role",
    "SourceKind",
    "SprintState",
    "Team",
    "TeamSummary",
    "WorkspaceStatus",
]


class Role(enum.Enum):
    """A person's role in one team. Roles are ordered: each includes the rights of those before it."""

    VIEWER = "viewer"
    MEMBER = "member"
    SUPPORT = "support"
    MANAGER = "manager"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return _ROLE_ORDER.index(self)

    def covers(self, need: Role) -> bool:
        """True when this role grants at least the rights of ``need``."""
        return self.rank >= need.rank


_ROLE_ORDER = [Role.VIEWER, Role.MEMBER, Role.SUPPORT, Role.MANAGER, Role.ADMIN]


class ItemType(enum.Enum):
    STORY = "story"
    BUG = "bug"
    TASK = "task"
    INCIDENT = "incident"
    EPIC = "epic"
    SUBTASK = "sub-task"


class SprintState(enum.Enum):
    FUTURE = "future"
    ACTIVE = "active"
    CLOSED = "closed"


class MeetingKind(enum.Enum):
    STANDUP = "standup"
    PLANNING = "planning"
    RETRO = "retro"
    REVIEW = "review"


class SourceKind(enum.Enum):
    """Where a record came from; ``(source, source_id)`` identifies it across re-reads."""

    DEMO = "demo"
    CADENCE = "cadence"
    JIRA_CLOUD = "jira-cloud"
    JIRA_DC = "jira-dc"
    JIRA_CSV = "jira-csv"
    JIRA_JSON = "jira-json"
    EVENTS = "events"


@dataclass(frozen=True)
class Team:
    id: int
    key: str
    name: str
    timezone: str
    country: str | None
    data_version: int


@dataclass(frozen=True)
class TeamSummary:
    """A team as the home page lists it."""

    key: str
    name: str
    items: int
    tickets: int
    people: int
    history_from: dt.date | None
    history_to: dt.date | None


@dataclass(frozen=True)
class WorkspaceStatus:
    """What the configured database holds: the ``cadence status`` contract."""

    teams: tuple[TeamSummary, ...]
    counts: dict[str, int] = field(default_factory=dict)
    history_from: dt.date | None = None
    history_to: dt.date | None = None
