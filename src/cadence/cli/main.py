"""Entry point of the ``cadence`` console script."""

from __future__ import annotations

import typer

from cadence import __version__
from cadence.cli import actions as actions_cli
from cadence.cli import backup as backup_cli
from cadence.cli import checkin as checkin_cli
from cadence.cli import db, evaluate, forecast, metrics, seed, serve, sprint, status, users
from cadence.cli import impediments as impediments_cli
from cadence.cli import imports as imports_cli
from cadence.cli import jobs as jobs_cli
from cadence.cli import notify as notify_cli
from cadence.cli import report as report_cli
from cadence.cli import risks as risks_cli
from cadence.cli import sla as sla_cli
from cadence.cli import sources as sources_cli
from cadence.cli import support as support_cli
from cadence.cli import worker as worker_cli
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
app.add_typer(users.user_app, name="user")
app.add_typer(users.token_app, name="token")
app.add_typer(imports_cli.app, name="import")
app.add_typer(sources_cli.connect_app, name="connect")
app.add_typer(evaluate.app, name="eval")
app.add_typer(notify_cli.app, name="notify")
app.add_typer(support_cli.app, name="support")
support_cli.app.command("metrics")(sla_cli.support_metrics)
app.add_typer(sla_cli.app, name="sla")
app.add_typer(sprint.app, name="sprint")
app.add_typer(actions_cli.app, name="actions")
app.add_typer(report_cli.app, name="report")
app.add_typer(jobs_cli.app, name="jobs")
app.command("sync")(sources_cli.sync)
app.command("sources")(sources_cli.sources)
app.command("seed")(seed.seed)
app.command("status")(status.status)
app.command("serve")(serve.serve)
app.command("worker")(worker_cli.worker)
app.command("metrics")(metrics.metrics)
app.command("quality")(metrics.quality)
app.command("forecast")(forecast.forecast)
app.command("checkin")(checkin_cli.checkin)
app.command("standup")(checkin_cli.standup)
app.command("impediments")(impediments_cli.impediments)
app.command("risks")(risks_cli.risks)
app.command("backup")(backup_cli.backup)
app.command("restore")(backup_cli.restore)


@app.callback(invoke_without_command=True)
def _root(version: bool = typer.Option(False, "--version", help="Print the version and exit.")) -> None:
    if version:
        typer.echo(__version__)
        raise typer.Exit


def main() -> None:
    app()
