"""Looking teams up by key, with the data version that keys every analytics cache."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from cadence.domain.model import Team
from cadence.store import schema as S

__all__ = ["board_stages", "find_team", "list_teams"]


def _team(row: object) -> Team:
    r = row._mapping  # type: ignore[attr-defined]
    return Team(r["id"], r["key"], r["name"], r["timezone"], r["country"], r["data_version"])


def find_team(conn: Connection, key: str) -> Team | None:
    teams = S.table(S.Team)
    row = conn.execute(select(teams).where(teams.c.key == key)).first()
    return None if row is None else _team(row)


def list_teams(conn: Connection) -> list[Team]:
    teams = S.table(S.Team)
    return [_team(row) for row in conn.execute(select(teams).order_by(teams.c.key))]


def board_stages(conn: Connection, team_id: int) -> list[dict[str, Any]] | None:
    """The column stages of the team's first synced board that describes them, or ``None``."""
    boards = S.table(S.Board)
    for (config,) in conn.execute(select(boards.c.config).where(boards.c.team_id == team_id).order_by(boards.c.id)):
        stages = (config or {}).get("stages")
        if stages:
            return list(stages)
    return None
