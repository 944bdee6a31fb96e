"""What tests/web/test_routes.py needs to call the insight routes: a ``{person_id}`` that is a member of the team
called — ``pm`` (OPS's manager: the manager role then decides, not "it is me") and ``webdev`` in WEB."""

from __future__ import annotations

from sqlalchemy import select

from cadence.store import schema as S
from cadence.store.database import Database

__all__ = ["fill_insight_person", "use_insight_database"]

_DB: list[Database] = []
_OWNER = {"OPS": "pm", "WEB": "webdev"}


def use_insight_database(db: Database) -> None:
    _DB[:] = [db]


def fill_insight_person(path: str, team: str) -> str:
    if "/insight/people/{person_id}" not in path or not _DB:
        return path
    users = S.table(S.User)
    with _DB[0].connect() as conn:
        person = conn.execute(select(users.c.person_id).where(users.c.username == _OWNER[team])).scalar_one()
    return path.replace("{person_id}", str(person))
