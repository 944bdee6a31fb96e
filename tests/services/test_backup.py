"""Backup and restore: a seeded demo archived on SQLite comes back identical on SQLite and PostgreSQL, the keys
stay out of the archive, every refusal says why, and credentials the install cannot decrypt are marked lost."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import sqlite3
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from cadence import __version__
from cadence.domain.errors import ConfigurationError, Conflict, InputError, SchemaMismatch
from cadence.services.access import Actor, actor_for_user
from cadence.services.backup import create_backup, read_manifest, restore_backup
from cadence.services.credentials import decrypt_secret
from cadence.services.notifications import add_channel
from cadence.services.seeding import seed_demo
from cadence.services.sources import connect_jira, describe_sources, load_source, open_source
from cadence.services.support_desk import create_ticket, triage_ticket
from cadence.services.sync import sync_source
from cadence.services.workspace_config import WorkspaceConfig
from cadence.store import schema as S
from cadence.store.accounts import find_user
from cadence.store.audit import read_audit
from cadence.store.database import Database
from cadence.store.migrations import schema_state, upgrade

KEY = Fernet.generate_key().decode()
NOW = dt.datetime(2026, 7, 1, 9, tzinfo=dt.UTC)
TOML = b'[teams.SUP]\ntime_zone = "Europe/Paris"\n'
TICKET = {"title": "Export fails", "requester": "ann@customer.example", "channel": "email", "impact": "high",
          "urgency": "medium"}  # fmt: skip


def _actor(db: Database, username: str) -> Actor:
    with db.connect() as conn:
        user = find_user(conn, username)
    assert user is not None
    return actor_for_user(db, user)


def build_world(db: Database) -> None:
    """The demo at a small scale, plus what the demo lacks: a Jira source (an encrypted credential), a channel
    (an encrypted target) and a ticket that duplicates a later one (a self-reference to a higher id)."""
    seed_demo(db, seed=3, scale=0.05, until=dt.date(2026, 6, 30))
    connect_jira(db, key=KEY, name="jira", url="https://jira.example.com", token="good-token", team="SUP",
                 projects=["SUP"])  # fmt: skip
    agent, pm = _actor(db, "agent"), _actor(db, "pm")
    first = create_ticket(db, agent, "SUP", TICKET, now=NOW)
    later = create_ticket(db, agent, "SUP", {**TICKET, "title": "Export fails again"}, now=NOW)
    triage_ticket(db, WorkspaceConfig(), agent, "SUP", first.key, action="duplicate", duplicate_of=later.key, now=NOW)
    add_channel(db, pm, "SUP", encryption_key=KEY, name="alerts", kind="webhook",
                target={"url": "https://hooks.example.org/cadence"}, now=NOW)  # fmt: skip


def table_rows(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows in primary-key order, as SQLAlchemy reads them (aware datetimes, parsed JSON)."""
    with db.connect() as conn:
        return {
            table.name: [tuple(row) for row in conn.execute(select(table).order_by(*table.primary_key.columns))]
            for table in S.Base.metadata.sorted_tables
        }


@pytest.fixture(scope="module")
def origin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Database, Path, Path]]:
    """A seeded SQLite database, its workspace file and its archive (built once: the tests only read them)."""
    folder = tmp_path_factory.mktemp("origin")
    db = Database(f"sqlite:///{folder}/origin.db")
    upgrade(db)
    build_world(db)
    (folder / "cadence.toml").write_bytes(TOML)
    archive = folder / "backup.zip"
    create_backup(db, out=archive, workspace_file=folder / "cadence.toml", now=NOW)
    yield db, archive, folder / "cadence.toml"
    db.dispose()


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database at migration head without data (migrating costs more than copying)."""
    path = tmp_path_factory.mktemp("template") / "empty.db"
    db = Database(f"sqlite:///{path}")
    upgrade(db)
    db.dispose()
    return path


@pytest.fixture
def fresh(template: Path, tmp_path: Path) -> str:
    """The URL of a fresh install's database: migrated, empty."""
    shutil.copy(template, tmp_path / "target.db")
    return f"sqlite:///{tmp_path}/target.db"


def _empty(db: Database) -> bool:
    return all(rows == [] for rows in table_rows(db).values())


@pytest.fixture(scope="module")
def expected(origin: tuple[Database, Path, Path]) -> dict[str, list[tuple[Any, ...]]]:
    return table_rows(origin[0])


def _restore(url: str, archive: Path, **options: Any) -> tuple[Database, Any]:
    db = Database(url)
    options.setdefault("key", KEY)
    options.setdefault("workspace_file", None)
    return db, restore_backup(db, archive, now=NOW, **options)


def _rewrite(archive: Path, out: Path, change: Any) -> Path:
    """A copy of ``archive`` with ``change(members)`` applied to its ``{name: bytes}``."""
    with zipfile.ZipFile(archive) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    change(members)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return out


def _edit_manifest(**fields: Any) -> Any:
    def change(members: dict[str, bytes]) -> None:
        manifest = json.loads(members["manifest.json"])
        manifest.update(fields)
        members["manifest.json"] = json.dumps(manifest).encode()

    return change


def test_the_manifest_describes_the_archive(origin: tuple[Database, Path, Path]) -> None:
    db, archive, _ = origin
    manifest = read_manifest(archive)
    assert manifest["cadence_version"] == __version__
    assert manifest["migration_head"] == schema_state(db).head
    assert manifest["database"] == {"kind": "sqlite", "server_version": sqlite3.sqlite_version}
    assert manifest["created_at"] == "2026-07-01T09:00:00+00:00"
    counts = {name: len(rows) for name, rows in table_rows(db).items()}
    assert manifest["row_counts"] == counts
    assert counts["transitions"] > 500 and counts["sources"] == 1 and counts["notification_channels"] == 1
    with zipfile.ZipFile(archive) as zf:
        names = set(zf.namelist())
        assert names == {"manifest.json", "config/cadence.toml"} | {f"tables/{name}.jsonl" for name in counts}
        for member, described in manifest["members"].items():
            data = zf.read(member)
            assert (hashlib.sha256(data).hexdigest(), len(data)) == (described["sha256"], described["bytes"])
        assert zf.read("config/cadence.toml") == TOML
        assert len(zf.read("tables/transitions.jsonl").splitlines()) == counts["transitions"]
    assert archive.stat().st_mode & 0o077 == 0  # password hashes are inside: owner-only


def test_neither_key_is_in_the_archive(origin: tuple[Database, Path, Path]) -> None:
    _, archive, _ = origin
    raw = archive.read_bytes()
    assert KEY.encode() not in raw
    with zipfile.ZipFile(archive) as zf:
        for name in zf.namelist():
            data = zf.read(name)
            assert KEY.encode() not in data, name
            assert b"good-token" not in data, name  # the token travels encrypted only
    manifest = read_manifest(archive)
    assert set(manifest["not_included"]) == {"CADENCE_ENCRYPTION_KEY", "CADENCE_SECRET_KEY"}


def test_a_restore_onto_a_fresh_sqlite_gives_identical_rows(
    origin: tuple[Database, Path, Path], expected: dict[str, list[tuple[Any, ...]]], tmp_path: Path
) -> None:
    db, report = _restore(f"sqlite:///{tmp_path}/restored.db", origin[1], workspace_file=tmp_path / "cadence.toml")
    assert report.rows == sum(len(rows) for rows in expected.values())
    assert report.credentials_lost == [] and report.channels_unreadable == [] and not report.wiped
    assert (tmp_path / "cadence.toml").read_bytes() == TOML
    restored = table_rows(db)
    restore_entry = restored["audit_log"].pop()  # the restore itself is audited
    assert restored == expected
    with db.connect() as conn:
        entry = read_audit(conn, limit=1)[0]
    assert (entry["action"], entry["entity"], entry["actor_label"]) == ("restore", "database", "user:cadence")
    assert restore_entry[0] == entry["id"] == expected["audit_log"][-1][0] + 1
    db.dispose()


@pytest.mark.postgres
def test_a_restore_onto_a_fresh_postgresql_gives_identical_rows_and_moves_on_from_them(
    origin: tuple[Database, Path, Path], expected: dict[str, list[tuple[Any, ...]]], postgres_url: str
) -> None:
    db, _ = _restore(postgres_url, origin[1])
    restored = table_rows(db)
    restored["audit_log"].pop()
    assert restored == expected
    # the sequences moved past the restored ids: a new ticket gets the next id, not a collision
    ticket = create_ticket(db, _actor(db, "agent"), "SUP", TICKET, now=NOW)
    assert ticket.id == max(row[0] for row in expected["support_tickets"]) + 1
    db.dispose()


@pytest.mark.postgres
def test_a_postgresql_backup_restores_onto_sqlite(
    origin: tuple[Database, Path, Path], expected: dict[str, list[tuple[Any, ...]]], postgres_url: str,
    tmp_path: Path,
) -> None:  # fmt: skip
    pg, _ = _restore(postgres_url, origin[1])
    archive = tmp_path / "from-postgres.zip"
    made = create_backup(pg, out=archive, workspace_file=None, now=NOW)
    assert made.manifest["database"]["kind"] == "postgresql"
    db, _ = _restore(f"sqlite:///{tmp_path}/back.db", archive)
    restored = table_rows(db)
    assert restored.pop("audit_log")[:-2] == expected["audit_log"]  # plus two restores
    assert restored == {name: rows for name, rows in expected.items() if name != "audit_log"}
    pg.dispose()
    db.dispose()


def test_a_database_holding_data_is_refused_unless_forced(
    origin: tuple[Database, Path, Path], expected: dict[str, list[tuple[Any, ...]]], fresh: str
) -> None:
    db, _ = _restore(fresh, origin[1])
    with pytest.raises(Conflict, match=r"is not empty \(people \(18\), workspaces \(1\), teams \(2\), .*pass --force"):
        restore_backup(db, origin[1], key=KEY, workspace_file=None, now=NOW)
    report = restore_backup(db, origin[1], key=KEY, workspace_file=None, force=True, now=NOW)
    assert report.wiped
    restored = table_rows(db)
    restored["audit_log"].pop()
    assert restored == expected
    db.dispose()


def test_a_different_workspace_file_is_kept_unless_forced(
    origin: tuple[Database, Path, Path], tmp_path: Path, fresh: str
) -> None:
    mine = tmp_path / "cadence.toml"
    mine.write_text("# mine\n")
    db = Database(fresh)
    with pytest.raises(Conflict, match=r"cadence\.toml differs from the one in the backup"):
        restore_backup(db, origin[1], key=KEY, workspace_file=mine, now=NOW)
    assert _empty(db)  # refused before anything was written
    report = restore_backup(db, origin[1], key=KEY, workspace_file=mine, force=True, now=NOW)
    assert report.workspace_file == mine and mine.read_bytes() == TOML
    db.dispose()


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        (_edit_manifest(cadence_version="0.0.1"), Conflict,
         f"made by Cadence 0.0.1 and this is Cadence {__version__}: restore it with Cadence 0.0.1"),
        (_edit_manifest(migration_head="0007_older"), SchemaMismatch,
         "this backup is at schema revision 0007_older and this Cadence's migration head is"),
        (lambda m: m.update({"tables/transitions.jsonl": m["tables/transitions.jsonl"].replace(b"Done", b"Dane", 1)}),
         InputError, "the checksum of tables/transitions.jsonl in .* does not match its manifest"),
        (lambda m: m.pop("manifest.json"), InputError, "is not a Cadence backup: it has no manifest.json"),
        (lambda m: m.pop("tables/teams.jsonl"), InputError, "lacks tables/teams.jsonl, which its manifest lists"),
    ],
    ids=["version", "migration-head", "tampered", "no-manifest", "missing-member"],
)  # fmt: skip
def test_an_archive_that_does_not_fit_is_refused_before_anything_is_written(
    origin: tuple[Database, Path, Path], tmp_path: Path, fresh: str, change: Any, error: type[Exception], message: str
) -> None:
    archive = _rewrite(origin[1], tmp_path / "changed.zip", change)
    db = Database(fresh)
    with pytest.raises(error, match=message):
        restore_backup(db, archive, key=KEY, workspace_file=None, now=NOW)
    assert _empty(db)
    db.dispose()


def test_a_truncated_archive_is_called_corrupt(origin: tuple[Database, Path, Path], tmp_path: Path, fresh: str) -> None:
    data = origin[1].read_bytes()
    truncated = tmp_path / "truncated.zip"
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match="is corrupt or not a Cadence backup"):
        restore_backup(Database(fresh), truncated, key=KEY, workspace_file=None)


def test_a_load_that_fails_midway_leaves_nothing_behind(
    origin: tuple[Database, Path, Path], tmp_path: Path, database_url: str
) -> None:
    """A consistent-looking archive (checksums recomputed) whose last rows break a foreign key."""

    def orphan_transition(members: dict[str, bytes]) -> None:
        manifest = json.loads(members["manifest.json"])
        spec = next(t for t in manifest["tables"] if t["name"] == "transitions")
        row = json.loads(members["tables/transitions.jsonl"].splitlines()[0])
        row[spec["columns"].index("id")] = 10**9
        row[spec["columns"].index("item_id")] = 10**9  # no such item
        data = members["tables/transitions.jsonl"] + json.dumps(row).encode() + b"\n"
        members["tables/transitions.jsonl"] = data
        manifest["members"]["tables/transitions.jsonl"] = {"sha256": hashlib.sha256(data).hexdigest(),
                                                           "bytes": len(data)}  # fmt: skip
        members["manifest.json"] = json.dumps(manifest).encode()

    archive = _rewrite(origin[1], tmp_path / "orphan.zip", orphan_transition)
    db = Database(database_url)
    with pytest.raises(
        InputError, match=r"a row of table transitions cannot be stored here: .*(FOREIGN KEY|foreign key)"
    ):
        restore_backup(db, archive, key=KEY, workspace_file=None, now=NOW)
    assert _empty(db)  # one transaction: no table half-restored
    db.dispose()


@pytest.mark.parametrize("key", [None, Fernet.generate_key().decode()], ids=["no-key", "another-key"])
def test_credentials_that_cannot_be_decrypted_are_marked_for_re_entry(
    origin: tuple[Database, Path, Path], fresh: str, key: str | None
) -> None:
    db, report = _restore(fresh, origin[1], key=key)
    assert report.credentials_lost == ["jira"]
    assert report.channels_unreadable == ["alerts"]
    row = load_source(db, "jira")
    assert (row.secret, row.secret_lost_at) == (None, NOW)
    assert [(s.name, s.credential_lost_at) for s in describe_sources(db)] == [("jira", NOW)]
    with pytest.raises(ConfigurationError, match=r"source 'jira' needs re-entry: a restore on 2026-07-01 could not"):
        sync_source(db, "jira", key=key)
    new_key = key or Fernet.generate_key().decode()
    connect_jira(db, key=new_key, name="jira", url="https://jira.example.com", token="new-token", team="SUP",
                 replace=True)  # fmt: skip
    row = load_source(db, "jira")
    assert row.secret_lost_at is None and row.secret is not None
    assert decrypt_secret(new_key, row.secret)["token"] == "new-token"
    assert row.config["projects"] == [] and row.id == 1  # the same source, its settings re-entered
    assert open_source(row, new_key).site.name == "jira"
    db.dispose()


def test_the_same_key_keeps_credentials_usable(origin: tuple[Database, Path, Path], fresh: str) -> None:
    db, report = _restore(fresh, origin[1], key=KEY)
    assert report.credentials_lost == []
    row = load_source(db, "jira")
    assert row.secret_lost_at is None and row.secret is not None
    assert decrypt_secret(KEY, row.secret)["token"] == "good-token"
    assert open_source(row, KEY).site.projects == ("SUP",)
    db.dispose()


def test_an_invalid_key_is_refused_rather_than_dropping_credentials(
    origin: tuple[Database, Path, Path], fresh: str
) -> None:
    db = Database(fresh)
    with pytest.raises(ConfigurationError, match="is not a Fernet key"):
        restore_backup(db, origin[1], key="not-a-key", workspace_file=None)
    assert _empty(db)
    db.dispose()


def test_a_failed_backup_leaves_no_archive(origin: tuple[Database, Path, Path], tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path}/unmigrated.db")
    with pytest.raises(SchemaMismatch):
        create_backup(db, out=tmp_path / "b.zip", workspace_file=None)
    with pytest.raises(InputError, match="is a folder"):
        create_backup(origin[0], out=tmp_path, workspace_file=None)
    assert [path.name for path in tmp_path.iterdir() if "b.zip" in path.name] == []
    db.dispose()
