"""`rejected.jsonl`: one JSON object per rejected spec, appended as it happens.

Each record is appended with one write call (repeated only if the kernel writes part of it),
so a killed run can at worst leave a torn last line; opening the journal cuts that line off
(its spec is simply rendered again). A damaged line before the last is an error, not skipped.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any


class JournalError(ValueError):
    """A line of rejected.jsonl before the last is damaged."""


class RejectedLog:
    """Append-only record of rejected specs, keyed so a resumed run skips them."""

    def __init__(self, path: Path):
        self.path = path
        self.keys: set[str] = set()
        self._lock = threading.Lock()
        if path.is_file():
            data = path.read_bytes()
            complete = data[: data.rfind(b"\n") + 1]
            if len(complete) != len(data):
                with open(path, "r+b") as f:
                    f.truncate(len(complete))
            self.keys = {
                _key(path, n, line)
                for n, line in enumerate(complete.splitlines(), start=1)
                if line.strip()
            }

    def add(self, key: str, reason: str, stage: str, **extra: Any) -> None:
        """Record a rejection; `stage` says where it failed ('spec', 'render', 'crash', 'gate')."""
        line = (
            json.dumps({"key": key, "stage": stage, "reason": reason, **extra}, sort_keys=True)
            + "\n"
        )
        with self._lock:
            data = line.encode()
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                while data:  # a short write must not leave half a line for the next append
                    data = data[os.write(fd, data) :]
            finally:
                os.close(fd)
            self.keys.add(key)


def _key(path: Path, number: int, line: bytes) -> str:
    """The key of one complete journal line; a damaged one is named, not skipped."""
    try:
        return str(json.loads(line)["key"])
    except (ValueError, KeyError, TypeError) as error:
        raise JournalError(
            f"{path}:{number}: not a rejection record ({error}); expected a JSON object with a "
            "'key'. Fix or delete the line to resume (its spec is then rendered again)"
        ) from error
