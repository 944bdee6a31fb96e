"""The CLI's stable contracts, run in-process through Typer's runner on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest


@pytest.fixture
def seeded(cli, database_url: str) -> str:
    assert cli(database_url, "db", "upgrade").exit_code == 0
    result = cli(database_url, "seed", "--demo", "--scale", "0.1", "--seed", "11", "--until", "2026-06-30")
    assert result.exit_code == 0, result.output
    return database_url


def test_status_json_is_the_documented_contract(cli, seeded: str) -> None:
    result = cli(seeded, "status", "--format", "json")
    assert result.exit_code == 0
    payload = json.loads(result.stdout)
    assert set(payload) == {"teams", "counts", "history"}
    assert set(payload["counts"]) == {"teams", "people", "items", "transitions", "sprints", "tickets", "ticket_events"}
    assert payload["counts"]["teams"] == len(payload["teams"]) >= 2
    assert all(set(team) == {"key", "name"} for team in payload["teams"])
    assert payload["counts"]["items"] > 0 and payload["counts"]["transitions"] > payload["counts"]["items"]
    assert payload["history"]["to"] <= "2026-06-30" < "2026-07-01"
    assert payload["history"]["from"] < payload["history"]["to"]


def test_seed_is_idempotent_through_the_cli(cli, seeded: str) -> None:
    first = json.loads(cli(seeded, "status", "--format", "json").stdout)
    again = cli(seeded, "seed", "--demo", "--scale", "0.1", "--seed", "11", "--until", "2026-06-30")
    assert again.exit_code == 0
    assert "0 rows stored" in again.output
    assert json.loads(cli(seeded, "status", "--format", "json").stdout) == first


def test_seed_prints_the_demo_logins(cli, seeded: str) -> None:
    result = cli(seeded, "seed", "--demo", "--if-absent")
    assert result.exit_code == 0
    assert "seeding skipped" in result.output
    assert "Demo logins" in result.output
    assert "pm" in result.output


def test_status_table_names_the_teams(cli, seeded: str) -> None:
    result = cli(seeded, "status")
    assert result.exit_code == 0
    teams = json.loads(cli(seeded, "status", "--format", "json").stdout)["teams"]
    for team in teams:
        assert team["key"] in result.output


def test_status_on_an_empty_migrated_database(cli, sqlite_url: str) -> None:
    assert cli(sqlite_url, "db", "upgrade").exit_code == 0
    payload = json.loads(cli(sqlite_url, "status", "--format", "json").stdout)
    assert payload["teams"] == []
    assert payload["history"] == {"from": None, "to": None}
    assert set(payload["counts"].values()) == {0}


def test_a_bad_until_date_is_an_input_error(cli, sqlite_url: str) -> None:
    cli(sqlite_url, "db", "upgrade")
    result = cli(sqlite_url, "seed", "--demo", "--until", "30/06/2026")
    assert result.exit_code == 6
    assert "YYYY-MM-DD" in result.output


def test_the_demo_gets_its_deadlines_in_a_new_workspace_file_never_over_an_existing_one(
    cli, sqlite_url: str, tmp_path, monkeypatch
) -> None:
    workspace = tmp_path / "workspace.toml"
    monkeypatch.setenv("CADENCE_WORKSPACE_FILE", str(workspace))
    assert cli(sqlite_url, "db", "upgrade").exit_code == 0
    result = cli(sqlite_url, "seed", "--demo", "--scale", "0.1", "--seed", "11", "--until", "2026-06-30")
    assert result.exit_code == 0, result.output
    text = workspace.read_text(encoding="utf-8")
    assert "[teams.PLAT.deadlines]" in text and '"epic:' in text
    assert "2026-07-10" in text  # the promised epic: ten days after the last day (docs/demo.md)
    from cadence.services.workspace_config import load_workspace_config

    assert load_workspace_config(workspace).for_team("PLAT").deadlines  # the file loads, deadlines and all
    workspace.write_text("# mine\n", encoding="utf-8")
    other = tmp_path / "other.db"
    assert cli(f"sqlite:///{other}", "db", "upgrade").exit_code == 0
    again = cli(f"sqlite:///{other}", "seed", "--demo", "--scale", "0.1", "--seed", "11", "--until", "2026-06-30")
    assert again.exit_code == 0 and "deadlines were not added" in again.output
    assert workspace.read_text(encoding="utf-8") == "# mine\n"
