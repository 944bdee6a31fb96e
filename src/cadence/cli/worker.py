"""``cadence worker``: the scheduled jobs and syncs in a process of their own, without the web server.

With several web instances behind a proxy, run them with ``CADENCE_SCHEDULER=false`` and one or more workers:
requests then never wait behind a long sync, and a restart of the web tier does not interrupt a job. Workers may
run side by side (and beside instances that keep their scheduler): each occurrence is claimed once and each sync
holds its source's lease (``docs/deployment.md``).
"""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType

import typer

from cadence.cli.context import database, settings

__all__ = ["worker"]


def worker() -> None:
    """Run the scheduled jobs (and the scheduled syncs) until SIGTERM or Ctrl+C, without serving HTTP."""
    from cadence.app import scheduler_delivery, scheduler_jobs
    from cadence.http.observability import configure_logging
    from cadence.services.caches import set_budget
    from cadence.services.scheduler import Scheduler
    from cadence.services.schema_admin import require_current_schema
    from cadence.services.sync import instance_name
    from cadence.services.workspace_config import load_workspace_config

    config = settings()
    configure_logging(config.log_level, config.log_format)
    set_budget(config.cache_mb * 2**20)
    say = logging.getLogger("cadence.worker").info if config.log_format == "json" else typer.echo
    db = database()
    require_current_schema(db)
    jobs = scheduler_jobs(config)
    scheduler = Scheduler(
        db, load_workspace_config(config.workspace_file), instance=f"worker:{instance_name()}",
        interval=config.scheduler_interval_seconds, delivery=scheduler_delivery(config), jobs=jobs,
    )  # fmt: skip
    stop = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    syncs = (
        f"every source synced every {config.sync_interval_minutes} min"
        if config.sync_interval_minutes
        else "scheduled syncs off (CADENCE_SYNC_INTERVAL_MINUTES=0)"
    )
    say(
        f"Cadence worker on {db.label}: {len(jobs)} jobs checked every {config.scheduler_interval_seconds:g} s, "
        f"{syncs} (Ctrl+C stops it)"
    )
    scheduler.start()
    try:
        while not stop.wait(1.0):
            pass
    finally:
        say("Cadence worker stopping after the job in progress")
        scheduler.stop()
