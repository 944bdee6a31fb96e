"""What tests/web/test_routes.py needs to call the impediment, decision and agreement routes: request bodies, and a
fresh object before each call (an open impediment, an agreement in force, an undecided candidate)."""

from __future__ import annotations

import datetime as dt

import httpx
import polars as pl
from sqlalchemy import delete

from cadence.domain.batch import RecordBatch
from cadence.store import schema as S
from cadence.store.database import Database
from cadence.store.ingest import ingest

__all__ = ["fill_impediment_ids", "impediment_body", "prepare_impediment_route", "use_database"]

_DB: list[Database] = []
_IDS: dict[str, dict[str, str]] = {}
_OURS = ("/impediments", "/decisions", "/agreements")


def use_database(db: Database) -> None:
    _DB[:] = [db]
    _IDS.clear()


def impediment_body(method: str, path: str) -> dict[str, object] | None:
    """The body of a POST to one of these routes (None: not one of them)."""
    if method != "POST" or not any(part in path for part in _OURS):
        return None
    if path.endswith(("/confirm", "/dismiss", "/retire")):
        form: dict[str, object] = {}
    elif path.endswith("{impediment_id}"):
        form = {"action": "resolve", "resolution_note": "done"}
        if path.startswith("/api/"):
            form = {"resolve": True, "resolution_note": "done"}
    elif path.endswith("/impediments"):
        form = {"title": "Waiting for access"}
    elif path.endswith("/decisions"):
        form = {"title": "Deploys", "decision": "Deploy daily"}
    else:
        form = {"text": "Review within a day"}
    return {"json": form} if path.startswith("/api/") else {"data": form}


def _stall_in_web(db: Database) -> None:
    """WEB's only item is done: give it one item stuck In Progress since March 2024 (idempotent)."""
    batch = RecordBatch(
        source="web",
        items=pl.DataFrame({"source_id": ["stuck"], "team": ["WEB"], "key": ["WEB-9"], "type": ["story"],
                            "title": ["Stuck"], "status": ["In Progress"],
                            "created_at": [dt.datetime(2024, 3, 1, 9, tzinfo=dt.UTC)]}),
        transitions=pl.DataFrame({"item_source_id": ["stuck"], "event_key": ["s1"], "from_status": ["Backlog"],
                                  "to_status": ["In Progress"], "at": [dt.datetime(2024, 3, 6, 9, tzinfo=dt.UTC)]}),
    )  # fmt: skip
    with db.begin() as conn:
        ingest(conn, batch)


def prepare_impediment_route(admin: httpx.Client, method: str, path: str, team: str) -> None:
    """Before a call on ``path``: the object its placeholder names, made fresh (a resolve or retire consumes it)."""
    ids = _IDS.setdefault(team, {})
    base = f"/api/v1/teams/{team}"
    if "{impediment_id}" in path:
        created = admin.post(f"{base}/impediments", json={"title": "Route check"})
        assert created.status_code == 201, created.text
        ids["{impediment_id}"] = str(created.json()["id"])
    if "{agreement_id}" in path:
        created = admin.post(f"{base}/agreements", json={"text": "Route check"})
        assert created.status_code == 201, created.text
        ids["{agreement_id}"] = str(created.json()["id"])
    if "{signal_key}" in path:
        db = _DB[0]
        if team == "WEB":
            _stall_in_web(db)
        with db.begin() as conn:  # forget earlier decisions so the team's stall is a candidate again
            conn.execute(delete(S.table(S.Impediment)).where(S.table(S.Impediment).c.signal_key.is_not(None)))
        listed = admin.get(f"{base}/impediments/candidates")
        assert listed.status_code == 200 and listed.json()["data"], listed.text
        ids["{signal_key}"] = listed.json()["data"][0]["signal_key"]


def fill_impediment_ids(path: str, team: str) -> str:
    for placeholder, value in _IDS.get(team, {}).items():
        path = path.replace(placeholder, value)
    return path
