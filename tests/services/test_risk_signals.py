"""Risk signals on the demo workspace: its planted troubles are found, at the right time, and its calm parts are
silent; the thresholds come from ``[teams.KEY.risks]``; the SLA rule needs the support role."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from cadence.connectors.demo.storyline import demo_scenario
from cadence.domain.errors import ConfigurationError, NotFound
from cadence.domain.model import Role
from cadence.services.access import Actor
from cadence.services.audit_log import SYSTEM
from cadence.services.backlog import backlog_health
from cadence.services.risk_signals import team_risk_signals
from cadence.services.team_metrics import load_team, team_frames
from cadence.services.workspace_config import WorkspaceConfig, load_workspace_config
from cadence.store.database import Database

UNTIL = dt.date(2026, 6, 30)
NOW = dt.datetime(2026, 6, 30, 18, tzinfo=dt.UTC)
ADMIN = dataclasses.replace(SYSTEM, is_superuser=True)
CONFIG = WorkspaceConfig()
READY = "ready_backlog_low"  # reads today's backlog: it has no history to replay


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Database:
    from cadence.services.seeding import seed_demo
    from cadence.store.migrations import upgrade

    db = Database(f"sqlite:///{tmp_path_factory.mktemp('risk-demo')}/cadence.db")
    upgrade(db)
    seed_demo(db, seed=7, scale=1.0, until=UNTIL)
    return db


def sprint(db: Database, team: str, name: str) -> dict[str, object]:
    rows = team_frames(db, load_team(db, team)).sprints.filter(pl.col("name") == name).to_dicts()
    assert len(rows) == 1
    return rows[0]


def signals(db: Database, team: str, now: dt.datetime, actor: Actor = ADMIN) -> dict[str, dict[str, object]]:
    return {s["signal_key"]: s for s in team_risk_signals(db, CONFIG, actor, team, now=now) if s["rule"] != READY}


def test_today_the_demo_is_calm_but_for_its_unrefined_backlog(demo: Database) -> None:
    for team in ("SUP", "PLAT"):
        found = team_risk_signals(demo, CONFIG, ADMIN, team, now=NOW)
        assert [s["rule"] for s in found] == [READY]
        ready = backlog_health(demo, CONFIG, ADMIN, team, now=NOW)["ready_work"]
        evidence = found[0]["evidence"]
        assert (evidence["ready_items"], evidence["ready_points"]) == (ready["ready_count"], ready["ready_points"])
        assert evidence["value"] == round(ready["value"], 3) < 1 and evidence["unit"] == "sprints"
        assert {"signal_key", "rule", "title", "evidence", "reason", "probability", "impact"} <= set(found[0])


def test_the_bad_sprint_is_found_when_it_closes(demo: Database) -> None:
    story = demo_scenario(until=UNTIL)
    bad = sprint(demo, story.bad_team, f"{story.bad_team} Sprint {story.bad_sprint_id.rsplit('-', 1)[1]}")
    closed = bad["completed_at"]
    assert isinstance(closed, dt.datetime)
    assert signals(demo, story.bad_team, closed - dt.timedelta(minutes=1)) == {}  # still running: not judged yet
    found = signals(demo, story.bad_team, closed)
    assert {s["rule"] for s in found.values()} == {"say_do_falling", "carry_over_rising"}
    say_do = found[f"say_do_falling:sprint:{bad['sprint_id']}"]["evidence"]
    assert say_do["sprints"][-1] == bad["name"]
    assert say_do["values"][-1] < 0.5 < say_do["baseline"]  # docs/demo.md: ~0.3-0.5 against a usual ~0.76
    assert say_do["change"] >= 0.2
    carry = found[f"carry_over_rising:sprint:{bad['sprint_id']}"]
    assert carry["evidence"]["values"][-1] > 0.5 and carry["probability"] == 5


def test_the_incident_week_is_found(demo: Database) -> None:
    story = demo_scenario(until=UNTIL)
    monday, next_monday = story.incident_week
    incident = sprint(demo, story.incident_team, f"{story.incident_team} Sprint {story.incident_sprint_id[-2:]}")
    # Friday of the incident week: the sprint's scope has crept; by Saturday the SLA breaches have piled up.
    friday = dt.datetime.combine(monday + dt.timedelta(days=4), dt.time(9), dt.UTC)
    crept = signals(demo, story.incident_team, friday)
    assert list(crept) == [f"scope_creep:sprint:{incident['sprint_id']}"]
    evidence = crept[f"scope_creep:sprint:{incident['sprint_id']}"]["evidence"]
    assert evidence["sprint"] == incident["name"] and evidence["added_share"] > evidence["threshold"] >= 0.5
    saturday = signals(demo, story.incident_team, friday + dt.timedelta(days=1))
    breach = saturday[f"sla_breaches_rising:week:{monday.isoformat()}"]
    assert breach["evidence"]["breaches_last_week"] >= 2.5 * breach["evidence"]["usual_per_week"]
    assert breach["impact"] == 4
    # A viewer sees the scope creep, not the SLA clocks.
    team_id = load_team(demo, story.incident_team).id
    viewer = Actor(user_id=99, username="viewer", display_name="Viewer", roles={team_id: Role.VIEWER})
    assert list(signals(demo, story.incident_team, friday + dt.timedelta(days=1), viewer)) == list(crept)
    # When the sprint closes, its interrupt share has jumped.
    closed = incident["completed_at"]
    assert isinstance(closed, dt.datetime)
    after = signals(demo, story.incident_team, closed)
    interrupts = after[f"interrupt_share_rising:sprint:{incident['sprint_id']}"]["evidence"]
    assert interrupts["sprints"][-1] == incident["name"] and interrupts["change"] >= 0.15
    assert next_monday <= closed.date()


def test_outside_the_planted_troubles_nothing_fires(demo: Database) -> None:
    """Every third day from late February (when every rule has enough history) to today: any signal belongs to a
    planted trouble and falls in the weeks after it."""
    story = demo_scenario(until=UNTIL)
    incident_start = dt.datetime.combine(story.incident_week[0], dt.time(0), dt.UTC)
    bad = sprint(demo, story.bad_team, f"{story.bad_team} Sprint {story.bad_sprint_id.rsplit('-', 1)[1]}")
    bad_close = bad["completed_at"]
    assert isinstance(bad_close, dt.datetime)
    allowed = {
        story.incident_team: ({"scope_creep", "sla_breaches_rising", "interrupt_share_rising", "ageing_rising"},
                              incident_start, incident_start + dt.timedelta(weeks=5)),
        story.bad_team: ({"say_do_falling", "carry_over_rising"}, bad_close, bad_close + dt.timedelta(weeks=3)),
    }  # fmt: skip
    now = dt.datetime(2026, 2, 20, 9, tzinfo=dt.UTC)
    fired: dict[str, set[str]] = {"SUP": set(), "PLAT": set()}
    while now <= NOW:
        for team in ("SUP", "PLAT"):
            rules, first, last = allowed[team]
            for signal in signals(demo, team, now).values():
                assert signal["rule"] in rules and first <= now <= last, (team, now, signal["reason"])
                fired[team].add(str(signal["rule"]))
        now += dt.timedelta(days=3)
    assert fired == {"SUP": {"scope_creep", "sla_breaches_rising", "interrupt_share_rising", "ageing_rising"},
                     "PLAT": {"say_do_falling", "carry_over_rising"}}  # fmt: skip


def test_thresholds_come_from_the_workspace_file(demo: Database, tmp_path: Path) -> None:
    path = tmp_path / "cadence.toml"
    path.write_text("[teams.PLAT.risks]\nwip_limit = 8\nsay_do_drop = 0.3\n", encoding="utf-8")
    config = load_workspace_config(path)
    assert config.for_team("PLAT").risks.wip_limit == 8
    assert config.for_team("PLAT").risks.say_do_drop == 0.3
    [found] = [s for s in team_risk_signals(demo, config, ADMIN, "PLAT", now=NOW) if s["rule"] == "wip_above_limit"]
    # WIP now is what the board shows in its working columns (the seed ends at NOW's day).
    working = team_frames(demo, load_team(demo, "PLAT")).items.filter(
        pl.col("status").is_in(["In Progress", "Review", "QA"])
    )
    assert found["evidence"]["wip"] == working.height > 8 and found["evidence"]["limit"] == 8
    assert not [s for s in team_risk_signals(demo, config, ADMIN, "SUP", now=NOW) if s["rule"] == "wip_above_limit"]
    for bad, message in (("wip_limit = 2.5", "wip_limit must be a int"), ("oops = 1", "unknown key"),
                         ("say_do_drop = 0", "say_do_drop")):  # fmt: skip
        path.write_text(f"[teams.PLAT.risks]\n{bad}\n", encoding="utf-8")
        with pytest.raises(ConfigurationError, match=message):
            load_workspace_config(path)


def test_a_stranger_sees_no_team(demo: Database) -> None:
    stranger = Actor(user_id=98, username="stranger", display_name="Stranger")
    with pytest.raises(NotFound):
        team_risk_signals(demo, CONFIG, stranger, "SUP", now=NOW)


def test_every_threshold_is_documented() -> None:
    from cadence.analytics.risk_signals import RiskRules

    text = (Path(__file__).parents[2] / "docs" / "configuration.md").read_text(encoding="utf-8")
    section = text[text.index("[teams.KEY.risks]") :]
    assert [name for name in RiskRules.__dataclass_fields__ if f"| `{name}` |" not in section] == []
