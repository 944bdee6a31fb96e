"""docs/metrics.md states each metric's definition in the same words as the docstring of its function."""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "metrics.md"
DEFINED = [
    ("history", "stage_intervals"),
    ("milestones", "item_milestones"),
    ("cycle_time", "cycle_times"),
    ("cycle_time", "control_chart_cycle_times"),
    ("lead_time", "lead_times"),
    ("percentiles", "nearest_rank"),
    ("percentiles", "percentile_rank"),
    ("throughput", "throughput"),
    ("wip", "wip"),
    ("age", "work_item_age"),
    ("cfd", "cfd"),
    ("net_flow", "net_flow"),
    ("flow_efficiency", "flow_efficiency"),
    ("stage_time", "time_in_stage"),
    ("reopens", "reopen_rate"),
    ("reopens", "backward_moves"),
    ("blocked", "blocked_time"),
    ("membership", "sprint_membership"),
    ("membership", "estimates_at"),
    ("sprint_scope", "sprint_items"),
    ("velocity", "velocity"),
    ("velocity", "say_do"),
    ("unplanned", "unplanned_share"),
    ("defects", "bug_share"),
    ("defects", "escaped_defects"),
    ("data_quality", "assess_data_quality"),
    ("peer_variant", "cycle_time_peer_variant"),
    ("sprint_outlook", "velocity_outlook"),
    ("sprint_outlook", "items_outlook"),
    ("sprint_outlook", "commitment_reliability"),
    ("size_durations", "cycle_time_by_size"),
    ("support_metrics", "sla_attainment"),
    ("support_metrics", "ticket_durations"),
    ("support_metrics", "open_ticket_age"),
    ("support_metrics", "escalation_rate"),
    ("support_metrics", "time_waiting_on_dev"),
    ("support_metrics", "handoff_time"),
    ("support_metrics", "interrupt_load"),
    ("support_metrics", "time_in_status"),
    ("support_metrics", "level_changes"),
    ("impediment_signals", "detect_impediments"),
    ("impediment_metrics", "impediment_flow"),
    ("capacity", "member_capacity"),
    ("capacity", "sprint_capacity"),
    ("capacity", "points_per_person_day"),
    ("capacity", "interrupt_load"),
    ("standup_board", "walk_the_board"),
    ("action_completion", "completion_rate"),
    ("person_insight", "load_by_person"),
    ("person_insight", "interrupts_by_person"),
    ("person_insight", "blocked_by_person"),
    ("person_insight", "reviews_by_person"),
    ("person_insight", "insight_distribution"),
    *(
        ("risk_signals", f)
        for f in (
            "scope_creep",
            "say_do_falling",
            "carry_over_rising",
            "interrupt_share_rising",
            "wip_above_limit",
            "ageing_rising",
            "sla_breaches_rising",
            "forecast_deadline",
            "ready_backlog_low",
            "key_person_concentration",
            "suggested_probability",
        )
    ),
]


def _words(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("``", "`")).strip()


@pytest.mark.parametrize(("module", "function"), DEFINED)
def test_the_definition_in_the_docstring_is_in_the_metrics_doc(module: str, function: str) -> None:
    doc = inspect.getdoc(getattr(importlib.import_module(f"cadence.analytics.{module}"), function))
    assert doc
    definitions = [p for p in doc.split("\n\n") if "**" in p]
    assert definitions, f"{function}'s docstring has no definition (a paragraph naming the metric in bold)"
    page = _words(DOC.read_text(encoding="utf-8"))
    for paragraph in definitions:
        assert _words(paragraph) in page, f"docs/metrics.md lacks the definition of {function}: {paragraph[:80]}..."


def test_the_package_exports_resolve_and_leave_every_module_importable() -> None:
    package = importlib.import_module("cadence.analytics")
    for name in package.__all__:
        assert getattr(package, name) is not None
    for module, _ in DEFINED:
        assert inspect.ismodule(getattr(package, module, importlib.import_module(f"cadence.analytics.{module}")))
