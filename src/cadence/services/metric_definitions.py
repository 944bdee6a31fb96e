"""The definition of each metric the dashboard charts, in the words of the analytics module that computes it.

Each analytics module's docstring states its metric's definition, and ``docs/metrics.md`` carries the same text
(the house rule), so the pages show the docstring rather than a third copy that could drift.
"""

from __future__ import annotations

import importlib
import inspect
from dataclasses import dataclass
from types import ModuleType

__all__ = ["Definition", "metric_definitions"]


@dataclass(frozen=True)
class Definition:
    anchor: str
    """The fragment of ``/definitions#...`` and the chart it belongs to."""
    title: str
    paragraphs: tuple[str, ...]


_SOURCES: tuple[tuple[str, str, str], ...] = (
    ("velocity", "Velocity and say/do", "velocity"),
    ("throughput", "Throughput", "throughput"),
    ("cycle-time", "Cycle time", "cycle_time"),
    ("age", "Work item age", "age"),
    ("wip", "Work in progress", "wip"),
    ("cfd", "Cumulative flow", "cfd"),
    ("flow-efficiency", "Flow efficiency", "flow_efficiency"),
    ("unplanned", "Unplanned share", "unplanned"),
    ("defects", "Bug share and escaped defects", "defects"),
    ("reopens", "Reopen rate", "reopens"),
    ("data-quality", "Data quality", "data_quality"),
)


def _paragraphs(doc: str) -> list[str]:
    """Blank-line separated blocks, a bulleted block split into its bullets, each joined onto one line."""
    out: list[str] = []
    for block in doc.split("\n\n"):
        block = block.strip()
        items = block.split("\n* ") if block.startswith("* ") else [block]
        out.extend(" ".join(item.removeprefix("* ").split()) for item in items if item.strip())
    return out


def _definition_paragraphs(module: ModuleType) -> tuple[str, ...]:
    """The module docstring after its summary line, then each public function's paragraphs that define a term.

    A definition paragraph names its term in bold (``**Cycle time** runs from...``); the analytics modules keep
    them in the module docstring or in the docstring of the function that computes the metric.
    """
    found = _paragraphs(inspect.getdoc(module) or "")[1:]
    functions = [
        f for f in (getattr(module, name, None) for name in getattr(module, "__all__", ())) if inspect.isfunction(f)
    ]
    for function in sorted(functions, key=lambda f: f.__code__.co_firstlineno):  # in the module's own order
        found.extend(p for p in _paragraphs(inspect.getdoc(function) or "") if "**" in p)
    return tuple(dict.fromkeys(found))


def metric_definitions() -> list[Definition]:
    """One definition per charted concept, in the order the dashboard shows them."""
    # By name: the analytics package re-exports functions named like some of its modules (``throughput``).
    return [
        Definition(anchor, title, _definition_paragraphs(importlib.import_module(f"cadence.analytics.{module}")))
        for anchor, title, module in _SOURCES
    ]
