"""``cadence metrics`` and ``cadence quality`` on the demo workspace: the stable JSON contract, CSV and tables."""

from __future__ import annotations

import csv
import io
import json

import pytest

ARGS = ("--from", "2026-04-01", "--to", "2026-06-30")


@pytest.fixture
def demo(cli, sqlite_url: str) -> str:
    assert cli(sqlite_url, "db", "upgrade").exit_code == 0
    seeded = cli(sqlite_url, "seed", "--demo", "--scale", "0.5", "--until", "2026-06-30")
    assert seeded.exit_code == 0, seeded.output
    return sqlite_url


def test_metrics_json_has_the_documented_keys(cli, demo: str) -> None:
    result = cli(demo, "metrics", "SUP", *ARGS, "--format", "json")
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    for key in ("cycle_time", "lead_time"):
        assert {"p50", "p70", "p85", "p95", "n"} <= set(body[key])
        assert body[key]["n"] > 20
        assert body[key]["p50"] <= body[key]["p70"] <= body[key]["p85"] <= body[key]["p95"]
    for key in (
        "throughput",
        "wip",
        "age",
        "cfd",
        "velocity",
        "say_do",
        "flow_efficiency",
        "unplanned_share",
        "reopen_rate",
        "data_quality",
    ):
        assert key in body, key
    assert len(body["throughput"]) == 91  # 2026-04-01 .. 2026-06-30, zero-filled
    assert sum(day["count"] for day in body["throughput"]) == body["cycle_time"]["n"]
    assert body["parameters"]["start"] == "2026-04-01" and body["team"]["key"] == "SUP"
    # the demo's cycle times are lognormal with a median of a few days: P85 must sit in a plausible band
    assert 3 <= body["cycle_time"]["p85"] <= 40


def test_metrics_csv_carries_every_number(cli, demo: str) -> None:
    as_json = json.loads(cli(demo, "metrics", "PLAT", *ARGS, "--format", "json").stdout)
    rows = list(csv.reader(io.StringIO(cli(demo, "metrics", "PLAT", *ARGS, "--format", "csv").stdout)))
    assert rows[0] == ["metric", "value"]
    values = dict(rows[1:])
    assert float(values["cycle_time.p85"]) == as_json["cycle_time"]["p85"]
    assert values["throughput[0].date"] == "2026-04-01"


def test_metrics_table_and_quality(cli, demo: str) -> None:
    table = cli(demo, "metrics", "SUP", *ARGS)
    assert table.exit_code == 0 and "cycle time" in table.stdout and "P85" in table.stdout
    quality = json.loads(cli(demo, "quality", "SUP", "--format", "json").stdout)
    assert {"unmapped_statuses", "done_without_commitment", "out_of_order", "missing_estimates"} <= set(quality)
    assert quality["unmapped_statuses"] == []  # the demo's statuses are all in the default workflow
    assert cli(demo, "quality", "SUP").exit_code == 0


def test_an_unknown_team_and_a_reversed_range_are_clear_errors(cli, demo: str) -> None:
    unknown = cli(demo, "metrics", "NOPE")
    assert unknown.exit_code == 7 and "known teams: PLAT, SUP" in unknown.output
    reversed_range = cli(demo, "metrics", "SUP", "--from", "2026-06-30", "--to", "2026-04-01")
    assert reversed_range.exit_code == 6 and "swap --from and --to" in reversed_range.output
