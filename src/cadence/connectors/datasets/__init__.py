"""Readers of the public research datasets Cadence is evaluated on (see ``docs/forecasting.md``).

Each reader turns one file layout into Polars frames and raises :class:`~cadence.domain.errors.InputError` naming
the file and the problem. They parse only; the numbers are computed by ``analytics`` and combined by
``services/evaluation.py``.
"""

from __future__ import annotations

from cadence.connectors.datasets.completions import read_completion_dates, read_completion_folder
from cadence.connectors.datasets.deep_se import (
    DeepSeProject,
    list_deep_se_projects,
    read_deep_se_project,
    read_reference_results,
)
from cadence.connectors.datasets.sprints import SPRINT_COLUMNS, read_sprint_iterations
from cadence.connectors.datasets.tawos import read_tawos_folder, read_tawos_issues

__all__ = [
    "SPRINT_COLUMNS",
    "DeepSeProject",
    "list_deep_se_projects",
    "read_completion_dates",
    "read_completion_folder",
    "read_deep_se_project",
    "read_reference_results",
    "read_sprint_iterations",
    "read_tawos_folder",
    "read_tawos_issues",
]
