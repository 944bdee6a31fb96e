"""``cadence backup`` and ``cadence restore``: the whole install in one archive, and back (see docs/backup.md)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from cadence.cli.context import database, settings
from cadence.services.backup import create_backup, restore_backup

__all__ = ["backup", "restore"]

console = Console(highlight=False)


def backup(
    out: Path = typer.Option(..., "--out", help="The archive to write (a zip file), e.g. cadence-2026-01-31.zip."),
) -> None:
    """Write the database, the workspace file and a manifest to one archive; the encryption key is not in it."""
    report = create_backup(database(), out=out, workspace_file=settings().workspace_file)
    db = report.manifest["database"]
    config = report.manifest["workspace_file"]
    console.print(
        f"Wrote {report.path}: {report.rows:,} rows in {report.tables} tables from {db['kind']} "
        f"{db['server_version']} (schema {report.manifest['migration_head']})"
        f"{', and ' + config['name'] if config else ''}; {report.bytes / 1e6:.1f} MB in {report.seconds:.1f} s.",
        soft_wrap=True,
    )
    console.print(
        "It holds password hashes and encrypted tokens: store it privately. CADENCE_ENCRYPTION_KEY is not in it; "
        "keep that key somewhere else, or the Jira credentials must be re-entered after a restore.",
        soft_wrap=True,
    )


def restore(
    file: Path = typer.Argument(..., help="An archive written by 'cadence backup'."),
    force: bool = typer.Option(
        False,
        "--force",
        help="Delete everything the target database holds (and replace a different workspace file) before restoring.",
    ),
) -> None:
    """Restore an archive onto a fresh install (empty database) and verify it against its manifest."""
    config = settings()
    key = config.encryption_key.get_secret_value() if config.encryption_key is not None else None
    report = restore_backup(database(), file, key=key, workspace_file=config.workspace_file, force=force)
    made = report.manifest
    console.print(
        f"Restored {report.rows:,} rows from {file} (made {made['created_at']} by Cadence {made['cadence_version']} "
        f"on {made['database']['kind']}){' after deleting what the database held' if report.wiped else ''}; "
        f"row counts and checksums match the manifest ({report.seconds:.1f} s).",
        soft_wrap=True,
    )
    if report.workspace_file is not None:
        console.print(f"Wrote the workspace file {report.workspace_file}.", soft_wrap=True)
    if report.credentials_lost:
        n = len(report.credentials_lost)
        console.print(
            f"{n} stored Jira credential{'s' if n > 1 else ''} need{'' if n > 1 else 's'} re-entry (not decryptable "
            "with this install's CADENCE_ENCRYPTION_KEY): "
            + "; ".join(f"cadence connect jira --name {name} ... --replace" for name in report.credentials_lost),
            soft_wrap=True,
        )
    if report.channels_unreadable:
        console.print(
            f"{len(report.channels_unreadable)} notification channel target(s) cannot be decrypted with this key "
            f"({', '.join(report.channels_unreadable)}): remove and add them again with 'cadence notify'.",
            soft_wrap=True,
        )
