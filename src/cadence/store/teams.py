"""Looking teams up by key, with the data version that keys every analytics cache."""

from __future__ import annotations

from sqlalchemy import Connection, select

from cadence.domain.model import Team
from cadence.store import schema as S

__all__ = ["find_team", "list_teams"]


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
