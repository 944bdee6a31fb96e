"""Story-point, sprint and flag field discovery on the 14 real field catalogs, and board stages."""

from __future__ import annotations

import json

import pytest

from cadence.connectors.jira.agile import board_stages
from cadence.connectors.jira.fields import discover_fields
from tests.connectors.jira.payloads import DATA, require

EXPECTED = {
    # site: (story-point fields in preference order, sprint field)
    "Apache": (("customfield_12310293",), "customfield_12310921"),
    "Hyperledger": (("customfield_10002",), "customfield_10004"),
    "IntelDAOS": (("customfield_10016", "customfield_10026"), "customfield_10020"),
    "JFrog": (("customfield_14600",), "customfield_10805"),
    "Jira": (("customfield_10571", "customfield_10623", "customfield_10653"), "customfield_11930"),
    "JiraEcosystem": (("customfield_19406", "customfield_10133"), "customfield_10880"),
    "Mojang": ((), "customfield_11601"),
    "MongoDB": (("customfield_10555",), "customfield_10557"),
    "Qt": (("customfield_10183",), "customfield_10302"),
    "RedHat": (("customfield_12310243",), "customfield_12310940"),
    "Sakai": (("customfield_10016", "customfield_10026"), "customfield_10020"),
    "SecondLife": (("customfield_10163",), "customfield_10671"),
    "Sonatype": (("customfield_10132",), "customfield_11001"),
    "Spring": (("customfield_10142",), "customfield_10480"),
}


@pytest.fixture(scope="module")
def catalogs() -> dict[str, list[dict[str, object]]]:
    return dict(json.loads(require(DATA / "field_metadata" / "jira_field_information.json").read_text()))


def test_all_fourteen_catalogs_are_covered(catalogs: dict[str, object]) -> None:
    assert sorted(catalogs) == sorted(EXPECTED)


@pytest.mark.parametrize("site", sorted(EXPECTED))
def test_story_points_and_sprint_are_discovered(catalogs: dict[str, list[dict[str, object]]], site: str) -> None:
    found = discover_fields(catalogs[site])
    points, sprint = EXPECTED[site]
    assert found.story_points == points
    assert found.sprint == sprint
    assert not any("original" in n.lower() or "actual" in n.lower() for n in found.story_point_names)


def test_the_board_estimation_field_wins(catalogs: dict[str, list[dict[str, object]]]) -> None:
    found = discover_fields(catalogs["Sakai"], board_estimation="customfield_10026")
    assert found.story_points == ("customfield_10026", "customfield_10016")
    assert found.story_point_names[0] == "Story Points"
    assert (
        discover_fields(catalogs["Sakai"], board_estimation="timeoriginalestimate").story_points[0]
        == "customfield_10016"
    )


def test_board_columns_become_stages() -> None:
    configuration = json.loads(
        require(DATA / "cloud_openapi_examples" / "agile_v1_board_configuration_get.json").read_text()
    )
    statuses = {
        "1": {"name": "Open", "statusCategory": {"key": "new"}},
        "3": {"name": "In Progress", "statusCategory": {"key": "indeterminate"}},
        "4": {"name": "Reopened", "statusCategory": {"key": "new"}},
        "5": {"name": "Resolved", "statusCategory": {"key": "done"}},
    }
    assert board_stages(configuration, statuses) == [
        {"name": "To Do", "statuses": ["Open", "Reopened"], "category": "backlog"},
        {"name": "In progress", "statuses": ["In Progress"], "category": "in progress"},
        {"name": "Done", "statuses": ["Resolved"], "category": "done"},
    ]
