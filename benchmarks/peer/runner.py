"""Run jira-agile-metrics' CycleTimeCalculator over Jira-shaped histories, offline, and time it.

This script runs with the *peer's* interpreter (a throwaway venv holding ``jira-agile-metrics==0.24``), never with
Cadence's: it imports nothing from Cadence and Cadence imports nothing from it. It is started by
``benchmarks/peer_jira_agile_metrics.py``, which writes the input file and reads the output file.

Usage: PEER_VENV/bin/python benchmarks/peer/runner.py INPUT.json OUTPUT.json

INPUT.json is columnar: ``workflow`` (``[[column, [status, ...], type], ...]`` with type backlog | accepted |
complete), ``issues`` (parallel lists ``key``, ``issuetype``, ``status``, ``resolution``, ``resolutiondate``,
``created``) and ``changes`` (parallel lists ``issue`` (index into ``issues``), ``created``, ``from``, ``to``; each
issue's changes in changelog order). Timestamps are Jira REST strings such as ``2024-03-09T17:00:00.456+0100``.

The Jira client is replaced by a small fake with the same attributes the peer reads, the way the peer's own test
suite drives it. Only the peer's own work is timed: building its ``QueryManager`` (which asks the fake for the
field list) and ``CycleTimeCalculator.run()`` (the changelog walk, every date parse and the result frame). Building
the fake issues from the input file is not timed.

OUTPUT.json: ``peer_s`` (that timed span, wall clock), ``peer_cpu_s`` (its CPU time), ``peer_parse_s`` (the part
of it spent in ``dateutil.parser.parse``, measured by a thin timing wrapper whose own cost is two clock reads per
call), ``parse_calls``, ``build_s``, ``version``, and per issue, in input order, ``keys`` and ``cycle_days`` (whole
days, or null when the peer computes no cycle time).
"""

from __future__ import annotations

import json
import sys
import time
from importlib.metadata import version
from pathlib import Path
from typing import Any

import dateutil.parser
from jira_agile_metrics.calculators.cycletime import CycleTimeCalculator
from jira_agile_metrics.querymanager import QueryManager

SERVER = "https://jira.example.org"
FIELDS = [
    {"id": "summary", "name": "Summary"},
    {"id": "issuetype", "name": "Issue type"},
    {"id": "status", "name": "Status"},
    {"id": "resolution", "name": "Resolution"},
    {"id": "created", "name": "Created date"},
    {"id": "customfield_100", "name": "Flagged"},
]


class Named:
    """A Jira field value that has a name (status, issue type, resolution)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.value = name


class Fields:
    """``issue.fields``."""

    def __init__(self, **values: Any) -> None:
        self.__dict__.update(values)


class ChangeItem:
    """One field change inside a changelog entry."""

    def __init__(self, field: str, from_string: str | None, to_string: str | None) -> None:
        self.field = field
        self.fromString = from_string
        self.toString = to_string


class Change:
    """One changelog entry (``histories[i]``)."""

    def __init__(self, created: str, items: list[ChangeItem]) -> None:
        self.created = created
        self.items = items


class Changelog:
    def __init__(self, histories: list[Change]) -> None:
        self.histories = histories


class Issue:
    def __init__(self, key: str, changes: list[Change], **fields: Any) -> None:
        self.key = key
        self.fields = Fields(**fields)
        self.changelog = Changelog(changes)


class FakeJira:
    """The two calls the peer makes: ``fields()`` and ``search_issues()``; ``_options`` for issue URLs."""

    def __init__(self, issues: list[Issue]) -> None:
        self._options = {"server": SERVER}
        self._issues = issues

    def fields(self) -> list[dict[str, str]]:
        return FIELDS

    def search_issues(self, jql: str, *args: Any, **kwargs: Any) -> list[Issue]:
        return self._issues


def build_issues(payload: dict[str, Any]) -> list[Issue]:
    issues, changes = payload["issues"], payload["changes"]
    histories: list[list[Change]] = [[] for _ in issues["key"]]
    for index, created, old, new in zip(
        changes["issue"], changes["created"], changes["from"], changes["to"], strict=True
    ):
        histories[index].append(Change(created, [ChangeItem("status", old, new)]))
    return [
        Issue(
            key,
            history,
            summary=f"Synthetic issue {key}",
            issuetype=Named(issuetype),
            status=Named(status),
            resolution=Named(resolution) if resolution else None,
            resolutiondate=resolutiondate,
            created=created,
            customfield_100=None,
        )
        for key, history, issuetype, status, resolution, resolutiondate, created in zip(
            issues["key"],
            histories,
            issues["issuetype"],
            issues["status"],
            issues["resolution"],
            issues["resolutiondate"],
            issues["created"],
            strict=True,
        )
    ]


def settings_for(workflow: list[list[Any]]) -> dict[str, Any]:
    """The settings the peer's config parser would produce for this workflow (see its ``config.py``)."""
    cycle = [{"name": name, "statuses": list(statuses), "type": kind} for name, statuses, kind in workflow]
    accepted = [c["name"] for c in cycle if c["type"] == "accepted"]
    return {
        "attributes": {},
        "known_values": {},
        "max_results": None,
        "verbose": False,
        "cycle": cycle,
        "query_attribute": None,
        "queries": [{"jql": "project = BENCH", "value": None}],
        "backlog_column": cycle[0]["name"],
        "committed_column": accepted[0],
        "final_column": accepted[-1],
        "done_column": cycle[-1]["name"],
    }


class ParseClock:
    """Wraps ``dateutil.parser.parse`` (looked up at call time by the peer) to total the time spent in it."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.calls = 0
        self._parse = dateutil.parser.parse

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return self._parse(*args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - started
            self.calls += 1


def main(argv: list[str]) -> int:
    source, target = Path(argv[1]), Path(argv[2])
    payload = json.loads(source.read_text())
    started = time.perf_counter()
    issues = build_issues(payload)
    settings = settings_for(payload["workflow"])
    build_s = time.perf_counter() - started

    clock = ParseClock()
    dateutil.parser.parse = clock
    try:
        started, cpu_started = time.perf_counter(), time.process_time()
        query_manager = QueryManager(FakeJira(issues), settings)
        data = CycleTimeCalculator(query_manager, settings, {}).run(now=None)
        peer_s, peer_cpu_s = time.perf_counter() - started, time.process_time() - cpu_started
    finally:
        dateutil.parser.parse = clock._parse

    days = data["cycle_time"].dt.days
    result = {
        "version": version("jira-agile-metrics"),
        "build_s": build_s,
        "peer_s": peer_s,
        "peer_cpu_s": peer_cpu_s,
        "peer_parse_s": clock.seconds,
        "parse_calls": clock.calls,
        "keys": data["key"].tolist(),
        "cycle_days": [None if d != d else int(d) for d in days.tolist()],
    }
    target.write_text(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
