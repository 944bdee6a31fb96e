"""``cadence sla policy show|set``, ``cadence sla clocks`` and ``cadence support metrics`` on the demo workspace."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest


@pytest.fixture
def demo(cli, sqlite_url: str) -> str:
    assert cli(sqlite_url, "db", "upgrade").exit_code == 0
    seeded = cli(sqlite_url, "seed", "--demo", "--scale", "0.3", "--until", "2026-06-30")
    assert seeded.exit_code == 0, seeded.output
    return sqlite_url


def test_policy_round_trips_and_rejudges_the_clocks(cli, demo: str, tmp_path: Path) -> None:
    shown = cli(demo, "sla", "policy", "show", "SUP")
    assert shown.exit_code == 0, shown.output
    assert "built-in default" in shown.stdout
    body = shown.stdout.split("\n", 1)[1]
    assert tomllib.loads(body)["goals"]["resolution"]["P1"] == "8h"  # the TOML re-reads

    before = json.loads(cli(demo, "sla", "clocks", "SUP", "--all-cycles", "--format", "json").stdout)
    met = sum(c["state"] == "met" and c["goal"] == "resolution" for c in before)
    assert met > 50

    policy = tmp_path / "policy.toml"
    policy.write_text('[goals.resolution]\n"*" = "30m"\n', encoding="utf-8")
    saved = cli(demo, "sla", "policy", "set", "SUP", "--file", str(policy))
    assert saved.exit_code == 0, saved.output
    assert "Saved SLA policy 'default'" in saved.stdout
    after = json.loads(cli(demo, "sla", "clocks", "SUP", "--all-cycles", "--format", "json").stdout)
    assert len(after) == len(before)
    assert sum(c["state"] == "met" and c["goal"] == "resolution" for c in after) < met / 2  # history re-judged

    shown = json.loads(cli(demo, "sla", "policy", "show", "SUP", "--name", "default", "--format", "json").stdout)
    assert shown["goals"]["resolution"] == {"*": "30m"}
    table = cli(demo, "sla", "clocks", "SUP", "--state", "breached")
    assert table.exit_code == 0 and "SLA clocks of SUP" in table.stdout


def test_mistakes_are_one_clear_sentence(cli, demo: str, tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text('[calendar]\nhours = "weekdays 9-5"\n', encoding="utf-8")
    result = cli(demo, "sla", "policy", "set", "SUP", "--file", str(policy))
    assert result.exit_code == 6 and "calendar.hours" in result.output
    broken = tmp_path / "broken.toml"
    broken.write_text("goals = [", encoding="utf-8")
    assert "not valid TOML" in cli(demo, "sla", "policy", "set", "SUP", "--file", str(broken)).output
    assert cli(demo, "sla", "clocks", "SUP", "--state", "late").exit_code == 6
    assert cli(demo, "sla", "clocks", "NOPE").exit_code == 7


def test_support_metrics(cli, demo: str) -> None:
    result = cli(demo, "support", "metrics", "SUP", "--from", "2026-04-01", "--to", "2026-06-30", "--format", "json")
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    attained = body["sla_attainment"]["resolution"]
    assert attained["met"] + attained["breached"] > 0 and 0 <= attained["attainment"] <= 1
    p = body["time_to_resolution"]["business_hours"]
    assert p["n"] > 0 and p["p50"] <= p["p85"]
    assert body["time_to_resolution"]["calendar_hours"]["p50"] >= p["p50"]
    assert 0 < body["escalation_rate"]["rate"] < 1
    assert {c["from_value"] for c in body["level_changes"]} == {"L1", "L2"}
    table = cli(demo, "support", "metrics", "SUP")
    assert table.exit_code == 0 and "interrupt load" in table.stdout
