"""Risk signals on the demo workspace: its planted troubles are found, at the right time, and its calm parts are
silent; the thresholds and deadlines come from the workspace file; the SLA rule needs the support role."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from cadence.connectors.demo import generate_demo
from cadence.connectors.demo.deadlines import PROMISE_DAYS, deadlines_toml, demo_deadlines
from cadence.connectors.demo.storyline import demo_scenario
from cadence.domain.batch import RecordBatch
from cadence.domain.errors import ConfigurationError, NotFound
from cadence.domain.model import Role
from cadence.services.access import Actor
from cadence.services.audit_log import SYSTEM
from cadence.services.backlog import backlog_health
from cadence.services.forecasts import scope_forecast
from cadence.services.risk_signals import team_risk_signals
from cadence.services.risks import accept_proposal
from cadence.services.team_metrics import load_team, team_frames
from cadence.services.workspace_config import WorkspaceConfig, load_workspace_config
from cadence.store.database import Database
from cadence.store.ingest import ingest

UNTIL = dt.date(2026, 6, 30)
NOW = dt.datetime(2026, 6, 30, 18, tzinfo=dt.UTC)
ADMIN = dataclasses.replace(SYSTEM, is_superuser=True)
CONFIG = WorkspaceConfig()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Database:
    from cadence.services.seeding import seed_demo
    from cadence.store.migrations import upgrade

    db = Database(f"sqlite:///{tmp_path_factory.mktemp('risk-demo')}/cadence.db")
    upgrade(db)
    seed_demo(db, seed=7, scale=1.0, until=UNTIL)
    return db


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> WorkspaceConfig:
    """The demo's workspace file: its deadlines (``connectors/demo/deadlines.py``, docs/demo.md)."""
    path = tmp_path_factory.mktemp("risk-demo-file") / "cadence.toml"
    path.write_text(deadlines_toml(demo_deadlines(generate_demo(until=UNTIL).items, ["SUP", "PLAT"], UNTIL)))
    return load_workspace_config(path)


def sprint(db: Database, team: str, name: str) -> dict[str, object]:
    rows = team_frames(db, load_team(db, team)).sprints.filter(pl.col("name") == name).to_dicts()
    assert len(rows) == 1
    return rows[0]


def signals(
    db: Database, team: str, now: dt.datetime, actor: Actor = ADMIN, config: WorkspaceConfig = CONFIG
) -> dict[str, dict[str, object]]:
    return {s["signal_key"]: s for s in team_risk_signals(db, config, actor, team, now=now)}


def test_today_the_demo_is_calm_but_for_its_promised_epic(demo: Database, workspace: WorkspaceConfig) -> None:
    assert signals(demo, "SUP", NOW, config=workspace) == {}
    [(key, promised)] = signals(demo, "PLAT", NOW, config=workspace).items()
    deadline = UNTIL + dt.timedelta(days=PROMISE_DAYS)
    epic = key.removeprefix("forecast_deadline:epic:")
    assert workspace.for_team("PLAT").deadlines[f"epic:{epic}"] == deadline
    # The evidence is the forecasts page's answer that day; days late = its P85 date - the deadline.
    forecast = scope_forecast(demo, workspace, "PLAT", now=NOW, epic=epic)
    p85 = dt.date.fromisoformat(forecast["when"]["dates"]["85"])
    evidence = promised["evidence"]
    assert evidence["p85_date"] == p85.isoformat() and evidence["deadline"] == deadline.isoformat()
    assert evidence["days_late_p85"] == (p85 - deadline).days > 0
    assert evidence["remaining_items"] == forecast["counts"]["remaining"] > 0
    assert evidence["growth"] == forecast["growth"]["measured"]
    assert promised["impact"] == 4 and promised["probability"] == (3 if (p85 - deadline).days <= 7 else 4)
    # Every other deadline of the demo (the epics under way, due at the end of August) is met at P85.
    others = [(t, name, due) for t in ("SUP", "PLAT") for name, due in workspace.for_team(t).deadlines.items()]
    assert len(others) >= 4 and {due for _, _, due in others} == {deadline, dt.date(2026, 8, 31)}
    for team, name, due in others:
        if name != f"epic:{epic}":
            other = scope_forecast(demo, workspace, team, now=NOW, epic=name.removeprefix("epic:"))
            assert other["counts"]["remaining"] > 0 and other["when"]["dates"]["85"] <= due.isoformat(), name
    # The top of each backlog is refined: 1.5 to 3 sprints of ready work (docs/demo.md).
    for team in ("SUP", "PLAT"):
        ready = backlog_health(demo, workspace, ADMIN, team, now=NOW)["ready_work"]
        assert ready["unit"] == "sprints" and 1.5 <= ready["value"] <= 3, (team, ready)


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


def test_outside_the_planted_troubles_nothing_fires(demo: Database, workspace: WorkspaceConfig) -> None:
    """Every third day from late February (when every rule has enough history) to today, with the demo's workspace
    file: on calm days no signal fires at all (the ready-backlog rule included); every signal belongs to a planted
    trouble and falls in its window; and each planted trouble is found."""
    story = demo_scenario(until=UNTIL)
    incident_start = dt.datetime.combine(story.incident_week[0], dt.time(0), dt.UTC)
    bad = sprint(demo, story.bad_team, f"{story.bad_team} Sprint {story.bad_sprint_id.rsplit('-', 1)[1]}")
    bad_close = bad["completed_at"]
    assert isinstance(bad_close, dt.datetime)
    promised = dt.datetime.combine(UNTIL + dt.timedelta(days=PROMISE_DAYS), dt.time(0), dt.UTC)
    notice = dt.timedelta(days=workspace.for_team(story.bad_team).risks.deadline_notice_days)
    troubles = [
        (story.incident_team, {"scope_creep", "sla_breaches_rising", "interrupt_share_rising", "ageing_rising"},
         incident_start, incident_start + dt.timedelta(weeks=5)),
        (story.bad_team, {"say_do_falling", "carry_over_rising"}, bad_close, bad_close + dt.timedelta(weeks=3)),
        # the promised epic never finishes at current rates in June: flagged once its deadline is 28 days away
        (story.bad_team, {"forecast_deadline"}, promised - notice - dt.timedelta(days=1), NOW),
    ]  # fmt: skip
    now = dt.datetime(2026, 2, 20, 9, tzinfo=dt.UTC)
    fired: set[tuple[str, str]] = set()
    calm_days = 0
    while now <= NOW:
        calm = True
        for team in ("SUP", "PLAT"):
            for signal in signals(demo, team, now, config=workspace).values():
                rule = str(signal["rule"])
                windows = [(first, last) for t, rules, first, last in troubles if t == team and rule in rules]
                assert any(first <= now <= last for first, last in windows), (team, now, signal["reason"])
                fired.add((team, rule))
                calm = False
        calm_days += calm
        now += dt.timedelta(days=3)
    assert fired == {(team, rule) for team, rules, _, _ in troubles for rule in rules}
    assert calm_days >= 25  # of 44 replayed days: the demo is mostly calm


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


def deadline_batch() -> RecordBatch:
    """Team OPS (UTC) delivers exactly one item a day from 8 April to 2 June 2024 (56 days), so every Monte Carlo
    trial delivers one a day and the forecast dates are exact. Version 2.4: 20 of those deliveries plus 10 items
    open, all created on 1 April (no growth). Version 2.5: 4 deliveries (22-25 May), 2 items open from 1 April and 2
    added on 28 May, after its first delivery: growth 2 / 4 = 0.5. Epic OPS-100: 4 deliveries (18-21 May) and 8
    items added on 25 May: it grows faster than it is delivered."""
    done = [dt.datetime(2024, 4, 8, 10, tzinfo=dt.UTC) + dt.timedelta(days=i) for i in range(56)]
    delivered = [f"d{i}" for i in range(56)]
    opened = [f"r{i}" for i in range(10)] + ["v1", "v2", "v3", "v4"] + [f"e{i}" for i in range(8)]
    ids = delivered + opened
    versions = [["2.4"] if i < 20 else ["2.5"] if 44 <= i < 48 else [] for i in range(56)]
    versions += [["2.4"]] * 10 + [["2.5"]] * 4 + [[]] * 8
    epics = [("OPS-100" if 40 <= i < 44 else None) for i in range(56)] + [None] * 14 + ["OPS-100"] * 8
    april, may_28, may_25 = (dt.datetime(2024, m, d, 9, tzinfo=dt.UTC) for m, d in ((4, 1), (5, 28), (5, 25)))
    created = [april] * 68 + [may_28] * 2 + [may_25] * 8
    n, shut = len(ids), len(opened)
    items = pl.DataFrame(
        {
            "source_id": ids, "team": ["OPS"] * n, "key": [f"OPS-{i + 1}" for i in range(n)], "type": ["story"] * n,
            "title": [f"Item {i}" for i in ids], "status": ["Done"] * 56 + ["Backlog"] * shut,
            "estimate": [2.0] * n, "fix_versions": versions, "epic_key": epics, "created_at": created,
            "resolved_at": done + [None] * shut, "resolution": ["Done"] * 56 + [None] * shut,
        },
        schema_overrides={"fix_versions": pl.List(pl.String), "resolved_at": pl.Datetime("us", "UTC")},
    )  # fmt: skip
    moves = pl.DataFrame(
        {
            "item_source_id": delivered * 2,
            "event_key": ["t1"] * 56 + ["t2"] * 56,
            "from_status": ["Backlog"] * 56 + ["In Progress"] * 56,
            "to_status": ["In Progress"] * 56 + ["Done"] * 56,
            "at": [d - dt.timedelta(hours=1) for d in done] + done,
        }
    )
    teams = pl.DataFrame({"key": ["OPS"], "name": ["Operations"], "timezone": ["UTC"], "country": ["FR"]})
    return RecordBatch(source="test", teams=teams, items=items, transitions=moves)


def deadline_config(tmp_path: Path, lines: str) -> WorkspaceConfig:
    path = tmp_path / "cadence.toml"
    path.write_text(f"[teams.OPS.deadlines]\n{lines}", encoding="utf-8")
    return load_workspace_config(path)


def late(db: Database, now: dt.datetime, config: WorkspaceConfig) -> dict[str, dict[str, object]]:
    """The deadline signals only (the hand-made team has no refined backlog: that rule fires too)."""
    return {k: s for k, s in signals(db, "OPS", now, config=config).items() if s["rule"] == "forecast_deadline"}


def test_a_forecast_past_its_deadline_on_a_hand_made_history(db: Database, tmp_path: Path) -> None:
    with db.begin() as conn:
        ingest(conn, deadline_batch())
    now = dt.datetime(2024, 6, 3, 12, tzinfo=dt.UTC)  # today 3 June; the sample is 8 April - 2 June, 1 a day
    config = deadline_config(
        tmp_path,
        '"version:2.4" = 2024-06-10\n"version:2.5" = 2024-06-10\n"epic:OPS-100" = 2024-06-20\n'
        '"version:9.9" = 2024-06-04\n',
    )
    found = late(db, now, config)
    assert list(found) == ["forecast_deadline:epic:OPS-100", "forecast_deadline:version:2.4"]  # 9.9: no such items
    # 2.4: 10 items at one a day from today (day 0) -> the 10th on 12 June at every percentile; 2 days late -> 3.
    version = found["forecast_deadline:version:2.4"]
    assert {k: version["evidence"][k] for k in ("remaining_items", "p50_date", "p85_date", "days_late_p85")} == {
        "remaining_items": 10, "p50_date": "2024-06-12", "p85_date": "2024-06-12", "days_late_p85": 2,
    }  # fmt: skip
    assert (version["evidence"]["growth"], version["probability"], version["impact"]) == (0.0, 3, 4)
    # 2.5: 4 items at growth 0.5 need 4 / (1 - 0.5) = 8 deliveries -> 10 June, on the deadline: silent.
    assert scope_forecast(db, config, "OPS", now=now, version="2.5")["when"]["dates"]["85"] == "2024-06-10"
    # OPS-100: 8 added, 4 delivered in the window: it never finishes, and its deadline is 17 days away.
    never = found["forecast_deadline:epic:OPS-100"]["evidence"]
    assert (never["finishes"], never["p85_date"], never["days_to_deadline"]) == (False, None, 17)
    assert (never["added_items"], never["delivered_items"], never["remaining_items"]) == (8, 4, 8)
    assert found["forecast_deadline:epic:OPS-100"]["probability"] == 5
    # Deadlines the forecast meets, or a never-finishing scope whose deadline is far, are silent.
    calm = deadline_config(tmp_path, '"version:2.4" = 2024-06-12\n"epic:OPS-100" = 2024-07-02\n')
    assert late(db, now, calm) == {}
    # Replayed on 3 May, the same file says nothing: OPS-100's 8 additions were still to come (its 4 items from
    # April then had no growth), and 2.4's 10 items were forecast from 25 deliveries in 56 days, before 10 June.
    may = dt.datetime(2024, 5, 3, 12, tzinfo=dt.UTC)
    assert late(db, may, config) == {}
    assert scope_forecast(db, config, "OPS", now=may, epic="OPS-100")["counts"]["remaining"] == 4
    assert scope_forecast(db, config, "OPS", now=may, version="2.4")["when"]["dates"]["85"] < "2024-06-10"
    # Accepted, each proposal becomes a risk linked to the scope it threatens, so its page shows that forecast.
    for signal_key, link in (("forecast_deadline:version:2.4", ("fix_version", "2.4")),
                             ("forecast_deadline:epic:OPS-100", ("epic_key", "OPS-100"))):  # fmt: skip
        risk = accept_proposal(db, config, ADMIN, "OPS", signal_key, now=now)
        assert (risk["signal_key"], risk[link[0]], risk["probability"] * risk["impact"]) == (
            signal_key, link[1], found[signal_key]["probability"] * 4,
        )  # fmt: skip


def test_deadlines_in_the_workspace_file_are_checked(tmp_path: Path) -> None:
    config = deadline_config(tmp_path, '"version:2.4" = 2026-07-15\n"epic:PLAT-123" = 2026-08-01\n')
    assert config.for_team("OPS").deadlines == {"version:2.4": dt.date(2026, 7, 15),
                                                "epic:PLAT-123": dt.date(2026, 8, 1)}  # fmt: skip
    assert config.for_team("PLAT").deadlines == {}
    for bad, message in (
        ('"release:2.4" = 2026-07-15', r'teams\.OPS\.deadlines\."release:2\.4": a deadline\'s key is "version:NAME"'),
        ('"version:" = 2026-07-15', r'deadlines\."version:"'),
        ('"epic:PLAT-1" = "2026-07-15"', r'deadlines\."epic:PLAT-1" must be a date'),
        ('"epic:PLAT-1" = 2026-07-15T10:00:00Z', r'deadlines\."epic:PLAT-1" must be a date'),
    ):
        with pytest.raises(ConfigurationError, match=message):
            deadline_config(tmp_path, bad + "\n")
