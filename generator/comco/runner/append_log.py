"""Append-only JSONL files that a killed run cannot corrupt (rejected.jsonl, completed.jsonl).

Each record is appended with one write call (repeated only if the kernel writes part of it),
so a killed run can at worst leave a torn last line; reading the file cuts that line off
(its record is simply made again). A damaged line before the last is an error, not skipped.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any


class JournalError(ValueError):
    """A line of a journal before the last is damaged."""


CHUNK_BYTES = 1 << 22  # records parsed per call: fast, and few held at once


def read_records(path: Path, expected: str) -> list[dict[str, Any]]:
    """Every complete record of `path` (see `iter_records`), in a list."""
    return list(iter_records(path, expected))


def iter_records(path: Path, expected: str) -> Iterator[dict[str, Any]]:
    """Every complete record of `path` (none when it does not exist), after cutting off a
    torn last line; a damaged line is named, with `expected` saying what it should hold.
    Records are parsed a few MB at a time, in one call each (a journal of 10^6 records in a
    fraction of the time of a call per line, without all of them as dicts at once)."""
    if not path.is_file():
        return
    data = path.read_bytes()
    complete = data[: data.rfind(b"\n") + 1]
    if len(complete) != len(data):
        with open(path, "r+b") as f:
            f.truncate(len(complete))
    start, lines_before = 0, 0
    while start < len(complete):
        end = complete.find(b"\n", start + CHUNK_BYTES) + 1 or len(complete)
        chunk = complete[start:end]
        records = _whole(chunk)
        if records is None:
            records = _line_by_line(chunk, lines_before, path, expected)
        yield from records
        start, lines_before = end, lines_before + chunk.count(b"\n")


def _whole(chunk: bytes) -> list[dict[str, Any]] | None:
    """Every record of whole lines, parsed in one call, or None when a line is blank or is not
    one record with a 'key' (then each line is read alone, to skip or name it)."""
    try:
        records = json.loads(b"[" + chunk.rstrip(b"\n").replace(b"\n", b",") + b"]")
    except ValueError:
        return None
    if len(records) != chunk.count(b"\n") or not all(
        isinstance(r, dict) and isinstance(r.get("key"), str) for r in records
    ):
        return None
    return records


def _line_by_line(
    chunk: bytes, lines_before: int, path: Path, expected: str
) -> list[dict[str, Any]]:
    """The records of whole lines, blank lines skipped, the first damaged one named."""
    records = []
    for number, line in enumerate(chunk.splitlines(), start=lines_before + 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            if not isinstance(record, dict) or not isinstance(record.get("key"), str):
                raise ValueError("no 'key'")
        except ValueError as error:
            raise JournalError(
                f"{path}:{number}: not a {expected} ({error!r}); expected a JSON object with "
                "'key'. Fix or delete the line to resume (its spec is then rendered again)"
            ) from error
        records.append(record)
    return records


class AppendLog:
    """Whole-line appends to one JSONL file, safe from several threads."""

    def __init__(self, path: Path):
        self.path = path
        self._lock = threading.Lock()

    def append(self, record: dict[str, Any]) -> None:
        self.extend([record])

    def extend(self, records: list[dict[str, Any]]) -> None:
        """Append `records` in one write (a kill can tear only the last line)."""
        data = "".join(json.dumps(r, sort_keys=True) + "\n" for r in records).encode()
        if not data:
            return
        with self._lock:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                while data:  # a short write must not leave half a line for the next append
                    data = data[os.write(fd, data) :]
            finally:
                os.close(fd)
