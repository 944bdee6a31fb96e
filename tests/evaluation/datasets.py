"""Where the shared public datasets live, and how a test that needs one skips when it is absent."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"


def dataset(relative: str) -> Path:
    """``../shared/data/<relative>`` from the project root; skips (or fails with CADENCE_REQUIRE_DATA=1) if absent."""
    path = DATA / relative
    if not path.is_dir():
        if os.environ.get("CADENCE_REQUIRE_DATA") == "1":
            pytest.fail(f"CADENCE_REQUIRE_DATA=1 but the dataset folder {path} is missing")
        pytest.skip(f"the shared evaluation data is not here: {path} is missing")
    return path
