"""The team's workflow: ordered stages, their categories, and where commitment and delivery happen.

Every flow metric is defined against stages, never raw statuses, because teams rename statuses and Jira boards
put several statuses in one column. A status maps to exactly one stage; a status the workflow does not name falls
back to its Jira status category when that is known, and is always reported, never silently dropped.

The ``[workflow]`` table of ``cadence.toml``::

    [workflow]
    commitment = "Ready"          # optional: default = first stage of category committed (else active)
    delivery = "Done"             # optional: default = first stage of category done
    discarded = ["Won't Do"]      # optional: statuses that end work without delivering it
    discarded_resolutions = ["Duplicate"]   # optional: resolutions that mean the same

    [[workflow.stages]]
    name = "Backlog"
    category = "backlog"          # backlog | committed | active | waiting | done
    statuses = ["Backlog", "To Do"]

Stages are listed in flow order; categories must not go backwards (backlog, committed, active/waiting, done).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal, cast, get_args

import numpy as np
import polars as pl

__all__ = [
    "CATEGORIES",
    "DEFAULT_WORKFLOW",
    "Category",
    "Stage",
    "UnmappedStatus",
    "Workflow",
    "map_statuses",
    "stage_from_index",
    "status_values",
]

Category = Literal["backlog", "committed", "active", "waiting", "done"]
CATEGORIES: tuple[Category, ...] = get_args(Category)
_RANK: dict[str, int] = {"backlog": 0, "committed": 1, "active": 2, "waiting": 2, "done": 3}
_WORKFLOW_KEYS = {"stages", "commitment", "delivery", "discarded", "discarded_resolutions"}
_STAGE_KEYS = {"name", "category", "statuses"}
# Jira's status category keys, and the names its UI shows for them.
_JIRA_CATEGORIES = {
    "new": "new",
    "to do": "new",
    "indeterminate": "indeterminate",
    "in progress": "indeterminate",
    "done": "done",
}


def _norm(status: str) -> str:
    """Jira status names are unique regardless of case; match them that way."""
    return status.strip().casefold()


@dataclass(frozen=True)
class Stage:
    """One column of the board. ``in progress`` is the union of the ``active`` and ``waiting`` categories."""

    name: str
    category: Category
    statuses: tuple[str, ...]

    @property
    def in_progress(self) -> bool:
        return self.category in ("active", "waiting")


@dataclass(frozen=True)
class Workflow:
    """Ordered stages plus the commitment and delivery points.

    ``discarded`` statuses end the flow without delivery ("Won't Do"): such an item leaves WIP like a delivered
    one but never counts as delivered. A discarded status not listed in a stage maps to the delivery stage.
    """

    stages: tuple[Stage, ...]
    commitment: str = ""
    delivery: str = ""
    discarded: tuple[str, ...] = ()
    discarded_resolutions: tuple[str, ...] = ()
    _lookup: dict[str, int] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        if not self.stages:
            raise ValueError("workflow has no stages; add at least one [[workflow.stages]] table")
        names = [s.name for s in self.stages]
        for stage in self.stages:
            if names.count(stage.name) > 1:
                raise ValueError(f"workflow stage name '{stage.name}' is used twice; stage names must be unique")
            if stage.category not in CATEGORIES:
                raise ValueError(f"stage '{stage.name}' has category '{stage.category}'; use one of {_one_of()}")
        for before, after in zip(self.stages, self.stages[1:], strict=False):
            if _RANK[after.category] < _RANK[before.category]:
                raise ValueError(
                    f"stage '{after.name}' ({after.category}) comes after '{before.name}' ({before.category}); "
                    "list stages in flow order: backlog, committed, active/waiting, done"
                )
        object.__setattr__(self, "commitment", self.commitment or self._default_commitment())
        object.__setattr__(self, "delivery", self.delivery or self._default_delivery())
        for key in ("commitment", "delivery"):
            if getattr(self, key) not in names:
                raise ValueError(f"workflow.{key} is '{getattr(self, key)}', which is not a stage name ({names})")
        if self.stages[self.delivery_index].category != "done":
            raise ValueError(f"workflow.delivery is '{self.delivery}', a stage that is not of category done")
        if not (
            self.commitment_index < self.delivery_index and self.stages[self.commitment_index].category != "backlog"
        ):
            raise ValueError(
                f"workflow.commitment is '{self.commitment}'; it must be a committed, active or waiting stage "
                f"before the delivery stage '{self.delivery}'"
            )
        object.__setattr__(self, "_lookup", self._build_lookup())

    def _default_commitment(self) -> str:
        for categories in (("committed",), ("active", "waiting")):
            for stage in self.stages:
                if stage.category in categories:
                    return stage.name
        raise ValueError("workflow has no committed, active or waiting stage to use as the commitment point")

    def _default_delivery(self) -> str:
        for stage in self.stages:
            if stage.category == "done":
                return stage.name
        raise ValueError("workflow has no stage of category done to use as the delivery point")

    def _build_lookup(self) -> dict[str, int]:
        lookup: dict[str, int] = {}
        for index, stage in enumerate(self.stages):
            for status in stage.statuses:
                key = _norm(status)
                if key in lookup and lookup[key] != index:
                    other = self.stages[lookup[key]].name
                    raise ValueError(f"status '{status}' is listed in stages '{other}' and '{stage.name}'")
                lookup[key] = index
        for status in self.discarded:
            index = lookup.setdefault(_norm(status), self.delivery_index)
            if index < self.delivery_index:
                raise ValueError(
                    f"discarded status '{status}' is listed in stage '{self.stages[index].name}', "
                    f"before the delivery stage '{self.delivery}'"
                )
        return lookup

    # --- derived views -----------------------------------------------------------------------------------

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.stages)

    @property
    def commitment_index(self) -> int:
        return self.names.index(self.commitment)

    @property
    def delivery_index(self) -> int:
        return self.names.index(self.delivery)

    @property
    def stage_dtype(self) -> pl.Enum:
        """The dtype of ``stage`` columns: an Enum whose order is the flow order."""
        return pl.Enum(self.names)

    def index(self, stage: str) -> int:
        """Position of the stage named ``stage``; ValueError names the unknown stage."""
        try:
            return self.names.index(stage)
        except ValueError:
            raise ValueError(f"'{stage}' is not a stage of this workflow ({', '.join(self.names)})") from None

    def indices(self, categories: Iterable[Category]) -> list[int]:
        wanted = set(categories)
        return [i for i, s in enumerate(self.stages) if s.category in wanted]

    def stage_of(self, status: str) -> int | None:
        """Stage index of a status named by the workflow (case-insensitive), else None."""
        return self._lookup.get(_norm(status))

    def is_discarded(self, status: str) -> bool:
        return _norm(status) in {_norm(s) for s in self.discarded}

    def fallback_stage(self, jira_category: str) -> int | None:
        """Stage for an unmapped status of a known Jira status category (``new``, ``indeterminate``, ``done``)."""
        key = _JIRA_CATEGORIES.get(_norm(jira_category))
        if key == "new":
            return next(iter(self.indices(["backlog"])), 0)
        if key == "indeterminate":
            return next(iter(self.indices(["active"]) + self.indices(["waiting"])), self.commitment_index)
        if key == "done":
            return self.delivery_index
        return None

    # --- parsing -----------------------------------------------------------------------------------------

    @classmethod
    def from_mapping(cls, d: Mapping[str, object]) -> Workflow:
        """Parse the ``[workflow]`` table of a TOML file; ValueError names the bad key or value."""
        unknown = sorted(set(d) - _WORKFLOW_KEYS)
        if unknown:
            raise ValueError(f"workflow has unknown key(s) {unknown}; allowed: {sorted(_WORKFLOW_KEYS)}")
        raw = d.get("stages")
        if not isinstance(raw, list) or not raw:
            raise ValueError("workflow.stages must be a non-empty list of [[workflow.stages]] tables")
        stages = tuple(_parse_stage(i, entry) for i, entry in enumerate(raw))
        return cls(
            stages=stages,
            commitment=_optional_str(d, "commitment"),
            delivery=_optional_str(d, "delivery"),
            discarded=_str_list(d.get("discarded", []), "workflow.discarded"),
            discarded_resolutions=_str_list(d.get("discarded_resolutions", []), "workflow.discarded_resolutions"),
        )


def _one_of() -> str:
    return ", ".join(CATEGORIES)


def _optional_str(d: Mapping[str, object], key: str) -> str:
    value = d.get(key, "")
    if not isinstance(value, str):
        raise ValueError(f"workflow.{key} must be a stage name (a string), not {value!r}")
    return value


def _str_list(value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValueError(f"{where} must be a list of non-empty strings, not {value!r}")
    return tuple(cast(list[str], value))


def _parse_stage(position: int, entry: object) -> Stage:
    where = f"workflow.stages[{position}]"
    if not isinstance(entry, Mapping):
        raise ValueError(f"{where} must be a table with name, category and statuses, not {entry!r}")
    unknown = sorted(set(entry) - _STAGE_KEYS)
    if unknown:
        raise ValueError(f"{where} has unknown key(s) {unknown}; allowed: {sorted(_STAGE_KEYS)}")
    name = entry.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"{where}.name must be a non-empty string, not {name!r}")
    category = entry.get("category")
    if category not in CATEGORIES:
        raise ValueError(f"{where}.category is {category!r} (stage '{name}'); use one of {_one_of()}")
    statuses = _str_list(entry.get("statuses"), f"{where}.statuses (stage '{name}')")
    if not statuses:
        raise ValueError(f"{where}.statuses (stage '{name}') is empty; list the statuses shown in this column")
    return Stage(name=name, category=cast(Category, category), statuses=statuses)


DEFAULT_WORKFLOW = Workflow(
    stages=(
        Stage("Backlog", "backlog", ("Backlog", "To Do", "Open", "New")),
        Stage("Ready", "committed", ("Ready", "Selected for Development", "Ready for Development")),
        Stage("In Progress", "active", ("In Progress", "Doing", "In Development", "Reopened")),
        # Review is a queue: the item mostly waits for a reviewer, and the review itself is short.
        Stage("Review", "waiting", ("Review", "In Review", "Code Review", "Ready for Review")),
        Stage("QA", "active", ("QA", "In QA", "Testing", "In Test")),
        Stage("Done", "done", ("Done", "Closed", "Resolved", "Released")),
    ),
    commitment="Ready",
    delivery="Done",
    discarded=("Won't Do", "Won't Fix", "Cancelled", "Canceled", "Duplicate", "Rejected", "Declined"),
    discarded_resolutions=("Won't Do", "Won't Fix", "Duplicate", "Cannot Reproduce", "Declined", "Cancelled"),
)
"""The demo's workflow. Review is ``waiting`` (a reviewer queue), QA is ``active`` (testers work the item)."""


@dataclass(frozen=True)
class UnmappedStatus:
    """A status the workflow does not name: how often it occurs and where it was put instead.

    ``fallback_stage`` is None when the Jira category is unknown too: the item then stays in its previous stage
    (its first stage when the status is the initial one), as jira-agile-metrics does for unknown statuses.
    """

    status: str
    count: int
    category: str | None
    fallback_stage: str | None


def map_statuses(
    frame: pl.DataFrame,
    workflow: Workflow,
    status_categories: Mapping[str, str] | None = None,
    *,
    column: str = "status",
) -> tuple[pl.DataFrame, list[UnmappedStatus]]:
    """Add ``stage`` (Enum in flow order), ``stage_index`` (Int8), ``mapped`` and ``discarded`` to ``frame``.

    ``mapped`` is True when the workflow names the status; otherwise the status's Jira category (from
    ``status_categories``: status -> ``new`` | ``indeterminate`` | ``done``) picks the first backlog stage, the
    first active stage or the delivery stage, and when that is unknown too the stage is null. Every unmapped
    status is returned with its row count, most frequent first.
    """
    categories = {_norm(k): v for k, v in (status_categories or {}).items()}
    dtype = frame.schema[column]
    # Map each distinct status once, then gather by the status's code: one pass over the column. A column that
    # already is an Enum (the history's) has its codes for free.
    statuses = dtype.categories.to_list() if isinstance(dtype, pl.Enum) else status_values(frame[column])
    code = pl.col(column).cast(pl.Enum(statuses)).to_physical() if not isinstance(dtype, pl.Enum) else None
    codes = frame.select(code if code is not None else pl.col(column).to_physical()).to_series()
    counts = np.bincount(codes.drop_nulls().to_numpy(), minlength=len(statuses))
    index_of: list[int | None] = []
    unmapped: list[UnmappedStatus] = []
    for status, count in zip(statuses, counts.tolist(), strict=True):
        index = workflow.stage_of(status)
        if index is None and count:
            category = categories.get(_norm(status))
            index = workflow.fallback_stage(category) if category is not None else None
            fallback = workflow.names[index] if index is not None else None
            unmapped.append(UnmappedStatus(status, int(count), category, fallback))
        index_of.append(index)
    mapped = [workflow.stage_of(s) is not None for s in statuses]
    discarded = [workflow.is_discarded(s) for s in statuses]
    out = frame.with_columns(
        pl.Series("stage_index", index_of, dtype=pl.Int8).gather(codes),
        pl.Series("mapped", mapped, dtype=pl.Boolean).gather(codes).fill_null(False),
        pl.Series("discarded", discarded, dtype=pl.Boolean).gather(codes).fill_null(False),
    ).with_columns(stage_from_index(pl.col("stage_index"), workflow).alias("stage"))
    unmapped.sort(key=lambda u: (-u.count, u.status))
    return out, unmapped


def status_values(statuses: pl.Series) -> list[str]:
    """The distinct non-null statuses of a column, sorted."""
    return sorted(statuses.drop_nulls().unique().to_list())


def stage_from_index(index: pl.Expr, workflow: Workflow) -> pl.Expr:
    """Stage names (an Enum in flow order) from stage indices; the index is the Enum's physical value."""
    return index.cast(pl.UInt8).cat.to(workflow.stage_dtype)
