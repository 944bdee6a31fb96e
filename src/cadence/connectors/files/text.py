"""Opening a user's file (plain or gzip, UTF-8 with or without a BOM) and locating rows for problem reports."""

from __future__ import annotations

import csv
import gzip
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from cadence.domain.errors import InputError

__all__ = ["numbered_rows", "open_text"]


@contextmanager
def open_text(path: Path, encoding: str = "utf-8-sig") -> Iterator[IO[str]]:
    """The file as text; ``utf-8-sig`` drops a byte-order mark (BPIC and Excel exports start with one)."""
    if not path.is_file():
        raise InputError(f"file '{path}' does not exist", path=str(path))
    try:
        with _opened(path, encoding) as handle:
            yield handle
    except UnicodeDecodeError as error:
        raise InputError(f"file '{path}' is not {encoding} text: {error.reason} at byte {error.start}") from None
    except (OSError, EOFError) as error:
        raise InputError(f"file '{path}' cannot be read: {error}") from None


def _opened(path: Path, encoding: str) -> IO[str]:
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding=encoding, newline="")
    return path.open(encoding=encoding, newline="")


def numbered_rows(handle: IO[str], delimiter: str = ",") -> Iterator[tuple[int, list[str]]]:
    """CSV rows with the line each *starts* on (a quoted cell may span lines, as Jira comments do)."""
    reader = csv.reader(handle, delimiter=delimiter)
    start = 1
    try:
        for row in reader:
            yield start, row
            start = reader.line_num + 1
    except csv.Error as error:
        raise InputError(f"line {reader.line_num}: the file is not valid CSV: {error}", line=reader.line_num) from None
