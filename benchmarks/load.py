"""Two Cadence instances on one PostgreSQL under an open-loop mix of pages, API reads and writes (issue [I] item 5).

Usage:
    .venv/bin/python benchmarks/load.py [--teams 20] [--items-per-team 50000] [--rate 50] [--duration 60]
                                        [--database-url URL | --pg-dir DIR] [--reuse] [--json]

1. **Database.** ``--database-url`` (PostgreSQL), or a throwaway server started with ``.ci/postgres.sh`` on a free
   loopback port in a temporary directory (``--pg-dir DIR`` keeps it; ``--reuse`` alone keeps it in
   ``~/.cache/cadence-bench/load-postgres``). The demo workspace is generated with ``--teams`` teams sharing
   ``teams x items-per-team`` items (``generate_demo(scale=teams*items/2000, teams=teams)``: tickets scale the same
   way, ~1.5 per item on the support teams) and stored; its history ends today. ``--reuse`` keeps a database that
   already holds that many teams (seeding 20 x 50k takes minutes; a reuse starts in seconds).
2. **Instances.** Two ``cadence serve`` processes (the real CLI, ``CADENCE_SCHEDULER=off``) on two free loopback
   ports, on that database.
3. **Accounts.** Per team: a manager ``load-pm-KEY`` (signed in through ``POST /login`` on the first instance; the
   session cookie is then used on both), three members ``load-dev-KEY-N`` and, on support teams, an agent
   ``load-agent-KEY``; each gets an API token. Each support team gets 10 fresh tickets (created through the API).
4. **Warm-up** (not measured): on each instance, the first load of every team's frames and caches: its dashboard,
   metrics, forecast and backlog, one team after the other, both instances in parallel.
5. **Load.** Poisson arrivals at ``--rate`` requests/s for ``--duration`` s, each sent whether or not earlier ones
   have answered (open loop), to a random team on a random instance:

   ======== ===== ==============================================================================================
   kind     share request
   ======== ===== ==============================================================================================
   page      25 % ``GET /teams/KEY`` — the dashboard, signed in as the team's manager (session cookie)
   metrics   20 % ``GET /api/v1/teams/KEY/metrics`` (API token)
   item      15 % ``GET /api/v1/teams/KEY/items/ITEM`` — one of 200 random items of the team, with its history
   forecast  10 % ``GET /api/v1/teams/KEY/forecast?items=30``
   backlog   10 % ``GET /api/v1/teams/KEY/backlog``
   checkin   10 % ``POST /api/v1/teams/KEY/checkins`` — a member's stand-up (created, then edited the same day)
   ticket    10 % ``POST /api/v1/teams/KEY/tickets/T/triage`` (accept / ask_info in turn) on a support team; one in
                  five is a new ticket instead (``POST /api/v1/teams/KEY/tickets``)
   ======== ===== ==============================================================================================

   Latency is measured from each request's *scheduled* start (so a late sender counts against the result, no
   coordinated omission) to its last byte. An error is any status outside 2xx/3xx, or an exception (timeout,
   refused connection).

Prints throughput, p50/p95/p99 overall and per kind, errors, the servers' memory (RSS), the load generator's own CPU
and send lag, and the verdict against the target: p95 < 300 ms at 50 requests/s with 0 errors.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text

from cadence.domain.model import Role
from cadence.services.audit_log import SYSTEM
from cadence.services.authentication import create_api_token
from cadence.services.seeding import seed_demo
from cadence.services.users import create_user, set_role
from cadence.store.database import Database
from cadence.store.migrations import upgrade

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "load-cadence-password"  # noqa: S105 - throwaway accounts in a throwaway database
MIX = (("page", 25), ("metrics", 20), ("item", 15), ("forecast", 10), ("backlog", 10), ("checkin", 10), ("ticket", 10))
TARGET_P95_MS, TARGET_RATE = 300.0, 50.0
DEVS_PER_TEAM, TICKETS_PER_TEAM, ITEMS_SAMPLED = 3, 10, 200


# --- the database --------------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cpu_s(pid: int, *, children: bool = False) -> float:
    """User + system CPU seconds a process has used (all its threads; with ``children``, also its children that
    have exited), 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    used = fields[11:15] if children else fields[11:13]
    return sum(int(f) for f in used) / os.sysconf("SC_CLK_TCK")


def _postgres_cpu_s(folder: Path | None) -> float:
    """CPU seconds of our own PostgreSQL server's processes, live and exited backends (0 when not ours)."""
    if folder is None or not (folder / "postmaster.pid").exists():
        return 0.0
    postmaster = int((folder / "postmaster.pid").read_text().split()[0])
    total = _cpu_s(postmaster, children=True)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == postmaster:
                total += _cpu_s(int(stat.parent.name))
        except (OSError, ValueError):
            continue
    return total


PG_FOLDER: list[Path] = []  # our own server's data folder, when we started one


@contextmanager
def _postgres(args: argparse.Namespace) -> Iterator[str]:
    """The database URL: the given one, or a server of our own (stopped at the end, its folder kept only when asked)."""
    if args.database_url:
        yield args.database_url
        return
    keep = args.pg_dir is not None or args.reuse
    folder = Path(args.pg_dir or Path.home() / ".cache/cadence-bench/load-postgres") if keep else None
    scratch = None if keep else tempfile.mkdtemp(prefix="cadence-load-pg-")
    data = folder or Path(scratch or "")
    script = ROOT / ".ci/postgres.sh"
    url = subprocess.run(
        [str(script), "start", str(data), str(_free_port())], check=True, capture_output=True, text=True
    ).stdout.strip()
    PG_FOLDER.append(data)
    try:
        yield url
    finally:
        subprocess.run([str(script), "stop", str(data)], check=False)
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)


def _prepare(url: str, args: argparse.Namespace) -> dict[str, Any]:
    """Migrate, seed (unless a reusable workspace is there) and create the accounts; returns what the load needs."""
    db = Database(url)
    upgrade(db)
    with db.connect() as conn:
        n_teams = conn.execute(text("SELECT count(*) FROM teams")).scalar_one()
        n_items = conn.execute(text("SELECT count(*) FROM work_items")).scalar_one()
    seeded_s = None
    if n_teams and not (args.reuse and n_teams == args.teams):
        raise SystemExit(
            f"the database already holds {n_teams} teams and {n_items} items: use --reuse (with --teams {n_teams})"
            " or an empty database"
        )
    if not n_teams:
        started = time.perf_counter()
        scale = args.teams * args.items_per_team / 2000
        seed_demo(db, seed=args.seed, scale=scale, teams=args.teams, until=dt.datetime.now(dt.UTC).date())
        seeded_s = time.perf_counter() - started
        with db.connect() as conn:
            n_items = conn.execute(text("SELECT count(*) FROM work_items")).scalar_one()
        _log(f"seeded {args.teams} teams, {n_items} items in {seeded_s:.0f} s")
    with db.connect() as conn:
        teams = [tuple(r) for r in conn.execute(text("SELECT id, key FROM teams ORDER BY id"))]
        support = {r[0] for r in conn.execute(text("SELECT DISTINCT team_id FROM support_tickets"))}
        counts = dict(conn.execute(text("SELECT team_id, count(*) FROM work_items GROUP BY team_id")).all())
        existing = {r[0] for r in conn.execute(text("SELECT username FROM users WHERE username LIKE 'load-%'"))}
        items = {
            key: [
                r[0]
                for r in conn.execute(
                    text("SELECT key FROM work_items WHERE team_id = :t ORDER BY md5(key) LIMIT :n"),
                    {"t": team_id, "n": ITEMS_SAMPLED},
                )
            ]
            for team_id, key in teams
        }
    now = dt.datetime.now(dt.UTC)
    accounts: dict[str, dict[str, Any]] = {}
    for team_id, key in teams:
        slug = key.lower()
        people = {"pm": [f"load-pm-{slug}"], "dev": [f"load-dev-{slug}-{i}" for i in range(DEVS_PER_TEAM)]}
        if team_id in support:
            people["agent"] = [f"load-agent-{slug}"]
        roles = {"pm": Role.MANAGER, "dev": Role.MEMBER, "agent": Role.SUPPORT}
        for kind, names in people.items():
            for name in names:
                if name not in existing:
                    create_user(db, SYSTEM, username=name, password=PASSWORD, now=now)
                    set_role(db, SYSTEM, username=name, team_key=key, role=roles[kind], now=now)
        tokens = {kind: [create_api_token(db, n, "load", now=now) for n in names] for kind, names in people.items()}
        accounts[key] = {"pm": people["pm"][0], "tokens": tokens, "support": team_id in support, "items": items[key]}
    db.dispose()
    return {
        "teams": accounts,
        "items": sum(counts.values()),
        "items_per_team": sorted(counts.values()),
        "seed_s": seeded_s,
    }


# --- the instances -------------------------------------------------------------------------------------------------


@dataclass
class Instance:
    base: str
    process: subprocess.Popen[bytes]
    log: Path

    def rss_mb(self) -> tuple[float, float]:
        """(current, peak) resident memory of the server process, MB."""
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        values = {k: float(v.split()[0]) / 1024 for k, v in re.findall(r"(VmRSS|VmHWM):\s+(\d+ kB)", status)}
        return values.get("VmRSS", 0.0), values.get("VmHWM", 0.0)


@contextmanager
def _instances(url: str, count: int) -> Iterator[list[Instance]]:
    scratch = Path(tempfile.mkdtemp(prefix="cadence-load-"))
    cadence = Path(sys.executable).with_name("cadence")
    started: list[Instance] = []
    try:
        for n in range(count):
            port = _free_port()
            env = os.environ | {
                "CADENCE_DATABASE_URL": url,
                "CADENCE_SCHEDULER": "false",
                "CADENCE_LOG_LEVEL": "warning",
                "CADENCE_DATA_DIR": str(scratch),
                "CADENCE_WORKSPACE_FILE": str(scratch / "cadence.toml"),
            }
            log = scratch / f"instance-{n}.log"
            with log.open("wb") as out:
                process = subprocess.Popen(
                    [str(cadence), "serve", "--host", "127.0.0.1", "--port", str(port)],
                    env=env, stdout=out, stderr=subprocess.STDOUT, cwd=scratch,
                )  # fmt: skip
            started.append(Instance(f"http://127.0.0.1:{port}", process, log))
        for instance in started:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(instance.base + "/api/health", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if instance.process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"instance {instance.base} did not start:\n{instance.log.read_text()[-3000:]}")
                time.sleep(0.2)
        yield started
    finally:
        for instance in started:
            instance.process.terminate()
        for instance in started:
            try:
                instance.process.wait(15)
            except subprocess.TimeoutExpired:
                instance.process.kill()
        shutil.rmtree(scratch, ignore_errors=True)


def _sign_in(base: str, username: str) -> str:
    """A session cookie for ``username`` (the session is a database row, valid on every instance)."""
    with httpx.Client(base_url=base, timeout=60) as client:
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
        assert token
        answer = client.post(
            "/login", data={"username": username, "password": PASSWORD, "csrf_token": token.group(1), "next": "/"}
        )
        assert answer.status_code == 303, answer.text[:500]
        return str(answer.cookies["cadence_session"])


# --- the load ------------------------------------------------------------------------------------------------------


@dataclass
class Answer:
    status_code: int
    content: bytes

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")

    def json(self) -> Any:
        return json.loads(self.content)


class Http:
    """A minimal HTTP/1.1 keep-alive client on asyncio streams, for the load only.

    httpx's pool does work proportional to (waiting requests x connections) on every release, so with hundreds of
    requests in flight the generator itself became the bottleneck (25 ms of CPU per request); this one costs a few
    hundred microseconds. Idle connections are dropped after a second (uvicorn closes them after five); a reused
    connection that the server closed before answering is retried once on a fresh one.
    """

    def __init__(self) -> None:
        self._idle: dict[tuple[str, int], list[tuple[float, asyncio.StreamReader, asyncio.StreamWriter]]] = {}

    async def get(self, url: str, **kwargs: Any) -> Answer:
        return await self.request("GET", url, **kwargs)

    async def post(self, url: str, **kwargs: Any) -> Answer:
        return await self.request("POST", url, **kwargs)

    async def request(
        self, method: str, url: str, *, headers: dict[str, str] | None = None, json: Any = None, timeout: float = 30
    ) -> Answer:
        parsed = httpx.URL(url)
        where = (parsed.host, parsed.port or 80)
        body = b"" if json is None else _json_bytes(json)
        lines = [f"{method} {parsed.raw_path.decode()} HTTP/1.1", f"Host: {parsed.host}:{where[1]}",
                 f"Content-Length: {len(body)}"]  # fmt: skip
        if json is not None:
            lines.append("Content-Type: application/json")
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        raw = ("\r\n".join(lines) + "\r\n\r\n").encode() + body
        for attempt in (0, 1):
            reader, writer, reused = await self._connection(where, fresh=attempt == 1)
            try:
                return await asyncio.wait_for(self._exchange(where, reader, writer, raw), timeout)
            except asyncio.IncompleteReadError as error:
                writer.close()
                if not (reused and not error.partial and attempt == 0):
                    raise
            except BaseException:
                writer.close()
                raise
        raise AssertionError("unreachable")

    async def _connection(
        self, where: tuple[str, int], *, fresh: bool
    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter, bool]:
        idle = self._idle.setdefault(where, [])
        while idle and not fresh:
            since, reader, writer = idle.pop()
            if time.monotonic() - since < 1.0 and not reader.at_eof():
                return reader, writer, True
            writer.close()
        reader, writer = await asyncio.open_connection(*where)
        return reader, writer, False

    async def _exchange(
        self, where: tuple[str, int], reader: asyncio.StreamReader, writer: asyncio.StreamWriter, raw: bytes
    ) -> Answer:
        writer.write(raw)
        await writer.drain()
        status_line = await reader.readuntil(b"\r\n")
        status = int(status_line.split()[1])
        headers: dict[str, str] = {}
        while (line := await reader.readuntil(b"\r\n")) != b"\r\n":
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        if headers.get("transfer-encoding", "").lower() == "chunked":
            parts = []
            while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
                parts.append(await reader.readexactly(size + 2))
            await reader.readuntil(b"\r\n")
            content = b"".join(p[:-2] for p in parts)
        else:
            content = await reader.readexactly(int(headers.get("content-length", "0")))
        if headers.get("connection", "").lower() == "close":
            writer.close()
        else:
            self._idle.setdefault(where, []).append((time.monotonic(), reader, writer))
        return Answer(status, content)

    async def aclose(self) -> None:
        for idle in self._idle.values():
            for _, _, writer in idle:
                writer.close()
        self._idle.clear()


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value).encode()


@dataclass
class Team:
    key: str
    cookie: str
    tokens: dict[str, list[str]]
    support: bool
    items: list[str]
    tickets: list[tuple[str, str]] = field(default_factory=list)  # (key, triage state), idle ones only
    made: int = 0


@dataclass
class Sample:
    kind: str
    ms: float
    status: int  # 0 for an exception
    lag_ms: float  # how late the request left, behind its schedule
    detail: str = ""


class Load:
    def __init__(self, teams: list[Team], bases: list[str], seed: int) -> None:
        self.teams, self.bases = teams, bases
        self.rng = random.Random(seed)
        self.support = [t for t in teams if t.support]
        self.client = Http()

    def _bearer(self, team: Team, kind: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.rng.choice(team.tokens[kind])}"}

    def request(self, kind: str) -> tuple[str, str, dict[str, Any], Team]:
        """(method, path, httpx keyword arguments, team) of one request of ``kind``."""
        pool = self.support if kind == "ticket" else self.teams
        team = self.rng.choice(pool)
        api = f"/api/v1/teams/{team.key}"
        if kind == "page":
            return "GET", f"/teams/{team.key}", {"headers": {"Cookie": f"cadence_session={team.cookie}"}}, team
        if kind == "metrics":
            return "GET", f"{api}/metrics", {"headers": self._bearer(team, "pm")}, team
        if kind == "item":
            return "GET", f"{api}/items/{self.rng.choice(team.items)}", {"headers": self._bearer(team, "dev")}, team
        if kind == "forecast":
            return "GET", f"{api}/forecast?items=30", {"headers": self._bearer(team, "pm")}, team
        if kind == "backlog":
            return "GET", f"{api}/backlog", {"headers": self._bearer(team, "dev")}, team
        if kind == "checkin":
            body = {"yesterday": "Reviewed the queue.", "today": "Pairing on the next item.", "blockers": None,
                    "items": [self.rng.choice(team.items)]}  # fmt: skip
            return "POST", f"{api}/checkins", {"headers": self._bearer(team, "dev"), "json": body}, team
        raise ValueError(kind)

    async def ticket(self, base: str, team: Team) -> tuple[int, str]:
        """One ticket update on an idle ticket of the team (accept <-> ask_info), or a new ticket one time in five."""
        headers = self._bearer(team, "agent")
        api = f"{base}/api/v1/teams/{team.key}/tickets"
        if not team.tickets or self.rng.random() < 0.2:
            answer = await self.client.post(api, headers=headers, json=self._new_ticket(team))
            if answer.status_code in (200, 201):
                team.tickets.append((answer.json()["key"], "new"))
            return answer.status_code, answer.text[:200]
        key, state = team.tickets.pop(self.rng.randrange(len(team.tickets)))
        action = "ask_info" if state == "accepted" else "accept"
        try:
            answer = await self.client.post(f"{api}/{key}/triage", headers=headers, json={"action": action})
        except Exception:
            team.tickets.append((key, state))
            raise
        team.tickets.append((key, answer.json().get("triage_state", state) if answer.status_code == 200 else state))
        return answer.status_code, answer.text[:200]

    def _new_ticket(self, team: Team) -> dict[str, str]:
        team.made += 1
        return {"title": f"Invoice PDF missing ({team.made})", "requester": "customer@example.com",
                "channel": "email", "impact": "medium", "urgency": "high"}  # fmt: skip

    async def one(self, kind: str, base: str, scheduled: float, out: list[Sample]) -> None:
        lag = (time.perf_counter() - scheduled) * 1000
        detail = ""
        try:
            if kind == "ticket":
                status, detail = await self.ticket(base, self.rng.choice(self.support))
            else:
                method, path, kwargs, _ = self.request(kind)
                answer = await self.client.request(method, base + path, **kwargs)
                status = answer.status_code
                if status >= 400:
                    detail = answer.text[:200]
        except Exception as error:
            status, detail = 0, f"{type(error).__name__}: {error}"
        out.append(Sample(kind, (time.perf_counter() - scheduled) * 1000, status, lag, detail))

    async def run(self, rate: float, duration: float) -> tuple[list[Sample], float]:
        kinds = [k for k, _ in MIX]
        weights = [w for _, w in MIX]
        out: list[Sample] = []
        tasks: set[asyncio.Task[None]] = set()
        start = time.perf_counter()
        at = start
        while True:
            at += self.rng.expovariate(rate)
            if at - start >= duration:
                break
            delay = at - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            kind = self.rng.choices(kinds, weights)[0]
            task = asyncio.create_task(self.one(kind, self.rng.choice(self.bases), at, out))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            if len(out) and len(out) % 500 == 0:
                _log(f"{len(out)} answered, {len(tasks)} in flight")
        _log(f"all sent; waiting for the {len(tasks)} in flight")
        if tasks:
            await asyncio.wait(tasks)
        return out, time.perf_counter() - start

    async def warm(self, base: str) -> float:
        """Each team's first load on this instance (frames read, metrics and cards computed), one after the other."""
        started = time.perf_counter()
        for team in self.teams:
            api = f"{base}/api/v1/teams/{team.key}"
            pm = self._bearer(team, "pm")
            for path, headers in (
                (f"{base}/teams/{team.key}", {"Cookie": f"cadence_session={team.cookie}"}),
                (f"{api}/metrics", pm),
                (f"{api}/forecast?items=30", pm),
                (f"{api}/backlog", pm),
            ):
                answer = await self.client.get(path, headers=headers, timeout=600)
                if answer.status_code != 200:
                    raise SystemExit(f"warm-up {path}: {answer.status_code} {answer.text[:300]}")
        return time.perf_counter() - started

    async def open_tickets(self, base: str) -> None:
        for team in self.support:
            for _ in range(TICKETS_PER_TEAM):
                status, detail = await self.ticket(base, team)
                if status not in (200, 201):
                    raise SystemExit(f"creating a ticket on {team.key}: {status} {detail}")


# --- figures -------------------------------------------------------------------------------------------------------


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def _summary(samples: list[Sample]) -> dict[str, Any]:
    ms = [s.ms for s in samples]
    errors = [s for s in samples if not 200 <= s.status < 400]
    return {
        "requests": len(samples),
        "p50_ms": round(_pct(ms, 50), 1),
        "p95_ms": round(_pct(ms, 95), 1),
        "p99_ms": round(_pct(ms, 99), 1),
        "max_ms": round(max(ms, default=float("nan")), 1),
        "errors": len(errors),
    }


def _log(message: str) -> None:
    print(f"[load {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--teams", type=int, default=20, help="teams in the demo workspace (default 20)")
    parser.add_argument("--items-per-team", type=int, default=50_000, help="work items per team (default 50000)")
    parser.add_argument("--seed", type=int, default=7, help="seed of the demo workspace and of the arrivals")
    parser.add_argument("--database-url", default=None, help="a PostgreSQL URL (default: a server of our own)")
    parser.add_argument("--pg-dir", type=Path, default=None, help="data folder of our own server (kept)")
    parser.add_argument("--reuse", action="store_true", help="use the workspace already in the database")
    parser.add_argument("--rate", type=float, default=TARGET_RATE, help="arrivals per second (default 50)")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load (default 60)")
    parser.add_argument("--instances", type=int, default=2, help="cadence serve processes (default 2)")
    parser.add_argument("--prepare-only", action="store_true", help="seed and create the accounts, then stop")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    args = parser.parse_args()

    with _postgres(args) as url:
        _log(f"database {url}")
        prepared = _prepare(url, args)
        if args.prepare_only:
            print(json.dumps({k: v for k, v in prepared.items() if k != "teams"}))
            return
        with _instances(url, args.instances) as instances:
            bases = [i.base for i in instances]
            _log(f"instances {', '.join(bases)}")
            teams = [
                Team(key, _sign_in(bases[0], info["pm"]), info["tokens"], info["support"], info["items"])
                for key, info in prepared["teams"].items()
            ]
            load = Load(teams, bases, args.seed)
            result = asyncio.run(_drive(load, instances, args))
    result["database"] = {
        "teams": len(prepared["teams"]),
        "items": prepared["items"],
        "items_per_team": [prepared["items_per_team"][0], prepared["items_per_team"][-1]],
        "seed_s": None if prepared["seed_s"] is None else round(prepared["seed_s"], 1),
    }
    _print(result, args)


async def _drive(load: Load, instances: list[Instance], args: argparse.Namespace) -> dict[str, Any]:
    await load.open_tickets(load.bases[0])
    _log("warming up (first load of every team on every instance)")
    warm = await asyncio.gather(*(load.warm(base) for base in load.bases))
    rss_warm = [i.rss_mb()[0] for i in instances]
    _log(f"warm in {max(warm):.0f} s; {args.rate:g} requests/s for {args.duration:g} s")
    folder = PG_FOLDER[0] if PG_FOLDER else None
    servers0, pg0 = [_cpu_s(i.process.pid) for i in instances], _postgres_cpu_s(folder)
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    samples, elapsed = await load.run(args.rate, args.duration)
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    servers = sum(_cpu_s(i.process.pid) for i in instances) - sum(servers0)
    pg = _postgres_cpu_s(folder) - pg0
    await load.client.aclose()
    cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    overall = _summary(samples)
    kinds = {kind: _summary([s for s in samples if s.kind == kind]) for kind, _ in MIX}
    errors = [s for s in samples if not 200 <= s.status < 400]
    achieved = len(samples) / elapsed
    ok = overall["p95_ms"] < TARGET_P95_MS and not errors and achieved >= 0.95 * TARGET_RATE
    return {
        "rate_asked": args.rate,
        "duration_s": round(elapsed, 1),
        "throughput_rps": round(achieved, 1),
        "overall": overall,
        "kinds": kinds,
        "mix": dict(MIX),
        "error_samples": [f"{s.kind} {s.status} {s.detail}" for s in errors[:5]],
        "warmup_s": [round(w, 1) for w in warm],
        "rss_mb": {
            "after_warmup": [round(r) for r in rss_warm],
            "end": [round(i.rss_mb()[0]) for i in instances],
            "peak": [round(i.rss_mb()[1]) for i in instances],
        },
        "generator": {
            "cpu_share_of_one_core": round(cpu / elapsed, 3),
            "send_lag_p99_ms": round(_pct([s.lag_ms for s in samples], 99), 1),
            "send_lag_max_ms": round(max((s.lag_ms for s in samples), default=0.0), 1),
        },
        "server_cpu": {
            "instances_cores": round(servers / elapsed, 2),
            "postgres_cores": round(pg / elapsed, 2) if folder else None,
            "ms_per_request": round((servers + pg) / max(len(samples), 1) * 1000, 1),
            "load_average_1m": round(os.getloadavg()[0], 1),
        },
        "target": f"p95 < {TARGET_P95_MS:g} ms at {TARGET_RATE:g} requests/s, 0 errors",
        "target_met": ok,
    }


def _print(result: dict[str, Any], args: argparse.Namespace) -> None:
    if args.json:
        print(json.dumps(result))
        return
    db = result["database"]
    seeded = f", seeded in {db['seed_s']} s" if db["seed_s"] is not None else " (reused)"
    print(f"workspace: {db['teams']} teams, {db['items']} items ({db['items_per_team'][0]}-{db['items_per_team'][1]}"
          f" per team){seeded}")  # fmt: skip
    print(f"warm-up: {result['warmup_s']} s per instance; RSS after warm-up {result['rss_mb']['after_warmup']} MB, "
          f"at the end {result['rss_mb']['end']} MB, peak {result['rss_mb']['peak']} MB")  # fmt: skip
    print(f"asked {result['rate_asked']:g} req/s for {args.duration:g} s: {result['throughput_rps']} req/s achieved")
    print(f"{'kind':<10}{'share':>6}{'requests':>10}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}{'errors':>8}")
    for name, row in [*result["kinds"].items(), ("overall", result["overall"])]:
        share = f"{result['mix'][name]}%" if name in result["mix"] else ""
        print(f"{name:<10}{share:>6}{row['requests']:>10}{row['p50_ms']:>9}{row['p95_ms']:>9}{row['p99_ms']:>9}"
              f"{row['max_ms']:>9}{row['errors']:>8}")  # fmt: skip
    for line in result["error_samples"]:
        print(f"  error: {line}")
    gen = result["generator"]
    print(f"load generator: {gen['cpu_share_of_one_core']:.0%} of one core, send lag p99 {gen['send_lag_p99_ms']} ms "
          f"(max {gen['send_lag_max_ms']} ms)")  # fmt: skip
    cpu = result["server_cpu"]
    print(
        f"servers: instances used {cpu['instances_cores']} cores, PostgreSQL {cpu['postgres_cores']} cores "
        f"({cpu['ms_per_request']} ms CPU per request); load average {cpu['load_average_1m']} at the end"
    )
    print(f"target ({result['target']}): {'MET' if result['target_met'] else 'NOT MET'}")


if __name__ == "__main__":
    main()
