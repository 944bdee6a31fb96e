"""The dataset readers on small hand-written files: layouts, unquoted commas, and errors that name the problem."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from cadence.connectors.datasets import (
    list_deep_se_projects,
    read_completion_dates,
    read_deep_se_project,
    read_sprint_iterations,
    read_tawos_issues,
)
from cadence.domain.errors import InputError

HEADER = (
    "boardid,sprintid,name,vel_diff,planday,no_issue_starttime,vel_starttime,no_issue_added,vel_added,"
    "no_issue_removed,vel_removed,no_issuetodo,vel_todo,no_issueinprogress,vel_inprogress,no_issuedone,vel_done,"
    "no_admin,no_teammember"
)


def test_completion_dates_are_sorted_and_bad_lines_named(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("2024-01-03\n2024-01-01\n\n2024-01-03\n")
    assert read_completion_dates(path).to_list() == [dt.date(2024, 1, 1), dt.date(2024, 1, 3), dt.date(2024, 1, 3)]
    path.write_text("2024-01-03\n03/01/2024\n")
    with pytest.raises(InputError, match="line 2"):
        read_completion_dates(path)


def test_sprint_names_with_commas(tmp_path: Path) -> None:
    path = tmp_path / "x_iteration_0.csv"
    numbers = ",".join(["1"] * 16)
    path.write_text(f"{HEADER}\n7,9,Rel 1, 2,{numbers}\n7,10,Plain,{numbers}\n")
    frame = read_sprint_iterations(path)
    assert frame["name"].to_list() == ["Rel 1, 2", "Plain"]
    assert frame["no_teammember"].to_list() == [1.0, 1.0]
    path.write_text(f"{HEADER}\n7,9,short,1,2\n")
    with pytest.raises(InputError, match="fewer than 19"):
        read_sprint_iterations(path)


def test_deep_se_layout_and_split_mismatch(tmp_path: Path) -> None:
    (tmp_path / "splits").mkdir()
    (tmp_path / "p.csv").write_text('issuekey,title,description,storypoint\nP-1,"a, b","multi\nline",3\nP-2,c,,5\n')
    (tmp_path / "splits" / "p_3sets.txt").write_text("train\tvalid\ttest\n1\t0\t0\n0\t0\t1\n")
    assert list_deep_se_projects(tmp_path) == ["p"]
    issues = read_deep_se_project(tmp_path, "p").issues
    assert issues["split"].to_list() == ["train", "test"]
    assert issues["title"].to_list() == ["a, b", "c"] and issues["description"].to_list() == ["multi\nline", ""]
    (tmp_path / "splits" / "p_3sets.txt").write_text("train\tvalid\ttest\n1\t0\t0\n")
    with pytest.raises(InputError, match="one row per issue"):
        read_deep_se_project(tmp_path, "p")


def test_tawos_nulls(tmp_path: Path) -> None:
    path = tmp_path / "X.csv"
    path.write_text(
        "ID,Issue_Key,Type,Status,Resolution,Creation_Date,Resolution_Date,Story_Point,Timespent,"
        "In_Progress_Minutes,Total_Effort_Minutes,Resolution_Time_Minutes\n"
        '1,X-1,Bug,Closed,Fixed,"2020-01-01 00:00:00","2020-01-02 00:00:00",3,NULL,NULL,5,60\n'
    )
    frame = read_tawos_issues(path)
    assert frame.row(0) == ("X-1", "Bug", "Closed", "Fixed", 3.0, None, 5.0, 60.0)
