"""A fresh SQLite database for every run of a state machine: a template (migrated, then prepared once by the
machine's own setup, password hashing included) copied, so a run costs a file copy rather than a migration."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from collections.abc import Callable
from functools import cache
from pathlib import Path

from cadence.store.database import Database
from cadence.store.migrations import upgrade

Setup = Callable[[Database], None]


@cache
def _template(setup: Setup | None) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="cadence-stateful-"))
    atexit.register(shutil.rmtree, folder, True)
    path = folder / "template.db"
    db = Database(f"sqlite:///{path}")
    upgrade(db)
    if setup is not None:
        setup(db)
    db.dispose()
    return path


def fresh_database(setup: Setup | None = None) -> tuple[Database, Path]:
    """A copy of the template for ``setup`` in its own folder; give both to :func:`discard` when done."""
    folder = Path(tempfile.mkdtemp(prefix="cadence-run-"))
    path = folder / "cadence.db"
    shutil.copyfile(_template(setup), path)
    return Database(f"sqlite:///{path}"), folder


def discard(db: Database, folder: Path) -> None:
    db.dispose()
    shutil.rmtree(folder, ignore_errors=True)
