"""Single Jira values read the same in v2 and v3: instants, sprints (object or Data Center string), rich text."""

from __future__ import annotations

import datetime as dt

import pytest

from cadence.connectors.jira.issues import changelog_is_truncated, issue_type
from cadence.connectors.jira.search import build_jql
from cadence.connectors.jira.values import adf_text, parse_sprint, parse_time, person_id

DC_SPRINT = (
    "com.atlassian.greenhopper.service.sprint.Sprint@1b3f[id=12,rapidViewId=3,state=CLOSED,name=Sprint 4, the big one,"
    "startDate=2024-03-04T09:00:00.000+01:00,endDate=2024-03-15T17:00:00.000+01:00,"
    "completeDate=2024-03-15T17:30:00.000+01:00,sequence=12,goal=<null>]"
)


def test_jira_instants_become_aware_utc() -> None:
    assert parse_time("2013-07-03T00:16:13.737+0000") == dt.datetime(2013, 7, 3, 0, 16, 13, 737000, tzinfo=dt.UTC)
    assert parse_time("2015-04-11T15:22:00.000+10:00") == dt.datetime(2015, 4, 11, 5, 22, tzinfo=dt.UTC)
    assert parse_time(None) is None
    with pytest.raises(ValueError, match="no UTC offset"):
        parse_time("2024-03-04T09:00:00")


def test_sprints_from_data_center_strings_and_cloud_objects() -> None:
    sprint = parse_sprint(DC_SPRINT)
    assert sprint is not None
    assert (sprint["source_id"], sprint["name"], sprint["state"], sprint["board"]) == (
        "12",
        "Sprint 4, the big one",
        "closed",
        "3",
    )
    assert sprint["start_at"] == dt.datetime(2024, 3, 4, 8, tzinfo=dt.UTC) and sprint["goal"] is None
    cloud = parse_sprint({"id": 37, "name": "sprint 1", "state": "active", "boardId": 84, "goal": "ship"})
    assert cloud is not None and (cloud["source_id"], cloud["board"], cloud["goal"]) == ("37", "84", "ship")
    assert parse_sprint("garbage") is None


def test_people_rich_text_types_and_truncation() -> None:
    assert person_id({"accountId": "5b10", "name": "x"}) == "5b10"
    assert person_id({"key": "JIRAUSER1", "name": "ann"}) == "JIRAUSER1"
    doc = {"type": "doc", "content": [{"type": "paragraph", "content": [{"type": "text", "text": "Hello"}]}]}
    assert adf_text(doc) == "Hello"
    assert issue_type({"issuetype": {"name": "New Feature"}}) == "story"
    assert issue_type({"issuetype": {"name": "Sub-task", "subtask": True}}) == "sub-task"
    assert issue_type({"issuetype": {"name": "Spike"}}) == "spike"
    assert changelog_is_truncated({"changelog": {"total": 8, "histories": [{}, {}, {}]}})
    assert not changelog_is_truncated({"changelog": {"total": 1, "histories": [{}]}})


def test_jql_is_bounded_ordered_and_in_the_account_zone() -> None:
    since = dt.datetime(2024, 3, 4, 23, 30, tzinfo=dt.UTC)
    jql = build_jql(["OPS", "HELP"], since, zone="Europe/Paris")
    assert jql == 'project in ("OPS", "HELP") AND updated >= "2024-03-05 00:30" ORDER BY updated ASC, key ASC'
    assert build_jql([], None).startswith('updated >= "1970-01-02 00:00"')
