"""``cadence eval correlation`` reproduces the ESEM 2022 recomputed coefficients and counts on TAWOS."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl


def test_reference_correlations_within_0_01(tawos: Path, run: Callable[..., Any]) -> None:
    out = run("eval", "correlation", "--data", str(tawos), "--format", "json")
    assert out.exit_code == 0, out.output
    projects = json.loads(out.stdout)["projects"]
    reference = pl.read_csv(tawos / "reference_correlations.csv")
    assert set(projects) == set(reference["project_key"])
    labels = {"in_progress": "inprogress", "effort": "effort", "resolution": "resolution"}
    for row in reference.iter_rows(named=True):
        entry = projects[row["project_key"]]
        assert entry["n_raw"] == row["n_raw"]
        assert entry["n_after_filter"] == row["n_after_filter"]  # the filter is the paper's, item for item
        for ours, theirs in labels.items():
            for method in ("spearman", "kendall", "pearson"):
                assert abs(entry[ours][method] - row[f"recomputed_{theirs}_{method}"]) <= 0.01


def test_table_output(tawos: Path, run: Callable[..., Any]) -> None:
    out = run("eval", "correlation", "--data", str(tawos))
    assert out.exit_code == 0
    assert "MESOS" in out.stdout
