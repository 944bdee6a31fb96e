"""Backing up a Cadence install into one archive, and restoring it onto a fresh one.

The archive is a zip file: ``manifest.json``, one ``tables/NAME.jsonl`` per table (a portable logical dump, see
``store/backup_dump``) and ``config/`` with the workspace TOML file when there is one. The manifest names the
Cadence version, the migration head, the database kind and server version, the UTC creation time, the row count
of every table and the SHA-256 of every member. ``CADENCE_ENCRYPTION_KEY`` and ``CADENCE_SECRET_KEY`` are never
written: the stored Jira tokens travel encrypted, and a restore without their key marks them for re-entry.

A restore refuses another Cadence version, another migration head, a non-empty database (unless ``force``), or
an archive whose checksums fail; it runs in one transaction and checks, before committing, that every restored
table encodes to exactly the bytes the manifest vouches for.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import time
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cadence import __version__
from cadence.domain.errors import CadenceError, ConfigurationError, Conflict, InputError, SchemaMismatch
from cadence.services.audit_log import SYSTEM, record_change
from cadence.services.credentials import can_decrypt, check_key
from cadence.store import backup_dump as dump
from cadence.store.database import Connection, Database
from cadence.store.migrations import require_current, schema_state, upgrade
from cadence.store.sources import list_sources, mark_secrets_lost, stored_secrets

__all__ = ["FORMAT", "BackupReport", "RestoreReport", "create_backup", "read_manifest", "restore_backup"]

FORMAT = "cadence-backup/1"
MANIFEST = "manifest.json"
NOT_INCLUDED = {
    "CADENCE_ENCRYPTION_KEY": "decrypts the stored Jira tokens and channel targets; keep it apart from backups",
    "CADENCE_SECRET_KEY": "a setting of the environment, not of the database; set it again on the restored install",
}
_CHUNK = 1 << 20
_BATCH = 2000
_JSON = json.JSONEncoder(separators=(",", ":"))


@dataclass(frozen=True)
class BackupReport:
    path: Path
    tables: int
    rows: int
    bytes: int
    seconds: float
    manifest: dict[str, Any]


@dataclass(frozen=True)
class RestoreReport:
    manifest: dict[str, Any]
    rows: int
    seconds: float
    wiped: bool
    """True when ``force`` emptied a database that held data."""
    credentials_lost: list[str] = field(default_factory=list)
    """Names of the sources whose credential this install cannot decrypt: re-enter with ``cadence connect``."""
    channels_unreadable: list[str] = field(default_factory=list)
    """Notification channels whose target this install's key cannot decrypt: add them again."""
    workspace_file: Path | None = None
    """Where the archived workspace file was written (``None``: the archive had none, or it was already there)."""


# --- backup -------------------------------------------------------------------------------------------------------


def create_backup(
    db: Database, *, out: Path, workspace_file: Path | None, now: dt.datetime | None = None
) -> BackupReport:
    """Write the archive to ``out`` (through a temporary file, so a failed backup leaves no partial archive)."""
    started = time.perf_counter()
    state = require_current(db)
    if out.is_dir():
        raise InputError(f"--out {out} is a folder; give a file name such as {out / 'cadence-backup.zip'}")
    if not out.parent.is_dir():
        raise InputError(f"the folder of --out {out} does not exist")
    partial = out.with_name(f".{out.name}.partial")
    members: dict[str, dict[str, Any]] = {}
    tables: list[dict[str, Any]] = []
    try:
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # password hashes are inside
        with os.fdopen(descriptor, "wb") as raw, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
            with dump.snapshot(db) as conn:
                kind, server = dump.database_server(conn)
                for table in dump.dump_tables():
                    member = f"tables/{table.name}.jsonl"
                    with zf.open(member, "w", force_zip64=True) as sink:
                        rows, members[member] = _write_rows(sink.write, dump.iter_rows(conn, table))
                    tables.append({"name": table.name, "columns": dump.table_columns(table), "rows": rows,
                                   "member": member})  # fmt: skip
            config = None
            if workspace_file is not None and workspace_file.is_file():
                data = workspace_file.read_bytes()
                config = {"member": f"config/{workspace_file.name}", "name": workspace_file.name}
                zf.writestr(config["member"], data)
                members[config["member"]] = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
            manifest = {
                "format": FORMAT,
                "cadence_version": __version__,
                "migration_head": state.current,
                "database": {"kind": kind, "server_version": server},
                "created_at": (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).isoformat(),
                "row_counts": {t["name"]: t["rows"] for t in tables},
                "tables": tables,
                "workspace_file": config,
                "members": members,
                "not_included": NOT_INCLUDED,
            }
            zf.writestr(MANIFEST, json.dumps(manifest, indent=2) + "\n")
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(partial, out)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    rows = sum(t["rows"] for t in tables)
    seconds = time.perf_counter() - started
    return BackupReport(out, len(tables), rows, out.stat().st_size, seconds, manifest)


def _write_rows(write: Callable[[bytes], object], batches: Iterator[list[list[Any]]]) -> tuple[int, dict[str, Any]]:
    digest, size, rows = hashlib.sha256(), 0, 0
    for batch in batches:
        data = _encode(batch)
        digest.update(data)
        write(data)
        size, rows = size + len(data), rows + len(batch)
    return rows, {"sha256": digest.hexdigest(), "bytes": size}


def _encode(batch: list[list[Any]]) -> bytes:
    """One JSON array per line, ASCII-only (any string survives), compact, deterministic."""
    encode = _JSON.encode
    return "".join([encode(row) + "\n" for row in batch]).encode("ascii")


# --- restore ------------------------------------------------------------------------------------------------------


def read_manifest(archive: Path) -> dict[str, Any]:
    """The manifest of an archive (for ``restore`` and for a look at a backup without restoring it)."""
    with _opened(archive) as zf:
        return _manifest(zf, archive)


def restore_backup(
    db: Database,
    archive: Path,
    *,
    key: str | None,
    workspace_file: Path | None,
    force: bool = False,
    now: dt.datetime | None = None,
) -> RestoreReport:
    """Restore ``archive`` into ``db`` (empty, or at migration head without data; ``force`` wipes one that holds
    data); every check that can fail runs before anything is written, the load itself is one transaction."""
    started = time.perf_counter()
    now = now or dt.datetime.now(dt.UTC)
    check_key(key)
    with _opened(archive) as zf:
        manifest = _manifest(zf, archive)
        state = schema_state(db)
        _check_compatible(manifest, state.head)
        _verify_members(zf, manifest, archive)
        config = manifest.get("workspace_file")
        config_data = zf.read(config["member"]) if config else None
        target = _workspace_target(workspace_file, config_data, force=force)
        if state.current is None:
            upgrade(db)  # a brand-new database: create the schema this archive was made at
        require_current(db)
        with db.begin() as conn:
            existing = dump.tables_with_rows(conn)
            if existing and not force:
                held = ", ".join(f"{name} ({n:,})" for name, n in list(existing.items())[:5])
                raise Conflict(
                    f"the database at {db.label} is not empty ({held}{', ...' if len(existing) > 5 else ''}); "
                    "restore onto a fresh database, or pass --force to delete its contents first"
                )
            if existing:
                dump.wipe_tables(conn)
            rows = _load(conn, zf, manifest)
            _verify_restored(conn, manifest)
            dump.reset_sequences(conn)
            lost, unreadable = _settle_credentials(conn, key, now)
            record_change(
                conn, SYSTEM, "restore", "database", entity_id=archive.name, at=now,
                after={"archive": archive.name, "created_at": manifest["created_at"], "rows": rows,
                       "from": manifest["database"]["kind"], "wiped": bool(existing), "credentials_lost": lost},
            )  # fmt: skip
    written = None
    if target is not None and config_data is not None:
        _write_atomically(target, config_data)
        written = target
    seconds = time.perf_counter() - started
    return RestoreReport(manifest, rows, seconds, bool(existing), lost, unreadable, written)


@contextlib.contextmanager
def _opened(archive: Path) -> Iterator[zipfile.ZipFile]:
    if not archive.is_file():
        raise InputError(f"no backup archive at {archive}")
    try:
        with zipfile.ZipFile(archive) as zf:
            yield zf
    except (zipfile.BadZipFile, zlib.error, EOFError) as error:
        raise InputError(f"the archive {archive} is corrupt or not a Cadence backup ({error})") from None


def _manifest(zf: zipfile.ZipFile, archive: Path) -> dict[str, Any]:
    try:
        manifest: dict[str, Any] = json.loads(zf.read(MANIFEST))
    except KeyError:
        raise InputError(f"{archive} is not a Cadence backup: it has no {MANIFEST}") from None
    except ValueError as error:
        raise InputError(f"the {MANIFEST} of {archive} is unreadable ({error})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        found = manifest.get("format") if isinstance(manifest, dict) else None
        raise InputError(f"{archive} is not a Cadence backup this version reads (format {found!r}, need {FORMAT!r})")
    return manifest


def _check_compatible(manifest: dict[str, Any], head: str) -> None:
    made_by = manifest.get("cadence_version")
    if made_by != __version__:
        raise Conflict(
            f"this backup was made by Cadence {made_by} and this is Cadence {__version__}: restore it with Cadence "
            f"{made_by}, then upgrade Cadence and run 'cadence db upgrade'",
            archive_version=made_by,
            version=__version__,
        )
    if manifest.get("migration_head") != head:
        raise SchemaMismatch(
            f"this backup is at schema revision {manifest.get('migration_head')} and this Cadence's migration head is "
            f"{head}: restore it with the Cadence build that made it",
            archive_head=manifest.get("migration_head"),
            head=head,
        )
    expected = {t.name: dump.table_columns(t) for t in dump.dump_tables()}
    archived = {t["name"]: t["columns"] for t in manifest.get("tables", [])}
    if archived != expected:
        different = sorted(set(archived) ^ set(expected) | {n for n in archived if archived[n] != expected.get(n)})
        raise InputError(f"the archive's tables do not match this Cadence's schema (differences in {different[:5]})")


def _verify_members(zf: zipfile.ZipFile, manifest: dict[str, Any], archive: Path) -> None:
    for member, expected in manifest.get("members", {}).items():
        digest = hashlib.sha256()
        try:
            with zf.open(member) as source:
                while chunk := source.read(_CHUNK):
                    digest.update(chunk)
        except KeyError:
            raise InputError(f"the archive {archive} lacks {member}, which its manifest lists") from None
        if digest.hexdigest() != expected.get("sha256"):
            raise InputError(
                f"the checksum of {member} in {archive} does not match its manifest: the archive is corrupt or was "
                "altered; nothing was restored"
            )


def _workspace_target(path: Path | None, data: bytes | None, *, force: bool) -> Path | None:
    """Where to write the archived workspace file: refuse to overwrite a different one unless ``force``."""
    if data is None or path is None:
        return None
    if path.is_file():
        if path.read_bytes() == data:
            return None
        if not force:
            raise Conflict(
                f"the workspace file {path} differs from the one in the backup; move it away, or pass --force to "
                "replace it"
            )
    return path


def _load(conn: Connection, zf: zipfile.ZipFile, manifest: dict[str, Any]) -> int:
    total = 0
    for spec in manifest["tables"]:
        table = next(t for t in dump.dump_tables() if t.name == spec["name"])
        loader = dump.TableLoader(conn, table, spec["columns"])
        with zf.open(spec["member"]) as source:
            lines: list[bytes] = []
            for line in source:
                lines.append(line)
                if len(lines) >= _BATCH:
                    loader.add(_decode(lines))
                    lines = []
            loader.add(_decode(lines))
        loader.finish()
        total += loader.rows
    return total


def _decode(lines: list[bytes]) -> list[list[Any]]:
    """A batch of lines parsed in one call (each line is one JSON array)."""
    rows: list[list[Any]] = json.loads(b"[" + b",".join(lines) + b"]")
    return rows


def _verify_restored(conn: Connection, manifest: dict[str, Any]) -> None:
    """Every restored table has the manifest's row count and encodes to the exact bytes that were archived."""
    by_name = {t.name: t for t in dump.dump_tables()}
    for spec in manifest["tables"]:
        table = by_name[spec["name"]]
        rows, written = _write_rows(_discard, dump.iter_rows(conn, table))
        if rows != spec["rows"] or written["sha256"] != manifest["members"][spec["member"]]["sha256"]:
            raise CadenceError(
                f"table {table.name} does not match the archive after restoring ({rows:,} rows, the manifest says "
                f"{spec['rows']:,}); nothing was restored"
            )


def _discard(data: bytes) -> None:
    """Keep nothing: re-encoding a restored table only needs its digest."""


def _settle_credentials(conn: Connection, key: str | None, now: dt.datetime) -> tuple[list[str], list[str]]:
    """Mark the Jira credentials this install's key cannot decrypt as lost; name the channels it cannot read."""
    lost = [source_id for source_id, _, secret in stored_secrets(conn) if not can_decrypt(key, secret)]
    mark_secrets_lost(conn, lost, now)
    needing = [s.name for s in list_sources(conn) if s.credential_lost_at is not None]
    unreadable = [
        name for name, target in dump.encrypted_channel_targets(conn) if not can_decrypt(key, target.encode())
    ]
    return needing, unreadable


def _write_atomically(path: Path, data: bytes) -> None:
    partial = path.with_name(f".{path.name}.restoring")
    try:
        partial.write_bytes(data)
        os.replace(partial, path)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise ConfigurationError(f"cannot write the workspace file {path}: {error.strerror}") from None
