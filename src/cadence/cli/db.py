"""``cadence db``: migrate the configured database."""

from __future__ import annotations

import typer

from cadence.cli.context import database
from cadence.cli.errors import CadenceGroup
from cadence.services.schema_admin import downgrade_schema, schema_state, upgrade_schema

__all__ = ["app"]

app = typer.Typer(cls=CadenceGroup, help="Migrate the database schema.", no_args_is_help=True)


@app.command()
def upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Bring the database to the latest schema (creates it when empty). Safe to run repeatedly."""
    db = database()
    state = upgrade_schema(db, revision)
    typer.echo(f"database {db.label} is at schema revision {state.current}")


@app.command()
def downgrade(revision: str = typer.Argument(..., help="Target revision, e.g. 'base' or '-1'.")) -> None:
    """Revert the schema to an earlier revision (data in dropped tables is lost: back up first)."""
    db = database()
    state = downgrade_schema(db, revision)
    typer.echo(f"database {db.label} is at schema revision {state.current or 'base'}")


@app.command()
def current() -> None:
    """Print the database's schema revision and whether it is up to date."""
    db = database()
    state = schema_state(db)
    verdict = "up to date" if state.up_to_date else ("newer than this Cadence" if not state.known else "needs upgrade")
    typer.echo(f"{db.label}: revision {state.current or 'none'} (head {state.head}): {verdict}")
