"""The demo's storyline: where its bad sprint and its incident week happen.

A PM exploring the demo should find the shapes real teams live through, at places the docs can name:

* **the bad sprint**: PLAT's sixth-to-last sprint, goal "Kubernetes cluster migration + PostgreSQL 16 in
  production": half again as many items committed as usual while the team works at a third of its pace on its
  board (a calendar slowdown), so its completion is the lowest of all and most of it carries over;
* **the incident week**: the second week of SUP's fourth-to-last sprint, a payment-gateway outage: a burst of
  incidents on SUP (and a few on PLAT), a spike of P1/P2 payment tickets related to the major incident, and the
  sprint's unplanned additions jump;
* **blocked today**: about one in six of each team's In Progress items, the most stalled ones, are flagged on
  ``until``, with open impediments.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .organisation import TeamProfile, build_organisation
from .sprints import ACTIVE, sprint_grid, sprint_numbers

__all__ = ["BAD_SPRINT", "INCIDENT_SPRINT", "DemoScenario", "demo_scenario", "locate_storyline", "team_count"]

BAD_SPRINT = (1, ACTIVE - 5)
"""(team index, sprint index) of the bad sprint."""
INCIDENT_SPRINT = (0, ACTIVE - 3)
"""(team index, sprint index) of the sprint whose second week is the incident week."""


@dataclass(frozen=True)
class DemoScenario:
    """Where the storyline happens in a generated workspace."""

    bad_team: str
    bad_sprint_id: str
    incident_team: str
    incident_sprint_id: str
    incident_week: tuple[dt.date, dt.date]  # Monday, and the following Monday (exclusive), in the team's zone


def team_count(scale: float) -> int:
    """Teams grow with scale (about two per unit of scale) so each keeps a believable size and volume."""
    return max(2, round(2 * scale))


def locate_storyline(teams: tuple[TeamProfile, ...], grid: NDArray[np.int64]) -> DemoScenario:
    """The storyline's places on a sprint grid (see :func:`cadence.connectors.demo.sprints.sprint_grid`)."""
    numbers = sprint_numbers(grid)
    (bt, bj), (it, ij) = BAD_SPRINT, INCIDENT_SPRINT
    second_week = dt.date(1970, 1, 1) + dt.timedelta(days=int(grid[it, ij]) + 7)
    monday = second_week - dt.timedelta(days=second_week.weekday())
    return DemoScenario(
        bad_team=teams[bt].key,
        bad_sprint_id=f"demo-sprint-{teams[bt].key}-{numbers[bt, bj]}",
        incident_team=teams[it].key,
        incident_sprint_id=f"demo-sprint-{teams[it].key}-{numbers[it, ij]}",
        incident_week=(monday, monday + dt.timedelta(days=7)),
    )


def demo_scenario(*, until: dt.date, scale: float = 1.0, teams: int | None = None) -> DemoScenario:
    """The storyline of ``generate_demo(until=until, scale=scale, teams=teams)`` (any seed), without generating
    anything."""
    profiles = build_organisation(team_count(scale) if teams is None else teams).teams
    return locate_storyline(profiles, sprint_grid(profiles, until))
