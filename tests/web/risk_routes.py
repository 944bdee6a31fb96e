"""What tests/web/test_routes.py needs to call the risk routes: request bodies, a fresh risk before each call, and a
proposed risk before an accept or dismiss (a WIP limit of 1 in the workspace file and two items in progress make
the ``wip_above_limit`` signal fire in OPS and WEB; earlier decisions are forgotten)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import httpx
import polars as pl
import pytest
from sqlalchemy import delete

from cadence.domain.batch import RecordBatch
from cadence.store import schema as S
from cadence.store.database import Database
from cadence.store.ingest import ingest

__all__ = [
    "fill_risk_ids",
    "plant_in_progress",
    "prepare_risk_route",
    "risk_body",
    "risk_signals_config",
    "use_risk_database",
]

_DB: list[Database] = []
_IDS: dict[str, dict[str, str]] = {}


@pytest.fixture(autouse=True)
def risk_signals_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """The app reads its workspace file when built: give OPS and WEB a WIP limit of 1."""
    toml = tmp_path / "cadence.toml"
    toml.write_text("[teams.OPS.risks]\nwip_limit = 1\n\n[teams.WEB.risks]\nwip_limit = 1\n", encoding="utf-8")
    monkeypatch.setenv("CADENCE_WORKSPACE_FILE", str(toml))
    yield


def use_risk_database(db: Database) -> None:
    _DB[:] = [db]
    _IDS.clear()


def risk_body(method: str, path: str) -> dict[str, object] | None:
    """The body of a call to one of the risk routes (None: not one of them)."""
    if "/risks" not in path or method not in {"POST", "PATCH"}:
        return None
    if path.endswith(("/accept", "/dismiss")):
        form: dict[str, object] = {}
    elif path.endswith("/score"):
        form = {"probability": 4, "impact": 2, "note": "route check"}
    elif path.endswith("/mitigations"):
        form = {"title": "Route check"}
    elif path.endswith("{risk_id}"):
        form = {"roam": "owned"} if path.startswith("/api/") else {"action": "edit", "roam": "owned"}
    else:
        form = {"title": "Route check", "probability": 2, "impact": 3}
    return {"json": form} if path.startswith("/api/") else {"data": form}


def plant_in_progress(db: Database, team: str) -> None:
    """Two of the team's items In Progress since March 2024 (idempotent): WIP 2 against the limit of 1."""
    keys = [f"{team}-R1", f"{team}-R2"]
    started = dt.datetime(2024, 3, 6, 9, tzinfo=dt.UTC)
    batch = RecordBatch(
        source=f"risk-{team.lower()}",
        items=pl.DataFrame({"source_id": keys, "team": [team, team], "key": keys, "type": ["story", "story"],
                            "title": ["Busy", "Busier"], "status": ["In Progress", "In Progress"],
                            "created_at": [started - dt.timedelta(days=1)] * 2}),
        transitions=pl.DataFrame({"item_source_id": keys, "event_key": ["r1", "r2"], "from_status": ["Backlog"] * 2,
                                  "to_status": ["In Progress"] * 2, "at": [started, started]}),
    )  # fmt: skip
    with db.begin() as conn:
        ingest(conn, batch)


def prepare_risk_route(admin: httpx.Client, method: str, path: str, team: str) -> None:
    """Before a call on ``path``: the risk or proposal its placeholder names, made fresh."""
    if "/risks" not in path:
        return
    ids = _IDS.setdefault(team, {})
    base = f"/api/v1/teams/{team}"
    if "{risk_id}" in path:
        created = admin.post(f"{base}/risks", json={"title": "Route check", "probability": 2, "impact": 3})
        assert created.status_code == 201, created.text
        ids["{risk_id}"] = str(created.json()["id"])
    if "{signal_key}" in path:
        db = _DB[0]
        plant_in_progress(db, team)
        with db.begin() as conn:  # forget earlier decisions so the signal is proposed again
            conn.execute(delete(S.table(S.Risk)).where(S.table(S.Risk).c.signal_key.is_not(None)))
        listed = admin.get(f"{base}/risks/proposed")
        assert listed.status_code == 200 and listed.json()["data"], listed.text
        ids["{signal_key}"] = listed.json()["data"][0]["signal_key"]


def fill_risk_ids(path: str, team: str) -> str:
    """Fill a risk route's placeholders (before the impediment helper, which also knows ``{signal_key}``)."""
    if "/risks" not in path:
        return path
    for placeholder, value in _IDS.get(team, {}).items():
        path = path.replace(placeholder, value)
    return path
