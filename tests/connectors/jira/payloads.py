"""Payloads for the fake Jira: the real DRILL issues (DC, REST v2) and Cloud v3 issues shaped like Atlassian's examples.

Real files are read from ``../shared/data/jira`` relative to the project root; tests skip when they are absent.
DRILL-138's real changelog says ``total: 8`` but carries 3 histories: the 5 missing ones are reconstructed here so
the fake server can serve the complete changelog a real server would.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

DATA = Path(__file__).resolve().parents[3] / ".." / "shared" / "data" / "jira"
APACHE_STORY_POINTS = "customfield_12310293"
APACHE_SPRINT = "customfield_12310921"


def require(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"real Jira payloads absent at {path.resolve()} (the shared data folder is not mounted)")
    return path


def field_catalog(site: str) -> list[dict[str, Any]]:
    catalogs = json.loads(require(DATA / "field_metadata" / "jira_field_information.json").read_text())
    return list(catalogs[site])


def _history(ident: str, when: str, items: list[dict[str, Any]], who: str = "user08") -> dict[str, Any]:
    return {
        "id": ident,
        "author": {
            "name": who,
            "emailAddress": f"{who}@example.org",
            "displayName": f"User {who[-2:]}",
            "active": True,
        },
        "created": when,
        "items": items,
    }


def drill_issues() -> list[dict[str, Any]]:
    """DRILL-1, -38 and -138 with complete changelogs (DRILL-138's 5 missing histories reconstructed)."""
    folder = require(DATA / "drill_dc_v2")
    issues = []
    for name in ("DRILL-1", "DRILL-38", "DRILL-138"):
        issue = json.loads((folder / f"{name}.json").read_text())
        issue["fields"].setdefault(APACHE_SPRINT, None)
        issues.append(issue)
    drill_138 = issues[2]
    missing = [
        _history("9000001", "2013-07-10T09:00:00.000+0000", [_status("1", "Open", "3", "In Progress")]),
        _history(
            "9000002",
            "2013-07-11T09:00:00.000+0000",
            [
                {
                    "field": "Sprint",
                    "fieldtype": "custom",
                    "from": "",
                    "fromString": "",
                    "to": "101",
                    "toString": "DRILL 1",
                }
            ],
        ),
        _history(
            "9000003",
            "2013-07-12T09:00:00.000+0000",
            [
                {
                    "field": "Story Points",
                    "fieldtype": "custom",
                    "from": None,
                    "fromString": "3.0",
                    "to": None,
                    "toString": "5.0",
                }
            ],
        ),
        _history("9000004", "2013-08-23T00:19:04.450+0000", [_status("3", "In Progress", "5", "Resolved")]),
        _history("9000005", "2014-01-02T10:00:00.000+0000", [_status("5", "Resolved", "4", "Reopened")]),
    ]
    drill_138["changelog"]["histories"] = sorted(
        drill_138["changelog"]["histories"] + missing, key=lambda h: h["created"]
    )
    assert len(drill_138["changelog"]["histories"]) == drill_138["changelog"]["total"] == 8
    return issues


def _status(from_id: str, from_name: str, to_id: str, to_name: str, field_id: str | None = None) -> dict[str, Any]:
    item = {
        "field": "status",
        "fieldtype": "jira",
        "from": from_id,
        "fromString": from_name,
        "to": to_id,
        "toString": to_name,
    }
    if field_id:
        item["fieldId"] = field_id
    return item


# --- Cloud (REST v3) ---------------------------------------------------------------------------------------------
CLOUD_STORY_POINTS = "customfield_10026"  # "Story Points" on the IntelDAOS catalog
CLOUD_ESTIMATE = "customfield_10016"  # "Story point estimate"
CLOUD_SPRINT = "customfield_10020"
BASE = dt.datetime(2024, 3, 4, 9, tzinfo=dt.UTC)
_FLOW = ["To Do", "In Progress", "In Review", "Done"]


def _stamp(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def cloud_issue(number: int, moves: int, *, project: str = "EX", minutes: int = 0) -> dict[str, Any]:
    """A v3 issue with ``moves`` status changes plus a sprint and an estimate change: ``2 + moves`` histories."""
    created = BASE + dt.timedelta(hours=number)
    author = {"accountId": "5b10a2844c20165700ede21g", "displayName": "Mia Krystof", "active": True}
    histories = []
    for step in range(moves):
        when = created + dt.timedelta(hours=step + 1)
        frm, to = _FLOW[step % 4], _FLOW[(step + 1) % 4]
        histories.append(
            {
                "id": f"{number}{step:04d}",
                "author": author,
                "created": _stamp(when),
                "items": [_status("", frm, "", to, "status")],
            }
        )
    histories.append(
        {
            "id": f"{number}8000",
            "author": author,
            "created": _stamp(created + dt.timedelta(minutes=30)),
            "items": [
                {
                    "field": "Sprint",
                    "fieldId": CLOUD_SPRINT,
                    "fieldtype": "custom",
                    "from": "",
                    "fromString": "",
                    "to": "37",
                    "toString": "sprint 1",
                }
            ],
        }
    )
    histories.append(
        {
            "id": f"{number}8001",
            "author": author,
            "created": _stamp(created + dt.timedelta(minutes=31)),
            "items": [
                {
                    "field": "Story point estimate",
                    "fieldId": CLOUD_ESTIMATE,
                    "fieldtype": "custom",
                    "from": None,
                    "fromString": None,
                    "to": None,
                    "toString": "3",
                }
            ],
        }
    )
    updated = created + dt.timedelta(hours=moves + 1, minutes=minutes)
    return {
        "id": str(10000 + number),
        "key": f"{project}-{number}",
        "fields": {
            "summary": f"Issue {number}",
            "description": {
                "type": "doc",
                "version": 1,
                "content": [{"type": "paragraph", "content": [{"type": "text", "text": f"Body {number}"}]}],
            },
            "issuetype": {"name": "Story", "subtask": False},
            "status": {"name": _FLOW[moves % 4]},
            "priority": {"name": "Medium"},
            "assignee": author,
            "reporter": author,
            "created": _stamp(created),
            "updated": _stamp(updated),
            "labels": ["cloud"],
            "components": [],
            CLOUD_ESTIMATE if number % 2 else CLOUD_STORY_POINTS: 3,
            CLOUD_SPRINT: [
                {
                    "id": 37,
                    "name": "sprint 1",
                    "state": "closed",
                    "boardId": 84,
                    "goal": "sprint 1 goal",
                    "startDate": "2015-04-11T15:22:00.000+10:00",
                    "endDate": "2015-04-20T01:22:00.000+10:00",
                    "completeDate": "2015-04-20T11:04:00.000+10:00",
                }
            ],
        },
        "changelog": {"histories": histories},
    }


def cloud_board() -> dict[str, Any]:
    examples = require(DATA / "cloud_openapi_examples")
    configuration = json.loads((examples / "agile_v1_board_configuration_get.json").read_text())
    configuration = copy.deepcopy(configuration)
    configuration["estimation"]["field"] = {"fieldId": CLOUD_ESTIMATE, "displayName": "Story point estimate"}
    sprints = json.loads((examples / "agile_v1_board_sprint_get.json").read_text())["values"]
    return {
        "board": {"id": 84, "name": "EX board", "type": "scrum"},
        "configuration": configuration,
        "sprints": sprints,
    }
