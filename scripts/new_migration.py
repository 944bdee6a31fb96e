"""Generate an Alembic migration from the difference between the models and the current head.

Usage: .venv/bin/python scripts/new_migration.py "Add sprint goals"
Read and tidy the generated file before committing it.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from alembic import command

from cadence.store import migrations
from cadence.store.database import Database


def main(message: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        db = Database(f"sqlite:///{Path(folder) / 'head.db'}")
        migrations.upgrade(db)
        with db.begin() as conn:
            command.revision(migrations._config(conn), message=message, autogenerate=True)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
