"""Run as a program by ``test_read_models``: readers and a writer in threads of one process, on one SQLite file,
each on fresh connections, for ``SECONDS``. Exits 0 and prints ``clean`` when every read and write succeeded.

A separate process, so that a crash of SQLite itself (a bus error) fails the test rather than the test runner.
"""

from __future__ import annotations

import sys
import threading
import time

from cadence.store import read_models as R
from cadence.store.database import Database
from cadence.store.ingest import ingest
from cadence.store.migrations import upgrade
from tests.factories import team_batch


def main(path: str, seconds: float) -> int:
    db = Database(f"sqlite:///{path}")
    upgrade(db)
    with db.begin() as conn:
        ingest(conn, team_batch())
    deadline = time.monotonic() + seconds
    failures: list[str] = []
    counts = {"reads": 0, "writes": 0}

    def read() -> None:
        while time.monotonic() < deadline:
            with db.connect() as conn:
                if R.read_transitions(conn).height != 4 or R.read_items(conn).height != 2:
                    raise AssertionError("a read saw the wrong number of rows")
            counts["reads"] += 1

    def write() -> None:
        while time.monotonic() < deadline:
            with db.begin() as conn:
                ingest(conn, team_batch(title_of_2=f"Fix the export {counts['writes']}"))
            counts["writes"] += 1

    def guarded(work: object) -> None:
        try:
            work()  # type: ignore[operator]
        except BaseException as error:
            failures.append(f"{type(error).__name__}: {error}")

    threads = [threading.Thread(target=guarded, args=(work,)) for work in (read, read, write)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    db.dispose()
    print(f"{counts['reads']} reads, {counts['writes']} writes")
    print("\n".join(failures) if failures else "clean")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], float(sys.argv[2])))
