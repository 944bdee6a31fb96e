"""The columnar reads: exact values and types on both backends, and SQLite read safely beside writers."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import polars as pl

from cadence.domain import frames as F
from cadence.store import read_models as R
from cadence.store.database import Database
from cadence.store.ingest import ingest
from tests.factories import team_batch

ROOT = Path(__file__).resolve().parents[2]


def test_values_arrive_exactly_and_an_empty_read_keeps_its_types(db: Database) -> None:
    batch = team_batch()
    awkward = 0.1 + 0.2  # 0.30000000000000004: JSON's 15 significant digits would round it to 0.3
    batch = dataclasses.replace(batch, items=batch.items.with_columns(pl.Series("estimate", [awkward, None])))
    with db.begin() as conn:
        ingest(conn, batch)
    with db.connect() as conn:
        items = R.read_items(conn)
        nobody = R.read_items(conn, [10_000])
        no_events = R.read_transitions(conn, [10_000])
    assert items.get_column("estimate").to_list() == [awkward, None]
    assert items.get_column("labels").to_list() == [["auth", 'with "quotes"'], []]
    assert items.get_column("key").to_list() == ["OPS-1", "OPS-2"]  # in id order
    assert items.schema == pl.Schema(F.READ_ITEMS)
    assert nobody.height == 0 and nobody.schema == pl.Schema(F.READ_ITEMS)
    assert no_events.height == 0 and no_events.schema == pl.Schema(F.READ_TRANSITIONS)


def test_sqlite_readers_and_a_writer_in_one_process_do_not_corrupt_each_other(tmp_path: Path) -> None:
    """Reads once went through connectorx, which links its own copy of SQLite: its POSIX locks were invisible to
    Python's copy, and within a second the writer failed with 'disk I/O error' (or the process died of a bus error
    when one copy truncated the shared-memory index the other had mapped)."""
    run = subprocess.run(
        [sys.executable, "-m", "tests.store.sqlite_threads", str(tmp_path / "cadence.db"), "3"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.splitlines()[-1] == "clean"
    reads, writes = (int(part.split()[0]) for part in run.stdout.splitlines()[0].split(", "))
    assert reads > 10 and writes > 10
