"""Fixtures of the evaluation tests: the shared datasets (read in place, skipped when absent) and the CLI runner."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cadence.cli.main import app
from tests.evaluation.datasets import dataset


@pytest.fixture
def deep_se() -> Path:
    return dataset("storypoints/deep-se")


@pytest.fixture
def throughput_dir() -> Path:
    return dataset("throughput")


@pytest.fixture
def tawos() -> Path:
    return dataset("tawos_issues")


@pytest.fixture
def sprints_dir() -> Path:
    return dataset("sprints")


@pytest.fixture
def run() -> Callable[..., object]:
    """``run(*args)`` runs ``cadence *args`` in-process; eval commands need no database."""
    runner = CliRunner()
    return lambda *args: runner.invoke(app, list(args))
