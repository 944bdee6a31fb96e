"""Entry point of the ``cadence`` console script."""

from __future__ import annotations

import typer

from cadence import __version__
from cadence.cli import db, seed, serve, status
from cadence.cli.errors import CadenceGroup

__all__ = ["app", "main"]

app = typer.Typer(
    cls=CadenceGroup,
    help="Cadence: the cockpit of a team that builds and supports a product, and of the PM who runs it.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(db.app, name="db")
app.command("seed")(seed.seed)
app.command("status")(status.status)
app.command("serve")(serve.serve)


@app.callback(invoke_without_command=True)
def _root(version: bool = typer.Option(False, "--version", help="Print the version and exit.")) -> None:
    if version:
        typer.echo(__version__)
        raise typer.Exit


def main() -> None:
    app()
