"""Writing the simulated demo organisation into the configured database."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

from cadence.connectors.demo import DemoLogin, DemoWorkspace, generate_demo
from cadence.connectors.demo.deadlines import deadlines_toml, demo_deadlines
from cadence.domain.batch import RecordBatch
from cadence.services.passwords import hash_password
from cadence.store.accounts import find_person_id, insert_user, user_exists
from cadence.store.database import Database
from cadence.store.ingest import IngestReport, ingest
from cadence.store.migrations import require_current
from cadence.store.summaries import table_counts

__all__ = ["DEMO_SOURCE", "SeedReport", "demo_batch", "seed_demo"]

DEMO_SOURCE = "demo"


@dataclass(frozen=True)
class SeedReport:
    skipped: bool
    """True when ``if_absent`` found data already there and nothing was written."""
    logins: tuple[DemoLogin, ...]
    ingest: IngestReport | None
    seconds: float
    workspace_toml: str = ""
    """The demo's workspace file (its teams' deadlines, ``connectors/demo/deadlines.py``); empty when skipped."""


def demo_batch(workspace: DemoWorkspace) -> RecordBatch:
    return RecordBatch(
        source=DEMO_SOURCE,
        teams=workspace.teams,
        people=workspace.people,
        memberships=workspace.memberships,
        sprints=workspace.sprints,
        items=workspace.items,
        transitions=workspace.transitions,
        sprint_changes=workspace.sprint_changes,
        estimate_changes=workspace.estimate_changes,
        assignee_changes=workspace.assignee_changes,
        flag_changes=workspace.flag_changes,
        item_links=workspace.item_links,
        tickets=workspace.tickets,
        ticket_events=workspace.ticket_events,
        ticket_links=workspace.ticket_links,
        meetings=workspace.meetings,
        check_ins=workspace.check_ins,
        impediments=workspace.impediments,
        risks=workspace.risks,
        action_items=workspace.action_items,
    )


def seed_demo(
    db: Database,
    *,
    seed: int = 7,
    scale: float = 1.0,
    until: dt.date,
    if_absent: bool = False,
    teams: int | None = None,
) -> SeedReport:
    """Generate the demo organisation and store it; re-running with the same arguments changes nothing.

    ``teams`` fixes the number of teams (see :func:`~cadence.connectors.demo.generate_demo`)."""
    require_current(db)
    started = time.perf_counter()
    if if_absent:
        with db.connect() as conn:
            if table_counts(conn)["items"] > 0:
                return SeedReport(True, _stored_logins(db), None, time.perf_counter() - started)
    workspace = generate_demo(seed=seed, scale=scale, until=until, teams=teams)
    with db.begin() as conn:
        report = ingest(conn, demo_batch(workspace))
        for login in workspace.logins:
            if not user_exists(conn, login.username):
                person = find_person_id(conn, DEMO_SOURCE, login.person_id)
                insert_user(
                    conn, username=login.username, password_hash=hash_password(login.password), person_id=person
                )
    keys = workspace.teams.get_column("key").to_list()
    toml = deadlines_toml(demo_deadlines(workspace.items, keys, until))
    return SeedReport(False, workspace.logins, report, time.perf_counter() - started, toml)


def _stored_logins(db: Database) -> tuple[DemoLogin, ...]:
    """The demo logins whose accounts exist (their passwords are the documented demo ones)."""
    from cadence.connectors.demo import DEMO_LOGINS

    with db.connect() as conn:
        return tuple(login for login in DEMO_LOGINS if user_exists(conn, login.username))
