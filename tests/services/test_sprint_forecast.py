"""The sprint forecast and estimation health of the demo teams, over a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt

import pytest

from cadence.services.estimation_health import estimation_health
from cadence.services.seeding import seed_demo
from cadence.services.sprint_forecast import clear_cache, sprint_forecast
from cadence.services.workspace_config import WorkspaceConfig
from cadence.store.database import Database

UNTIL = dt.date(2026, 6, 30)
NOW = dt.datetime(2026, 6, 30, 12, tzinfo=dt.UTC)
CONFIG = WorkspaceConfig()


@pytest.fixture
def demo(db: Database) -> Database:
    seed_demo(db, seed=7, scale=0.3, until=UNTIL)
    clear_cache()
    return db


def test_the_active_sprint_is_read_against_the_last_closed_sprints(demo: Database) -> None:
    result = sprint_forecast(demo, CONFIG, "PLAT", now=NOW)
    sprint, history = result["sprint"], result["history"]
    assert sprint["kind"] == "active" and sprint["from"] == "2026-06-30"
    assert len(history) == 6 and [h["close_at"] for h in history] == sorted(h["close_at"] for h in history)
    delivered = sorted(h["completed_points"] for h in history)
    v = result["velocity"]
    assert (v["p85"], v["p50"]) == (delivered[0], delivered[3])  # n=6: indexes 6-ceil(5.1)=0 and 6-3=3
    assert v["committed_points"] == sprint["committed_points"] > 0
    assert result["verdict"].startswith(f"this sprint commits {sprint['committed_points']:g} points; your last 6")
    # the planted bad sprint (a migration) is in the window: it kept well under half its commitment
    assert min(h["say_do_points"] for h in history) < 0.5
    r = result["reliability"]
    assert r["sprints"] == 6 and r["p15"] <= r["median"] <= r["p85"]
    assert r["p15"] == min(h["say_do_points"] for h in history)
    assert result["items"]["p85"] <= result["items"]["p50"] and result["items"]["open_items"] == sprint["open_items"]


def test_same_day_same_answer_and_fewer_sprints(demo: Database) -> None:
    first = sprint_forecast(demo, CONFIG, "SUP", now=NOW)
    again = sprint_forecast(demo, CONFIG, "SUP", now=NOW + dt.timedelta(hours=1))
    assert first == again
    seeded = sprint_forecast(demo, CONFIG, "SUP", now=NOW, seed=123)
    assert seeded["velocity"] == first["velocity"]  # the velocity reading draws nothing
    three = sprint_forecast(demo, CONFIG, "SUP", now=NOW, sprints=3)
    assert [h["name"] for h in three["history"]] == [h["name"] for h in first["history"][-3:]]


def test_after_the_last_sprint_started_the_next_one_is_forecast(demo: Database) -> None:
    # before the active sprint started, the active one is still "future" from that instant: it is the next sprint
    early = dt.datetime(2026, 6, 16, 12, tzinfo=dt.UTC)
    result = sprint_forecast(demo, CONFIG, "PLAT", now=early)
    assert result["sprint"]["kind"] in {"active", "future"}
    assert result["items"]["days"] >= 1


def test_estimation_health_of_the_demo(demo: Database) -> None:
    result = estimation_health(demo, CONFIG, "SUP", now=NOW)
    c = result["correlation"]
    assert 0 < c["n"] <= result["estimated"] <= result["delivered"]
    assert c["spearman"] is not None and -1 <= c["spearman"] <= 1
    sizes = result["sizes"]
    assert [s["points"] for s in sizes] == sorted(s["points"] for s in sizes)
    assert sum(s["items"] for s in sizes) == result["estimated"]
    assert all(s["p50_days"] <= s["p85_days"] for s in sizes)
    assert len(result["overlaps"]) == sum(s["overlaps"] for s in sizes)
