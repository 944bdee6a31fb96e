"""A fresh SQLite database for every run of a state machine: a template (migrated, then prepared once by the
machine's own setup, password hashing included) copied, so a run costs a file copy rather than a migration.
:func:`member_world` is the common setup: the factory team and one member acting in it."""

from __future__ import annotations

import atexit
import datetime as dt
import shutil
import tempfile
from collections.abc import Callable
from functools import cache
from pathlib import Path

from cadence.domain.model import Role
from cadence.services.access import Actor, actor_for_user
from cadence.services.audit_log import SYSTEM
from cadence.services.users import create_user, set_role
from cadence.store.accounts import find_user
from cadence.store.database import Database
from cadence.store.ingest import ingest
from cadence.store.migrations import upgrade
from tests.factories import team_batch

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


SETUP_AT = dt.datetime(2026, 6, 1, 6, tzinfo=dt.UTC)
"""When the member of :func:`member_world` was created: before any machine's first step."""


def _team_and_member(db: Database) -> None:
    with db.begin() as conn:
        ingest(conn, team_batch())
    create_user(db, SYSTEM, username="dev", password="correct horse battery", now=SETUP_AT)
    set_role(db, SYSTEM, username="dev", team_key="OPS", role=Role.MEMBER, now=SETUP_AT)


def member_world() -> tuple[Database, Path, Actor]:
    """A fresh database holding the factory team (OPS) and the member ``dev``, who is the returned actor."""
    db, folder = fresh_database(_team_and_member)
    with db.connect() as conn:
        user = find_user(conn, "dev")
    assert user is not None
    return db, folder, actor_for_user(db, user)
