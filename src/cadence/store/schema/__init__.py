"""Every table of Cadence, declared once; Alembic migrations are generated from and checked against these."""

from cadence.store.schema.base import Base, table
from cadence.store.schema.ceremonies import ActionItem, CheckIn, HealthCheckAnswer, Impediment, Meeting, Risk
from cadence.store.schema.notifications import NotificationChannel, NotificationMessage
from cadence.store.schema.organisation import (
    ApiToken,
    AuditEntry,
    LoginAttempt,
    Membership,
    MetricTarget,
    Person,
    Team,
    User,
    UserSession,
    Workspace,
)
from cadence.store.schema.poker import PokerSession, PokerVote
from cadence.store.schema.support import SlaPolicy, SupportTicket, TicketEvent, TicketLink, TicketUpdate
from cadence.store.schema.sync import Source, SyncState
from cadence.store.schema.work import (
    AssigneeChange,
    Board,
    EstimateChange,
    FlagChange,
    ItemLink,
    Sprint,
    SprintChange,
    Transition,
    WorkItem,
)

__all__ = [
    "ActionItem",
    "ApiToken",
    "AssigneeChange",
    "AuditEntry",
    "Base",
    "Board",
    "CheckIn",
    "EstimateChange",
    "FlagChange",
    "HealthCheckAnswer",
    "Impediment",
    "ItemLink",
    "LoginAttempt",
    "Meeting",
    "Membership",
    "MetricTarget",
    "NotificationChannel",
    "NotificationMessage",
    "Person",
    "PokerSession",
    "PokerVote",
    "Risk",
    "SlaPolicy",
    "Source",
    "Sprint",
    "SprintChange",
    "SupportTicket",
    "SyncState",
    "Team",
    "TicketEvent",
    "TicketLink",
    "TicketUpdate",
    "Transition",
    "User",
    "UserSession",
    "WorkItem",
    "Workspace",
    "table",
]
