"""Which work items exist, and when each is created, refined, planned and started.

Items come from five sources, per team and sprint (rates per team at scale 1; larger scales add teams):

* **planned** (SUP 30, PLAT 36 a sprint; 50 % more in the bad sprint): created days to weeks ahead, refined
  before planning, added to the sprint at (or the day before) its start, started over the sprint (earlier starts
  likelier). 1.5 % are dropped mid-sprint ("Won't Do"); 4 % had been planned a sprint earlier and descoped mid-way.
  A third of a sprint's worth is already planned into the future sprint.
* **unplanned** bugs and tasks (4 a sprint), created mid-sprint and added to it within the hour;
* **incidents** (about 2 a sprint, plus the incident week's burst), started by the on-call developer within minutes;
* **escalations** from the service desk: a bug (or an incident for P1/P2) created within the hour of a ticket's
  escalation to L3; urgent ones join the running sprint, the others the next one;
* **backlog** ideas (24 a sprint's worth) that are never planned: some refined, a fifth closed "Won't Do" weeks
  later, some bugs closed as "Duplicate".

All instants are effort hours on the item's team clock (see :mod:`cadence.connectors.demo.calendar`).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
from numpy.typing import NDArray

from .organisation import Organisation
from .sprints import ACTIVE, SprintPlan
from .storyline import BAD_SPRINT, INCIDENT_SPRINT
from .workflow import BUG, DUPLICATE, INCIDENT, STORY, TASK, UNRESOLVED, WONT_DO

__all__ = [
    "BACKLOG_IDEA",
    "ESCALATED",
    "PLANNED",
    "UNPLANNED",
    "Escalations",
    "Intake",
    "IntakeContext",
    "draw_estimates",
    "take_in",
]

PLANNED, UNPLANNED, BACKLOG_IDEA, ESCALATED = range(4)
_PLANNED_RATE = {"support": 30.0, "platform": 36.0}
_INCIDENT_RATE = {"support": 1.8, "platform": 1.2}
_UNPLANNED_RATE, _BACKLOG_RATE, _FUTURE_SHARE = 4.0, 24.0, 0.35
_BURST = (26.0, 5.0)  # incidents of the incident week: incident team, its platform partner
_PLANNED_MIX = {"support": (0.45, 0.30, 0.25, 0.0), "platform": (0.40, 0.15, 0.45, 0.0)}
_FIBONACCI = np.array([1.0, 2.0, 3.0, 5.0, 8.0, 13.0])
_POINTS = {
    STORY: (0.08, 0.2, 0.3, 0.25, 0.13, 0.04),
    BUG: (0.3, 0.3, 0.22, 0.13, 0.05, 0.0),
    TASK: (0.3, 0.35, 0.25, 0.1, 0, 0),
}
_ESTIMATED = np.array([1.0, 0.7, 0.25, 0.0])  # share of items with story points, by kind


@dataclass(frozen=True, eq=False)
class IntakeContext:
    """What intake needs to know about the organisation, the sprints and time."""

    org: Organisation
    plan: SprintPlan
    unit: float  # volume per team relative to scale 1
    history_start: NDArray[np.float64]  # per team, effort
    until: NDArray[np.float64]  # per team, effort reading at the end of ``until``
    burst: tuple[float, float]  # incident week on team 0's clock: the major incident, the end of the week
    burst_partner: tuple[float, float]  # the same span on team 1's clock


@dataclass(frozen=True, eq=False)
class Escalations:
    """Tickets escalated to engineering (L3), from the service desk simulation."""

    ticket: NDArray[np.int64]
    team: NDArray[np.int64]  # the team that will own the dev item
    at: NDArray[np.float64]  # escalation instant on that team's clock
    priority: NDArray[np.int64]  # 0..3 = P1..P4
    by: NDArray[np.int64]  # the L2 agent who escalated


@dataclass(frozen=True, eq=False)
class Intake:
    """One row per work item (parallel arrays); NaN / -1 mean "does not happen"."""

    team: NDArray[np.int64]
    kind: NDArray[np.int8]
    origin: NDArray[np.int8]
    created: NDArray[np.float64]
    ready: NDArray[np.float64]
    start: NDArray[np.float64]
    close: NDArray[np.float64]  # resolution of a never-started item
    resolution: NDArray[np.int8]  # of ``close``
    sprint: NDArray[np.int64]  # sprint it is worked in (first added to), -1 for none
    added: NDArray[np.float64]
    removed: NDArray[np.float64]  # mid-sprint removal from ``removed_sprint``
    removed_sprint: NDArray[np.int64]
    ghost_added: NDArray[np.float64]  # added to ``removed_sprint`` (a sprint before ``sprint``) and descoped
    speed: NDArray[np.float64]
    ticket: NDArray[np.int64]
    major: NDArray[np.bool_]
    priority: NDArray[np.int8]  # index into PRIORITIES; set for escalations, -1 until :func:`take_in` fills it
    reporter: NDArray[np.int64]  # -1 until filled

    @property
    def size(self) -> int:
        return int(self.team.size)


def _batch(n: int, **columns: NDArray[np.generic] | float | int) -> dict[str, NDArray[np.generic]]:
    nan, minus = np.full(n, np.nan), np.full(n, -1, np.int64)
    out: dict[str, NDArray[np.generic]] = {
        "ready": nan, "start": nan, "close": nan, "resolution": np.full(n, UNRESOLVED, np.int8),
        "sprint": minus, "added": nan, "removed": nan, "removed_sprint": minus, "ghost_added": nan,
        "speed": np.ones(n), "ticket": minus, "major": np.zeros(n, bool), "priority": np.full(n, -1, np.int8),
        "reporter": minus,
    }  # fmt: skip
    for name, value in columns.items():
        out[name] = np.broadcast_to(np.asarray(value), (n,)).copy()
    return out


def _kinds(mix: NDArray[np.float64], rng: np.random.Generator) -> NDArray[np.int8]:
    """One kind per row from per-row probabilities (rows of ``mix`` sum to 1)."""
    u = rng.random(size=int(mix.shape[0]))
    return np.asarray((u[:, None] > np.cumsum(mix, axis=1)).sum(axis=1), dtype=np.int8)


def _planned(ctx: IntakeContext, rng: np.random.Generator) -> dict[str, NDArray[np.generic]]:
    plan, teams = ctx.plan, ctx.org.teams
    rate = np.array([_PLANNED_RATE[t.kind] for t in teams])[:, None] * ctx.unit * np.ones((1, ACTIVE + 2))
    rate[:, ACTIVE + 1] *= _FUTURE_SHARE
    rate[BAD_SPRINT] *= 1.5
    counts = rng.poisson(rate).ravel()
    team = np.repeat(np.repeat(np.arange(len(teams)), ACTIVE + 2), counts)
    sprint = np.repeat(np.tile(np.arange(ACTIVE + 2), len(teams)), counts)
    n = team.size
    s0 = plan.start_effort[team, sprint]
    length = plan.start_effort[team, sprint + 1] - s0
    future, until, h0 = sprint > ACTIVE, ctx.until[team], ctx.history_start[team]
    add = s0 - np.where(rng.random(n) < 0.2, rng.uniform(1.5, 8.0, n), rng.uniform(0.02, 0.6, n))
    add = np.where(future, until - rng.uniform(0.3, 25.0, n), add)
    created = add - rng.lognormal(np.log(70.0), 1.0, n) - 1.0
    created = np.where(created < h0, h0 + rng.random(n) * np.maximum(add - h0 - 0.5, 0.05), created)
    ready = add - np.minimum(rng.lognormal(np.log(24.0), 0.7, n), 0.7 * (add - created))
    bad = (team == BAD_SPRINT[0]) & (sprint == BAD_SPRINT[1])
    hectic = (team == INCIDENT_SPRINT[0]) & (sprint == INCIDENT_SPRINT[1])
    start = np.where(future, np.nan, s0 + rng.beta(1.15, 2.3, n) * length * np.where(bad, 1.3, 1.0))

    removed = s0 + rng.uniform(0.15, 0.6, n) * length
    dropped = ~future & (rng.random(n) < 0.015) & (removed < until)
    ghost_s0 = plan.start_effort[team, np.maximum(sprint - 1, 0)]
    ghost_added = ghost_s0 - rng.uniform(0.02, 0.6, n)
    ghost = ~future & ~dropped & (sprint >= 1) & (rng.random(n) < 0.04) & (ghost_added - 1.0 > h0)
    ghost_created = np.maximum(h0, np.minimum(created, ghost_added - 1.0 - 20.0 * rng.random(n)))
    created = np.where(ghost, ghost_created, created)
    ready = np.where(ghost, created + rng.uniform(0.3, 0.9, n) * (ghost_added - created), ready)
    mix = np.array([_PLANNED_MIX[t.kind] for t in teams])[team]
    return _batch(
        n,
        team=team,
        kind=_kinds(mix, rng),
        origin=PLANNED,
        created=created,
        ready=ready,
        start=np.where(dropped, np.nan, start),
        close=np.where(dropped, removed + rng.lognormal(np.log(0.5), 0.5, n), np.nan),
        resolution=np.where(dropped, WONT_DO, UNRESOLVED).astype(np.int8),
        sprint=sprint,
        added=add,
        removed=np.where(
            dropped, removed, np.where(ghost, ghost_s0 + rng.uniform(0.3, 0.8, n) * (s0 - ghost_s0), np.nan)
        ),
        removed_sprint=np.where(dropped, sprint, np.where(ghost, sprint - 1, -1)),
        ghost_added=np.where(ghost, ghost_added, np.nan),
        speed=np.where(hectic, 1.35, 1.0),
    )


def _in_sprint(
    ctx: IntakeContext, rate: NDArray[np.float64], rng: np.random.Generator
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Teams and creation instants of items arriving uniformly during sprints (``rate`` per team and sprint)."""
    counts = rng.poisson(np.repeat(rate[:, None], ACTIVE + 1, axis=1)).ravel()
    team = np.repeat(np.repeat(np.arange(rate.size), ACTIVE + 1), counts)
    sprint = np.repeat(np.tile(np.arange(ACTIVE + 1), rate.size), counts)
    s0 = ctx.plan.start_effort[team, sprint]
    end = np.minimum(ctx.plan.close_effort[team, sprint], ctx.until[team])
    return team, s0 + rng.random(team.size) * (end - s0)


def _unplanned(ctx: IntakeContext, rng: np.random.Generator) -> dict[str, NDArray[np.generic]]:
    team, created = _in_sprint(ctx, np.full(len(ctx.org.teams), _UNPLANNED_RATE * ctx.unit), rng)
    n = team.size
    add = created + rng.lognormal(0.0, 0.8, n)
    return _batch(
        n,
        team=team,
        kind=np.where(rng.random(n) < 0.6, BUG, TASK).astype(np.int8),
        origin=UNPLANNED,
        created=created,
        ready=np.where(rng.random(n) < 0.5, created + rng.uniform(0.2, 0.8, n) * (add - created), np.nan),
        start=add + rng.lognormal(np.log(6.0), 1.0, n),
        sprint=ctx.plan.containing(team, add),
        added=add,
    )


def _incidents(ctx: IntakeContext, rng: np.random.Generator) -> dict[str, NDArray[np.generic]]:
    rate = np.array([_INCIDENT_RATE[t.kind] for t in ctx.org.teams]) * ctx.unit
    team, created = _in_sprint(ctx, rate, rng)
    burst = rng.poisson(np.array(_BURST) * ctx.unit)
    (w0, w1), (p0, p1) = ctx.burst, ctx.burst_partner
    in_week = rng.beta(0.7, 2.5, int(burst.sum()))
    week_start = np.repeat([w0, p0], burst)
    week_end = np.repeat([w1, p1], burst)
    created = np.concatenate([created, [w0], week_start + in_week * (week_end - week_start)])
    team = np.concatenate([team, [0], np.repeat([0, 1], burst)]).astype(np.int64)
    major = np.zeros(team.size, bool)
    major[team.size - burst.sum() - 1] = True
    n = team.size
    add = created + rng.lognormal(np.log(0.3), 0.6, n)
    return _batch(
        n,
        team=team,
        kind=INCIDENT,
        origin=UNPLANNED,
        created=created,
        start=created + rng.lognormal(np.log(0.1), 0.6, n),
        sprint=ctx.plan.containing(team, add),
        added=add,
        major=major,
        priority=np.where(major | (rng.random(n) < 0.35), 0, 1).astype(np.int8),
    )


def _backlog(ctx: IntakeContext, rng: np.random.Generator) -> dict[str, NDArray[np.generic]]:
    counts = rng.poisson(np.full(len(ctx.org.teams), _BACKLOG_RATE * ctx.unit * (ACTIVE + 1)))
    team = np.repeat(np.arange(counts.size), counts)
    n = team.size
    h0, until = ctx.history_start[team], ctx.until[team]
    created = h0 + rng.random(n) * (until - h0)
    kind = _kinds(np.tile([0.5, 0.3, 0.2, 0.0], (n, 1)), rng)
    fate = rng.random(n)
    wont, duplicate = fate < 0.2, (fate < 0.3) & (fate >= 0.2) & (kind == BUG)
    close = np.where(wont, created + rng.lognormal(np.log(150.0), 1.0, n), np.nan)
    close = np.where(duplicate, created + rng.lognormal(np.log(8.0), 1.0, n), close)
    return _batch(
        n,
        team=team,
        kind=kind,
        origin=BACKLOG_IDEA,
        created=created,
        ready=np.where(rng.random(n) < 0.3, created + rng.lognormal(np.log(30.0), 1.0, n), np.nan),
        close=close,
        resolution=np.select([wont, duplicate], [WONT_DO, DUPLICATE], UNRESOLVED).astype(np.int8),
    )


def _escalated(ctx: IntakeContext, esc: Escalations, rng: np.random.Generator) -> dict[str, NDArray[np.generic]]:
    plan, n, team, prio = ctx.plan, esc.ticket.size, esc.team, esc.priority
    created = np.minimum(esc.at + rng.lognormal(np.log(0.4), 0.6, n), ctx.until[team])
    u = rng.random(n)
    kind = np.where((prio == 0) & (u < 0.7) | (prio == 1) & (u < 0.2), INCIDENT, BUG).astype(np.int8)
    current = plan.containing(team, created)
    urgent = (prio <= 1) | (rng.random(n) < 0.55) | (current >= ACTIVE)
    sprint = np.minimum(current + 1, ACTIVE)
    s0 = plan.start_effort[team, sprint]
    urgent_add = created + rng.lognormal(np.log(0.5), 0.6, n)
    add = np.where(urgent, urgent_add, s0 - rng.uniform(0.02, 0.6, n))
    sprint = np.where(urgent, plan.containing(team, urgent_add), sprint)
    delay = rng.lognormal(np.log(np.array([0.2, 2.0, 8.0, 8.0])[prio]), 0.8)
    start = np.where(urgent, add + delay, s0 + rng.beta(1.15, 2.3, n) * (plan.start_effort[team, sprint + 1] - s0))
    refined = ~urgent | ((kind == BUG) & (rng.random(n) < 0.5))
    return _batch(
        n,
        team=team,
        kind=kind,
        origin=ESCALATED,
        created=created,
        ready=np.where(refined, created + rng.uniform(0.3, 0.9, n) * (np.minimum(add, start) - created), np.nan),
        start=start,
        sprint=sprint,
        added=add,
        ticket=esc.ticket,
        priority=prio.astype(np.int8),
        reporter=esc.by,
    )


def take_in(ctx: IntakeContext, escalations: Escalations, rng: np.random.Generator) -> Intake:
    """All work items of the demo, before their histories are simulated."""
    batches = [_planned(ctx, rng), _unplanned(ctx, rng), _incidents(ctx, rng), _backlog(ctx, rng)]
    batches.append(_escalated(ctx, escalations, rng))
    columns = {f.name: np.concatenate([b[f.name] for b in batches]) for f in fields(Intake)}
    intake = Intake(**columns)
    _fill_priorities(intake, rng)
    _fill_reporters(ctx.org, intake, rng)
    return intake


def _fill_priorities(intake: Intake, rng: np.random.Generator) -> None:
    """Jira priorities by kind where no source set one (in place: the arrays are intake's own)."""
    table = np.array(
        [[0.0, 0.15, 0.7, 0.15, 0.0], [0.05, 0.3, 0.5, 0.15, 0.0], [0.0, 0.1, 0.6, 0.25, 0.05], [0.35, 0.65, 0, 0, 0]]
    )
    drawn = _kinds(table[intake.kind], rng)
    intake.priority[:] = np.where(intake.priority >= 0, intake.priority, drawn)


def _fill_reporters(org: Organisation, intake: Intake, rng: np.random.Generator) -> None:
    """Who opened each item: the manager writes most stories, agents report bugs, developers the rest."""
    n, team = intake.size, intake.team
    developer = org.pick("developers", team, rng.random(n))
    has_agents = (org.l1_offset[team + 1] - org.l1_offset[team]) > 0
    agent = np.where(has_agents, org.pick("first_line", np.where(has_agents, team, 0), rng.random(n)), developer)
    u = rng.random(n)
    choice = np.select(
        [(intake.kind == STORY) & (u < 0.6), (intake.kind == BUG) & has_agents & (u < 0.45)],
        [org.manager[team], agent],
        developer,
    )
    intake.reporter[:] = np.where(intake.reporter >= 0, intake.reporter, choice)


def draw_estimates(intake: Intake, rng: np.random.Generator) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Story points at refinement and after any re-estimate (NaN: never estimated)."""
    n, kind = intake.size, intake.kind
    points = np.full(n, np.nan)
    grade = np.zeros(n, np.int64)
    for k, probabilities in _POINTS.items():
        rows = np.flatnonzero(kind == k)
        grade[rows] = rng.choice(6, size=rows.size, p=np.array(probabilities) / np.sum(probabilities))
    estimated = rng.random(n) < _ESTIMATED[kind]
    points = np.where(estimated, _FIBONACCI[grade], points)
    regrade = np.clip(grade + np.where(rng.random(n) < 0.75, 1, -1), 0, 5)
    again = estimated & (intake.sprint >= 0) & ~np.isnan(intake.start) & np.isin(kind, (STORY, BUG))
    again &= rng.random(n) < 0.08
    return points, np.where(again, _FIBONACCI[regrade], points)
