"""The one cache of computed results: computing once, slots, entry limits and the byte budget shared by all."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import numpy as np
import polars as pl
import pytest

from cadence.services import caches
from cadence.services.caches import Cache, team_slot, weigh

MB = 2**20


@pytest.fixture
def budget() -> Iterator[None]:
    """Restore the process's budget after a test that changes it."""
    _, limit = caches.budget()
    yield
    caches.set_budget(limit)


def _blob(mb: int) -> np.ndarray:
    return np.zeros(mb * MB, dtype=np.uint8)


def test_a_missing_entry_is_computed_once_while_concurrent_callers_wait() -> None:
    cache = Cache("test-once", 4)
    calls: list[int] = []

    def compute() -> str:
        calls.append(1)
        time.sleep(0.2)
        return "frames"

    results: list[str] = []
    threads = [threading.Thread(target=lambda: results.append(cache.get_or_compute("k", compute))) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == ["frames"] * 5 and len(calls) == 1
    assert (cache.misses, cache.hits) == (1, 4)


def test_a_failed_computation_lets_the_next_caller_try_again() -> None:
    cache = Cache("test-fail", 4)

    def fail() -> str:
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        cache.get_or_compute("k", fail)
    assert cache.get_or_compute("k", lambda: "frames") == "frames"


def test_a_newer_data_version_replaces_the_teams_older_entry_and_leaves_other_teams_alone() -> None:
    cache = Cache("test-slot", 8, slot=team_slot)
    cache.get_or_compute(("db", 1, 0), lambda: "team 1 v0")
    cache.get_or_compute(("db", 2, 0), lambda: "team 2 v0")
    cache.get_or_compute(("db", 1, 1), lambda: "team 1 v1")
    cache.get_or_compute(("db", 1, 2), lambda: "team 1 v2")
    assert len(cache) == 2
    assert cache.get_or_compute(("db", 2, 0), lambda: "recomputed") == "team 2 v0"
    assert cache.get_or_compute(("db", 1, 2), lambda: "recomputed") == "team 1 v2"


def test_the_entry_limit_drops_the_least_recently_used() -> None:
    cache = Cache("test-entries", 2)
    cache.get_or_compute("a", lambda: 1)
    cache.get_or_compute("b", lambda: 2)
    cache.get_or_compute("a", lambda: 0)  # a is now the most recent
    cache.get_or_compute("c", lambda: 3)
    assert "a" in cache and "c" in cache and "b" not in cache


def test_weigh_counts_buffers_and_contents_once() -> None:
    frame = pl.DataFrame({"x": np.arange(100_000, dtype=np.int64)})  # 800,000 bytes of buffer
    array = _blob(1)
    assert frame.estimated_size() == 800_000
    shared = {"frame": frame, "again": frame, "rows": [array, array], "note": "x" * 1000}
    weight = weigh(shared)
    assert 800_000 + MB + 1000 < weight < 800_000 + MB + 1000 + 2_000  # each buffer once, plus small headers
    assert weigh((frame,)) < weigh((frame, array))


@pytest.mark.usefixtures("budget")
def test_the_byte_budget_drops_the_least_recently_used_across_caches() -> None:
    frames, results = Cache("test-budget-frames", 64), Cache("test-budget-results", 64)
    caches.set_budget(0)  # start empty: other tests' entries leave
    caches.set_budget(10 * MB)
    frames.get_or_compute("team 1", lambda: _blob(4))
    results.get_or_compute("team 1", lambda: _blob(4))
    frames.get_or_compute("team 1", lambda: _blob(0))  # a hit: team 1's frames are now the most recent
    results.get_or_compute("team 2", lambda: _blob(4))  # 12 MB > 10: the least recent entry goes
    assert "team 1" in frames and "team 2" in results and "team 1" not in results
    used, limit = caches.budget()
    assert 8 * MB <= used <= limit
    report = {s.name: s for s in caches.stats() if s.name.startswith("test-budget")}
    assert report["test-budget-results"].entries == 1 and report["test-budget-results"].bytes >= 4 * MB


@pytest.mark.usefixtures("budget")
def test_an_entry_larger_than_the_budget_is_returned_but_not_kept() -> None:
    cache = Cache("test-huge", 4)
    caches.set_budget(0)
    caches.set_budget(2 * MB)
    kept = cache.get_or_compute("small", lambda: _blob(1))
    huge = cache.get_or_compute("huge", lambda: _blob(3))
    assert huge.nbytes == 3 * MB and "huge" not in cache
    assert "small" not in cache  # the budget dropped the older entry first, then the huge one itself
    assert kept.nbytes == MB and caches.budget()[0] == 0


@pytest.mark.usefixtures("budget")
def test_shrinking_the_budget_drops_entries_at_once_and_clear_forgets_their_bytes() -> None:
    cache = Cache("test-shrink", 8)
    caches.set_budget(0)
    caches.set_budget(100 * MB)
    for key in "abc":
        cache.get_or_compute(key, lambda: _blob(2))
    assert caches.budget()[0] >= 6 * MB
    caches.set_budget(5 * MB)
    assert "a" not in cache and "b" in cache and "c" in cache
    cache.clear()
    assert len(cache) == 0 and caches.budget()[0] == 0
    with pytest.raises(ValueError, match="negative"):
        caches.set_budget(-1)


def test_a_result_that_ages_is_served_while_a_background_thread_refreshes_it() -> None:
    cache = Cache("test-refresh", 4)
    computed: list[float] = []
    started, release = threading.Event(), threading.Event()

    def at(clock: float, *, slow: bool = False) -> str:
        def compute() -> str:
            computed.append(clock)
            if slow:
                started.set()
                assert release.wait(5)
            return f"as of {clock:g}"

        return cache.get_or_refresh("team", compute, now=clock, refresh_after=60, stale_limit=600)

    assert at(1000) == "as of 1000"
    assert at(1059) == "as of 1000" and computed == [1000]  # fresh enough
    assert at(1100, slow=True) == "as of 1000"  # stale: served at once, its successor computed meanwhile
    assert started.wait(5)
    assert at(1101) == "as of 1000" and computed == [1000, 1100]  # one refresh at a time
    release.set()
    deadline = time.monotonic() + 5
    while at(1102) != "as of 1100" and time.monotonic() < deadline:
        time.sleep(0.01)
    assert at(1102) == "as of 1100"
    assert at(2000) == "as of 2000"  # past the limit: computed before answering
    assert at(500) == "as of 500"  # an earlier clock than the entry's: computed, not kept
    assert at(2001) == "as of 2000" and computed == [1000, 1100, 2000, 500]


def test_a_failed_refresh_keeps_serving_the_stale_result() -> None:
    cache = Cache("test-refresh-fail", 4)
    cache.get_or_refresh("k", lambda: "first", now=0, refresh_after=60, stale_limit=600)
    done = threading.Event()

    def broken() -> str:
        done.set()
        raise RuntimeError("database went away")

    assert cache.get_or_refresh("k", broken, now=100, refresh_after=60, stale_limit=600) == "first"
    assert done.wait(5)
    time.sleep(0.05)

    def second() -> str:
        return "second"

    assert cache.get_or_refresh("k", second, now=101, refresh_after=60, stale_limit=600) == "first"  # retried
    deadline = time.monotonic() + 5
    while cache.get_or_refresh("k", second, now=101, refresh_after=60, stale_limit=600) != "second":
        assert time.monotonic() < deadline
        time.sleep(0.01)
