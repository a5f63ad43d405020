"""The run's side of every engine: outcomes in, counts, journal, progress and crash verdicts out.

Engines call the ledger from their own threads (local slots) or from the driver loop (Ray);
it is the only place that journals rejections, counts images and applies the crash policy.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from tqdm import tqdm

from comco.runner.completion import CompletionLog
from comco.runner.feeder import Outcome
from comco.runner.journal import RejectedLog, RejectionStage
from comco.runner.provenance import DatasetRecord
from comco.runner.states import TaskState, after_crash
from comco.runner.tasks import Task


@dataclass
class RunStats:
    """Counts of this run, shared by the engine's threads."""

    rendered: int = 0
    rejected: int = 0
    devices: set[str] = field(default_factory=set)
    stage_seconds: dict[str, float] = field(default_factory=dict)
    warm_images: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add_stages(self, stages: dict[str, float]) -> None:
        with self.lock:
            self.warm_images += 1
            for name, seconds in stages.items():
                self.stage_seconds[name] = self.stage_seconds.get(name, 0.0) + seconds

    def stage_ms(self) -> dict[str, float]:
        """Mean milliseconds per image of each worker and runner stage, over warm images
        (not a worker's first, no asset imported for it)."""
        n = max(1, self.warm_images)
        return {name: round(1000 * s / n, 2) for name, s in self.stage_seconds.items()}


class Ledger:
    """Everything a run records about its tasks while an engine renders them."""

    def __init__(
        self,
        rejected: RejectedLog,
        completed: CompletionLog,
        record: DatasetRecord,
        stats: RunStats,
    ):
        self.rejected, self.completed = rejected, completed
        self.record, self.stats = record, stats
        self.bar: tqdm | None = None
        self.stopping = threading.Event()
        self.error: BaseException | None = None

    def fail(self, error: BaseException) -> None:
        """Stop the run for `error` (the first one wins)."""
        with self.stats.lock:
            self.error = self.error or error
        self.stopping.set()

    def worker_started(self, device: str, blender_version: str) -> bool:
        """Record a started worker; True when no worker of this run had that device yet."""
        self.record.note_worker(device, blender_version)
        with self.stats.lock:
            new = device not in self.stats.devices
            self.stats.devices.add(device)
        return new

    def settle(self, task: Task, outcome: Outcome) -> bool:
        """Journal and count one outcome; True when the crash policy sends the task back to
        the queue (then nothing is counted yet)."""
        if outcome.state is TaskState.crashed:
            if after_crash(task) is TaskState.waiting:
                return True
            spec = task.spec.model_dump(mode="json")
            reason = outcome.reason or "render worker crashed"
            self.rejected.add(task.key, reason, RejectionStage.crash, id=task.spec.id, spec=spec)
        elif outcome.state is TaskState.kept:
            self.completed.add(task)  # last: the scene counts as done from here on
        elif outcome.rejection is not None:
            self.rejected.add(**outcome.rejection)
        if outcome.stages:
            self.stats.add_stages(outcome.stages)
        with self.stats.lock:
            if outcome.state is TaskState.kept:
                self.stats.rendered += 1
            else:
                self.stats.rejected += 1
            if self.bar is not None:
                self.bar.update(1)
        return False
