"""Where the time of one image goes: named stages timed back to back.

The worker and the runner each time their part of an image with a `Stopwatch`; the worker
sends its stages in `protocol.Done`, the runner adds its own, and the run summary keeps the
mean of each so `benchmarks/render_throughput.py` can print the split.
"""

from __future__ import annotations

import time


class Stopwatch:
    """Seconds per stage; `lap(name)` charges the time since the previous lap to `name`
    (up to now, or up to `at`, a `time.perf_counter()` reading taken in between)."""

    def __init__(self) -> None:
        self.stages: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name: str, at: float | None = None) -> None:
        now = time.perf_counter() if at is None else at
        self.add(name, now - self._last)
        self._last = now

    def restart(self) -> None:
        """Begin the next lap now (the time since the last lap belongs to no stage)."""
        self._last = time.perf_counter()

    def add(self, name: str, seconds: float) -> None:
        self.stages[name] = self.stages.get(name, 0.0) + seconds
