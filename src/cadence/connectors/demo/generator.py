"""``generate_demo``: the whole demo workspace from a seed, a scale and the last simulated day.

The order matters because the parts feed each other: the organisation and sprint grid fix the stage; the service
desk runs until tickets are escalated; intake turns plans, interruptions and escalations into items; their
histories decide when tickets resolved by engineering can be closed, which items carry over between sprints, and
what the ceremonies talk about. Every part draws from its own named random stream, so changing one part's
randomness never reshuffles another's.
"""

from __future__ import annotations

import datetime as dt
import zlib
from dataclasses import dataclass

import numpy as np
import polars as pl
from numpy.typing import NDArray

from .calendar import (
    CUSTOMER_HOURS,
    OFFICE_HOURS,
    US_PER_DAY,
    WorkCalendar,
    build_calendar,
    epoch_day,
    local_instants,
)
from .ceremonies import hold_ceremonies
from .flow import block_stalled_work, simulate_histories
from .intake import ESCALATED, PLANNED, Escalations, Intake, IntakeContext, draw_estimates, take_in
from .items import Work, record_work
from .links import link_items
from .organisation import DemoLogin, Organisation, build_organisation
from .refinement import refine_backlog
from .risks import raise_impediments, register_risks
from .sprints import ACTIVE, NEVER, Episode, SprintPlan, plan_sprints, sprint_changes, sprint_grid
from .storyline import BAD_SPRINT, locate_storyline, team_count
from .support import close_tickets, open_tickets, ticket_frames, to_engineering

__all__ = ["DemoWorkspace", "generate_demo"]

_HISTORY_LEAD_DAYS = 21  # the backlog of the first sprint was written in the three weeks before it
_BAD_SPRINT_SLOWDOWN = 3.0  # the bad sprint's team works at a third of its pace on its sprint items


@dataclass(frozen=True)
class DemoWorkspace:
    """Every frame of the demo workspace, each conformed to its schema in :mod:`cadence.domain.frames`."""

    teams: pl.DataFrame
    people: pl.DataFrame
    memberships: pl.DataFrame
    sprints: pl.DataFrame
    items: pl.DataFrame
    transitions: pl.DataFrame
    sprint_changes: pl.DataFrame
    estimate_changes: pl.DataFrame
    assignee_changes: pl.DataFrame
    flag_changes: pl.DataFrame
    item_links: pl.DataFrame
    tickets: pl.DataFrame
    ticket_events: pl.DataFrame
    ticket_links: pl.DataFrame
    meetings: pl.DataFrame
    check_ins: pl.DataFrame
    impediments: pl.DataFrame
    risks: pl.DataFrame
    action_items: pl.DataFrame
    logins: tuple[DemoLogin, ...]


def _stream(seed: int, name: str) -> np.random.Generator:
    """An independent generator per concern, derived from the seed and the concern's name."""
    return np.random.default_rng([seed, zlib.crc32(name.encode())])


def _day(epoch: int) -> dt.date:
    return dt.date(1970, 1, 1) + dt.timedelta(days=int(epoch))


def generate_demo(*, seed: int = 7, scale: float = 1.0, until: dt.date, teams: int | None = None) -> DemoWorkspace:
    """A realistic demo workspace whose history ends on ``until`` (UTC end of day).

    Same arguments, same frames. ``scale`` multiplies work items (about 2,000 at 1) and tickets (about 1,500) and
    adds teams of five to seven developers (about two per unit of scale). ``teams`` fixes the number of teams
    instead (at least 2): the same total volume is then shared by that many teams, so a few teams can each hold
    tens of thousands of items (the load benchmark's 20 teams x 50k items is ``scale=500, teams=20``).
    """
    if not scale > 0:
        raise ValueError(f"scale must be positive, got {scale}")
    if teams is not None and teams < 2:
        raise ValueError(f"teams must be at least 2 (the storyline needs SUP and PLAT), got {teams}")
    org = build_organisation(team_count(scale) if teams is None else teams)
    n_teams = len(org.teams)
    grid = sprint_grid(org.teams, until)
    scenario = locate_storyline(org.teams, grid)
    history_start = _day(int(grid[:, 0].min())) - dt.timedelta(days=_HISTORY_LEAD_DAYS)
    zones, countries = [t.zone for t in org.teams], [t.country for t in org.teams]
    first, last = history_start - dt.timedelta(days=7), max(_day(int(grid.max())), until) + dt.timedelta(days=14)
    (bt, bj), slow = BAD_SPRINT, _BAD_SPRINT_SLOWDOWN
    office = build_calendar(
        zones, countries, first, last, OFFICE_HOURS, [(bt, int(grid[bt, bj]), int(grid[bt, bj + 1]), slow)]
    )
    customers = build_calendar(zones, countries, first, last, CUSTOMER_HOURS)
    team_rows = np.arange(n_teams, dtype=np.int64)
    until_end = (epoch_day(until) + 1) * US_PER_DAY - 1
    until_effort = office.effort_at(team_rows, np.full(n_teams, until_end))
    start_utc = local_instants(team_rows, np.full(n_teams, epoch_day(history_start)), np.full(n_teams, 8.0), zones)
    plan = plan_sprints(org, grid, office, _stream(seed, "sprints"), BAD_SPRINT)

    # the outage starts on the incident week's Monday at 10:06 on the incident team's clock; tickets pour in until
    # Wednesday evening, incidents keep being opened until the weekend (on both base teams' clocks)
    monday = epoch_day(scenario.incident_week[0])
    outage, wednesday, saturday = local_instants(
        np.zeros(3, np.int64), monday + np.array([0, 2, 5]), np.array([10.1, 18.0, 0.0]), zones
    )
    burst = office.effort_at(np.array([0, 0, 1, 1]), np.array([outage, saturday, outage, saturday]))

    desk = open_tickets(
        org, office, customers, (int(plan.start[:, 0].min()), until_end), (int(outage), int(wednesday)), scale,
        until_effort, _stream(seed, "desk"),
    )  # fmt: skip
    esc = to_engineering(desk, org, office, _stream(seed, "escalation"))
    context = IntakeContext(
        org=org,
        plan=plan,
        unit=2.0 * scale / n_teams,
        history_start=office.effort_at(team_rows, start_utc),
        until=until_effort,
        burst=(float(burst[0]), float(burst[1])),
        burst_partner=(float(burst[2]), float(burst[3])),
    )
    intake = take_in(context, Escalations(*esc), _stream(seed, "intake"))
    points = draw_estimates(intake, _stream(seed, "estimates"))
    horizon = until_effort[intake.team]
    history = simulate_histories(
        intake.kind, intake.ready, intake.start, intake.close, intake.speed, points[1], horizon, _stream(seed, "flow")
    )
    history = block_stalled_work(history, intake.team, horizon, _stream(seed, "blocked"))
    work = record_work(intake, history, points, org, office, horizon, _stream(seed, "items"))
    changes = _memberships(intake, work, plan, org, office, until_end)

    escalated = np.flatnonzero(intake.ticket >= 0)
    item_of_ticket = np.full(desk.t.size, -1, np.int64)
    item_of_ticket[intake.ticket[escalated]] = escalated
    resolved = np.where(desk.to_dev, work.resolved[np.maximum(item_of_ticket, 0)], NEVER)[desk.to_dev]
    close_tickets(desk, office, np.minimum(resolved, office.window_start.max()), _stream(seed, "closing"))
    major = int(np.flatnonzero(intake.major)[0])
    tickets, ticket_events, ticket_links = ticket_frames(
        desk, org, office, until_effort, (intake.ticket[escalated], escalated, work.created[escalated]),
        (major, int(work.created[major])), work.ids, until_end, _stream(seed, "tickets"),
    )  # fmt: skip

    items = refine_backlog(
        _touch(work, changes), office, [t.key for t in org.teams], until_effort, until_end, _stream(seed, "refinement")
    )
    item_links = link_items(intake, work, until_end, _stream(seed, "links"))
    meetings, check_ins, action_items = hold_ceremonies(
        org, office, plan, work, changes, until, until_end, _stream(seed, "ceremonies")
    )
    impediments = raise_impediments(org, work, office, until_end, _stream(seed, "impediments"))
    risks = register_risks(org, plan, office, until, _stream(seed, "risks"))
    return DemoWorkspace(
        teams=org.team_frame,
        people=org.people,
        memberships=org.memberships,
        sprints=plan.frame,
        items=items,
        transitions=work.transitions,
        sprint_changes=changes,
        estimate_changes=work.estimate_changes,
        assignee_changes=work.assignee_changes,
        flag_changes=work.flag_changes,
        item_links=item_links,
        tickets=tickets,
        ticket_events=ticket_events,
        ticket_links=ticket_links,
        meetings=meetings,
        check_ins=check_ins,
        impediments=impediments,
        risks=risks,
        action_items=action_items,
        logins=org.logins,
    )


def _memberships(
    intake: Intake, work: Work, plan: SprintPlan, org: Organisation, office: WorkCalendar, until_end: int
) -> pl.DataFrame:
    """Sprint changes of every item: its first sprint (planned, or joined mid-sprint), carry-overs, a second stay
    when it is reopened after its sprint closed, and the descoped/dropped removals."""
    team = intake.team
    rows = np.flatnonzero(intake.sprint >= 0)
    t = team[rows]
    closes = plan.completed[:, :ACTIVE]

    def sprint_at(teams: NDArray[np.int64], instant: NDArray[np.int64]) -> NDArray[np.int64]:
        return np.asarray(np.minimum((closes[teams] <= instant[:, None]).sum(axis=1), ACTIVE), dtype=np.int64)

    def clock(of: NDArray[np.int64], effort: NDArray[np.float64]) -> NDArray[np.int64]:
        return (office.to_utc(team[of], np.nan_to_num(effort)) // 1000) * 1000

    final, first_done, reopened = work.resolved[rows], work.first_done[rows], work.reopened[rows]
    j_done = sprint_at(t, first_done)
    close_of_done = np.where(j_done < ACTIVE, closes[t, np.minimum(j_done, ACTIVE - 1)], NEVER)
    split = (reopened != NEVER) & (reopened >= close_of_done)
    dropped = ~np.isnan(intake.removed[rows]) & (intake.removed_sprint[rows] == intake.sprint[rows])
    ends = np.where(dropped, clock(rows, intake.removed[rows]), np.where(split, first_done, final))
    by = np.where(np.isin(intake.origin[rows], (PLANNED, ESCALATED)), org.manager[t], intake.reporter[rows])

    again = rows[split]
    ghosts = np.flatnonzero(~np.isnan(intake.ghost_added))
    removed = np.flatnonzero(~np.isnan(intake.removed))
    episodes = Episode(
        item=np.concatenate([rows, again, ghosts]),
        team=np.concatenate([t, team[again], team[ghosts]]),
        sprint=np.concatenate(
            [intake.sprint[rows], sprint_at(team[again], work.reopened[again]), intake.removed_sprint[ghosts]]
        ),
        added_at=np.concatenate(
            [
                clock(rows, intake.added[rows]),
                work.reopened[again] + 60_000_000,
                clock(ghosts, intake.ghost_added[ghosts]),
            ]
        ),
        added_by=np.concatenate([by, org.manager[team[again]], org.manager[team[ghosts]]]),
        ends_at=np.concatenate([ends, work.resolved[again], clock(ghosts, intake.removed[ghosts])]),
    )
    removals = (removed, team[removed], intake.removed_sprint[removed], clock(removed, intake.removed[removed]))
    return sprint_changes(plan, episodes, removals, org.manager, work.ids, org.person_ids, until_end)


def _touch(work: Work, changes: pl.DataFrame) -> pl.DataFrame:
    """Items whose ``updated_at`` also covers their sprint changes."""
    latest = changes.group_by("item_source_id").agg(sprint_touch=pl.col("at").max())
    return (
        work.items.join(latest, left_on="source_id", right_on="item_source_id", how="left", maintain_order="left")
        .with_columns(updated_at=pl.max_horizontal("updated_at", "sprint_touch"))
        .drop("sprint_touch")
    )
