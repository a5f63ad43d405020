"""The states a task moves through, named once, and the one crash policy both engines obey.

A task waits in a queue, is rendered by a worker, and ends kept (PNG + JSON written) or
rejected (journalled in rejected.jsonl). A worker that dies or hangs on it leaves it
crashed; the crash policy then counts the crash and sends it back to waiting, or rejects
it once it has crashed MAX_CRASHES times. Engines report kept, rejected or crashed
(`comco.runner.feeder.Outcome`); only the run's ledger (`comco.runner.ledger`) applies the
policy, whichever engine rendered the task.
"""

from __future__ import annotations

from enum import StrEnum

from comco.runner.tasks import Task

MAX_CRASHES = 2


class TaskState(StrEnum):
    """Where a task stands."""

    waiting = "waiting"  # queued for a worker (first time, or again after a crash)
    kept = "kept"  # its PNG and annotation are written
    rejected = "rejected"  # journalled in rejected.jsonl; never rendered again by this run
    crashed = "crashed"  # its worker died or hung on it; see `after_crash`


def after_crash(task: Task) -> TaskState:
    """Count a crash of `task`: waiting (queue it again) below MAX_CRASHES, else rejected."""
    task.crashes += 1
    return TaskState.waiting if task.crashes < MAX_CRASHES else TaskState.rejected
