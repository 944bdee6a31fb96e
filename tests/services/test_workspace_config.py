"""The workspace file and the workflow a team's metrics use: the file, else a synced board's columns, else the
default."""

from __future__ import annotations

from pathlib import Path

import pytest

from cadence.domain.errors import ConfigurationError
from cadence.services.workspace_config import load_workspace_config, workflow_from_board

BOARD = [
    {"name": "To Do", "statuses": ["Open", "To Do"], "category": "backlog"},
    {"name": "Doing", "statuses": ["In Progress"], "category": "in progress"},
    {"name": "Peer review", "statuses": ["Code Review"], "category": "in progress"},
    {"name": "Shipped", "statuses": ["Closed", "Resolved"], "category": "done"},
]


def test_an_absent_file_means_the_default_workflow(tmp_path: Path) -> None:
    config = load_workspace_config(tmp_path / "cadence.toml")
    team = config.for_team("ANY")
    assert team.workflow.names == ("Backlog", "Ready", "In Progress", "Review", "QA", "Done")
    assert not team.explicit


def test_a_team_workflow_overrides_the_file_default(tmp_path: Path) -> None:
    path = tmp_path / "cadence.toml"
    path.write_text(
        """
[metrics]
unplanned_types = ["Incident"]

[teams.OPS]
time_zone = "Europe/Berlin"
[[teams.OPS.workflow.stages]]
name = "Queue"
category = "backlog"
statuses = ["Open"]
[[teams.OPS.workflow.stages]]
name = "Work"
category = "active"
statuses = ["Doing"]
[[teams.OPS.workflow.stages]]
name = "Done"
category = "done"
statuses = ["Closed"]
"""
    )
    config = load_workspace_config(path)
    ops = config.for_team("OPS")
    assert ops.explicit and ops.time_zone == "Europe/Berlin"
    assert (ops.workflow.commitment, ops.workflow.delivery) == ("Work", "Done")
    assert ops.metrics.unplanned_types == ("incident",)
    assert not config.for_team("WEB").explicit  # no [workflow] at the top: other teams may use their board


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("[workflow\n", "not valid TOML"),
        ("[wrkflow]\n", "unknown key(s) ['wrkflow']"),
        ('[metrics]\nbug_types = "bug"\n', "metrics.bug_types must be a list of strings"),
        ('[[workflow.stages]]\nname = "A"\ncategory = "doing"\nstatuses = ["A"]\n', "category"),
    ],
)
def test_a_wrong_file_names_the_file_and_the_key(tmp_path: Path, text: str, fragment: str) -> None:
    path = tmp_path / "cadence.toml"
    path.write_text(text)
    with pytest.raises(ConfigurationError) as caught:
        load_workspace_config(path)
    assert str(path) in caught.value.message and fragment in caught.value.message


def test_board_columns_become_the_workflow_with_status_categories() -> None:
    found = workflow_from_board(BOARD)
    assert found is not None
    workflow, categories = found
    assert workflow.names == ("To Do", "Doing", "Peer review", "Shipped")
    assert (workflow.commitment, workflow.delivery) == ("Doing", "Shipped")
    assert categories == {
        "Open": "new",
        "To Do": "new",
        "In Progress": "indeterminate",
        "Code Review": "indeterminate",
        "Closed": "done",
        "Resolved": "done",
    }


def test_a_board_without_a_done_column_is_not_used() -> None:
    assert workflow_from_board(BOARD[:3]) is None


def test_a_synced_teams_metrics_use_its_board_unless_the_file_says_otherwise(db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt

    from cadence.services.team_metrics import team_metrics
    from cadence.store.ingest import ingest
    from cadence.store.sources import save_boards
    from cadence.store.teams import find_team
    from tests.factories import team_batch

    board = [
        {"name": "To Do", "statuses": ["Backlog"], "category": "backlog"},
        {"name": "Doing", "statuses": ["In Progress"], "category": "in progress"},
        {"name": "Peer review", "statuses": ["Review"], "category": "in progress"},
        {"name": "Shipped", "statuses": ["Done"], "category": "done"},
    ]
    with db.begin() as conn:
        ingest(conn, team_batch())
        team = find_team(conn, "OPS")
        assert team is not None
        save_boards(conn, "test", team.id, [{"source_id": "1", "name": "OPS board", "config": {"stages": board}}])
    now = dt.datetime(2024, 3, 31, 12, tzinfo=dt.UTC)
    dates = {"start": dt.date(2024, 3, 1), "end": dt.date(2024, 3, 31)}
    result = team_metrics(db, load_workspace_config(tmp_path / "absent.toml"), "OPS", now=now, **dates)
    assert [s["name"] for s in result["parameters"]["stages"]] == ["To Do", "Doing", "Peer review", "Shipped"]
    assert result["cycle_time"]["n"] == 1
    explicit = tmp_path / "cadence.toml"
    explicit.write_text(
        '[[workflow.stages]]\nname = "B"\ncategory = "backlog"\nstatuses = ["Backlog"]\n'
        '[[workflow.stages]]\nname = "W"\ncategory = "active"\nstatuses = ["In Progress", "Review"]\n'
        '[[workflow.stages]]\nname = "D"\ncategory = "done"\nstatuses = ["Done"]\n'
    )
    result = team_metrics(db, load_workspace_config(explicit), "OPS", now=now, **dates)
    assert [s["name"] for s in result["parameters"]["stages"]] == ["B", "W", "D"]
