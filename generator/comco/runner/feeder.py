"""The one loop that feeds a render worker, used by every engine (a local slot, a Ray actor).

It hands the worker its next job before it annotates and writes the image just rendered, so
the worker renders image i+1 while the runner finishes image i (a kill can leave that one
image unwritten; resume renders it again). When no next task is at hand it finishes the
pending image before it waits for one, so every outcome is reported as soon as it can be.
Workers are replaced after `recycle_after` images to bound memory. The loop decides
nothing about crashes: it reports them (`comco.runner.states`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from comco.annotate.measure import QualityGates
from comco.io.atomic import temp_path
from comco.render.protocol import Done, Job, Ready
from comco.render.stages import Stopwatch
from comco.runner.journal import RejectionStage
from comco.runner.outputs import discard, keep_or_reject
from comco.runner.states import TaskState
from comco.runner.tasks import Task
from comco.runner.worker_client import WorkerClient, WorkerCrashed, WorkerOptions


@dataclass(frozen=True)
class FeedSetup:
    """How every worker of a run is started and what its images are checked and marked with."""

    options: WorkerOptions
    library_sha256: str
    gates: QualityGates
    recycle_after: int


@dataclass(frozen=True)
class Outcome:
    """What one attempt at a task came to: kept, rejected (with its rejected.jsonl record) or
    crashed (with the reason). `stages`: seconds per stage, for warm images only (not a
    worker's first, no asset imported for it). `sizes`: a kept image's PNG and JSON sizes in
    bytes, measured by the process that wrote them, so that the driver, maybe on another
    node of a network file system, records them without a stat of its own."""

    state: TaskState
    reason: str | None = None
    rejection: dict[str, Any] | None = None
    stages: dict[str, float] = field(default_factory=dict)
    sizes: tuple[int, int] | None = None


def written_sizes(task: Task) -> tuple[int, int]:
    """The sizes of a task's PNG and JSON, as this process (their writer) sees them."""
    return task.png.stat().st_size, task.annotation.stat().st_size


class CollectedRejection:
    """Takes `keep_or_reject`'s rejection record instead of a journal, so that the run's
    ledger, the only writer of rejected.jsonl, journals it with the outcome."""

    def __init__(self) -> None:
        self.record: dict[str, Any] | None = None

    def add(self, key: str, reason: str, stage: RejectionStage, **extra: Any) -> None:
        self.record = {"key": key, "reason": reason, "stage": stage, **extra}


def job_for(task: Task, scratch_stem: Path, tag: str) -> Job:
    """The worker's job for a task: its image goes to a temporary name beside the final PNG
    (as SGI, which `keep_or_reject` encodes to the PNG), its index pass and arrays to
    `scratch_stem` plus .exr and .npz."""
    task.png.parent.mkdir(parents=True, exist_ok=True)
    return Job(
        spec=task.spec,
        image=str(temp_path(task.png, tag)),
        index=str(scratch_stem.with_suffix(".exr")),
        arrays=str(scratch_stem.with_suffix(".npz")),
        image_format="IRIS",
    )


def needs_start(client: WorkerClient, recycle_after: int) -> bool:
    """True when the worker is not running, or has done `recycle_after` images and is replaced
    so its memory stays flat."""
    return client.process is None or client.jobs_done >= recycle_after


# next_task(wait): the next task, or None. With wait=False it must not block; with wait=True
# it may, and None then means that no task will come.
NextTask = Callable[[bool], "Task | None"]
Report = Callable[[Task, Outcome], None]


@dataclass
class _Rendered:
    """An image the worker has answered for, waiting to be annotated and written."""

    task: Task
    done: Done
    job: Job
    ready: Ready
    clock: Stopwatch
    warm: bool


class Feeder:
    """One worker process and the loop that feeds it; `run` until the tasks run out."""

    def __init__(
        self,
        client: WorkerClient,
        setup: FeedSetup,
        scratch: Path,
        tag: str,
        on_start: Callable[[Ready], None],
    ):
        self.client, self.setup = client, setup
        self.scratch, self.tag, self.on_start = scratch, tag, on_start
        self.rendered: _Rendered | None = None
        self.images = 0

    def run(self, next_task: NextTask, report: Report, stop: Callable[[], bool]) -> None:
        """Render tasks until `next_task` has none or `stop()`; report each outcome. The
        worker is stopped on the way out, whatever happened."""
        try:
            while not stop():
                task = next_task(False)
                if task is None:
                    self._finish_rendered(report)
                    task = next_task(True)
                    if task is None:
                        break
                self._render(task, report)
            self._finish_rendered(report)
        finally:
            self.client.stop()

    def _render(self, task: Task, report: Report) -> None:
        if needs_start(self.client, self.setup.recycle_after):
            self._finish_rendered(report)  # whatever happens to the new worker, keep that image
            self.client.stop()
            self.on_start(self.client.start())
        self.images += 1  # two sets of files in turn: one is read while the next is written
        stem = self.scratch.with_name(f"{self.scratch.name}-{self.images % 2}")
        job = job_for(task, stem, self.tag)
        began = time.perf_counter()
        self.client.send(job)
        sent = time.perf_counter()
        self._finish_rendered(report)  # the previous image, while the worker renders this one
        finished = time.perf_counter()
        try:
            done = self.client.receive(job)
        except WorkerCrashed as error:
            discard(job)
            report(task, Outcome(TaskState.crashed, reason=str(error)))
            return
        received = time.perf_counter()
        clock = Stopwatch()
        # time the worker sat idle because the runner's bookkeeping outlasted the render
        runner_wait = max(0.0, finished - sent - done.seconds)
        clock.add("round_trip", received - began - done.seconds - runner_wait)
        clock.add("runner_wait", runner_wait)
        assert self.client.ready is not None
        # a worker's first image, and one that imports an asset, also pay one-off set-up
        warm = self.client.jobs_done > 1 and "asset_import" not in done.stages
        self.rendered = _Rendered(task, done, job, self.client.ready, clock, warm)

    def _finish_rendered(self, report: Report) -> None:
        """Annotate and write the image the worker last answered for, then report it."""
        if self.rendered is None:
            return
        x, self.rendered = self.rendered, None
        x.clock.restart()
        rejection = CollectedRejection()
        setup = self.setup
        kept = keep_or_reject(
            x.task, x.done, x.job, x.ready, setup.library_sha256, setup.gates, rejection, x.clock
        )
        stages = {**x.done.stages, **x.clock.stages} if x.done.ok and x.warm else {}
        if kept:
            report(x.task, Outcome(TaskState.kept, stages=stages, sizes=written_sizes(x.task)))
        else:
            report(x.task, Outcome(TaskState.rejected, rejection=rejection.record, stages=stages))
