"""Storms of 429/502/503 during a Jira sync: ridden out with Retry-After and backoff, or, when they never end, a
clear failure that keeps what was stored and a watermark that did not move past it.

The client's sleeps go to a list (``sync_source(sleep=...)``, the same hook the Jira client tests use), so the
waits Cadence *asks for* are checked exactly and the test takes no time. tests/connectors/jira/test_client.py
covers one request's retries; this is a whole sync in a storm.
"""

from __future__ import annotations

import json
import random
import threading
from collections import Counter

import polars as pl
import pytest

from cadence.connectors.errors import SourceUnavailable
from cadence.services.sources import describe_sources
from cadence.services.sync import sync_source
from cadence.store.database import Database
from tests.connectors.jira.fake_jira import Served
from tests.faults.jira_scenario import (
    KEY,
    PAGE,
    StormyJira,
    connect,
    expected_history,
    in_update_order,
    issues,
    stored_history,
    stored_items,
    stored_keys,
    updated,
)

RETRIES = 6
"""The Jira client's default number of retries after the first attempt."""


class Sleeps:
    def __init__(self) -> None:
        self.asked: list[float] = []
        self._lock = threading.Lock()

    def __call__(self, seconds: float) -> None:
        with self._lock:
            self.asked.append(seconds)


def _retry_after(rng: random.Random) -> str:
    """Mostly seconds; sometimes ``soon``, neither seconds nor an HTTP date (before the fix, the sync died with
    ``ValueError: Invalid date value or format "soon"``)."""
    return "soon" if rng.random() < 0.2 else str(rng.randint(1, 9))


def test_a_seeded_storm_is_ridden_out_and_every_issue_is_stored_once(db: Database) -> None:
    site = issues(1, 20)
    fake = StormyJira(site, seed=7, share=0.4, retry_after=_retry_after)
    sleeps = Sleeps()
    with Served(fake) as server:
        connect(db, server.url)
        report = sync_source(db, "cloud", key=KEY, sleep=sleeps)
    statuses = Counter(status for status, _ in fake.sent)
    assert statuses[429] >= 5 and statuses[502] >= 2 and statuses[503] >= 2, statuses  # a real storm
    assert ("soon" in {after for _, after in fake.sent}) and len(sleeps.asked) == len(fake.sent)  # one wait each
    told = Counter(float(after) for _, after in fake.sent if after is not None and after != "soon")
    honoured = Counter(s for s in sleeps.asked if s in told)
    assert honoured == told  # every readable Retry-After waited exactly as long as Jira said
    jittered = [s for s in sleeps.asked if s not in told]
    assert jittered and all(0 <= s <= 0.5 * 2**RETRIES for s in jittered)  # the others: capped backoff
    assert report.read == 20 and report.skipped == 0, report.problems
    assert stored_keys(db) == [f"EX-{n}" for n in range(1, 21)]
    assert stored_history(db) == expected_history(site)
    [status] = describe_sources(db)
    assert status.last_status == "ok" and status.watermark == max(updated(i) for i in site)


def _search_beyond_first_page(method: str, path: str, body: dict[str, object]) -> bool:
    return method == "POST" and path == "/rest/api/3/search/jql" and bool(body.get("nextPageToken"))


def _parts(request: str) -> tuple[str, str, dict[str, object]]:
    method, target, body = request.split(" ", 2)
    return method, target.split("?")[0], json.loads(body) if body else {}


def test_an_endless_storm_fails_naming_the_status_and_keeps_what_was_stored(db: Database) -> None:
    first, later = issues(1, 12), issues(13, 24)
    fake = StormyJira(list(first))
    with Served(fake) as server:
        connect(db, server.url)
        sync_source(db, "cloud", key=KEY, sleep=Sleeps())
        before = stored_items(db)
        [synced] = describe_sources(db)

        fake.issues.extend(later)  # new work on the site, then a storm from the second search page on
        fake.endless = _search_beyond_first_page
        fake.attempts.clear()
        with pytest.raises(SourceUnavailable, match=r"answered HTTP 503 to /rest/api/3/search/jql") as failure:
            sync_source(db, "cloud", key=KEY, sleep=Sleeps())
        assert "storm: 503" in failure.value.message  # Jira's own words are kept
        stormed = [n for request, n in fake.attempts.items() if _search_beyond_first_page(*_parts(request))]
        assert stormed == [RETRIES + 1]  # the page was tried 7 times, then the sync stopped

        [status] = describe_sources(db)
        assert status.last_status == "failed" and "HTTP 503" in (status.last_error or "")
        resumed = in_update_order([*first, *later])[len(first) - 1 :][:PAGE]  # the overlap's issue and 3 new
        assert synced.watermark is not None and status.watermark == max(updated(i) for i in resumed)
        assert status.watermark > synced.watermark  # moved by the committed page, no further
        assert stored_keys(db) == [f"EX-{n}" for n in range(1, 16)]
        unchanged = stored_items(db).filter(pl.col("key").is_in(before.get_column("key").to_list()))
        assert unchanged.equals(before)  # nothing stored was damaged
        assert stored_history(db) == expected_history([*first, *later[:3]])

        fake.endless = None  # the storm passes: the next sync finishes from the watermark
        report = sync_source(db, "cloud", key=KEY, sleep=Sleeps())
    assert report.read == 24 - 15 + 1
    assert stored_keys(db) == [f"EX-{n}" for n in range(1, 25)]
    assert stored_history(db) == expected_history([*first, *later])
    [status] = describe_sources(db)
    assert status.last_status == "ok" and status.watermark == max(updated(i) for i in later)
