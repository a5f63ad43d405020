"""`rejected.jsonl`: one JSON object per rejected spec, appended as it happens
(`comco.runner.append_log`: a torn last line is cut off, a damaged earlier one is an error).

Only final rejections are skipped by a resumed run: a spec that failed its checks or the
quality gates fails them again, but one whose worker crashed, hung or raised may have met a
passing cause (the OOM killer, a full disk, a timeout on a loaded machine), so a resumed run
renders it again and the journal keeps the earlier record as history. A spec that has
failed that way in RETRIED_RUNS runs is not a passing cause: it is final too, so a scene
that cannot render is not retried by every resume forever.
"""

from __future__ import annotations

from collections import Counter
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

from comco.runner.append_log import AppendLog, JournalError, read_records

__all__ = ["JournalError", "RejectedLog", "RejectionSink", "RejectionStage"]


class RejectionStage(StrEnum):
    """Where a spec was rejected."""

    spec = "spec"  # not a valid spec line, or an id repeated
    asset = "asset"  # the asset library lacks one of its categories
    gate = "gate"  # rendered, but failed a quality gate
    render = "render"  # the worker reported an error
    crash = "crash"  # the worker died or hung twice on it


# Stages whose cause may pass, and in how many runs a spec may fail so; see the docstring.
RETRIED_STAGES = frozenset({RejectionStage.crash, RejectionStage.render})
RETRIED_RUNS = 2


class RejectionSink(Protocol):
    """Where a rejection goes: the journal itself, or a collector that hands it to the run."""

    def add(self, key: str, reason: str, stage: RejectionStage, **extra: Any) -> None: ...


class RejectedLog:
    """Append-only record of rejected specs; `keys` are the final ones a resumed run skips."""

    def __init__(self, path: Path):
        self.path = path
        self._log = AppendLog(path)
        records = read_records(path, "rejection record")
        retried = Counter(r["key"] for r in records if r.get("stage") in RETRIED_STAGES)
        self.keys: set[str] = {r["key"] for r in records if r.get("stage") not in RETRIED_STAGES}
        self.keys |= {key for key, runs in retried.items() if runs >= RETRIED_RUNS}
        self.added = 0  # records this process appended

    def add(self, key: str, reason: str, stage: RejectionStage, **extra: Any) -> None:
        """Record a rejection and the stage where it failed."""
        self.extend([{"key": key, "reason": reason, "stage": stage, **extra}])

    def extend(self, records: list[dict[str, Any]]) -> None:
        """Record rejections, each with the fields of `add`, in one append."""
        self._log.extend([{**r, "stage": RejectionStage(r["stage"]).value} for r in records])
        self.added += len(records)
        self.keys |= {r["key"] for r in records if r["stage"] not in RETRIED_STAGES}
