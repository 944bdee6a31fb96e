"""Run the CLI in-process through Typer's runner, against a database chosen per test."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cadence.cli import context
from cadence.cli.main import app

Invoke = Callable[..., object]


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> Callable[..., object]:
    """``cli(url, *args)`` runs ``cadence *args`` with CADENCE_DATABASE_URL=url; returns the click Result."""
    runner = CliRunner()

    def invoke(url: str, *args: str) -> object:
        monkeypatch.setenv("CADENCE_DATABASE_URL", url)
        monkeypatch.setenv("CADENCE_DATA_DIR", str(tmp_path))
        if "CADENCE_WORKSPACE_FILE" not in os.environ:  # never the working directory's cadence.toml
            monkeypatch.setenv("CADENCE_WORKSPACE_FILE", str(Path(str(tmp_path)) / "cadence.toml"))
        context.settings.cache_clear()
        return runner.invoke(app, list(args))

    return invoke
