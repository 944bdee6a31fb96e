"""What every command needs: the settings and the database they name."""

from __future__ import annotations

from functools import cache

from cadence.settings import Settings, load_settings
from cadence.store.database import Database

__all__ = ["database", "settings"]


@cache
def settings() -> Settings:
    return load_settings()


def database() -> Database:
    return Database(settings().effective_database_url)
