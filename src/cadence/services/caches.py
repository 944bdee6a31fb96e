"""The in-process caches of computed team results: one kind of cache, bounded in entries and, together, in bytes.

Keys carry the team's data version (read from the database per request), so an entry can never be served after
the team's data changed, on this instance or another; caches only decide what to keep. Three things every cache
here does:

- **compute once**: a missing key is computed by one thread while the others asking for it wait (a cold 50k-item
  team costs one read, not one per waiting request); if that computation fails, the next waiter tries;
- **served while refreshed**: results that age with the clock (metrics, the backlog review) are served up to a
  limit while one background thread computes their successor (:meth:`Cache.get_or_refresh`); at 20 teams x 50k
  items, recomputing each team's metrics at the turn of every minute, with requests waiting, stalled whole pages;
- **one version per slot**: with ``slot``, keys sharing a slot replace each other (a team's newer data version
  evicts its older one at once, before the entry limit would);
- **one byte budget per process** (:func:`set_budget`; ``CADENCE_CACHE_MB``): each entry is weighed when stored
  (Polars frames and NumPy arrays by their buffers, containers by their contents) and the least recently used
  entries, across all caches, are dropped while the total is over the budget. An entry larger than the whole budget
  is returned but not kept. Without it, 20 teams of 50k items grew one instance past 11 GB.
"""

from __future__ import annotations

import dataclasses
import logging
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import numpy as np
import polars as pl

__all__ = ["DEFAULT_BUDGET", "Cache", "CacheStats", "budget", "clear_all", "set_budget", "stats", "team_slot", "weigh"]

T = TypeVar("T")
log = logging.getLogger(__name__)

DEFAULT_BUDGET = 2048 * 2**20
"""Bytes all caches of a process may hold: about 20 warm 50k-item teams (~100 MB each, docs/benchmarks.md)."""


def team_slot(key: Hashable) -> Hashable:
    """Keys that start (database, team id, data version, ...): the slot is (database, team id)."""
    assert isinstance(key, tuple)
    return key[:2]


def weigh(value: object) -> int:
    """Bytes ``value`` holds, each object counted once: frames, series and arrays by their buffers; dicts, lists,
    tuples, sets and dataclasses with their contents; anything else by its own size."""
    seen: set[int] = set()
    stack = [value]
    total = 0
    while stack:
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, pl.DataFrame | pl.Series):
            total += int(item.estimated_size())
            continue
        if isinstance(item, np.ndarray):
            total += item.nbytes
            continue
        total += sys.getsizeof(item)
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple | set | frozenset):
            stack.extend(item)
        elif dataclasses.is_dataclass(item) and not isinstance(item, type):
            stack.extend(getattr(item, f.name) for f in dataclasses.fields(item))
    return total


class _Budget:
    """Recency and size of every entry of every cache; picks what to drop. Never holds a cache's lock."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0
        self._sizes: OrderedDict[tuple[Cache, Hashable], int] = OrderedDict()
        self._lock = threading.Lock()

    def add(self, cache: Cache, key: Hashable, size: int) -> list[tuple[Cache, Hashable]]:
        """Record a stored entry; the entries to drop (least recently used first, possibly this one)."""
        with self._lock:
            self.used -= self._sizes.pop((cache, key), 0)
            self._sizes[(cache, key)] = size
            self.used += size
            return self._over()

    def resize(self, limit: int) -> list[tuple[Cache, Hashable]]:
        with self._lock:
            self.limit = limit
            return self._over()

    def _over(self) -> list[tuple[Cache, Hashable]]:
        victims = []
        while self.used > self.limit and self._sizes:
            victim, dropped = self._sizes.popitem(last=False)
            self.used -= dropped
            victims.append(victim)
        return victims

    def touch(self, cache: Cache, key: Hashable) -> None:
        with self._lock:
            if (cache, key) in self._sizes:
                self._sizes.move_to_end((cache, key))

    def forget(self, cache: Cache, keys: list[Hashable]) -> None:
        with self._lock:
            for key in keys:
                self.used -= self._sizes.pop((cache, key), 0)

    def bytes_of(self, cache: Cache) -> int:
        with self._lock:
            return sum(size for (owner, _), size in self._sizes.items() if owner is cache)


_BUDGET = _Budget(DEFAULT_BUDGET)
_CACHES: list[Cache] = []


def set_budget(limit: int) -> None:
    """Bytes all caches may hold from now on (the edges pass ``CADENCE_CACHE_MB``); entries over it are dropped."""
    if limit < 0:
        raise ValueError(f"cache budget {limit} is negative")
    for cache, key in _BUDGET.resize(limit):
        cache._drop(key)


def budget() -> tuple[int, int]:
    """(bytes held, bytes allowed) over all caches."""
    return _BUDGET.used, _BUDGET.limit


class Cache:
    """A thread-safe LRU of at most ``entries`` entries, under the process's byte budget (see the module)."""

    def __init__(self, name: str, entries: int, *, slot: Callable[[Hashable], Hashable] | None = None) -> None:
        self.name = name
        self._size = entries
        self._slot = slot
        self._data: OrderedDict[Hashable, Any] = OrderedDict()
        self._owner: dict[Hashable, Hashable] = {}  # slot -> the key stored for it
        self._pending: dict[Hashable, threading.Event] = {}
        self._refreshing: set[Hashable] = set()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0
        _CACHES.append(self)

    def get_or_compute(self, key: Hashable, compute: Callable[[], T]) -> T:
        while True:
            with self._lock:
                if key in self._data:
                    self._data.move_to_end(key)
                    self.hits += 1
                    value: T = self._data[key]
                    break
                pending = self._pending.get(key)
                mine = pending is None
                if pending is None:
                    pending = self._pending[key] = threading.Event()
                    self.misses += 1
            if mine:
                return self._compute(key, compute, pending)
            pending.wait()
        _BUDGET.touch(self, key)
        return value

    def get_or_refresh(
        self, key: Hashable, compute: Callable[[], T], *, now: float, refresh_after: float, stale_limit: float
    ) -> T:
        """For results that age with the clock (``now``, seconds): one computed less than ``refresh_after`` ago is
        served; one up to ``stale_limit`` old is served while one background thread computes its successor (so no
        request waits at the turn of a period); an older one, or one computed for a later clock than the caller's,
        is computed now. The key must not carry the clock."""
        at, value = self.get_or_compute(key, lambda: (now, compute()))
        age = now - at
        if 0 <= age < refresh_after:
            return value
        if refresh_after <= age <= stale_limit:
            self._refresh(key, lambda: (now, compute()))
            return value
        fresh = compute()
        if age > 0:
            self._keep(key, (now, fresh))
        return fresh

    def _refresh(self, key: Hashable, compute: Callable[[], Any]) -> None:
        with self._lock:
            if key in self._refreshing:
                return
            self._refreshing.add(key)

        def run() -> None:
            try:
                self._keep(key, compute())
            except Exception:  # the stale value stays; the next request past the limit computes it itself
                log.warning("refreshing the %s cache failed", self.name, exc_info=True)
            finally:
                with self._lock:
                    self._refreshing.discard(key)

        threading.Thread(target=run, name=f"cadence-refresh-{self.name}", daemon=True).start()

    def _compute(self, key: Hashable, compute: Callable[[], T], pending: threading.Event) -> T:
        try:
            value = compute()
            self._keep(key, value)
        finally:
            with self._lock:
                del self._pending[key]
            pending.set()
        return value

    def _keep(self, key: Hashable, value: Any) -> None:
        size = weigh(value)
        with self._lock:
            replaced = self._store(key, value)
        _BUDGET.forget(self, replaced)
        for cache, victim in _BUDGET.add(self, key, size):
            cache._drop(victim)

    def _store(self, key: Hashable, value: Any) -> list[Hashable]:
        """Keep ``value``; the keys it pushed out (its slot's older key, the least recent past ``entries``)."""
        out = []
        if self._slot is not None:
            slot = self._slot(key)
            previous = self._owner.get(slot)
            if previous is not None and previous != key and previous in self._data:
                del self._data[previous]
                out.append(previous)
            self._owner[slot] = key
        self._data[key] = value
        self._data.move_to_end(key)
        while len(self._data) > self._size:
            evicted, _ = self._data.popitem(last=False)
            out.append(evicted)
            self._forget_slot(evicted)
        return out

    def _forget_slot(self, key: Hashable) -> None:
        if self._slot is not None and self._owner.get(self._slot(key)) == key:
            del self._owner[self._slot(key)]

    def _drop(self, key: Hashable) -> None:
        """Drop ``key`` (the budget chose it); a key already gone is fine."""
        with self._lock:
            if self._data.pop(key, None) is not None:
                self._forget_slot(key)

    def __contains__(self, key: Hashable) -> bool:
        with self._lock:
            return key in self._data

    def __len__(self) -> int:
        return len(self._data)

    def clear(self) -> None:
        with self._lock:
            keys = list(self._data)
            self._data.clear()
            self._owner.clear()
            self.hits = self.misses = 0
        _BUDGET.forget(self, keys)


@dataclasses.dataclass(frozen=True)
class CacheStats:
    name: str
    entries: int
    bytes: int
    hits: int
    misses: int


def stats() -> list[CacheStats]:
    """Every cache of the process, for ``/metrics``."""
    return [CacheStats(c.name, len(c), _BUDGET.bytes_of(c), c.hits, c.misses) for c in _CACHES]


def clear_all() -> None:
    """Empty every cache (tests, and after a restore)."""
    for cache in _CACHES:
        cache.clear()
