"""How many tasks a Ray driver puts in one actor call, from the time tasks are taking.

A call has fixed costs on the driver (Ray's submit, wait and get: about a millisecond of
CPU) that a one-image call pays per image, so calls carry about TARGET_S seconds of work
each. Longer calls would lose more work with a dead actor and leave actors idle at the end,
so near the end of the queue what is left is shared out evenly instead.
"""

from __future__ import annotations

TARGET_S = 0.75  # seconds of work per call
FIRST = 2  # tasks per call before any time was measured
MOST = 1024  # tasks per call at most, however quick they are
SMOOTHING = 0.2  # weight of the newest measurement in the running mean


class ChunkSizer:
    """Tasks per call from a running mean of the seconds one task takes an actor."""

    def __init__(self, target_s: float = TARGET_S):
        self.target_s = target_s
        self.task_s: float | None = None

    def observe(self, tasks: int, seconds: float) -> None:
        """An actor took `seconds` over a call of `tasks` tasks (the time between two of its
        answers, when it had the next call queued: its working time)."""
        if tasks < 1 or seconds <= 0:
            return
        each = seconds / tasks
        self.task_s = (
            each if self.task_s is None else self.task_s + SMOOTHING * (each - self.task_s)
        )

    def size(self, queued: int, share: int) -> int:
        """Tasks for the next call, with `queued` tasks waiting for `share` call slots (live
        actors times the calls each has queued)."""
        wanted = FIRST if self.task_s is None else round(self.target_s / self.task_s)
        even = queued // max(1, share)  # near the end: what is left, shared out evenly
        return max(1, min(wanted, even, MOST, queued))
