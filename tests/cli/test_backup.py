"""``cadence backup`` and ``cadence restore`` from the command line: the archive holds no key, a restore reports
what it did, refusals are one sentence with their exit code, and lost credentials say how to re-enter them."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from cadence.services.backup import create_backup
from cadence.services.sources import connect_jira
from cadence.store.database import Database
from cadence.store.migrations import upgrade

KEY = Fernet.generate_key().decode()
SECRET = "a-secret-key-that-signs-sessions-0123456789"
TOML = '[teams.JIRA]\ntime_zone = "Europe/Paris"\n'


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    monkeypatch.setenv("CADENCE_ENCRYPTION_KEY", KEY)
    monkeypatch.setenv("CADENCE_SECRET_KEY", SECRET)
    monkeypatch.setenv("JIRA_PAT", "pat-value-123")
    return monkeypatch


def _origin(cli, env: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A database with one Jira source and a workspace file, backed up; returns the archive."""
    url = f"sqlite:///{tmp_path}/origin.db"
    (tmp_path / "origin.toml").write_text(TOML)
    env.setenv("CADENCE_WORKSPACE_FILE", str(tmp_path / "origin.toml"))
    assert cli(url, "db", "upgrade").exit_code == 0
    connected = cli(url, "connect", "jira", "--name", "jira", "--url", "https://jira.example.com", "--pat-env",
                    "JIRA_PAT", "--project", "JIRA")  # fmt: skip
    assert connected.exit_code == 0, connected.output
    archive = tmp_path / "cadence-backup.zip"
    made = cli(url, "backup", "--out", str(archive))
    assert made.exit_code == 0, made.output
    assert f"Wrote {archive}: " in made.output and "from sqlite" in made.output and "and origin.toml" in made.output
    assert "CADENCE_ENCRYPTION_KEY is not in it" in made.output
    return archive


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same origin as ``_origin``, archived through the services once for the restore tests."""
    folder = tmp_path_factory.mktemp("origin")
    (folder / "origin.toml").write_text(TOML)
    db = Database(f"sqlite:///{folder}/origin.db")
    upgrade(db)
    connect_jira(db, key=KEY, name="jira", url="https://jira.example.com", token="pat-value-123",
                 projects=["JIRA"], credential_hint="the token in $JIRA_PAT")  # fmt: skip
    create_backup(db, out=folder / "cadence-backup.zip", workspace_file=folder / "origin.toml")
    db.dispose()
    return folder / "cadence-backup.zip"


def _error(result: object) -> str:
    output: str = result.stderr  # type: ignore[attr-defined]
    assert "Traceback" not in result.output  # type: ignore[attr-defined]
    assert output.startswith("error: ")
    return output


def test_the_archive_holds_neither_key_nor_the_token(cli, env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    archive = _origin(cli, env, tmp_path)  # made by 'cadence backup' with both keys in the environment
    raw = archive.read_bytes()
    with zipfile.ZipFile(archive) as zf:
        contents = [zf.read(name) for name in zf.namelist()]
        assert zf.read("config/origin.toml").decode() == TOML
    for data in [raw, *contents]:
        for secret in (KEY, SECRET, "pat-value-123"):
            assert secret.encode() not in data


def test_a_restore_onto_a_fresh_install_then_a_second_one_is_refused(
    cli, env: pytest.MonkeyPatch, tmp_path: Path, archive: Path
) -> None:
    env.setenv("CADENCE_WORKSPACE_FILE", str(tmp_path / "restored.toml"))
    target = f"sqlite:///{tmp_path}/target.db"
    restored = cli(target, "restore", str(archive))
    assert restored.exit_code == 0, restored.output
    assert "row counts and checksums match the manifest" in restored.output
    assert f"Wrote the workspace file {tmp_path / 'restored.toml'}." in restored.output
    assert "re-entry" not in restored.output
    assert (tmp_path / "restored.toml").read_text() == TOML
    listed = cli(target, "sources")
    assert listed.exit_code == 0 and "jira" in listed.output and "re-entry" not in listed.output

    again = cli(target, "restore", str(archive))
    assert again.exit_code == 9
    tables = "workspaces (1), teams (1), audit_log (1), sources (1)"
    assert f"is not empty ({tables}); restore onto a fresh database, or pass --force" in _error(again)
    forced = cli(target, "restore", str(archive), "--force")
    assert forced.exit_code == 0 and "after deleting what the database held" in forced.output


def test_a_restore_without_the_key_asks_for_the_credential_again(
    cli, env: pytest.MonkeyPatch, tmp_path: Path, archive: Path
) -> None:
    env.delenv("CADENCE_ENCRYPTION_KEY")
    target = f"sqlite:///{tmp_path}/target.db"
    restored = cli(target, "restore", str(archive))
    assert restored.exit_code == 0, restored.output
    assert "1 stored Jira credential needs re-entry" in restored.output
    assert "cadence connect jira --name jira ... --replace" in restored.output
    listed = cli(target, "sources")
    words = " ".join(listed.output.split())  # the table wraps its cells at the console's width
    assert "re-entry" in words and "restore):" in words and "--replace'" in words
    env.setenv("CADENCE_ENCRYPTION_KEY", Fernet.generate_key().decode())  # the new install's own key
    synced = cli(target, "sync", "jira")
    assert synced.exit_code == 3
    assert "the stored credential of source 'jira' needs re-entry: a restore on " in _error(synced)
    duplicate = cli(target, "connect", "jira", "--name", "jira", "--url", "https://jira.example.com", "--pat-env",
                    "JIRA_PAT")  # fmt: skip
    assert duplicate.exit_code == 9 and "pass --replace" in _error(duplicate)
    replaced = cli(target, "connect", "jira", "--name", "jira", "--url", "https://jira.example.com", "--pat-env",
                   "JIRA_PAT", "--replace")  # fmt: skip
    assert replaced.exit_code == 0, replaced.output
    assert "re-entry" not in cli(target, "sources").output


def test_refusals_are_one_sentence_with_their_exit_code(
    cli, env: pytest.MonkeyPatch, tmp_path: Path, archive: Path
) -> None:
    target = f"sqlite:///{tmp_path}/target.db"
    garbage = tmp_path / "garbage.zip"
    garbage.write_bytes(b"not a zip at all")
    corrupt = cli(target, "restore", str(garbage))
    assert corrupt.exit_code == 6 and "is corrupt or not a Cadence backup" in _error(corrupt)
    missing = cli(target, "restore", str(tmp_path / "nowhere.zip"))
    assert missing.exit_code == 6 and "no backup archive at" in _error(missing)

    older = tmp_path / "older.zip"
    with zipfile.ZipFile(archive) as source, zipfile.ZipFile(older, "w") as out:
        for name in source.namelist():
            data = source.read(name)
            if name == "manifest.json":
                data = json.dumps({**json.loads(data), "cadence_version": "0.0.1"}).encode()
            out.writestr(name, data)
    mismatch = cli(target, "restore", str(older))
    assert mismatch.exit_code == 9 and "this backup was made by Cadence 0.0.1" in _error(mismatch)
    env.setenv("CADENCE_ENCRYPTION_KEY", "not-a-fernet-key")
    invalid = cli(target, "restore", str(archive))
    assert invalid.exit_code == 3 and "not a Fernet key" in _error(invalid)
    folder = cli(target, "backup", "--out", str(tmp_path))
    assert folder.exit_code != 0 and "Traceback" not in folder.output
