"""``cadence seed --demo``: the simulated demo organisation."""

from __future__ import annotations

import datetime as dt

import typer
from rich.console import Console

from cadence.cli.context import database, settings
from cadence.domain.errors import InputError
from cadence.services.seeding import seed_demo

__all__ = ["print_logins", "seed"]

console = Console(highlight=False)


def seed(
    demo: bool = typer.Option(False, "--demo", help="Write the simulated demo organisation."),
    seed: int = typer.Option(7, "--seed", help="Random seed: the same seed and --until give the same data."),
    scale: float = typer.Option(1.0, "--scale", min=0.01, help="Multiply item and ticket counts (benchmarks)."),
    until: str | None = typer.Option(None, "--until", help="Last simulated day, YYYY-MM-DD (default: today, UTC)."),
    if_absent: bool = typer.Option(False, "--if-absent", help="Do nothing when the database already holds items."),
) -> None:
    """Write a realistic, deterministic demo workspace into the configured database."""
    if not demo:
        raise InputError("nothing to seed: pass --demo (the only seed available)")
    try:
        last_day = dt.date.fromisoformat(until) if until else dt.datetime.now(dt.UTC).date()
    except ValueError:
        raise InputError(f"--until '{until}' is not a date; use YYYY-MM-DD") from None
    db = database()
    with console.status("Simulating and storing the demo organisation..."):
        report = seed_demo(db, seed=seed, scale=scale, until=last_day, if_absent=if_absent)
    if report.skipped:
        console.print(f"The database {db.label} already holds data; demo seeding skipped.", soft_wrap=True)
    else:
        assert report.ingest is not None
        ins = report.ingest.inserted
        console.print(
            f"Seeded {ins['items']:,} items, {ins['transitions']:,} transitions, {ins['tickets']:,} tickets "
            f"({report.ingest.stored:,} rows stored, {sum(report.ingest.unchanged.values()):,} unchanged) "
            f"in {report.seconds:.1f} s into {db.label}.",
            soft_wrap=True,
        )
        _write_workspace_file(report.workspace_toml)
    print_logins(report.logins)


def _write_workspace_file(toml: str) -> None:
    """Give the demo its workspace file (the deadlines its forecasts are held to), never over the user's own."""
    path = settings().workspace_file
    if not toml:
        return
    if path.exists():
        console.print(f"The workspace file {path} exists, so the demo's deadlines were not added (docs/demo.md).")
        return
    path.write_text("# Written by 'cadence seed --demo': the demo teams' deadlines.\n\n" + toml, encoding="utf-8")
    console.print(f"Wrote the demo's deadlines to the workspace file {path}.", soft_wrap=True)


def print_logins(logins: tuple[object, ...]) -> None:
    if not logins:
        return
    console.print("Demo logins (username / password):")
    for login in logins:
        console.print(f"  {login.username:<12} {login.password:<26} {login.description}", soft_wrap=True)  # type: ignore[attr-defined]
