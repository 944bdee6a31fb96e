"""File imports through the service: exact counts, idempotent re-imports, bad rows reported and skipped."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from cadence.domain.errors import InputError
from cadence.services.imports import import_event_log, import_jira_csv, import_jira_json
from cadence.store.database import Database
from cadence.store.read_models import (
    read_items,
    read_sprint_changes,
    read_ticket_events,
    read_tickets,
    read_transitions,
)

HERE = Path(__file__).parent
DATA = Path(__file__).parents[2] / ".." / "shared" / "data"
BPIC = DATA / "helpdesk" / "bpic2013_volvo_it_incidents.csv.gz"
DRILL = DATA / "jira" / "drill_dc_v2"
MAPPING = HERE.parent / "connectors" / "files" / "bpic.toml"


@pytest.mark.slow
def test_bpic_2013_event_log_imports_exactly(db: Database) -> None:
    if not BPIC.exists():
        pytest.skip(f"BPIC 2013 log absent at {BPIC}")
    report = import_event_log(db, BPIC, MAPPING, team="VOLVO")
    assert report.skipped == 0 and report.problems == []
    with db.connect() as conn:
        tickets = read_tickets(conn)
        events = read_ticket_events(conn)
    assert tickets.height == 7_554
    status = events.filter(pl.col("kind") == "status")
    assert status.height == 65_533
    levels = set(events.filter(pl.col("kind") == "level").get_column("to_value").unique().to_list())
    assert {"L1", "L2", "L3"} <= levels
    assert set(tickets.get_column("level").unique().to_list()) <= {"L1", "L2", "L3", "L2/L3"}
    again = import_event_log(db, BPIC, MAPPING, team="VOLVO")
    assert again.stored == 0 and again.skipped == 0


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_event_log_reports_bad_rows_and_keeps_the_rest(db: Database, tmp_path: Path) -> None:
    log = _write(
        tmp_path / "log.csv",
        "\ufeffid,when,state,tier\n"
        "T1,2024-03-01T09:00:00+01:00,New,L1\n"
        "T1,not a date,Open,L1\n"
        ",2024-03-01T10:00:00Z,Open,L1\n"
        "T1,2024-03-02 08:00:00,Done,L2\n",
    )
    mapping = _write(
        tmp_path / "map.toml",
        '[columns]\nticket = "id"\nat = "when"\nstatus = "state"\nlevel = "tier"\n'
        '[format]\ntimezone = "Europe/Paris"\nresolved = ["Done"]\n',
    )
    dry = import_event_log(db, log, mapping, team="HELP", dry_run=True)
    assert dry.dry_run and dry.skipped == 2 and dry.stored > 0
    with db.connect() as conn:
        assert read_tickets(conn).height == 0  # the dry run stored nothing
    report = import_event_log(db, log, mapping, team="HELP")
    assert [(p.line, p.column) for p in report.problems] == [(3, "when"), (4, "id")]
    assert report.to_dict()["skipped"] == 2
    with db.connect() as conn:
        ticket = read_tickets(conn).row(0, named=True)
        events = read_ticket_events(conn).sort("at", "kind")
    assert ticket["status"] == "Done" and ticket["level"] == "L2"
    assert ticket["created_at"].isoformat() == "2024-03-01T08:00:00+00:00"
    assert ticket["resolved_at"].isoformat() == "2024-03-02T07:00:00+00:00"  # naive time read in Europe/Paris
    assert events.get_column("kind").to_list() == ["level", "status", "level", "status"]


def test_event_log_mapping_mistakes_are_clear(db: Database, tmp_path: Path) -> None:
    log = _write(tmp_path / "log.csv", "id,when\nT1,2024-03-01T09:00:00Z\n")
    mapping = _write(tmp_path / "map.toml", '[columns]\nticket = "id"\nat = "when"\nstatus = "state"\n')
    with pytest.raises(InputError, match="state"):
        import_event_log(db, log, mapping, team="HELP")
    bad = _write(tmp_path / "bad.toml", '[columns]\nticket = "id"\nat = "when"\nstate = "x"\n')
    with pytest.raises(InputError, match="unknown key"):
        import_event_log(db, log, bad, team="HELP")


CSV_EXPORT = (
    "Summary,Issue key,Issue id,Issue Type,Status,Priority,Assignee,Assignee Id,Created,Updated,Resolved,"
    "Labels,Labels,Sprint,Sprint,Custom field (Story Points),Comment\n"
    "Export data,OPS-1,10001,Story,Done,High,Ann Lee,acc-1,12/Jan/24 3:04 PM,15/Jan/24 9:00 AM,15/Jan/24 9:00 AM,"
    'billing,export,OPS Sprint 1,OPS Sprint 2,5,"12/Jan/24 3:05 PM;acc-1;first line\nsecond line, with comma"\n'
    "Broken date,OPS-2,10002,Bug,Open,Low,,,yesterday,,,,,,,,\n"
    "Fix login,OPS-3,10003,Bug,In Progress,Low,,,13/Jan/24 10:00 AM,,,,,OPS Sprint 2,,x,\n"
    "Plain task,OPS-4,10004,Task,Open,,,,14/Jan/24 11:30 AM,,,,,,,,\n"
)


def test_jira_csv_keeps_repeated_headers_and_skips_bad_rows(db: Database, tmp_path: Path) -> None:
    path = _write(tmp_path / "jira.csv", CSV_EXPORT)
    report = import_jira_csv(db, path, team="OPS", timezone="Europe/Paris")
    assert report.skipped == 2
    assert [(p.line, p.column) for p in report.problems] == [(4, "Created"), (5, "Custom field (Story Points)")]
    with db.connect() as conn:
        items = read_items(conn).sort("key")
        sprints = read_sprint_changes(conn)
    first = items.row(0, named=True)
    assert items.get_column("key").to_list() == ["OPS-1", "OPS-4"]
    assert first["labels"] == ["billing", "export"] and first["estimate"] == 5.0
    assert first["created_at"].isoformat() == "2024-01-12T14:04:00+00:00"
    assert sprints.height == 2  # both repeated Sprint cells, not only the last
    again = import_jira_csv(db, path, team="OPS", timezone="Europe/Paris")
    assert again.stored == 0


def test_jira_csv_without_jira_columns_is_refused(db: Database, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="Issue key"):
        import_jira_csv(db, _write(tmp_path / "x.csv", "a,b\n1,2\n"), team="OPS")


@pytest.mark.parametrize("shape", ["v2", "v3", "list"])
def test_jira_json_shapes_import_the_drill_issues(db: Database, tmp_path: Path, shape: str) -> None:
    if not DRILL.exists():
        pytest.skip(f"DRILL issues absent at {DRILL}")
    issues = [json.loads((DRILL / f"DRILL-{n}.json").read_text()) for n in (1, 38, 138)]
    document: object = {
        "v2": {"startAt": 0, "maxResults": 50, "total": 3, "issues": issues},
        "v3": {"issues": issues, "isLast": True},
        "list": issues,
    }[shape]
    path = _write(tmp_path / "search.json", json.dumps(document))
    report = import_jira_json(db, path, team="DRILL")
    assert [(p.line, p.column) for p in report.problems] == [(3, "changelog")]
    assert "3 of 8" in report.problems[0].problem
    with db.connect() as conn:
        items = read_items(conn)
        transitions = read_transitions(conn)
    assert sorted(items.get_column("key").to_list()) == ["DRILL-1", "DRILL-138", "DRILL-38"]
    assert transitions.height == 4  # Open->Resolved, Open->In Progress->Closed, Reopened->Resolved
    assert import_jira_json(db, path, team="DRILL").stored == 0


def test_jira_json_refuses_what_is_not_json(db: Database, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="line 1"):
        import_jira_json(db, _write(tmp_path / "x.json", "{nope"), team="OPS")


def test_jira_json_v3_issues_with_a_names_map(db: Database, tmp_path: Path) -> None:
    from tests.connectors.jira.payloads import CLOUD_ESTIMATE, CLOUD_SPRINT, CLOUD_STORY_POINTS, cloud_issue

    issues = [cloud_issue(n, moves=3) for n in (1, 2)]
    for issue in issues:
        histories = issue["changelog"]["histories"]
        issue["changelog"] = {"startAt": 0, "maxResults": 100, "total": len(histories), "histories": histories}
    names = {CLOUD_ESTIMATE: "Story point estimate", CLOUD_STORY_POINTS: "Story Points", CLOUD_SPRINT: "Sprint"}
    path = _write(tmp_path / "v3.json", json.dumps({"issues": issues, "names": names, "isLast": True}))
    report = import_jira_json(db, path, team="EX")
    assert report.problems == [] and report.skipped == 0
    with db.connect() as conn:
        items = read_items(conn)
        assert items.get_column("estimate").to_list() == [3.0, 3.0]  # one issue per story-point field
        assert read_transitions(conn).height == 6
        assert read_sprint_changes(conn).height == 2
