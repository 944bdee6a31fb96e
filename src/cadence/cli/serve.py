"""``cadence serve``: the web app and the API in one process."""

from __future__ import annotations

import logging

import typer

from cadence.cli.context import database, settings

__all__ = ["serve"]


def serve(
    host: str | None = typer.Option(None, "--host", help="Listen address (default: CADENCE_HOST)."),
    port: int | None = typer.Option(None, "--port", help="Port (default: CADENCE_PORT)."),
) -> None:
    """Serve Cadence on http://HOST:PORT until interrupted."""
    import uvicorn

    from cadence.app import create_app
    from cadence.http.observability import configure_logging
    from cadence.services.schema_admin import require_current_schema

    config = settings()
    configure_logging(config.log_level, config.log_format)
    # With JSON logs every line of output must be a JSON object: the start-up lines become log lines too.
    say = logging.getLogger("cadence.serve").info if config.log_format == "json" else typer.echo
    db = database()
    require_current_schema(db)
    bind_host, bind_port = host or config.host, port or config.port
    say(f"Cadence is serving {db.label} on http://{bind_host}:{bind_port} (Ctrl+C stops it)")
    if config.scheduler:
        say(f"Scheduled jobs run every {config.scheduler_interval_seconds:g} s (CADENCE_SCHEDULER=off stops them)")
    app = create_app(config, db, scheduler=config.scheduler)
    # log_config=None: uvicorn keeps the logging set up above; access_log=False: the app writes the access lines,
    # with the request id, route and duration (http/observability.py).
    uvicorn.run(app, host=bind_host, port=bind_port, log_level=config.log_level, log_config=None, access_log=False)
