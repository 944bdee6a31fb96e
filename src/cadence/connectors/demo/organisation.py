"""Who works where in the demo organisation: teams, people, roles and the demo logins.

At scale 1 the organisation is hand-written so the docs can name its people: a support-engineering team (SUP,
Paris) that fixes what customers escalate, a platform team (PLAT, London), a delivery manager who runs both, a head
of engineering who administers them and a customer-success stakeholder who only watches. Larger scales add teams of
five to seven developers (alternately support-facing and platform, in other European offices) rather than
swelling the two teams, so per-team volumes stay believable at benchmark sizes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
from numpy.typing import NDArray

from cadence.domain.frames import MEMBERSHIPS, PEOPLE, TEAMS, conform

__all__ = ["DEMO_LOGINS", "DemoLogin", "Organisation", "TeamProfile", "build_organisation"]


@dataclass(frozen=True)
class DemoLogin:
    """A ready-made account of the demo workspace (demo data only: the password is published in the docs)."""

    username: str
    password: str
    person_id: str
    description: str


def _person_id(row: int) -> str:
    return f"demo-user-{row:05d}"


DEMO_LOGINS = (
    DemoLogin("pm", "pm-cadence-demo", _person_id(0), "Camille Laurent, delivery manager (manager of SUP and PLAT)"),
    DemoLogin("dev", "dev-cadence-demo", _person_id(3), "Lucas Moreau, developer (member of SUP)"),
    DemoLogin("agent", "agent-cadence-demo", _person_id(9), "Chloé Martin, first-line support agent (support in SUP)"),
    DemoLogin("stakeholder", "stakeholder-cadence-demo", _person_id(2), "Helen Brooks, VP customer success (viewer)"),
    DemoLogin("admin", "admin-cadence-demo", _person_id(1), "Daniel Okafor, head of engineering (admin of every team)"),
)
"""The demo's accounts, the same at every seed and scale (the people rows are fixed)."""


@dataclass(frozen=True)
class TeamProfile:
    """A team's identity, office and habits."""

    key: str
    name: str
    kind: str  # support (owns a service desk, fixes escalations) | platform
    zone: str
    country: str
    sprint_weekday: int  # 0 = Monday
    components: tuple[str, ...]
    desk: str | None  # service-desk project key of a support team


_SUPPORT_COMPONENTS = ("Billing", "Accounts", "Customer portal", "Notifications", "Support tools")
_PLATFORM_COMPONENTS = ("Infrastructure", "CI/CD", "Observability", "Databases", "API gateway")
_BASE_TEAMS = (
    TeamProfile("SUP", "Support Engineering", "support", "Europe/Paris", "FR", 0, _SUPPORT_COMPONENTS, "HELP"),
    TeamProfile("PLAT", "Platform", "platform", "Europe/London", "GB", 2, _PLATFORM_COMPONENTS, None),
)
_MORE_SUPPORT = (("BILL", "Billing"), ("ACC", "Accounts & Identity"), ("INT", "Integrations"), ("MOB", "Mobile"))
_MORE_PLATFORM = (("DATA", "Data Platform"), ("OBS", "Observability"), ("EDGE", "API Gateway"), ("DEVX", "DevEx"))
_OFFICES = (
    ("Europe/Paris", "FR"),
    ("Europe/London", "GB"),
    ("Europe/Berlin", "DE"),
    ("Europe/Madrid", "ES"),
    ("Europe/Lisbon", "PT"),
    ("Europe/Amsterdam", "NL"),
)

# name, e-mail local part; the order fixes who is who (see the docs' cast list)
_LEADS = (
    ("Camille Laurent", "camille.laurent"),  # delivery manager of SUP and PLAT
    ("Daniel Okafor", "daniel.okafor"),  # head of engineering, admin of every team
    ("Helen Brooks", "helen.brooks"),  # VP customer success, viewer of every team
)
_SUP_DEVELOPERS = (
    ("Lucas Moreau", "lucas.moreau"),
    ("Inès Haddad", "ines.haddad"),
    ("Thomas Girard", "thomas.girard"),
    ("Sofia Rossi", "sofia.rossi"),
    ("Mehdi Benali", "mehdi.benali"),
    ("Julie Petit", "julie.petit"),
)
_SUP_AGENTS_L1 = (("Chloé Martin", "chloe.martin"), ("Antoine Lefèvre", "antoine.lefevre"))
_SUP_AGENTS_L2 = (("Priya Nair", "priya.nair"), ("Marc Dubois", "marc.dubois"))
_PLAT_DEVELOPERS = (
    ("Oliver Hughes", "oliver.hughes"),
    ("Amelia Clarke", "amelia.clarke"),
    ("Raj Patel", "raj.patel"),
    ("Emma Walsh", "emma.walsh"),
    ("Tomasz Nowak", "tomasz.nowak"),
)
_FIRST = (
    "Adam Alice Ana Ben Carla Chen Clara David Elena Eva Felix Fatima Georg Hana Hugo Ivan Jade Jonas Karim Lea "
    "Leo Lina Luis Maja Marco Maria Mila Nadia Nils Noah Olga Omar Paula Pedro Rosa Sami Sara Simon Tara Theo "
    "Vera Victor Yara Yusuf Zoe Anton Bruno Greta Ida Kofi"
)
_LAST = (
    "Almeida Andersen Becker Bianchi Costa Dijkstra Eriksen Ferreira Fischer Garcia Hansen Ivanova Jansen Keller "
    "Kowalski Lindqvist Lopez Marsh Meyer Molina Novak Olsen Pereira Quinn Reyes Richter Santos Schmidt Silva "
    "Sousa Svensson Torres Varga Vogel Walker Weber Young Zimmermann Baker Carter Doyle Evans Fox Grant Hall "
    "Irwin Kerr"
)


@dataclass(frozen=True, eq=False)
class Organisation:
    """Teams and people, with index arrays the simulation picks actors from (people are rows of ``people``)."""

    teams: tuple[TeamProfile, ...]
    team_frame: pl.DataFrame
    people: pl.DataFrame
    memberships: pl.DataFrame
    logins: tuple[DemoLogin, ...]
    developers: NDArray[np.int64]  # person rows grouped by team; team t owns developers[dev_offset[t]:dev_offset[t+1]]
    dev_offset: NDArray[np.int64]
    first_line: NDArray[np.int64]  # L1 agents, grouped by team like developers
    l1_offset: NDArray[np.int64]
    second_line: NDArray[np.int64]  # L2 agents
    l2_offset: NDArray[np.int64]
    manager: NDArray[np.int64]  # the delivery manager of each team

    @property
    def person_ids(self) -> pl.Series:
        return self.people.get_column("source_id")

    def pick(self, pool: str, team: NDArray[np.int64], u: NDArray[np.float64]) -> NDArray[np.int64]:
        """One person per row from a team's ``developers``/``first_line``/``second_line``, ``u`` uniform in [0, 1)."""
        members, offset = {
            "developers": (self.developers, self.dev_offset),
            "first_line": (self.first_line, self.l1_offset),
            "second_line": (self.second_line, self.l2_offset),
        }[pool]
        size = offset[team + 1] - offset[team]
        return np.asarray(members[offset[team] + np.minimum((u * size).astype(np.int64), size - 1)], dtype=np.int64)


def _team_profiles(n_teams: int) -> tuple[TeamProfile, ...]:
    teams = list(_BASE_TEAMS)
    desks = 1
    for i in range(2, n_teams):
        support = i % 2 == 0
        pool = _MORE_SUPPORT if support else _MORE_PLATFORM
        k = (i - 2) // 2
        key, name = pool[k % len(pool)]
        if k >= len(pool):
            key, name = f"{key}{k // len(pool) + 1}", f"{name} {k // len(pool) + 1}"
        zone, country = _OFFICES[i % len(_OFFICES)]
        desk = f"HELP{desks + 1}" if support else None
        desks += support
        components = _SUPPORT_COMPONENTS if support else _PLATFORM_COMPONENTS
        teams.append(
            TeamProfile(key, name, "support" if support else "platform", zone, country, i % 3, components, desk)
        )
    return tuple(teams)


def _generated_names(count: int) -> tuple[list[str], list[str]]:
    """Distinct ``First Last`` names (2,350 before e-mails need a numeric suffix)."""
    firsts, lasts = np.array(_FIRST.split()), np.array(_LAST.split())
    g = np.arange(count)
    first = firsts[g % firsts.size]
    last = lasts[(g // firsts.size + g) % lasts.size]
    round_ = g // (firsts.size * lasts.size)
    suffix = np.where(round_ > 0, (round_ + 1).astype(str), "")
    names = np.char.add(np.char.add(first, " "), last)
    emails = np.char.add(np.char.add(np.char.add(np.char.lower(first), "."), np.char.lower(last)), suffix)
    return names.tolist(), emails.tolist()


def build_organisation(n_teams: int) -> Organisation:
    """The demo organisation with ``n_teams`` teams (at least the two base teams)."""
    teams = _team_profiles(max(2, n_teams))
    n = len(teams)
    named = [*_LEADS, *_SUP_DEVELOPERS, *_SUP_AGENTS_L1, *_SUP_AGENTS_L2, *_PLAT_DEVELOPERS]
    sizes = [(5 + i % 3, (3 + i % 2) if t.kind == "support" else 0) for i, t in enumerate(teams)][2:]
    extra_managers = (n - 1) // 2
    generated = sum(d + a for d, a in sizes) + extra_managers
    gen_names, gen_emails = _generated_names(generated)
    names = [p[0] for p in named] + gen_names
    emails = [p[1] for p in named] + gen_emails

    # person rows: leads 0-2, SUP developers 3-8, SUP agents 9-12, PLAT developers 13-17, then generated teams
    team_devs: list[list[int]] = [list(range(3, 9)), list(range(13, 18))]
    team_l1: list[list[int]] = [[9, 10], []]
    team_l2: list[list[int]] = [[11, 12], []]
    row = len(named)
    for devs, agents in sizes:
        team_devs.append(list(range(row, row + devs)))
        row += devs
        team_l1.append(list(range(row, row + min(agents, 2))))
        team_l2.append(list(range(row + min(agents, 2), row + agents)))
        row += agents
    managers = [0, 0] + [row + (i - 2) // 2 for i in range(2, n)]

    ids = pl.Series("source_id", [_person_id(i) for i in range(len(names))])
    people = pl.DataFrame({"source_id": ids, "display_name": names, "email": [f"{e}@example.com" for e in emails]})

    member_rows: list[tuple[int, int, str]] = []
    for t in range(n):
        member_rows += [(t, p, "member") for p in team_devs[t]]
        member_rows += [(t, p, "support") for p in team_l1[t] + team_l2[t]]
        member_rows += [(t, managers[t], "manager"), (t, 1, "admin"), (t, 2, "viewer")]
    team_idx, person_idx, roles = (list(c) for c in zip(*member_rows, strict=True))
    memberships = pl.DataFrame(
        {
            "team": pl.Series([t.key for t in teams]).gather(team_idx),
            "person_id": ids.gather(person_idx),
            "role": roles,
        }
    )

    def flat(groups: list[list[int]]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        offset = np.concatenate([[0], np.cumsum([len(g) for g in groups])]).astype(np.int64)
        return np.array([p for g in groups for p in g], dtype=np.int64), offset

    developers, dev_offset = flat(team_devs)
    first_line, l1_offset = flat(team_l1)
    second_line, l2_offset = flat(team_l2)
    teams_frame = pl.DataFrame(
        {
            "key": [t.key for t in teams],
            "name": [t.name for t in teams],
            "timezone": [t.zone for t in teams],
            "country": [t.country for t in teams],
        }
    )
    return Organisation(
        teams=teams,
        team_frame=conform(teams_frame, TEAMS, name="teams"),
        people=conform(people, PEOPLE, name="people"),
        memberships=conform(memberships, MEMBERSHIPS, name="memberships"),
        logins=DEMO_LOGINS,
        developers=developers,
        dev_offset=dev_offset,
        first_line=first_line,
        l1_offset=l1_offset,
        second_line=second_line,
        l2_offset=l2_offset,
        manager=np.array(managers, dtype=np.int64),
    )
