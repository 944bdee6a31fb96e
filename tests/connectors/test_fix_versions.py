"""Jira's "Fix Version/s" from every connector that produces items, through the store and back."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

from cadence.connectors.demo.generator import generate_demo
from cadence.connectors.files.jira_csv import read_jira_csv
from cadence.connectors.jira.fields import FieldMap
from cadence.connectors.jira.issues import IssueConverter
from cadence.domain.batch import RecordBatch
from cadence.store.database import Database
from cadence.store.ingest import ingest
from cadence.store.read_models import read_items
from tests.factories import team_batch


def test_the_search_asks_for_fix_versions_and_the_converter_reads_their_names() -> None:
    assert "fixVersions" in FieldMap().requested  # Cloud returns only the fields a search names
    converter = IssueConverter(source="jira", team="OPS", fields=FieldMap())
    fields = {
        "summary": "Ship it",
        "issuetype": {"name": "Story"},
        "status": {"name": "Open"},
        "created": "2026-03-02T10:00:00.000+0100",
        "fixVersions": [{"id": "1", "name": "2026.3"}, {"id": "2", "name": "2026.4", "released": False}, {"id": "3"}],
    }
    converter.add({"id": "10", "key": "OPS-10", "fields": fields}, [])
    converter.add({"id": "11", "key": "OPS-11", "fields": {**fields, "fixVersions": None}}, [])
    items = converter.batch().items
    assert items is not None
    assert items["fix_versions"].to_list() == [["2026.3", "2026.4"], []]


def test_jira_csv_keeps_repeated_fix_version_columns_by_position(tmp_path: Path) -> None:
    path = tmp_path / "jira.csv"
    path.write_text(
        "Summary,Issue key,Issue id,Issue Type,Status,Created,Fix Version/s,Fix Version/s,Labels\n"
        "One,OPS-1,1,Story,Open,12/Jan/24 3:04 PM,2026.3,2026.4,ux\n"
        "Two,OPS-2,2,Bug,Open,12/Jan/24 3:04 PM,,2026.5,\n"
        "Three,OPS-3,3,Task,Open,12/Jan/24 3:04 PM,,,\n",
        encoding="utf-8",
    )
    read = read_jira_csv(path, source="csv", team="OPS", date_format="%d/%b/%y %I:%M %p", timezone="UTC")
    assert read.batch.items is not None
    assert read.batch.items["fix_versions"].to_list() == [["2026.3", "2026.4"], ["2026.5"], []]


def test_fix_versions_round_trip_and_a_changed_version_updates_the_item(db: Database) -> None:
    batch = team_batch()
    assert batch.items is not None
    versions = batch.items.with_columns(fix_versions=pl.Series([["2026.3", "2026.4"], []]))
    with db.begin() as conn:
        ingest(conn, RecordBatch(source=batch.source, teams=batch.teams, items=versions))
    with db.connect() as conn:  # file and server reads see committed data only
        stored = read_items(conn).sort("key")
    assert stored["fix_versions"].to_list() == [["2026.3", "2026.4"], []]
    moved = versions.with_columns(fix_versions=pl.Series([["2026.5"], []]))
    with db.begin() as conn:
        report = ingest(conn, RecordBatch(source=batch.source, teams=batch.teams, items=moved))
    with db.connect() as conn:
        again = read_items(conn).sort("key")
    assert report.updated["items"] == 1 and report.unchanged["items"] == 1  # the digest covers the versions
    assert again["fix_versions"].to_list() == [["2026.5"], []]


def test_items_without_versions_read_as_none(db: Database) -> None:
    batch = team_batch()  # its items carry no fix_versions column at all: stored as NULL
    with db.begin() as conn:
        ingest(conn, batch)
    with db.connect() as conn:
        stored = read_items(conn)
    assert stored["fix_versions"].to_list() == [[], []]


def test_demo_plans_feature_work_into_monthly_releases_and_epics() -> None:
    demo = generate_demo(seed=7, scale=0.3, until=dt.date(2026, 6, 30))
    again = generate_demo(seed=7, scale=0.3, until=dt.date(2026, 6, 30))
    assert demo.items.select("epic_key", "fix_versions").equals(again.items.select("epic_key", "fix_versions"))
    versioned = demo.items.filter(pl.col("fix_versions").list.len() > 0)
    assert versioned.height > 100
    versions = versioned.explode("fix_versions")["fix_versions"]
    assert versions.str.contains(r"^20\d\d\.(1[0-2]|[1-9])$").all()
    # a release is planned six weeks ahead: the version's month is the creation month plus one or two
    created = versioned["created_at"] + dt.timedelta(days=42)
    expected = created.dt.year().cast(pl.String) + "." + created.dt.month().cast(pl.String)
    assert (versions == expected).all()
    assert versioned["type"].is_in(["story", "task", "bug"]).all()
    in_epics = demo.items.filter(pl.col("epic_key").is_not_null())
    assert in_epics["epic_key"].str.contains(r"^ROAD-\d+$").all()
    assert in_epics["type"].is_in(["story", "task"]).all()
    assert in_epics["fix_versions"].list.len().min() == 1  # epic work is planned work
    open_epics = in_epics.filter(pl.col("status") != "Done")["epic_key"].n_unique()
    assert open_epics >= 3  # the forecast page has epics to pick
