"""`comco render --engine local`: K worker processes on this machine, one thread each.

Each thread runs a `Feeder` over a shared queue; the heavy work happens in the worker
processes, the threads only wait on pipes and write annotations.
"""

from __future__ import annotations

import queue
import sys
import threading
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from tqdm import tqdm

from comco.dataset.folder import DatasetFolder
from comco.render.protocol import Ready
from comco.runner.feeder import Feeder, FeedSetup, Outcome
from comco.runner.ledger import Ledger
from comco.runner.tasks import Task
from comco.runner.worker_client import WorkerClient


class _Slot(threading.Thread):
    """One worker process and the thread that feeds it from the shared queue."""

    def __init__(
        self,
        n: int,
        tasks: queue.Queue[Task],
        folder: DatasetFolder,
        setup: FeedSetup,
        ledger: Ledger,
    ):
        super().__init__(name=f"render-slot-{n}", daemon=True)
        self.n, self.tasks, self.ledger = n, tasks, ledger
        self.client = WorkerClient(setup.options, folder.logs / f"worker-{n}.log")
        self.feeder = Feeder(
            self.client, setup, folder.scratch / f"slot{n}", f"{n}", self._worker_started
        )

    def run(self) -> None:
        try:
            self.feeder.run(self._next, self._report, self.ledger.stopping.is_set)
        except Exception as error:  # WorkerStartError, or a runner bug: stop the run, show it
            self.ledger.fail(error)

    def _next(self, wait: bool) -> Task | None:
        """The queue's next task; none left means none will come (only this slot's own
        crashes put tasks back, and it is still running)."""
        try:
            return self.tasks.get_nowait()
        except queue.Empty:
            return None

    def _report(self, task: Task, outcome: Outcome) -> None:
        if self.ledger.settle(task, outcome):
            self.tasks.put(task)

    def _worker_started(self, ready: Ready) -> None:
        if self.ledger.worker_started(ready.device, ready.blender_version):
            tqdm.write(
                f"worker {self.n}: rendering on {ready.device} (pid {ready.pid})", file=sys.stderr
            )


class LocalEngine:
    """Worker processes on this machine, at most one per task."""

    def __init__(self, workers: int):
        self.workers = workers

    def session(self) -> AbstractContextManager[None]:
        return nullcontext()

    def render(
        self, todo: list[Task], folder: DatasetFolder, setup: FeedSetup, ledger: Ledger
    ) -> dict[str, Any]:
        tasks: queue.Queue[Task] = queue.Queue()
        for task in todo:
            tasks.put(task)
        count = max(1, min(self.workers, len(todo))) if todo else 0
        slots = [_Slot(n, tasks, folder, setup, ledger) for n in range(count)]
        for slot in slots:
            slot.start()
        try:
            for slot in slots:
                while slot.is_alive():
                    slot.join(timeout=0.5)
        except KeyboardInterrupt:
            ledger.stopping.set()
            for slot in slots:
                slot.client.stop()
            raise
        return {"workers": len(slots)}
