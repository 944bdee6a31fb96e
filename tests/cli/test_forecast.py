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
