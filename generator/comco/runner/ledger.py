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

    def add_stages_locked(self, stages: dict[str, float]) -> None:
        """Add one warm image's stage seconds; the caller holds `lock`."""
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
        return bool(self.settle_all([(task, outcome)]))

    def settle_all(self, answers: list[tuple[Task, Outcome]]) -> list[Task]:
        """Journal and count outcomes as `settle` does one by one, with one append per
        journal and one lock for them all (a Ray driver settles thousands a second); the
        tasks the crash policy sends back to the queue, in order."""
        requeued: list[Task] = []
        rejections: list[dict] = []
        kept: list[tuple[str, tuple[int, int] | None]] = []
        stages: list[dict[str, float]] = []
        for task, outcome in answers:
            if outcome.state is TaskState.crashed:
                if after_crash(task) is TaskState.waiting:
                    requeued.append(task)
                    continue
                spec = task.spec
                rejections.append(
                    {
                        "key": task.key,
                        "reason": outcome.reason or "render worker crashed",
                        "stage": RejectionStage.crash,
                        "id": spec.id,
                        "spec": spec.model_dump(mode="json"),
                    }
                )
            elif outcome.state is TaskState.kept:
                kept.append((task.key, outcome.sizes))
            elif outcome.rejection is not None:
                rejections.append(outcome.rejection)
            if outcome.stages:
                stages.append(outcome.stages)
        if rejections:
            self.rejected.extend(rejections)
        if kept:
            self.completed.extend(kept)  # after the files: a scene counts as done from here
        settled = len(answers) - len(requeued)
        with self.stats.lock:
            for seconds in stages:
                self.stats.add_stages_locked(seconds)
            self.stats.rendered += len(kept)
            self.stats.rejected += settled - len(kept)
            if self.bar is not None and settled:
                self.bar.update(settled)
        return requeued
