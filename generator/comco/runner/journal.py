"""`rejected.jsonl`: one JSON object per rejected spec, appended as it happens.

Each record is appended with one write call (repeated only if the kernel writes part of it),
so a killed run can at worst leave a torn last line; opening the journal cuts that line off
(its spec is simply rendered again). A damaged line before the last is an error, not skipped.

Only final rejections are skipped by a resumed run: a spec that failed its checks or the
quality gates fails them again, but one whose worker crashed, hung or raised may have met a
passing cause (the OOM killer, a full disk, a timeout on a loaded machine), so a resumed run
renders it again and the journal keeps the earlier record as history.
"""

from __future__ import annotations

import json
import os
import threading
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol


class RejectionStage(StrEnum):
    """Where a spec was rejected."""

    spec = "spec"  # not a valid spec line, or an id repeated
    asset = "asset"  # the asset library lacks one of its categories
    gate = "gate"  # rendered, but failed a quality gate
    render = "render"  # the worker reported an error
    crash = "crash"  # the worker died or hung twice on it


# Stages whose cause may pass; see the module docstring.
RETRIED_STAGES = frozenset({RejectionStage.crash, RejectionStage.render})


class RejectionSink(Protocol):
    """Where a rejection goes: the journal itself, or a collector that hands it to the run."""

    def add(self, key: str, reason: str, stage: RejectionStage, **extra: Any) -> None: ...


class JournalError(ValueError):
    """A line of rejected.jsonl before the last is damaged."""


class RejectedLog:
    """Append-only record of rejected specs; `keys` are the final ones a resumed run skips."""

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
            records = [
                _record(path, n, line)
                for n, line in enumerate(complete.splitlines(), start=1)
                if line.strip()
            ]
            self.keys = {key for key, stage in records if stage not in RETRIED_STAGES}

    def add(self, key: str, reason: str, stage: RejectionStage, **extra: Any) -> None:
        """Record a rejection and the stage where it failed."""
        line = (
            json.dumps(
                {"key": key, "stage": stage.value, "reason": reason, **extra}, sort_keys=True
            )
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
            if stage not in RETRIED_STAGES:
                self.keys.add(key)


def _record(path: Path, number: int, line: bytes) -> tuple[str, str]:
    """(key, stage) of one complete journal line; a damaged one is named, not skipped."""
    try:
        record = json.loads(line)
        return str(record["key"]), str(record["stage"])
    except (ValueError, KeyError, TypeError) as error:
        raise JournalError(
            f"{path}:{number}: not a rejection record ({error!r}); expected a JSON object with "
            "'key' and 'stage'. Fix or delete the line to resume (its spec is then rendered again)"
        ) from error
