"""Every failure the CLI reports is one sentence and a documented exit code, never a traceback."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from sqlalchemy import text

from cadence.store.database import Database
from cadence.store.migrations import schema_state


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _one_sentence(result: object) -> str:
    output = result.output  # type: ignore[attr-defined]
    assert "Traceback" not in output
    assert output.startswith("error: ")
    return output


def test_a_malformed_url_exits_3(cli) -> None:
    result = cli("nonsense", "status")
    assert result.exit_code == 3
    assert "is not a database URL" in _one_sentence(result)


def test_an_unreachable_database_exits_4(cli) -> None:
    result = cli(f"postgresql+psycopg://cadence:hunter2@127.0.0.1:{_closed_port()}/cadence", "status")
    assert result.exit_code == 4
    output = _one_sentence(result)
    assert "cannot reach the database" in output
    assert "hunter2" not in output


def test_an_unmigrated_database_exits_5_and_says_what_to_run(cli, sqlite_url: str) -> None:
    result = cli(sqlite_url, "status")
    assert result.exit_code == 5
    assert "cadence db upgrade" in _one_sentence(result)


def test_a_newer_schema_exits_5_and_is_left_alone(cli, sqlite_url: str) -> None:
    assert cli(sqlite_url, "db", "upgrade").exit_code == 0
    db = Database(sqlite_url)
    with db.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'abcdef999'"))
    for args in (["status"], ["db", "upgrade"], ["seed", "--demo", "--scale", "0.02"]):
        result = cli(sqlite_url, *args)
        assert result.exit_code == 5, args
        assert "newer than this Cadence" in _one_sentence(result)
    with db.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "abcdef999"
        assert conn.execute(text("SELECT count(*) FROM work_items")).scalar() == 0


def test_an_invalid_setting_exits_3(cli, sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CADENCE_PORT", "99999999")
    result = cli(sqlite_url, "status")
    assert result.exit_code == 3
    assert "CADENCE_PORT" in _one_sentence(result)


def test_seed_without_demo_is_an_input_error(cli, sqlite_url: str) -> None:
    result = cli(sqlite_url, "seed")
    assert result.exit_code == 6
    assert "--demo" in _one_sentence(result)


def test_db_commands_report_the_revision(cli, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/x.db"
    up = cli(url, "db", "upgrade")
    assert up.exit_code == 0 and f"at schema revision {schema_state(Database(url)).head}" in up.output
    assert "up to date" in cli(url, "db", "current").output
    down = cli(url, "db", "downgrade", "base")
    assert down.exit_code == 0 and "revision base" in down.output
    assert "needs upgrade" in cli(url, "db", "current").output
