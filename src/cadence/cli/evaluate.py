"""``cadence eval ...``: Cadence's forecasts and estimates scored on public research datasets.

No database is needed: each command reads a dataset folder, calls one service of ``services/evaluation.py`` and
prints a table (for people) or JSON (a stable contract, documented in ``docs/cli.md`` and ``docs/forecasting.md``).
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from cadence.analytics.backtest import HindcastSettings
from cadence.domain.errors import InputError
from cadence.services.evaluation import (
    evaluate_correlation,
    evaluate_estimation,
    evaluate_forecast,
    evaluate_sprints,
)

__all__ = ["app"]

app = typer.Typer(help="Score Cadence's forecasts and estimates on public datasets (docs/forecasting.md).")


class Format(StrEnum):
    TABLE = "table"
    JSON = "json"


def _horizons(text: str) -> list[int]:
    try:
        values = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise InputError(f"--horizons '{text}' is not a comma-separated list of days, e.g. 14,28,56") from None
    if not values or min(values) < 1:
        raise InputError(f"--horizons '{text}' must list positive numbers of days, e.g. 14,28,56")
    return values


def _show(value: float | None, percent: bool = False) -> str:
    if value is None:
        return "—"
    return f"{100 * value:.1f} %" if percent else f"{value:.4f}"


@app.command("forecast")
def forecast(
    throughput: Path = typer.Option(
        ..., "--throughput", help="Folder of completion-date files (one YYYY-MM-DD a line)."
    ),
    horizons: str = typer.Option("14,28,56", "--horizons", help="Forecast horizons in days, comma-separated."),
    window: int = typer.Option(56, "--window", help="Days of history each forecast samples from."),
    step: int = typer.Option(7, "--step", help="Days between back-test origins."),
    trials: int = typer.Option(2000, "--trials", help="Monte Carlo trials per origin."),
    calibrate: bool = typer.Option(True, "--calibrate/--no-calibrate", help="Recalibrate with the track record."),
    seed: int = typer.Option(0, "--seed", help="Seed of the random generator."),
    fmt: Format = typer.Option(Format.TABLE, "--format", help="table for people; json for programs."),
) -> None:
    """Back-test the Monte Carlo "how many" forecast on every file: P50/P85 coverage and bias per horizon."""
    if window < 1 or step < 1 or trials < 1:
        raise InputError("--window, --step and --trials must be positive")
    settings = HindcastSettings(window=window, step=step, trials=trials, calibrate=calibrate)
    result = evaluate_forecast(throughput, horizons=_horizons(horizons), seed=seed, settings=settings)
    if fmt is Format.JSON:
        typer.echo(json.dumps(result))
        return
    table = Table("file", "horizon (days)", "origins", "P50 coverage", "P85 coverage", "bias", title="Back-test")
    for name, entry in result["files"].items():
        for horizon, s in entry["horizons"].items():
            table.add_row(
                name,
                horizon,
                str(s["origins"]),
                _show(s["p50_coverage"], True),
                _show(s["p85_coverage"], True),
                _show(s["bias"], True),
            )
    Console(highlight=False).print(table)


@app.command("estimation")
def estimation(
    data: Path = typer.Option(..., "--data", help="Folder in the Deep-SE layout (<project>.csv + splits/)."),
    seed: int = typer.Option(0, "--seed", help="Seed of the random guesses behind SA."),
    fmt: Format = typer.Option(Format.TABLE, "--format", help="table for people; json for programs."),
) -> None:
    """Story-point suggestions scored by the Deep-SE protocol against the Mean and Median baselines."""
    result = evaluate_estimation(data, seed=seed)
    if fmt is Format.JSON:
        typer.echo(json.dumps(result))
        return
    table = Table("project", "test items", "MAE", "MdAE", "SA", "Mean MAE", "Median MAE", title="Story points")
    wins = 0
    for name, p in result["projects"].items():
        wins += p["mae"] < p["median_mae"]
        table.add_row(name, str(p["n_test"]), *(_show(p[k]) for k in ("mae", "mdae", "sa", "mean_mae", "median_mae")))
    console = Console(highlight=False)
    console.print(table)
    console.print(f"Below the Median baseline's MAE in {wins} of {len(result['projects'])} projects.")


@app.command("correlation")
def correlation(
    data: Path = typer.Option(..., "--data", help="Folder of TAWOS issue files (<PROJECT>.csv)."),
    fmt: Format = typer.Option(Format.TABLE, "--format", help="table for people; json for programs."),
) -> None:
    """Story points vs time in progress, total effort and resolution time, after the ESEM 2022 filter."""
    result = evaluate_correlation(data)
    if fmt is Format.JSON:
        typer.echo(json.dumps(result))
        return
    table = Table("project", "items", "kept", title="Points vs time (Spearman / Kendall / Pearson)")
    for label in ("in progress", "effort", "resolution"):
        table.add_column(label)
    for name, p in result["projects"].items():
        cells = [
            " / ".join(_show(p[key][c]) for c in ("spearman", "kendall", "pearson"))
            for key in ("in_progress", "effort", "resolution")
        ]
        table.add_row(name, str(p["n_raw"]), str(p["n_after_filter"]), *cells)
    Console(highlight=False).print(table)


@app.command("sprints")
def sprints(
    data: Path = typer.Option(..., "--data", help="Folder of <ecosystem>_iteration_<t>.csv sprint files."),
    fmt: Format = typer.Option(Format.TABLE, "--format", help="table for people; json for programs."),
) -> None:
    """Say/do distribution and sprint-forecast errors (plan vs board history) per ecosystem."""
    result = evaluate_sprints(data)
    if fmt is Format.JSON:
        typer.echo(json.dumps(result))
        return
    console = Console(highlight=False)
    for ecosystem, entry in result["ecosystems"].items():
        _print_sprints(console, ecosystem, entry)


def _print_sprints(console: Console, ecosystem: str, entry: dict[str, Any]) -> None:
    sd = entry["say_do"]
    console.print(
        f"[bold]{ecosystem}[/]: {entry['sprints']} sprints on {entry['boards']} boards; say/do over {sd['n']} "
        f"sprints with a commitment: P25 {_show(sd.get('p25'), True)}, median {_show(sd.get('p50'), True)}, "
        f"P75 {_show(sd.get('p75'), True)}"
    )
    table = Table("at % elapsed", "sprints", "plan MAE", "history MAE", "plan MdAE", "history MdAE")
    for t, f in entry["forecasts"].items():
        table.add_row(
            t,
            str(f["n"]),
            *(_show(f[k]) for k in ("plan_mae", "history_mae", "plan_mdae", "history_mdae")),
        )
    console.print(table)
