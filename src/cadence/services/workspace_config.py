"""The workspace file (``cadence.toml``): each team's workflow and metric settings.

An absent file means the defaults (the demo's workflow). A present but wrong file is a
:class:`ConfigurationError` naming the file and the key, never a silent fallback::

    [workflow]                      # every team's workflow unless a team overrides it
    commitment = "Ready"
    delivery = "Done"
    [[workflow.stages]]
    name = "Backlog"
    category = "backlog"
    statuses = ["Backlog", "To Do"]
    ...

    [metrics]
    unplanned_types = ["incident", "support"]
    bug_types = ["bug", "defect"]
    production_label = "found-in-production"

    [teams.PLAT]                    # per-team overrides, by team key
    time_zone = "Europe/Berlin"
    [teams.PLAT.workflow]           # a whole workflow, same shape as [workflow]
    ...
    [teams.PLAT.support]            # the support desk: triage duty, priority matrix (see SupportSettings)
    triage_rotation = ["ann", "bo"]
    rotation_days = 7
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from cadence.analytics.defects import BUG_TYPES, PRODUCTION_LABEL
from cadence.analytics.impediment_signals import SignalRules
from cadence.analytics.risk_signals import RiskRules
from cadence.analytics.sprint_scope import UNPLANNED_TYPES
from cadence.analytics.workflow import DEFAULT_WORKFLOW, Workflow
from cadence.domain.errors import ConfigurationError
from cadence.services.standup_schedule import StandupSettings, parse_standup_settings

__all__ = [
    "DEFAULT_PRIORITY_MATRIX",
    "MetricSettings",
    "PlanningSettings",
    "SupportSettings",
    "TeamConfig",
    "WorkspaceConfig",
    "load_workspace_config",
    "workflow_from_board",
]

_TOP_KEYS = {"workflow", "metrics", "teams"}
_METRIC_KEYS = {"unplanned_types", "bug_types", "production_label"}
_TEAM_KEYS = {
    "workflow", "time_zone", "support", "planning", "impediments", "standup", "risks", "risk_register", "deadlines",
}  # fmt: skip


@dataclass(frozen=True)
class MetricSettings:
    unplanned_types: tuple[str, ...] = tuple(UNPLANNED_TYPES)
    bug_types: tuple[str, ...] = tuple(BUG_TYPES)
    production_label: str = PRODUCTION_LABEL


# --- support desk (``[teams.KEY.support]``) ---------------------------------------------------------------------

_SUPPORT_KEYS = {"triage_rotation", "rotation_days", "rotation_start", "priority_matrix", "stall_days"}
_LEVELS = ("high", "medium", "low")
_PRIORITIES = ("P1", "P2", "P3", "P4")
DEFAULT_PRIORITY_MATRIX: Mapping[str, Mapping[str, str]] = {
    "high": {"high": "P1", "medium": "P2", "low": "P3"},
    "medium": {"high": "P2", "medium": "P3", "low": "P4"},
    "low": {"high": "P3", "medium": "P4", "low": "P4"},
}
"""Priority of an accepted ticket by impact (outer key) and urgency (inner key): the ITIL grid on four levels."""


@dataclass(frozen=True)
class SupportSettings:
    """A team's support desk: who is on triage duty, and how impact x urgency becomes a priority."""

    triage_rotation: tuple[str, ...] = ()
    """People taking triage duty in turn (usernames or names, shown as written)."""
    rotation_days: int = 7
    rotation_start: dt.date = dt.date(2024, 1, 1)
    """The first day of the first person's first turn (a Monday by default)."""
    priority_matrix: Mapping[str, Mapping[str, str]] = field(default_factory=lambda: DEFAULT_PRIORITY_MATRIX)
    stall_days: int = 5
    """The digest lists a linked dev item as stalled after this many days without a stage change."""

    def on_duty(self, day: dt.date) -> str | None:
        """Who triages on ``day``: turn ``floor((day - rotation_start) / rotation_days)`` modulo the rotation."""
        if not self.triage_rotation:
            return None
        turn = (day - self.rotation_start).days // self.rotation_days
        return self.triage_rotation[turn % len(self.triage_rotation)]

    def priority(self, impact: str, urgency: str) -> str:
        """The matrix cell of (impact, urgency); ValueError names a level outside high/medium/low."""
        try:
            return self.priority_matrix[impact][urgency]
        except KeyError:
            raise ValueError(f"impact '{impact}' x urgency '{urgency}' is not in the priority matrix") from None


def _support(raw: object, where: str) -> SupportSettings:
    table = _table(raw, where)
    _no_unknown(table, _SUPPORT_KEYS, where)
    defaults = SupportSettings()
    rotation = table.get("triage_rotation", [])
    if not isinstance(rotation, list) or not all(isinstance(p, str) and p.strip() for p in rotation):
        raise ValueError(f"{where}.triage_rotation must be a list of people (non-empty strings)")
    numbers = {}
    for key in ("rotation_days", "stall_days"):
        value = table.get(key, getattr(defaults, key))
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 365:
            raise ValueError(f"{where}.{key} must be a whole number of days from 1 to 365, not {value!r}")
        numbers[key] = value
    start = table.get("rotation_start", defaults.rotation_start)
    if isinstance(start, dt.datetime) or not isinstance(start, dt.date):
        raise ValueError(f"{where}.rotation_start must be a date such as 2026-01-05, not {start!r}")
    matrix = {impact: dict(row) for impact, row in DEFAULT_PRIORITY_MATRIX.items()}
    for impact, row in _table(table.get("priority_matrix", {}), f"{where}.priority_matrix").items():
        cells = _table(row, f"{where}.priority_matrix.{impact}")
        if impact not in _LEVELS or any(u not in _LEVELS for u in cells):
            raise ValueError(f"{where}.priority_matrix uses impact and urgency levels {list(_LEVELS)} only")
        for urgency, priority in cells.items():
            if priority not in _PRIORITIES:
                raise ValueError(
                    f"{where}.priority_matrix.{impact}.{urgency} is {priority!r}; use one of {list(_PRIORITIES)}"
                )
            matrix[impact][urgency] = priority
    return SupportSettings(tuple(p.strip() for p in rotation), numbers["rotation_days"], start, matrix,
                           numbers["stall_days"])  # fmt: skip


# --- sprint planning (``[teams.KEY.planning]``) ----------------------------------------------------------------

_PLANNING_KEYS = {"focus_factor", "interrupt_sprints", "capacity_roles", "holiday_subdivision"}


@dataclass(frozen=True)
class PlanningSettings:
    """How a team's sprint capacity is planned (docs/planning.md)."""

    focus_factor: float = 0.8
    """Share of an available day that goes to sprint work, for members without their own focus factor."""
    interrupt_sprints: int = 6
    """Closed sprints whose interrupt load (unplanned share) and points per person-day are measured."""
    capacity_roles: tuple[str, ...] = ("member",)
    """Membership roles whose people do the sprint's work and count in its capacity."""
    holiday_subdivision: str | None = None
    """A region of the team's country whose public holidays apply too (e.g. ``BY`` for Bavaria)."""


def _planning(raw: object, where: str) -> PlanningSettings:
    table = _table(raw, where)
    _no_unknown(table, _PLANNING_KEYS, where)
    defaults = PlanningSettings()
    focus = table.get("focus_factor", defaults.focus_factor)
    if isinstance(focus, bool) or not isinstance(focus, int | float) or not 0 < focus <= 1:
        raise ValueError(f"{where}.focus_factor must be a number in (0, 1], not {focus!r}")
    sprints = table.get("interrupt_sprints", defaults.interrupt_sprints)
    if isinstance(sprints, bool) or not isinstance(sprints, int) or not 1 <= sprints <= 52:
        raise ValueError(f"{where}.interrupt_sprints must be a whole number of sprints from 1 to 52, not {sprints!r}")
    roles = table.get("capacity_roles", list(defaults.capacity_roles))
    allowed = ("viewer", "member", "support", "manager", "admin")
    if not isinstance(roles, list) or not roles or any(r not in allowed for r in roles):
        raise ValueError(f"{where}.capacity_roles must be a non-empty list of roles among {list(allowed)}")
    region = table.get("holiday_subdivision")
    if region is not None and (not isinstance(region, str) or not region.strip()):
        raise ValueError(f"{where}.holiday_subdivision must be a region code such as 'BY'")
    return PlanningSettings(float(focus), sprints, tuple(roles), region.strip() if region else None)


@dataclass(frozen=True)
class RiskRegisterSettings:
    """The risk register's review rhythm (``[teams.KEY.risk_register]``, docs/risks.md)."""

    stale_after_days: int = 30
    """An open risk not scored for this many days joins the stale review list."""


def _risk_register(raw: object, where: str) -> RiskRegisterSettings:
    table = _table(raw, where)
    _no_unknown(table, {"stale_after_days"}, where)
    days = table.get("stale_after_days", RiskRegisterSettings.stale_after_days)
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 366:
        raise ValueError(f"{where}.stale_after_days must be a whole number of days from 1 to 366, not {days!r}")
    return RiskRegisterSettings(days)


@dataclass(frozen=True)
class TeamConfig:
    workflow: Workflow
    time_zone: str | None
    """Overrides the team's stored time zone when set."""
    metrics: MetricSettings
    explicit: bool = False
    """True when the workflow comes from the file; otherwise a synced board's columns may replace the default."""
    support: SupportSettings = field(default_factory=SupportSettings)
    standup: StandupSettings = field(default_factory=StandupSettings)
    """The stand-up schedule and the facilitator view's thresholds (``[teams.KEY.standup]``)."""
    planning: PlanningSettings = field(default_factory=PlanningSettings)
    impediments: SignalRules = field(default_factory=SignalRules)
    """The impediment detector's rules (``[teams.KEY.impediments]``, see docs/impediments.md)."""
    risks: RiskRules = field(default_factory=RiskRules)
    """The risk signals' thresholds (``[teams.KEY.risks]``, see docs/risk_signals.md)."""
    risk_register: RiskRegisterSettings = field(default_factory=RiskRegisterSettings)
    """The risk register's stale-review rhythm (``[teams.KEY.risk_register]``, see docs/risks.md)."""
    deadlines: Mapping[str, dt.date] = field(default_factory=dict)
    """Due dates by scope, ``"version:NAME"`` or ``"epic:KEY"`` (``[teams.KEY.deadlines]``, docs/risk_signals.md)."""


@dataclass(frozen=True)
class WorkspaceConfig:
    workflow: Workflow = DEFAULT_WORKFLOW
    metrics: MetricSettings = field(default_factory=MetricSettings)
    teams: Mapping[str, TeamConfig] = field(default_factory=dict)
    source: Path | None = None
    explicit_workflow: bool = False
    """True when the file has a top-level ``[workflow]``."""

    def for_team(self, key: str) -> TeamConfig:
        return self.teams.get(key) or TeamConfig(self.workflow, None, self.metrics, self.explicit_workflow)


def load_workspace_config(path: Path) -> WorkspaceConfig:
    """Read ``path``; the defaults when it does not exist."""
    if not path.exists():
        return WorkspaceConfig()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigurationError(f"{path} is not valid TOML: {error}", file=str(path)) from None
    try:
        return _parse(raw, path)
    except ValueError as error:
        raise ConfigurationError(f"{path}: {error}", file=str(path)) from None


def _parse(raw: dict[str, Any], path: Path) -> WorkspaceConfig:
    _no_unknown(raw, _TOP_KEYS, "the file")
    workflow = Workflow.from_mapping(raw["workflow"]) if "workflow" in raw else DEFAULT_WORKFLOW
    metrics = _metrics(raw.get("metrics", {}))
    teams: dict[str, TeamConfig] = {}
    for key, table in _table(raw.get("teams", {}), "teams").items():
        team = _table(table, f"teams.{key}")
        _no_unknown(team, _TEAM_KEYS, f"teams.{key}")
        zone = team.get("time_zone")
        if zone is not None and not isinstance(zone, str):
            raise ValueError(f"teams.{key}.time_zone must be an IANA zone name such as 'Europe/Paris'")
        try:
            team_workflow = Workflow.from_mapping(team["workflow"]) if "workflow" in team else workflow
        except ValueError as error:
            raise ValueError(f"teams.{key}: {error}") from None
        teams[key] = TeamConfig(team_workflow, zone, metrics, "workflow" in team or "workflow" in raw)
        if "support" in team:
            teams[key] = replace(teams[key], support=_support(team["support"], f"teams.{key}.support"))
        if "standup" in team:
            teams[key] = replace(teams[key], standup=parse_standup_settings(team["standup"], f"teams.{key}.standup"))
        if "planning" in team:
            teams[key] = replace(teams[key], planning=_planning(team["planning"], f"teams.{key}.planning"))
        if "impediments" in team:
            teams[key] = replace(
                teams[key], impediments=_impediment_rules(team["impediments"], f"teams.{key}.impediments")
            )
        if "risks" in team:
            teams[key] = replace(teams[key], risks=_risk_rules(team["risks"], f"teams.{key}.risks"))
        if "risk_register" in team:
            teams[key] = replace(
                teams[key], risk_register=_risk_register(team["risk_register"], f"teams.{key}.risk_register")
            )
        if "deadlines" in team:
            teams[key] = replace(teams[key], deadlines=_deadlines(team["deadlines"], f"teams.{key}.deadlines"))
    return WorkspaceConfig(workflow, metrics, teams, path, "workflow" in raw)


def _deadlines(raw: object, where: str) -> dict[str, dt.date]:
    """``[teams.KEY.deadlines]``: ``"version:NAME" = YYYY-MM-DD`` or ``"epic:KEY" = YYYY-MM-DD`` (TOML dates)."""
    out: dict[str, dt.date] = {}
    for name, value in _table(raw, where).items():
        kind, _, scope = name.partition(":")
        if kind not in ("version", "epic") or not scope.strip() or scope != scope.strip():
            raise ValueError(
                f'{where}."{name}": a deadline\'s key is "version:NAME" or "epic:KEY" (e.g. "epic:PLAT-12")'
            )
        if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
            raise ValueError(f'{where}."{name}" must be a date such as 2026-07-15 (unquoted), not {value!r}')
        out[name] = value
    return out


def _risk_rules(raw: object, where: str) -> RiskRules:
    """``[teams.KEY.risks]``: the risk signals' thresholds by their RiskRules names; absent keys keep the defaults."""
    table = _table(raw, where)
    defaults = RiskRules()
    _no_unknown(table, set(RiskRules.__dataclass_fields__), where)
    for name, value in table.items():
        default = getattr(defaults, name)
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or (isinstance(default, int) and not isinstance(value, int))
        ):
            raise ValueError(f"{where}.{name} must be a {type(default).__name__}, not {value!r}")
    values: dict[str, Any] = {
        name: float(v) if isinstance(getattr(defaults, name), float) else v for name, v in table.items()
    }
    try:
        return RiskRules(**values)
    except ValueError as error:
        raise ValueError(f"{where}: {error}") from None


def _impediment_rules(raw: object, where: str) -> SignalRules:
    """``[teams.KEY.impediments]``: the detector's rules by their SignalRules names; absent keys keep the defaults."""
    table = _table(raw, where)
    defaults = SignalRules()
    _no_unknown(table, set(SignalRules.__dataclass_fields__), where)
    values: dict[str, Any] = {}
    for name, value in table.items():
        default = getattr(defaults, name)
        if name == "weekdays":
            if not isinstance(value, list) or not all(isinstance(d, int) and not isinstance(d, bool) for d in value):
                raise ValueError(f"{where}.weekdays must be a list of day numbers, 0 (Monday) to 6 (Sunday)")
            value = tuple(value)
        elif (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or (isinstance(default, int) and not isinstance(value, int))
        ):
            raise ValueError(f"{where}.{name} must be a {type(default).__name__}, not {value!r}")
        values[name] = value
    try:
        return SignalRules(**values)
    except ValueError as error:
        raise ValueError(f"{where}: {error}") from None


_BOARD_CATEGORIES: dict[str | None, str] = {
    "backlog": "backlog",
    "in progress": "active",
    None: "active",
    "done": "done",
}
_JIRA_CATEGORY = {"backlog": "new", "active": "indeterminate", "done": "done"}


def workflow_from_board(stages: list[dict[str, Any]]) -> tuple[Workflow, dict[str, str]] | None:
    """A synced Jira board's columns as the team's workflow, with each status's Jira category for the fallback.

    Used when the workspace file names no workflow for the team. ``None`` when the columns do not make a usable
    workflow (no done column, categories out of order): the default workflow then applies and the data-quality
    report lists what it cannot map.
    """
    parsed = []
    categories: dict[str, str] = {}
    for stage in stages:
        category = _BOARD_CATEGORIES.get(stage.get("category"), "active")
        statuses = [str(s) for s in stage.get("statuses") or [] if s]
        if not stage.get("name") or not statuses:
            continue
        parsed.append({"name": str(stage["name"]), "category": category, "statuses": statuses})
        categories.update({status: _JIRA_CATEGORY[category] for status in statuses})
    try:
        return Workflow.from_mapping({"stages": parsed}), categories
    except ValueError:
        return None


def _metrics(raw: object) -> MetricSettings:
    table = _table(raw, "metrics")
    _no_unknown(table, _METRIC_KEYS, "metrics")
    defaults = MetricSettings()
    label = table.get("production_label", defaults.production_label)
    if not isinstance(label, str):
        raise ValueError("metrics.production_label must be a string")
    return MetricSettings(
        unplanned_types=_strings(table, "unplanned_types", defaults.unplanned_types),
        bug_types=_strings(table, "bug_types", defaults.bug_types),
        production_label=label,
    )


def _strings(table: Mapping[str, object], key: str, default: tuple[str, ...]) -> tuple[str, ...]:
    value = table.get(key, list(default))
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"metrics.{key} must be a list of strings")
    return tuple(v.lower() for v in value)


def _table(value: object, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError(f"{where} must be a table")
    return value


def _no_unknown(table: Mapping[str, object], allowed: set[str], where: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise ValueError(f"{where} has unknown key(s) {unknown}; allowed: {sorted(allowed)}")
