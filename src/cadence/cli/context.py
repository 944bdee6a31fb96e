"""What every command needs: the settings and the database they name."""

from __future__ import annotations

from functools import cache

from cadence.settings import Settings, load_settings
from cadence.store.database import Database

__all__ = ["close_databases", "database", "settings"]

_OPEN: list[Database] = []


@cache
def settings() -> Settings:
    return load_settings()


def database() -> Database:
    """The configured database; its connections are closed when the command ends (``close_databases``)."""
    db = Database(settings().effective_database_url)
    _OPEN.append(db)
    return db


def close_databases() -> None:
    while _OPEN:
        _OPEN.pop().dispose()
