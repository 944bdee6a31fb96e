"""One place where errors become a sentence on stderr and a documented exit code."""

from __future__ import annotations

from typing import Any

import click
import typer
from rich.console import Console
from rich.text import Text
from typer.core import TyperGroup

from cadence.domain.errors import CadenceError

__all__ = ["CadenceGroup", "stderr"]

stderr = Console(stderr=True, highlight=False)


class CadenceGroup(TyperGroup):
    """Runs a command and turns a :class:`CadenceError` into ``error: <sentence>`` plus its exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        from cadence.cli.context import close_databases

        try:
            return super().invoke(ctx)
        except CadenceError as error:
            stderr.print(Text.assemble(("error:", "bold red"), " ", error.message), soft_wrap=True)
            raise typer.Exit(error.exit_code) from None
        finally:
            if ctx.parent is None:  # the outermost group: the command is over
                close_databases()
