"""What the configured database holds: teams, counts and the span of recorded history."""

from __future__ import annotations

from cadence.domain.model import TeamSummary, WorkspaceStatus
from cadence.store.database import Database
from cadence.store.migrations import require_current
from cadence.store.summaries import history_range, table_counts, team_rows

__all__ = ["workspace_status"]


def workspace_status(db: Database, visible: set[int] | None = None) -> WorkspaceStatus:
    """Everything in the database, or only the teams in ``visible`` (ids) for a person's home page."""
    require_current(db)
    with db.connect() as conn:
        counts = table_counts(conn)
        teams = []
        for row in team_rows(conn):
            if visible is not None and row["id"] not in visible:
                continue
            first, last = history_range(conn, row["id"])
            teams.append(
                TeamSummary(
                    key=row["key"],
                    name=row["name"],
                    items=row["items"],
                    tickets=row["tickets"],
                    people=row["people"],
                    history_from=first,
                    history_to=last,
                )
            )
        first, last = history_range(conn)
    return WorkspaceStatus(teams=tuple(teams), counts=counts, history_from=first, history_to=last)
