"""``cadence forecast`` and ``/api/v1/teams/{team}/forecast`` on the demo: percentiles, the track record, access."""

from __future__ import annotations

import datetime as dt
import json

import pytest


@pytest.fixture
def demo(cli, sqlite_url: str) -> str:
    assert cli(sqlite_url, "db", "upgrade").exit_code == 0
    assert cli(sqlite_url, "seed", "--demo", "--scale", "0.5").exit_code == 0  # history ends today
    return sqlite_url


def test_forecast_json_orders_its_percentiles_and_shows_the_track_record(cli, demo: str) -> None:
    until = (dt.datetime.now(dt.UTC) + dt.timedelta(days=28)).date().isoformat()
    result = cli(demo, "forecast", "SUP", "--items", "40", "--until", until, "--format", "json")
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    how_many = [body["how_many"]["items"][p] for p in ("50", "70", "85", "95")]
    assert how_many == sorted(how_many, reverse=True)  # "at least N": more confidence, fewer items
    dates = [body["when"]["dates"][p] for p in ("50", "70", "85", "95")]
    assert all(d is not None for d in dates) and dates == sorted(dates)
    record = body["track_record"]
    assert record["horizon_days"] in {28, 29}  # 28 days ahead, counted from today in the team's zone
    assert record["origins"] > 0 and 0 <= record["p85_coverage"] <= 1
    assert body["sample"]["delivered"] > 0


def test_forecast_table_and_a_question_missing(cli, demo: str) -> None:
    table = cli(demo, "forecast", "PLAT", "--items", "10")
    assert table.exit_code == 0 and "Track record" in table.stdout and "85 %" in table.stdout
    neither = cli(demo, "forecast", "PLAT")
    assert neither.exit_code == 6 and "number of items" in neither.output


def test_scope_forecast_by_label_then_epic_with_its_burn_up(cli, demo: str) -> None:
    result = cli(demo, "forecast", "PLAT", "--label", "tech-debt", "--format", "json")
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["scope"] == {"kind": "label", "value": "tech-debt"}
    counts = body["counts"]
    assert counts["total"] == counts["delivered"] + counts["removed"] + counts["remaining"]
    assert body["burn_up"]["history"][-1]["delivered"] == counts["delivered"]
    epic = body["choices"]["epics"][0]["value"]
    until = (dt.datetime.now(dt.UTC) + dt.timedelta(days=21)).date().isoformat()
    table = cli(demo, "forecast", "PLAT", "--epic", epic, "--until", until, "--scope-growth", "0.2")
    assert table.exit_code == 0, table.output
    assert f"epic {epic}" in table.stdout and "remaining" in table.stdout and "using 0.20 as asked" in table.stdout
    assert "Track record" in table.stdout


def test_scope_forecast_refuses_unclear_questions(cli, demo: str) -> None:
    both = cli(demo, "forecast", "PLAT", "--epic", "ROAD-1", "--version", "2026.1")
    assert both.exit_code == 6 and "choose exactly one scope" in both.output and "version '2026.1'" in both.output
    unknown = cli(demo, "forecast", "PLAT", "--epic", "NOPE-42")
    assert unknown.exit_code == 6 and "NOPE-42" in unknown.output
    past = cli(demo, "forecast", "PLAT", "--label", "tech-debt", "--until", "2020-01-01")
    assert past.exit_code == 6 and "2020-01-01" in past.output
    growth = cli(demo, "forecast", "PLAT", "--label", "tech-debt", "--scope-growth", "1.2")
    assert growth.exit_code == 6 and "1.2" in growth.output
