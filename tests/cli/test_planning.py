"""``cadence sprint plan`` on the demo: a preview writes nothing; --commit saves a frozen plan."""

from __future__ import annotations

import json

import pytest


@pytest.fixture
def demo(cli, sqlite_url: str) -> str:
    assert cli(sqlite_url, "db", "upgrade").exit_code == 0
    assert cli(sqlite_url, "seed", "--demo", "--scale", "0.3").exit_code == 0  # history ends today
    return sqlite_url


def test_the_preview_shows_capacity_and_cut_lines_and_a_commit_freezes_the_plan(cli, demo: str) -> None:
    preview = cli(demo, "sprint", "plan", "PLAT", "--format", "json")
    assert preview.exit_code == 0, preview.output
    body = json.loads(preview.stdout)
    assert body["plan"]["state"] == "preview" and body["plan"]["id"] is None
    capacity = body["capacity"]
    assert capacity["person_days"] == pytest.approx(sum(m["capacity_days"] for m in capacity["members"]))
    p50, p85 = capacity["interrupt"]["points"]["p50"], capacity["interrupt"]["points"]["p85"]
    assert 0 <= p50 <= p85 <= 1
    assert capacity["net_person_days"]["85"] == pytest.approx(capacity["person_days"] * (1 - p85))
    cut = body["forecast"]["cut"]
    assert 0 <= cut["85"] <= cut["50"]  # the safer line never lies below the typical one
    assert [i["key"] for i in body["items"]] == [r["key"] for r in body["forecast"]["backlog"]["items"][: cut["85"]]]

    table = cli(demo, "sprint", "plan", "PLAT", "--start", "2026-12-07", "--end", "2026-12-18")
    assert table.exit_code == 0, table.output
    assert "2026-12-07 .. 2026-12-18, preview" in table.stdout and "P85 line" in table.stdout
    assert "person-days" in table.stdout

    lonely = cli(demo, "sprint", "plan", "PLAT", "--goal", "Faster deploys")
    assert lonely.exit_code == 6 and "--save" in lonely.output
    first = body["forecast"]["backlog"]["items"][0]["key"]
    committed = cli(demo, "sprint", "plan", "PLAT", "--goal", "Faster deploys", "--item", first, "--commit",
                    "--format", "json")  # fmt: skip
    assert committed.exit_code == 0, committed.output
    plan = json.loads(committed.stdout)
    assert (plan["plan"]["state"], plan["plan"]["goal"]) == ("committed", "Faster deploys")
    assert [i["key"] for i in plan["items"]] == [first]
    bad = cli(demo, "sprint", "plan", "PLAT", "--start", "soon")
    assert bad.exit_code == 6 and "soon" in bad.output
